"""Voice conversion by disentangled codes: AdaIN-VC and its VQ variant, trained without parallel data.

AdaIN-VC (Chou, Yeh & Lee 2019, https://arxiv.org/abs/1904.05742) splits a (log-mel) utterance
into two codes and rebuilds it from them:

- a **content encoder** with instance normalisation in every layer and on its output code: each
  channel of each utterance is normalised over time, which removes the utterance's global
  channel statistics, and with them most of who is speaking (the speaker's timbre is a constant
  spectral colouring: channel means and spreads);
- a **speaker encoder**: the utterance pooled over time into one vector;
- a **decoder** that reads the content code and injects the speaker vector by adaptive instance
  normalisation (AdaIN, :class:`aekit.layers.AdaIN`): the speaker sets the statistics the
  content code was stripped of.

Trained only to reconstruct, with no parallel data (nobody has to say the same sentences); to
convert, the content of one utterance is decoded with the speaker vector of another.

The three networks are aekit's masked 1-D conv nets (``net="conv1d"``): the content code is a
sequence (one vector per ``2^stages`` frames), the speaker code is ``code="pooled"``. The
content code goes through the model's bottleneck, so ``bottleneck="vq"`` quantises it frame by
frame and ``"gaussian"`` makes it variational (AdaIN-VC's own choice: a noisy content code
carries less). Model ``"vqvc"`` (Wu & Lee 2020, https://arxiv.org/abs/2006.10001) takes the
speaker from what quantisation throws away: the time-mean of ``h - q(h)``, with no speaker
encoder of its own.

Training reads random fixed-length segments (``segment`` frames; drawn by a pipeline step from
the trainer's seeded generator, so runs are reproducible and data-parallel processes agree) of
variable-length utterances; the speaker encoder reads another segment of the same utterance, so
the speaker code cannot smuggle the content of the segment it rebuilds. Validation and
conversion use whole utterances of any length (masked convolutions).

Optionally (``speakers`` > 0 and ``adversarial_weight`` > 0) an adversarial speaker classifier
reads the content code with an optimizer of its own (``"speaker_clf"``), and the encoder is
pushed to make its predictions uniform (a batch needs ``speaker`` labels then).
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field

import torch
import torch.nn.functional as F
from torch import nn

from ..bottlenecks import BottleneckOutput, create_bottleneck
from ..config import ModelConfig, TrainConfig, check_number
from ..context import Context
from ..errors import ConfigError, DataError
from ..layers import Norm
from ..nets import create_nets
from ..optim import OptimizerSpec
from .base import MODELS, Model


@dataclass
class VoiceOptions:
    speaker_dim: int = 64  # size of the speaker code
    speaker_channels: list[int] = field(default_factory=lambda: [128, 128])  # speaker encoder stages
    content_norm: str = "instance"  # "instance" (AdaIN-VC) | "none": the entangled baseline
    segment: int = 128  # training crop, frames
    reference: str = "other"  # the speaker encoder reads "other" segment of the utterance, or the "same"
    # > 0: the content encoder reads the spectrogram smoothed along frequency, keeping this many cepstral
    # coefficients (c0..c_{n-1}): the spectral envelope (what is said), without the harmonic ripple of
    # the voice's pitch; 0: the spectrogram as it is (AdaIN-VC)
    content_lifter: int = 0
    speakers: int = 0  # training speakers, for the adversarial classifier (0: none)
    adversarial_weight: float = 0.0  # weight of the encoder's "make the classifier uniform" term
    classifier_lr: float | None = None  # None: the training lr

    def __post_init__(self) -> None:
        self.speaker_dim = check_number(self.speaker_dim, "speaker_dim", integer=True, minimum=1,
                                        meaning="size of the speaker code")
        if not self.speaker_channels or any(isinstance(c, bool) or not isinstance(c, int) or c < 1
                                            for c in self.speaker_channels):
            raise ConfigError(f"speaker_channels={self.speaker_channels!r} must be a non-empty list of positive widths.")
        if self.content_norm not in ("instance", "none"):
            raise ConfigError(f"content_norm={self.content_norm!r} must be 'instance' (AdaIN-VC) or 'none'.")
        self.segment = check_number(self.segment, "segment", integer=True, minimum=8, meaning="training crop, frames")
        if self.reference not in ("other", "same"):
            raise ConfigError(f"reference={self.reference!r} must be 'other' (another segment of the utterance) "
                              "or 'same'.")
        self.content_lifter = check_number(self.content_lifter, "content_lifter", integer=True, minimum=0,
                                           meaning="cepstral coefficients the content encoder keeps; 0: all")
        self.speakers = check_number(self.speakers, "speakers", integer=True, minimum=0,
                                     meaning="training speakers, for the adversarial classifier")
        self.adversarial_weight = check_number(self.adversarial_weight, "adversarial_weight", minimum=0,
                                               meaning="weight of the adversarial speaker term")
        if self.adversarial_weight > 0 and self.speakers < 2:
            raise ConfigError(f"adversarial_weight={self.adversarial_weight:g} needs speakers >= 2 (the number of "
                              f"training speakers the classifier tells apart); got speakers={self.speakers}.")
        self.classifier_lr = check_number(self.classifier_lr, "classifier_lr", above=0, optional=True,
                                          meaning="learning rate of the speaker classifier; None: the training lr")


def crop_segments(x: torch.Tensor, lengths: torch.Tensor, segment: int, gen: torch.Generator
                  ) -> tuple[torch.Tensor, torch.Tensor]:
    """A random ``segment``-frame window of each padded sequence ``x`` ``(B, C, T)`` (the whole of a
    shorter one, padded): ``(windows (B, C, segment), mask (B, segment))``."""
    B, C, T = x.shape
    if T < segment:
        x = F.pad(x, (0, segment - T))
    span = (lengths - segment).clamp(min=0)
    start = (torch.rand(B, generator=gen) * (span + 1).to(torch.float32)).floor().long().clamp(max=span)
    idx = (start[:, None] + torch.arange(segment)[None, :])  # (B, segment)
    windows = x.gather(2, idx[:, None, :].expand(B, C, segment))
    mask = torch.arange(segment)[None, :] < (lengths - start)[:, None]
    return windows * mask[:, None, :].to(x.dtype), mask


def lifter_matrix(n: int, keep: int) -> torch.Tensor:
    """``(n, n)`` matrix that smooths a log spectrum of ``n`` bands: DCT-II, keep the first ``keep``
    coefficients, inverse (orthonormal, so ``keep >= n`` is the identity)."""
    k = torch.arange(n, dtype=torch.float64)
    dct = torch.cos(math.pi / n * (k[None, :] + 0.5) * k[:, None]) * math.sqrt(2.0 / n)
    dct[0] /= math.sqrt(2.0)
    keep_mask = (k < keep).to(torch.float64)
    return (dct.T @ (keep_mask[:, None] * dct)).to(torch.float32)


class SpeakerClassifier(nn.Module):
    """Speaker logits from a sequence of codes ``(B, T, F)``: two convolutions and a masked mean."""

    def __init__(self, in_features: int, speakers: int, hidden: int = 128) -> None:
        super().__init__()
        self.convs = nn.ModuleList([nn.Conv1d(in_features, hidden, 5, padding=2), nn.Conv1d(hidden, hidden, 5, padding=2)])
        self.out = nn.Linear(hidden, speakers)

    def forward(self, z: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        h = z.transpose(1, 2)
        m = None if mask is None else mask[:, None, :].to(h.dtype)
        for conv in self.convs:
            h = F.gelu(conv(h))
            h = h if m is None else h * m
        pooled = h.mean(2) if m is None else h.sum(2) / m.sum(2).clamp(min=1)
        return self.out(pooled)


@MODELS.register("adain_vc")
class AdaINVC(Model):
    """AdaIN-VC (see the module docstring). ``input_shape`` is ``(n_mels, None)``; ``net`` must be
    ``"conv1d"``, whose ``net_options`` shape the content encoder and the decoder (the decoder's
    ``norm`` among them; the content encoder's norm is ``content_norm``)."""

    Options = VoiceOptions

    def __init__(self, config: ModelConfig) -> None:
        super().__init__(config)
        o = self.options
        if config.net != "conv1d" or not config.is_sequence:
            raise ConfigError(f"the {config.model!r} model reads spectrograms with the 1-D conv nets: use net='conv1d' and "
                              f"input_shape=(n_mels, None); got net={config.net!r}, input_shape={config.input_shape}.")
        if config.net_options.get("code", "sequence") != "sequence":
            raise ConfigError("the content code of a voice model is a sequence: leave net_options 'code' out.")
        self.bottleneck = create_bottleneck(config.bottleneck, config.latent_dim, **config.bottleneck_options)
        shape, b = config.input_shape, self.bottleneck
        self.encoder, _ = create_nets("conv1d", shape, b.in_features, b.out_features,
                                      **{**config.net_options, "norm": o.content_norm})
        _, self.decoder = create_nets("conv1d", shape, b.in_features, b.out_features, cond_dim=o.speaker_dim,
                                      conditioning="adain", **config.net_options)
        self.speaker_encoder = self._speaker_encoder()
        self.code_norm = Norm("instance", b.in_features, affine=False) if o.content_norm == "instance" else None
        if o.content_lifter:  # fixed, rebuilt from the options: not a weight
            self.register_buffer("lifter", lifter_matrix(self.n_mels, o.content_lifter), persistent=False)
        else:
            self.lifter = None
        self.classifier = (SpeakerClassifier(b.out_features, o.speakers) if o.adversarial_weight > 0 else None)

    def _speaker_encoder(self) -> nn.Module | None:
        o, cfg = self.options, self.config
        kernel = cfg.net_options.get("kernel_size", 5)
        enc, _ = create_nets("conv1d", cfg.input_shape, o.speaker_dim, o.speaker_dim, channels=o.speaker_channels,
                             kernel_size=kernel, code="pooled", norm="none",
                             blocks=cfg.net_options.get("blocks", 1))
        return enc

    # -- sizes -------------------------------------------------------------------------
    @property
    def n_mels(self) -> int:
        return self.config.input_shape[0]

    @property
    def data_dim(self) -> int:
        """Input values behind one content-code frame (the scale of a bottleneck's KL term)."""
        return self.n_mels * 2 ** len(self.encoder.stages)

    def _ctx(self, ctx: Context | None) -> Context:
        return dataclasses.replace(ctx or Context(), data_dim=self.data_dim)

    def _check(self, x: torch.Tensor, what: str) -> None:
        if x.dim() != 3 or x.shape[1] != self.n_mels:
            raise DataError(f"{what} must be log-mel spectrograms (B, {self.n_mels}, T); got shape {tuple(x.shape)}.")

    @staticmethod
    def _full_mask(x: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
        return torch.ones(x.shape[0], x.shape[2], dtype=torch.bool, device=x.device) if mask is None else mask.bool()

    # -- the three parts ---------------------------------------------------------------
    def _content_features(self, x: torch.Tensor, mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Encoder output ``(B, T', in_features)`` (instance-normalised over time) and its frame mask."""
        self._check(x, "the content input")
        if self.lifter is not None:
            x = torch.einsum("ij,bjt->bit", self.lifter, x)
        h = self.encoder(x, mask=mask)
        frames = self.encoder.frame_mask(mask)
        if self.code_norm is not None:  # the code's own channel statistics go too (AdaIN-VC's last IN)
            h = self.code_norm(h.transpose(1, 2), frames).transpose(1, 2)
        return h, frames

    def content(self, x: torch.Tensor, mask: torch.Tensor | None = None, ctx: Context | None = None
                ) -> tuple[BottleneckOutput, torch.Tensor]:
        """The content code of ``x`` ``(B, n_mels, T)``: the bottleneck's output (``z`` is what the
        decoder reads, ``(B, T', F)``) and the ``(B, T')`` mask of its frames."""
        h, frames = self._content_features(x, self._full_mask(x, mask))
        return self.bottleneck(h, self._ctx(ctx), mask=frames), frames

    def speaker(self, x: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        """The speaker code ``(B, speaker_dim)`` of utterances ``x`` ``(B, n_mels, T)``."""
        self._check(x, "the speaker reference")
        return self.speaker_encoder(x, mask=self._full_mask(x, mask))

    def decode(self, z: torch.Tensor, speaker: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """Log-mel frames ``(B, n_mels, T)`` from content ``z`` ``(B, T', F)`` and speaker codes;
        ``mask`` ``(B, T)`` gives the output length of each."""
        return self.decoder(z, cond=speaker, mask=mask)

    def convert(self, source: torch.Tensor, reference: torch.Tensor, source_mask: torch.Tensor | None = None,
                reference_mask: torch.Tensor | None = None) -> torch.Tensor:
        """The content of ``source`` spoken with the voice of ``reference`` (any lengths)."""
        out, _ = self.content(source, source_mask)
        return self.decode(out.z, self.speaker(reference, reference_mask), self._full_mask(source, source_mask))

    # -- training ----------------------------------------------------------------------
    def pipeline_steps(self) -> list:
        segment, other = self.options.segment, self.options.reference == "other"

        def crop(batch: dict, gen: torch.Generator) -> dict:
            x = batch["input"]
            lengths = batch["lengths"] if "lengths" in batch else torch.full((len(x),), x.shape[2])
            out = {k: v for k, v in batch.items() if k not in ("input", "mask", "lengths")}
            out["input"], out["mask"] = crop_segments(x, lengths, segment, gen)
            if other:
                out["reference"], out["reference_mask"] = crop_segments(x, lengths, segment, gen)
            return out

        return [crop]

    def configure_optimizers(self, train: TrainConfig) -> list[OptimizerSpec]:
        main = [p for n, p in self.named_parameters() if not n.startswith("classifier.") and p.requires_grad]
        specs = [OptimizerSpec("main", main)]
        if self.classifier is not None:
            specs.append(OptimizerSpec("speaker_clf", self.classifier.parameters(), algorithm="adam",
                                       lr=self.options.classifier_lr, weight_decay=0.0))
        return specs

    def _recon(self, y: torch.Tensor, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """Mean absolute error over real frames (L1, as AdaIN-VC trains)."""
        m = mask[:, None, :].to(y.dtype)
        return ((y - x).abs() * m).sum() / (m.sum() * y.shape[1]).clamp(min=1)

    def _speaker_of(self, batch: dict) -> torch.Tensor:
        if "reference" in batch:
            return self.speaker(batch["reference"], batch.get("reference_mask"))
        return self.speaker(batch["input"], batch.get("mask"))

    def _labels(self, batch: dict) -> torch.Tensor:
        if "speaker" not in batch:
            raise DataError("the adversarial speaker classifier needs a 'speaker' label (0..speakers-1) per utterance "
                            "in every batch.")
        labels = batch["speaker"].long().reshape(-1)
        if len(labels) and (labels.min() < 0 or labels.max() >= self.options.speakers):
            raise DataError(f"speaker labels must lie in [0, {self.options.speakers - 1}]; got {int(labels.min())} to "
                            f"{int(labels.max())}.")
        return labels

    def training_step(self, batch: dict, ctx: Context, optimizer: str) -> dict:
        x = batch["input"]
        mask = self._full_mask(x, batch.get("mask"))
        if optimizer == "speaker_clf":
            with torch.no_grad():
                out, frames = self.content(x, mask, ctx)
            logits = self.classifier(out.z.detach(), frames)
            labels = self._labels(batch)
            loss = F.cross_entropy(logits, labels)
            acc = float((logits.argmax(1) == labels).float().mean())
            return {"loss": loss, "losses": {"ce": loss}, "info": {"speaker_acc": acc}}
        out, frames = self.content(x, mask, ctx)
        y = self.decode(out.z, self._speaker_of(batch), mask)
        losses = {"recon": self._recon(y, x, mask), **out.losses}
        if self.classifier is not None and self.training:
            # the encoder's side of the game: the classifier should learn nothing (uniform predictions)
            logp = F.log_softmax(self.classifier(out.z, frames), 1)
            losses["adv"] = self.options.adversarial_weight * (-logp.mean(1)).mean()
        w = self.config.loss_weights
        loss = sum(w.get(k, 1.0) * v for k, v in losses.items())
        return {"loss": loss, "losses": losses, "info": out.info}

    def validation_step(self, batch: dict, ctx: Context) -> dict:
        """Whole utterances (no crop), each rebuilt from its own speaker code."""
        x = batch["input"]
        mask = self._full_mask(x, batch.get("mask"))
        out, _ = self.content(x, mask, ctx)
        y = self.decode(out.z, self.speaker(x, mask), mask)
        losses = {"recon": self._recon(y, x, mask), **out.losses}
        w = self.config.loss_weights
        return {"loss": sum(w.get(k, 1.0) * v for k, v in losses.items()), "losses": losses, "info": out.info}


@MODELS.register("vqvc")
class VQVC(AdaINVC):
    """VQVC (Wu & Lee 2020): the content code is vector-quantised (``bottleneck="vq"``), and the
    speaker code is the time-mean of what quantisation discards, ``h - q(h)``, mapped to
    ``speaker_dim`` by one linear layer (there is no separate speaker encoder)."""

    def __init__(self, config: ModelConfig) -> None:
        if config.bottleneck != "vq":
            raise ConfigError(f"vqvc quantises the content code: use bottleneck='vq', not {config.bottleneck!r}.")
        super().__init__(config)

    def _speaker_encoder(self) -> nn.Module:
        return nn.Linear(create_bottleneck(self.config.bottleneck, self.config.latent_dim,
                                           **self.config.bottleneck_options).in_features, self.options.speaker_dim)

    def speaker(self, x: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        mask = self._full_mask(x, mask)
        h, frames = self._content_features(x, mask)
        was = self.bottleneck.training
        self.bottleneck.eval()  # quantise only: no codebook update from the speaker's pass
        try:
            q = self.bottleneck(h, self._ctx(None), mask=frames).z.detach()  # the entries: no straight-through
        finally:
            self.bottleneck.train(was)
        residual = (h - q) * frames[:, :, None].to(h.dtype)  # the encoder learns through h
        mean = residual.sum(1) / frames.sum(1, keepdim=True).clamp(min=1).to(h.dtype)
        return self.speaker_encoder(mean)


__all__ = ["AdaINVC", "SpeakerClassifier", "VQVC", "VoiceOptions", "crop_segments", "lifter_matrix"]
