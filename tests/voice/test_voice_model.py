"""The AdaIN-VC and VQVC models: shapes, any length, padding, segments, the optional adversary."""

from __future__ import annotations

import pytest
import torch

from aekit import ModelConfig, TrainConfig, create_model
from aekit.context import Context
from aekit.errors import ConfigError, DataError
from aekit.models.voice import AdaINVC, VQVC, crop_segments, lifter_matrix

N_MELS = 12


def model(name="adain_vc", bottleneck="continuous", latent=4, **options):
    torch.manual_seed(0)
    opts = {"speaker_dim": 6, "speaker_channels": [8], "segment": 16, **options}
    bopts = {"dim": 4, "codebook_size": 8} if bottleneck == "vq" else {}
    cfg = ModelConfig(input_shape=(N_MELS, None), net="conv1d", net_options={"channels": [8, 8], "blocks": 1},
                      latent_dim=1 if bottleneck == "vq" else latent, bottleneck=bottleneck, bottleneck_options=bopts,
                      loss="l1", model=name, model_options=opts)
    return create_model(cfg).eval()


def test_codes_and_conversion_have_the_right_shapes_at_any_length():
    m = model()
    assert isinstance(m, AdaINVC)
    for t in (5, 16, 37, 301):
        x = torch.randn(2, N_MELS, t)
        out, frames = m.content(x)
        assert out.z.shape == (2, frames.shape[1], 4) and frames.shape[1] == -(-(-(-t // 2)) // 2)
        assert m.speaker(x).shape == (2, 6)
        ref = torch.randn(2, N_MELS, 50)
        assert m.convert(x, ref).shape == (2, N_MELS, t)


def test_padding_changes_nothing():
    m = model()
    x, ref = torch.randn(1, N_MELS, 23), torch.randn(1, N_MELS, 31)
    alone = m.convert(x, ref)
    pad = torch.cat([x, torch.randn(1, N_MELS, 17)], 2)
    mask = torch.arange(40)[None] < 23
    padded = m.convert(pad, torch.cat([ref, torch.randn(1, N_MELS, 9)], 2), mask, torch.arange(40)[None] < 31)
    torch.testing.assert_close(padded[..., :23], alone, atol=1e-5, rtol=1e-4)


def test_instance_norm_strips_channel_statistics_from_the_content_code():
    m = model()
    x = torch.randn(1, N_MELS, 40)
    shifted = x * torch.linspace(0.5, 2, N_MELS)[None, :, None] + torch.randn(1, N_MELS, 1)  # a new "timbre"
    out, _ = m.content(x)
    assert out.z[0].mean(0).abs().max() < 1e-4 and (out.z[0].std(0, unbiased=False) - 1).abs().max() < 1e-3
    baseline = model(content_norm="none")
    assert baseline.code_norm is None
    # the same content in another voice: the speaker code moves, more than the content code
    d_spk = (m.speaker(x) - m.speaker(shifted)).norm() / m.speaker(x).norm()
    assert d_spk > 0.05


def test_the_content_lifter_keeps_the_envelope_and_drops_the_ripple():
    n = 40
    assert torch.allclose(lifter_matrix(n, n), torch.eye(n), atol=1e-5)  # keep all: the identity
    bands = torch.arange(n, dtype=torch.float32)
    envelope = torch.cos(bands / n * 3.1)  # slow along frequency: what is said
    ripple = 0.5 * torch.cos(bands * 2.5)  # fast: the harmonics of the voice's pitch
    smooth = lifter_matrix(n, 8) @ (envelope + ripple)
    assert (smooth - envelope).abs().max() < 0.15 and ripple.abs().max() > 0.45  # ripple cut to a third or less
    # the model's content code then ignores a ripple added to the input; without the lifter it does not
    x = torch.randn(1, N_MELS, 30)
    rip = x + 0.8 * torch.cos(torch.arange(N_MELS) * 2.9)[None, :, None] * torch.randn(1, 1, 30)
    lifted, plain = model(content_lifter=4), model()
    d = lambda m: (m.content(x)[0].z - m.content(rip)[0].z).norm() / m.content(x)[0].z.norm()  # noqa: E731
    assert d(lifted) < 0.5 * d(plain)
    assert lifted.state_dict().keys() == plain.state_dict().keys()  # a fixed matrix, not a weight


def test_segments_are_random_windows_of_real_frames():
    x = torch.arange(2 * 3 * 20, dtype=torch.float32).reshape(2, 3, 20) + 1
    lengths = torch.tensor([20, 7])
    g = torch.Generator().manual_seed(0)
    win, mask = crop_segments(x, lengths, 10, g)
    assert win.shape == (2, 3, 10) and mask[0].all() and mask[1].sum() == 7  # a short one: all of it, padded
    start = int(win[0, 0, 0] - 1)
    torch.testing.assert_close(win[0], x[0, :, start:start + 10])
    assert (win[1][:, ~mask[1]] == 0).all()
    again, _ = crop_segments(x, lengths, 10, torch.Generator().manual_seed(0))
    torch.testing.assert_close(again, win)  # the trainer's seeded generator decides


def test_pipeline_crops_two_segments_and_training_reads_them():
    m = model(segment=8).train()
    (crop,) = m.pipeline_steps()
    batch = {"input": torch.randn(3, N_MELS, 30), "lengths": torch.tensor([30, 12, 5]),
             "mask": torch.ones(3, 30, dtype=torch.bool)}
    out = crop(batch, torch.Generator().manual_seed(0))
    assert out["input"].shape == out["reference"].shape == (3, N_MELS, 8)
    assert out["mask"].sum(1).tolist() == [8, 8, 5] and "lengths" not in out
    step = m.training_step(out, Context(), "main")
    assert set(step["losses"]) == {"recon"} and step["loss"].requires_grad
    with torch.no_grad():  # validation: whole utterances, no crop
        v = m.validation_step(batch, Context())
    assert torch.isfinite(v["loss"])


def test_adversarial_classifier_has_its_own_optimizer_and_needs_labels():
    m = model(speakers=3, adversarial_weight=0.5).train()
    names = [s.name for s in m.configure_optimizers(TrainConfig())]
    assert names == ["main", "speaker_clf"]
    batch = {"input": torch.randn(4, N_MELS, 16), "speaker": torch.tensor([0, 1, 2, 0])}
    assert set(m.training_step(batch, Context(), "main")["losses"]) == {"recon", "adv"}
    assert "speaker_acc" in m.training_step(batch, Context(), "speaker_clf")["info"]
    with pytest.raises(DataError, match="needs a 'speaker' label"):
        m.training_step({"input": batch["input"]}, Context(), "speaker_clf")
    with pytest.raises(DataError, match=r"must lie in \[0, 2\]"):
        m.training_step({**batch, "speaker": torch.tensor([0, 1, 5, 0])}, Context(), "speaker_clf")


def test_vqvc_takes_the_speaker_from_the_quantisation_residual():
    m = model("vqvc", bottleneck="vq").train()
    assert isinstance(m, VQVC) and isinstance(m.speaker_encoder, torch.nn.Linear)
    x = torch.randn(2, N_MELS, 24)
    loss = m.training_step({"input": x}, Context(), "main")["loss"]
    loss.backward()
    assert m.encoder.head.weight.grad.abs().sum() > 0
    assert m.eval().convert(x, torch.randn(1, N_MELS, 9).expand(2, -1, -1)).shape == x.shape


@pytest.mark.parametrize("kwargs, match", [
    (dict(net="mlp", input_shape=(N_MELS, None)), "use net='conv1d'"),
    (dict(input_shape=(64,)), "use net='conv1d'"),
    (dict(model_options={"content_norm": "group"}), "content_norm='group' must be 'instance'"),
    (dict(model_options={"adversarial_weight": 1.0}), "needs speakers >= 2"),
    (dict(model_options={"reference": "elsewhere"}), "reference='elsewhere'"),
    (dict(model_options={"segment": 2}), "segment=2 must be a whole number >= 8"),
    (dict(model="vqvc"), "vqvc quantises the content code: use bottleneck='vq'"),
    (dict(model_options={"content_lifter": -1}), "content_lifter=-1"),
])
def test_bad_configurations_are_clear_errors(kwargs, match):
    cfg = dict(input_shape=(N_MELS, None), net="conv1d", model="adain_vc", model_options={})
    with pytest.raises(ConfigError, match=match):
        create_model(ModelConfig(**{**cfg, **kwargs}))


def test_wrong_inputs_are_clear_errors():
    m = model()
    with pytest.raises(DataError, match=rf"log-mel spectrograms \(B, {N_MELS}, T\); got shape \(2, 5, 30\)"):
        m.content(torch.randn(2, 5, 30))
