"""Conv network options: kernel sizes, dense layers, residual blocks, odd sizes and clear errors."""

from __future__ import annotations

import pytest
import torch

from aekit import ConfigError
from aekit.nets import create_nets


def _nets(shape, **opts):
    torch.manual_seed(0)
    return create_nets("conv", shape, 6, 6, **opts)


@pytest.mark.parametrize("kernel", [2, 3, 4, 5])
@pytest.mark.parametrize("shape", [(1, 28, 28), (1, 25, 25), (3, 17, 12)])
def test_every_kernel_size_round_trips_the_exact_image_size(kernel, shape):
    enc, dec = _nets(shape, channels=[4, 8], kernel_size=kernel)
    x = torch.rand(3, *shape)
    z = enc(x)
    assert z.shape == (3, 6)
    assert dec(z).shape == x.shape


def test_fc_hidden_adds_dense_layers_in_both_directions():
    enc, dec = _nets((1, 28, 28), channels=[4, 8], fc_hidden=[32, 16])
    widths = [m.out_features for m in enc.fc if isinstance(m, torch.nn.Linear)]
    assert widths == [32, 16, 6]
    widths = [m.out_features for m in dec.fc if isinstance(m, torch.nn.Linear)]
    assert widths == [16, 32, 8 * 7 * 7]


def test_residual_blocks_add_depth_and_start_near_identity_paths():
    plain_enc, _ = _nets((1, 16, 16), channels=[4, 8])
    enc, dec = _nets((1, 16, 16), channels=[4, 8], blocks=2)
    n_params = lambda m: sum(p.numel() for p in m.parameters())  # noqa: E731
    assert n_params(enc) > n_params(plain_enc)
    x = torch.rand(2, 1, 16, 16)
    assert dec(enc(x)).shape == x.shape
    block = next(m for m in enc.modules() if type(m).__name__ == "ResBlock")
    h = torch.randn(2, 4, 8, 8)
    with torch.no_grad():  # zero the last conv: the block is then exactly the identity (the skip path)
        block.body[-1].weight.zero_()
        block.body[-1].bias.zero_()
    torch.testing.assert_close(block(h), h)


@pytest.mark.parametrize("opts,match", [
    (dict(channels=[4, 8, 16], kernel_size=4), r"Images of 7x7 are too small for 3 stride-2 stages.*1x1"),
    (dict(channels=[]), r"channels=\[\] must be a non-empty list"),
    (dict(kernel_size=11), r"kernel_size=11 must be between 2 and 9"),
    (dict(norm="batch"), r"norm='batch' must be one of 'none', 'group', 'instance'"),
    (dict(blocks=-1), r"blocks=-1 must be a whole number"),
])
def test_bad_options_are_clear_config_errors(opts, match):
    with pytest.raises(ConfigError, match=match):
        _nets((1, 7, 7), **opts)


def test_grid_codes_keep_one_vector_per_position():
    from aekit.config import ModelConfig
    from aekit.errors import ConfigError
    from aekit.models import AEModel

    cfg = dict(input_shape=(1, 28, 28), net="conv", bottleneck="vq", net_options={"channels": [8, 16], "grid": True},
               bottleneck_options={"codebook_size": 8, "dim": 4})
    model = AEModel(ModelConfig(latent_dim=49, **cfg)).eval()
    x = torch.rand(2, 1, 28, 28)
    h = model.encoder(x)  # (B, 7*7*4): position-major, so vector k is position k's 4 channels
    assert h.shape == (2, 49 * 4)
    fmap = model.encoder.fc(model.encoder.conv(x))  # (B, 4, 7, 7)
    torch.testing.assert_close(h.reshape(2, 49, 4)[:, 10], fmap[:, :, 1, 3])  # position 10 = row 1, col 3
    assert model(x)["x_hat"].shape == x.shape
    with pytest.raises(ConfigError, match="multiple of 49"):
        AEModel(ModelConfig(latent_dim=50, **cfg))
    with pytest.raises(ConfigError, match="fc_hidden"):
        AEModel(ModelConfig(latent_dim=49, **{**cfg, "net_options": {"channels": [8, 16], "grid": True,
                                                                      "fc_hidden": [32]}}))
