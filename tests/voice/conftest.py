"""A tiny synthesised corpus and a tiny voice model trained on it, once per session (seconds)."""

from __future__ import annotations

import pytest
import torch

pytest.importorskip("librosa")
pytest.importorskip("soundfile")
pytest.importorskip("espeakng_loader")

from aekit.data.speech import SPEAKERS, synthesize_corpus  # noqa: E402
from aekit.voice import VoiceConverter  # noqa: E402

TINY = dict(epochs=3, batch_size=4, latent_dim=4, n_iter=4, verbose=False,
            net_options={"channels": [16, 16], "kernel_size": 5, "blocks": 0},
            model_options={"speaker_dim": 8, "speaker_channels": [16], "segment": 32})


@pytest.fixture(scope="session")
def tiny_corpus(tmp_path_factory):
    # 3 speakers: 2 train on 5 sentences each (non-parallel), all 3 say 2 more (parallel)
    return synthesize_corpus(tmp_path_factory.mktemp("speech"), speakers=(SPEAKERS[0], SPEAKERS[4], SPEAKERS[12]),
                             n_train_speakers=2, train_sentences=5, eval_sentences=2, progress=False)


@pytest.fixture(scope="session")
def tiny_converter(tiny_corpus):
    before = torch.get_num_threads()
    idx = tiny_corpus.select("train")
    vc = VoiceConverter(**TINY).fit([tiny_corpus.wave(i) for i in idx], tiny_corpus.sr)
    torch.set_num_threads(before)
    return vc


@pytest.fixture(scope="session")
def tiny_model_dir(tiny_converter, tmp_path_factory):
    path = tmp_path_factory.mktemp("voice") / "model"
    tiny_converter.save(path)
    return path
