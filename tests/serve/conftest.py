"""A models folder for the web app's tests: a small VAE (reconstructs, samples, interpolates) and an
anomaly detector, trained quickly on real MNIST digits, and PNG files of real digits."""

from __future__ import annotations

import base64
import io

import numpy as np
import pytest
from PIL import Image

import aekit


@pytest.fixture(scope="session")
def models_dir(tmp_path_factory):
    root = tmp_path_factory.mktemp("served")
    ds = aekit.load_dataset("mnist")
    vae = aekit.AutoEncoder(8, bottleneck="gaussian", net_options=dict(channels=[8, 16], fc_hidden=[64]), loss="mse",
                            epochs=2, lr=3e-3, verbose=False, n_threads=1).fit(ds.X_train[:1500])
    vae.save(root / "vae")
    zeros = ds.X_train[ds.y_train == 0][:200]
    ae = aekit.AutoEncoder(8, net_options=dict(channels=[8, 16], fc_hidden=[64]), epochs=2, verbose=False)
    det = aekit.AnomalyDetector(ae, verbose=False, n_threads=1).fit(zeros)
    det.save(root / "detectors" / "zero")
    (root / "notes").mkdir()
    (root / "notes" / "config.json").write_text("{not json")  # not a model: left out, no error
    return root


def png_bytes(img: np.ndarray, fmt: str = "PNG") -> bytes:
    buf = io.BytesIO()
    Image.fromarray(np.asarray(img, np.uint8)).save(buf, format=fmt)
    return buf.getvalue()


def data_url(img: np.ndarray) -> str:
    return "data:image/png;base64," + base64.b64encode(png_bytes(img)).decode()


@pytest.fixture(scope="session")
def test_digit():
    ds = aekit.load_dataset("mnist")
    return ds.X_test[0].astype(np.uint8), int(ds.y_test[0])


def wav_bytes(wave: np.ndarray, sr: int, subtype: str = "PCM_16", fmt: str = "WAV") -> bytes:
    import soundfile as sf

    buf = io.BytesIO()
    sf.write(buf, wave, sr, format=fmt, subtype=subtype)
    return buf.getvalue()


@pytest.fixture(scope="session")
def speech():
    """Two short sentences by two eSpeak NG voices (a man's and a woman's), 22,050 Hz: ``(source,
    reference, sr)``. eSpeak comes from PyPI (espeakng-loader, in the test extra), not from Debian."""
    pytest.importorskip("espeakng_loader", reason="pip install -e '.[test]' brings eSpeak NG")
    from aekit.data.speech import ESpeak

    engine = ESpeak.get()
    source = engine.synth("Anna painted the old basket near the river.", "en-us+m3", rate=170, pitch=55)
    reference = engine.synth("Please check the yellow lamp this morning.", "en-us+f3", rate=170, pitch=45)
    return source, reference, engine.sample_rate
