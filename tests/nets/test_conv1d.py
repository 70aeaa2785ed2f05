"""The 1-D conv family over padded sequences: lengths, masks, padding invariance, pooled codes, conditions."""

from __future__ import annotations

import math

import pytest
import torch

from aekit import ConfigError, ModelConfig, create_model
from aekit.data.batches import pad_collate
from aekit.nets import create_nets
from aekit.nets.conv1d import out_length


pytestmark = pytest.mark.usefixtures("one_thread")  # tests/conftest.py


def _signals(lengths, channels=4, seed=0):
    """Smooth multi-channel signals (sums of sinusoids) of the given lengths, as a list of (C, T)."""
    g = torch.Generator().manual_seed(seed)
    out = []
    for t in lengths:
        f = torch.rand(channels, 1, generator=g) * 0.3 + 0.05
        ph = torch.rand(channels, 1, generator=g) * 6.28
        out.append(torch.sin(f * torch.arange(t)[None, :] + ph))
    return out


def _model(bottleneck="continuous", norm="group", code="sequence", latent_dim=6, **kw):
    torch.manual_seed(0)
    opts = {"continuous": {}, "vq": {"codebook_size": 16, "dim": 3}, "gaussian": {}, "binary": {},
            "categorical": {"categories": 4}}[bottleneck]
    return create_model(ModelConfig(input_shape=(4, None), net="conv1d", latent_dim=latent_dim,
                                    net_options={"channels": [8, 16], "norm": norm, "code": code, "blocks": 1},
                                    bottleneck=bottleneck, bottleneck_options=opts, **kw))


def test_code_frames_follow_the_stride_two_stages():
    enc, dec = create_nets("conv1d", (4, None), 5, 5, channels=[8, 16, 16], kernel_size=5)
    for t in [8, 9, 37, 64]:
        x = torch.randn(2, 4, t)
        h = enc(x)
        assert h.shape == (2, math.ceil(math.ceil(math.ceil(t / 2) / 2) / 2), 5)
        assert dec(h, mask=torch.ones(2, t, dtype=torch.bool)).shape == (2, 4, t)
    assert out_length(torch.tensor([8, 9]), 5).tolist() == [4, 5]


@pytest.mark.parametrize("bottleneck", ["continuous", "vq", "gaussian", "binary", "categorical"])
@pytest.mark.parametrize("norm", ["group", "instance"])
def test_padding_never_changes_a_sequences_code_or_reconstruction(bottleneck, norm):
    """Every layer masks the padding and the norms count real frames only: more padding, same result."""
    model = _model(bottleneck, norm)
    seqs = _signals([8, 23, 64, 41])
    model.train()(**_forward_args(pad_collate([{"input": s} for s in seqs])))  # lazy state (k-means codebook)
    model.eval()
    tight = pad_collate([{"input": s} for s in seqs])  # padded to 64
    loose = pad_collate([{"input": s} for s in seqs] + [{"input": torch.zeros(4, 100)}])  # padded to 100
    with torch.no_grad():
        a = model(**_forward_args(tight))
        b = model(**_forward_args(loose))
        alone = [model(**_forward_args(pad_collate([{"input": s}]))) for s in seqs]
    torch.testing.assert_close(b["per_sample"][:4], a["per_sample"], rtol=1e-4, atol=1e-5)
    for i, s in enumerate(seqs):
        t = s.shape[1]
        torch.testing.assert_close(a["x_hat"][i, :, :t], alone[i]["x_hat"][0], rtol=1e-4, atol=1e-5)
        torch.testing.assert_close(b["x_hat"][i, :, :t], alone[i]["x_hat"][0], rtol=1e-4, atol=1e-5)
        torch.testing.assert_close(a["per_sample"][i], alone[i]["per_sample"][0], rtol=1e-4, atol=1e-5)
        assert (a["x_hat"][i, :, t:] == 0).all()  # nothing is written into the padding
        frames = a["bottleneck"].code.shape[1]
        code_t = out_length(out_length(torch.tensor(t), 5), 5)
        torch.testing.assert_close(a["bottleneck"].code[i, :code_t], alone[i]["bottleneck"].code[0, :code_t],
                                   rtol=1e-4, atol=1e-5)
        assert (a["bottleneck"].code[i, code_t:frames] == 0).all()


def _forward_args(batch):
    return {"x": batch["input"], "mask": batch.get("mask")}


def test_a_sequence_model_learns_to_rebuild_unseen_signals():
    from aekit import TrainConfig, Trainer

    train = [{"input": s} for s in _signals(torch.randint(8, 65, (300,), generator=torch.Generator().manual_seed(1))
                                           .tolist(), seed=1)]
    test = pad_collate([{"input": s} for s in _signals([12, 40, 64, 9], seed=2)])
    model = _model("continuous", latent_dim=12, norm="none")

    class Seqs(torch.utils.data.Dataset):
        def __len__(self):
            return len(train)

        def __getitem__(self, i):
            return train[i]

    with torch.no_grad():
        before = model.eval()(**_forward_args(test))["loss"].item()
    h = Trainer(TrainConfig(epochs=20, batch_size=32, lr=1e-2, progress=False, patience=None)).fit(model, Seqs())
    with torch.no_grad():
        after = model.eval()(**_forward_args(test))["loss"].item()
    # the signals' variance is 0.5; 12 numbers per 4 frames of 4 channels: 0.04 (measured), bar 0.09
    assert after < 0.15 * before and h.val_loss[-1] < 0.15 * h.val_loss[0]


def test_a_pooled_code_is_one_vector_per_sequence_and_decodes_to_its_length():
    model = _model("continuous", code="pooled").eval()
    batch = pad_collate([{"input": s} for s in _signals([10, 33])])
    with torch.no_grad():
        out = model(**_forward_args(batch))
    assert out["bottleneck"].code.shape == (2, 6)
    assert out["x_hat"].shape == (2, 4, 33) and (out["x_hat"][0, :, 10:] == 0).all()
    with pytest.raises(Exception, match="needs the output length"):
        model.decode(out["bottleneck"].z)


@pytest.mark.parametrize("conditioning", ["concat", "film", "adain"])
def test_a_conditioned_sequence_decoder_reads_its_condition(conditioning):
    enc, dec = create_nets("conv1d", (4, None), 6, 6, channels=[8, 16], cond_dim=3, conditioning=conditioning)
    torch.manual_seed(0)
    for p in dec.parameters():  # FiLM/AdaIN start as the identity: give the condition some weight
        torch.nn.init.normal_(p, std=0.3)
    z = torch.randn(2, 5, 6)
    mask = torch.ones(2, 20, dtype=torch.bool)
    a = dec(z, cond=torch.tensor([[1.0, 0, 0]] * 2), mask=mask)
    b = dec(z, cond=torch.tensor([[0, 1.0, 0]] * 2), mask=mask)
    assert a.shape == (2, 4, 20) and (a - b).abs().mean() > 1e-3


def test_bad_conv1d_options_are_clear_errors():
    with pytest.raises(ConfigError, match="kernel_size=4 must be odd"):
        create_nets("conv1d", (4, None), 5, 5, kernel_size=4)
    with pytest.raises(ConfigError, match="code='mean' must be 'sequence' or 'pooled'"):
        create_nets("conv1d", (4, None), 5, 5, code="mean")
    with pytest.raises(ConfigError, match=r"conv1d network needs sequences of shape \(C, T\)"):
        create_nets("conv1d", (1, 8, 8), 5, 5)
    with pytest.raises(ConfigError, match="conditioning='add' must be one of"):
        create_nets("conv1d", (4, None), 5, 5, cond_dim=2, conditioning="add")
