"""A tiny untrained codec (fast, deterministic) for the coding and file tests."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from aekit.compression import Codec, CodecConfig, CodecModel, save_codec


KINDS = {
    "flat-factorized": dict(latent="flat", entropy="factorized", latent_dim=12),
    "spatial-hyperprior": dict(latent="spatial", entropy="hyperprior", latent_dim=4, hyper_channels=4, blocks=1,
                               global_dim=3),
}


@pytest.fixture(scope="session", params=list(KINDS))
def tiny_codec(request, tmp_path_factory) -> Codec:
    """Both kinds of entropy model: every coding and file test runs on each."""
    torch.manual_seed(0)
    models = []
    for q, lm in ((1, 50.0), (2, 500.0)):
        m = CodecModel(CodecConfig(image_shape=(1, 16, 12), channels=8, hidden=32, lmbda=lm, quality=q,
                                   **KINDS[request.param]))
        with torch.no_grad():  # a wide latent, so the symbols take many values as in a trained codec
            conv = [mod for mod in m.g_a if isinstance(mod, (torch.nn.Linear, torch.nn.Conv2d))][-1]
            conv.weight.mul_(20.0 * q)
        models.append(m.eval())
    path = tmp_path_factory.mktemp("codec") / "tiny"
    save_codec(path, "tiny", models)
    return Codec.load(path)


@pytest.fixture(scope="session")
def tiny_images() -> np.ndarray:
    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[:16, :12]
    imgs = [255 * np.exp(-((yy - rng.uniform(4, 12)) ** 2 + (xx - rng.uniform(3, 9)) ** 2) / rng.uniform(4, 20))
            for _ in range(300)]
    return np.clip(np.stack(imgs) + rng.normal(0, 8, (300, 16, 12)), 0, 255).astype(np.uint8)
