"""The conditional auto-encoder: encoder and decoder both read a condition ``c`` (a class label or
a vector), so the code need not carry it. With ``bottleneck="gaussian"`` it is the conditional
VAE (Sohn, Lee & Yan 2015, https://papers.nips.cc/paper/5775): ``q(z | x, c)``, ``p(x | z, c)``,
and sampling ``z ~ N(0, I)`` with a chosen ``c`` generates that class.

The batch's ``cond`` entry holds the condition: integer labels in ``[0, classes)`` (one-hot
encoded here) or ``(B, cond_dim)`` vectors. The decoder reads it by ``conditioning``:
concatenation with the code, FiLM or AdaIN (see :mod:`aekit.layers`).

The code then holds what the condition does not: with digit labels as the condition, the style
(slant, thickness, width). Decoding the code of one digit with another label redraws that label
in the first digit's style (:mod:`aekit.restyle`). For inputs without a label,
:meth:`ConditionalAE.infer_condition` gives one: from a classifier trained with the model
(``classifier=True``: the encoder family's network with one output per class, fitted on the
labels with its own optimizer, ``"classifier"``), or else the label whose reconstruction fits the
input best.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F

from ..config import ModelConfig, TrainConfig, _number, from_dict
from ..context import Context
from ..errors import ConfigError, DataError
from ..layers import check_conditioning
from ..nets import create_nets
from ..optim import OptimizerSpec
from .autoencoder import AEModel
from .base import MODELS


@dataclass
class ConditionalOptions:
    classes: int = 0  # the condition is a class label in [0, classes), one-hot encoded
    cond_dim: int = 0  # or a vector of this many numbers (exactly one of the two is set)
    conditioning: str = "concat"  # how the decoder reads it: "concat" | "film" | "adain"
    encoder_cond: bool = True  # the encoder reads it too: q(z | x, c)
    classifier: bool = False  # also learn q(c | x) from the labels, to infer the class of unlabelled inputs

    def __post_init__(self) -> None:
        _number(self, "classes", integer=True)
        _number(self, "cond_dim", integer=True)
        if (self.classes > 0) == (self.cond_dim > 0) or min(self.classes, self.cond_dim) < 0:
            raise ConfigError(f"the conditional model needs exactly one of classes (labels, got {self.classes}) or "
                              f"cond_dim (vectors, got {self.cond_dim}) > 0, e.g. model_options={{'classes': 10}}.")
        check_conditioning(self.conditioning)
        if not isinstance(self.encoder_cond, bool):
            raise ConfigError(f"encoder_cond={self.encoder_cond!r} must be true or false.")
        if not isinstance(self.classifier, bool):
            raise ConfigError(f"classifier={self.classifier!r} must be true or false.")
        if self.classifier and not self.classes:
            raise ConfigError("classifier=true infers class labels, so it needs classes > 0 (got cond_dim="
                              f"{self.cond_dim} vectors); drop classifier or give classes.")


@MODELS.register("conditional")
class ConditionalAE(AEModel):
    Options = ConditionalOptions
    takes_condition = True

    def __init__(self, config: ModelConfig) -> None:
        # AEModel.__init__ builds the networks from these attributes, so they are set first
        opts = from_dict(ConditionalOptions, dict(config.model_options), what="model_options of 'conditional'")
        self.cond_dim = opts.classes or opts.cond_dim
        self.encoder_cond = opts.encoder_cond
        self.conditioning = opts.conditioning
        super().__init__(config)
        self.classifier = None
        if opts.classifier:  # the encoder family's network, one logit per class; its decoder is not needed
            self.classifier, _ = create_nets(config.net, config.input_shape, opts.classes, 1, **config.net_options)

    def configure_optimizers(self, train: TrainConfig) -> list[OptimizerSpec]:
        if self.classifier is None:
            return super().configure_optimizers(train)
        # its own optimizer: the classifier's gradients never share a clipping norm with the auto-encoder's
        main = [p for name, p in self.named_parameters() if not name.startswith("classifier.")]
        return [OptimizerSpec("main", main), OptimizerSpec("classifier", self.classifier.parameters())]

    def training_step(self, batch: dict, ctx: Context, optimizer: str) -> dict:
        if optimizer != "classifier":
            return super().training_step(batch, ctx, optimizer)
        labels = self.condition(batch.get("cond")).argmax(1)  # checked labels, (B,)
        logits = self.classifier(batch["input"])  # (B, classes)
        loss = F.cross_entropy(logits, labels)
        return {"loss": loss, "losses": {"ce": loss},
                "info": {"accuracy": float((logits.detach().argmax(1) == labels).float().mean())}}

    @torch.no_grad()
    def infer_condition(self, x: torch.Tensor) -> torch.Tensor:
        """The class of each input ``x`` (B, *input_shape) without its label: (B,) long. The trained
        classifier's choice (``classifier=True``), else the class whose reconstruction of ``x`` (codes
        at their mean) has the smallest error."""
        if not self.options.classes:
            raise ConfigError("infer_condition() infers class labels; this conditional model reads vectors "
                              f"(cond_dim={self.options.cond_dim}), which cannot be inferred.")
        if self.classifier is not None:
            return self.classifier(x).argmax(1)
        was = self.training
        self.eval()
        errors = []
        for c in range(self.options.classes):
            cond = torch.full((len(x),), c, dtype=torch.long, device=x.device)
            logits = self.decode_logits(self.encode(x, cond).z, cond)
            errors.append(self.recon_error(logits, x))  # (B,)
        self.train(was)
        return torch.stack(errors, 1).argmin(1)

    def condition(self, cond: torch.Tensor | None) -> torch.Tensor:
        o = self.options
        if cond is None:
            raise DataError("this conditional model needs a condition for every sample: fit(X, y) / the batch's "
                            f"'cond' entry ({'class labels in [0, %d)' % o.classes if o.classes else f'vectors of {o.cond_dim}'}).")
        if o.classes:
            labels = cond.reshape(len(cond), -1)
            if labels.shape[1] != 1 or (labels.is_floating_point() and not torch.equal(labels, labels.round())):
                raise DataError(f"conditions must be one whole class label per sample; got shape {tuple(cond.shape)}.")
            labels = labels[:, 0].long()
            if len(labels) and (labels.min() < 0 or labels.max() >= o.classes):
                raise DataError(f"class labels must lie in [0, {o.classes - 1}]; got {int(labels.min())} to "
                                f"{int(labels.max())}.")
            return F.one_hot(labels, o.classes).to(next(self.parameters()).dtype)
        vec = cond.reshape(len(cond), -1).to(next(self.parameters()).dtype)
        if vec.shape[1] != o.cond_dim:
            raise DataError(f"conditions must be vectors of {o.cond_dim}; got shape {tuple(cond.shape)}.")
        return vec


__all__ = ["ConditionalAE", "ConditionalOptions"]
