"""Typed configuration dataclasses and their JSON round trip.

The one config mechanism of aekit: every model, trainer and scaler is described
by a dataclass here; ``to_dict``/``from_dict`` turn it into plain JSON and back,
and ``from_dict`` rejects unknown keys by name, so a typo in a config file is an
error, not a silently ignored option.

Each field is declared with :func:`option`: its default, its help text and, for numbers
and fixed choices, what it accepts. That declaration is the one source of truth: the
dataclass checks itself from it (:func:`check_fields`), and the estimator's parameters,
their documentation and the CLI flags are derived from it (``aekit.params``).

Numbers everywhere in aekit are checked by :func:`check_number`, so every bad number reads
the same: ``name=value must be <what it accepts> (<what it means>).``
"""

from __future__ import annotations

import dataclasses
import json
import difflib
import math
import numbers
import typing
from dataclasses import dataclass, field
from typing import Any, TypeVar

from .errors import ConfigError

C = TypeVar("C")


# ---------------------------------------------------------------------------- numbers
def _fmt(x: float) -> str:
    return f"{x:g}"


@dataclass(frozen=True)
class Number:
    """What a numeric option accepts: whole or real, its bounds, and whether ``None`` is allowed.

    ``minimum``/``maximum`` are inclusive bounds, ``above``/``below`` exclusive ones. Reals must
    be finite.
    """

    integer: bool = False
    minimum: float | None = None
    maximum: float | None = None
    above: float | None = None
    below: float | None = None
    optional: bool = False

    def describe(self) -> str:
        """E.g. ``"a whole number >= 1"``, ``"a number in [0, 1)"``, ``"a number > 0 or None"``."""
        what = "a whole number" if self.integer else "a number"
        lo = ("[", self.minimum) if self.minimum is not None else ("(", self.above) if self.above is not None else None
        hi = ("]", self.maximum) if self.maximum is not None else (")", self.below) if self.below is not None else None
        if lo and hi:
            what += f" in {lo[0]}{_fmt(lo[1])}, {_fmt(hi[1])}{hi[0]}"
        elif lo:
            what += f" {'>=' if lo[0] == '[' else '>'} {_fmt(lo[1])}"
        elif hi:
            what += f" {'<=' if hi[0] == ']' else '<'} {_fmt(hi[1])}"
        return what + (" or None" if self.optional else "")

    def accepts(self, value: Any) -> bool:
        if value is None:
            return self.optional
        if isinstance(value, bool) or not isinstance(value, numbers.Integral if self.integer else numbers.Real):
            return False
        v = float(value)
        return (math.isfinite(v)
                and (self.minimum is None or v >= self.minimum) and (self.maximum is None or v <= self.maximum)
                and (self.above is None or v > self.above) and (self.below is None or v < self.below))

    def check(self, value: Any, name: str, meaning: str | None = None) -> Any:
        """``value`` as a plain ``int``/``float`` (numpy scalars from a grid search serialise to JSON
        then), or ``ConfigError``: ``name=value must be <describe()> (<meaning>).``"""
        if not self.accepts(value):
            wanted = numbers.Integral if self.integer else numbers.Real
            wrong_type = value is not None and (isinstance(value, bool) or not isinstance(value, wanted))
            got = f", not a {type(value).__name__}" if wrong_type else ""
            about = f" ({meaning})" if meaning else ""
            raise ConfigError(f"{name}={value!r} must be {self.describe()}{about}{got}.")
        if value is None:
            return None
        return int(value) if self.integer else float(value)


def check_betas(betas) -> tuple[float, float]:
    """Adam's ``betas`` of a second optimizer (a discriminator's): two numbers in [0, 1)."""
    betas = tuple(float(b) for b in betas)
    if len(betas) != 2 or not all(0 <= b < 1 for b in betas):
        raise ConfigError(f"betas={betas} must be two numbers in [0, 1).")
    return betas


def check_number(value: Any, name: str, *, integer: bool = False, minimum: float | None = None,
                 maximum: float | None = None, above: float | None = None, below: float | None = None,
                 optional: bool = False, meaning: str | None = None) -> Any:
    """The one way aekit checks a number: returns it as a plain ``int``/``float`` or raises
    ``ConfigError("name=value must be a whole number >= 1 (meaning).")`` (see :class:`Number`)."""
    return Number(integer, minimum, maximum, above, below, optional).check(value, name, meaning)


def _number(obj: Any, name: str, integer: bool, optional: bool = False) -> None:
    """Check field ``name`` of ``obj`` with :func:`check_number` (type only) and store it as a plain
    int/float. Kept for the options dataclasses of models, priors and codecs; new code gives
    bounds with :func:`check_number` or declares them with :func:`option`."""
    setattr(obj, name, check_number(getattr(obj, name), name, integer=integer, optional=optional))


# ---------------------------------------------------------------------------- declared fields
def option(default: Any = dataclasses.MISSING, help: str = "", *, factory: Any = dataclasses.MISSING,
           number: Number | None = None, choices: tuple[str, ...] | None = None) -> Any:
    """A config field with its ``help`` (one phrase, used by the docs, ``--help`` and errors) and,
    for numbers or fixed choices, what it accepts (checked by :func:`check_fields`)."""
    if not help:
        raise TypeError("every config option needs its help text")
    meta = {"help": help, "number": number, "choices": tuple(choices) if choices else None}
    return field(default=default, default_factory=factory, metadata=meta)


def check_fields(obj: Any) -> None:
    """Check every field of config ``obj`` that declares a :class:`Number` or choices; numbers are
    stored back as plain ``int``/``float``."""
    for f in dataclasses.fields(obj):
        value = getattr(obj, f.name)
        if f.metadata.get("number") is not None:
            setattr(obj, f.name, f.metadata["number"].check(value, f.name, f.metadata["help"]))
        choices = f.metadata.get("choices")
        if choices and value not in choices:
            raise ConfigError(f"{f.name}={value!r} is not one of {', '.join(map(repr, choices))}.")


def field_help(cls: type, name: str) -> str:
    """The help text of field ``name`` of config class ``cls``."""
    return {f.name: f for f in dataclasses.fields(cls)}[name].metadata["help"]


_WHOLE = Number(integer=True, minimum=1)


@dataclass
class ModelConfig:
    """What model, network, bottleneck and loss make an auto-encoder.

    ``model`` names a registered model class (``aekit.models.MODELS``; ``"autoencoder"`` is the
    plain ``encoder -> bottleneck -> decoder``), ``model_options`` are that model's own options.
    ``input_shape`` is the shape of one sample as the network sees it: ``(D,)`` for vectors,
    ``(C, T)`` for sequences of ``C`` channels (``T`` may be ``None``: any length), ``(C, H, W)``
    for images.
    """

    input_shape: tuple[int | None, ...] = option(
        (784,), "shape of one sample as the network sees it: (D,) vectors, (C, T) sequences, (C, H, W) images")
    net: str = option("mlp", "network family, a name registered in aekit.nets.NETS: 'mlp', 'conv' or 'conv1d'")
    net_options: dict[str, Any] = option(
        factory=dict, help="keyword options of the network family, e.g. channels=[32, 64] or hidden=[64]")
    bottleneck: str = option(
        "continuous", "bottleneck, a name registered in aekit.bottlenecks.BOTTLENECKS: 'continuous', "
        "'gaussian' for a VAE, 'binary', 'categorical' for one-hot Gumbel-softmax codes, 'vq' for a VQ-VAE, "
        "'mixture' for a Gaussian-mixture VAE or 'joint' for parts side by side")
    bottleneck_options: dict[str, Any] = option(
        factory=dict, help="keyword options of the bottleneck; a discrete one with prior={...} also fits a "
        "transformer prior over its codes after the auto-encoder, which makes sampling work")
    latent_dim: int = option(8, "size of the code", number=_WHOLE)
    loss: str = option("mse", "reconstruction loss: 'mse', 'bce' for inputs in [0, 1], or 'l1'",
                       choices=("mse", "bce", "l1"))
    # "sigmoid" keeps reconstructions of data in [0, 1] inside that range (always with bce)
    output: str = option("auto", "decoder output: 'sigmoid', 'linear', or 'auto' = sigmoid for bce, else linear",
                         choices=("auto", "linear", "sigmoid"))
    loss_weights: dict[str, float] = option(factory=dict, help="weight of each extra loss term, by name")
    model: str = option(
        "autoencoder", "model, a name registered in aekit.models.MODELS: 'autoencoder' is encoder, bottleneck, "
        "decoder; 'conditional' reads the labels y given to fit in encoder and decoder, a conditional VAE with "
        "bottleneck 'gaussian'; 'adversarial' pushes the codes towards N(0, I) with a discriminator, so "
        "sampling works")
    model_options: dict[str, Any] = option(
        factory=dict, help="options of the model, unknown keys are an error: e.g. classes=10 for 'conditional', "
        "disc_hidden=[128] for 'adversarial'")

    def __post_init__(self) -> None:
        shape = tuple(self.input_shape)
        ok = len(shape) in (1, 2, 3) and all(s is None or (isinstance(s, numbers.Integral) and not isinstance(s, bool))
                                              for s in shape)
        # only a sequence's length (the last axis of a (C, T) shape) may be None
        ok = ok and all(s is not None for s in (shape if len(shape) != 2 else shape[:1]))
        if not ok or min((int(s) for s in shape if s is not None), default=0) < 1:
            raise ConfigError(
                f"input_shape={shape} must be (D,) for vectors, (C, T) for sequences (T may be None: any "
                "length) or (C, H, W) for images, with every size >= 1."
            )
        self.input_shape = tuple(None if s is None else int(s) for s in shape)
        check_fields(self)
        if self.loss == "bce" and self.output == "linear":
            raise ConfigError("loss='bce' needs a sigmoid output (targets in [0, 1]); use output='sigmoid' or 'auto'.")
        if not isinstance(self.model, str) or not self.model:
            raise ConfigError(f"model={self.model!r} must be the name of a registered model, e.g. 'autoencoder'.")
        for name in ("net_options", "bottleneck_options", "loss_weights", "model_options"):
            if not isinstance(getattr(self, name), dict):
                raise ConfigError(f"{name}={getattr(self, name)!r} must be a dict of options.")

    @property
    def output_activation(self) -> str:
        """The resolved decoder output: ``"sigmoid"`` or ``"linear"``."""
        if self.output == "auto":
            return "sigmoid" if self.loss == "bce" else "linear"
        return self.output

    @property
    def is_sequence(self) -> bool:
        return len(self.input_shape) == 2


@dataclass
class TrainConfig:
    """How the one trainer fits a model."""

    epochs: int = option(50, "passes over the training data", number=_WHOLE)
    batch_size: int = option(128, "samples per training step", number=_WHOLE)
    lr: float = option(1e-3, "learning rate", number=Number(above=0))
    weight_decay: float = option(1e-4, "AdamW weight decay", number=Number(minimum=0))
    schedule: str = option("cosine", "learning-rate schedule: 'cosine' with warm-up, or 'constant'",
                           choices=("cosine", "constant"))
    warmup_steps: int = option(100, "steps of linear learning-rate warm-up", number=Number(integer=True, minimum=0))
    grad_clip: float | None = option(1.0, "largest gradient norm; None: no clipping",
                                     number=Number(above=0, optional=True))
    val_fraction: float = option(0.1, "fraction of the training data held out for early stopping",
                                 number=Number(minimum=0, below=1))
    patience: int | None = option(10, "epochs without a better validation loss before stopping; None: never stop early",
                                  number=Number(integer=True, minimum=1, optional=True))
    min_delta: float = option(0.0, "smallest fall of the validation loss that counts as better",
                              number=Number(minimum=0))
    restore_best: bool = option(True, "end with the weights of the best validation epoch")
    augment: str | None = option(None, "transforms of input and target alike each batch, e.g. shift:2 or "
                                       "shift:2,rotate:10 for images")
    noise: str | None = option(None, "corruption of the input only, rebuilding the clean target as a de-noising "
                                     "auto-encoder does, e.g. gaussian:0.5 or shift:2,rotate:10")
    seed: int = option(0, "seed of weights, shuffling and augmentation", number=Number(integer=True))
    device: str = option("auto", "'auto' = cuda when available, else cpu; 'cpu', 'cuda' or 'cuda:1'")
    progress: bool = option(True, "show a progress bar while training")
    checkpoint_dir: str | None = option(None, "folder for resumable training state, written every "
                                              "checkpoint_every epochs; fit(X, resume=True) continues from it")
    checkpoint_every: int = option(1, "epochs between checkpoints", number=_WHOLE)
    # 1 is often fastest for small models on a shared machine (see aekit.threads)
    n_threads: int | None = option(None, "CPU threads for training and inference; None: half the CPUs this "
                                         "process may use", number=Number(integer=True, minimum=1, optional=True))

    def __post_init__(self) -> None:
        check_fields(self)


@dataclass
class ScalerConfig:
    """How raw inputs are scaled before the network (stored with the model).

    - ``"standard"``: per-feature zero mean, unit variance (tabular default).
    - ``"minmax"``: per-feature to [0, 1].
    - ``"global"``: one min and max over all values to [0, 1] (images: keeps relative
      pixel intensities, so 0..255 becomes 0..1).
    - ``"none"``: identity.
    """

    kind: str = option("standard", "scaling of the inputs: 'standard' per-feature zero mean and unit variance, "
                                   "'minmax' per feature to [0, 1], 'global' one min and max over all values "
                                   "to [0, 1], or 'none'")

    def __post_init__(self) -> None:
        if self.kind not in ("standard", "minmax", "global", "none"):
            raise ConfigError(
                f"scaling={self.kind!r} is not one of 'standard', 'minmax', 'global', 'none'."
            )


def to_dict(cfg: Any) -> dict[str, Any]:
    """A JSON-ready dict of a config dataclass, exactly as it reads back from JSON (tuples become lists)."""
    return json.loads(json.dumps(dataclasses.asdict(cfg)))


def from_dict(cls: type[C], data: dict[str, Any], *, what: str | None = None) -> C:
    """Build ``cls`` from ``data``; unknown keys raise ``ConfigError`` naming them."""
    if not isinstance(data, dict):
        raise ConfigError(f"{what or cls.__name__} must be a JSON object, got {type(data).__name__}.")
    names = {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    unknown = sorted(set(data) - names)
    if unknown:
        hints = []
        for key in unknown:
            close = difflib.get_close_matches(key, names, n=1)
            hints.append(f"{key!r}" + (f" (did you mean {close[0]!r}?)" if close else ""))
        raise ConfigError(
            f"Unknown key(s) in {what or cls.__name__}: {', '.join(hints)}. "
            f"Known keys: {', '.join(sorted(names))}."
        )
    hints_t = typing.get_type_hints(cls)
    kwargs = {}
    for key, value in data.items():
        if "tuple" in str(hints_t.get(key, "")) and isinstance(value, list):
            value = tuple(value)
        kwargs[key] = value
    try:
        return cls(**kwargs)
    except TypeError as exc:  # wrong value types surface here
        raise ConfigError(f"Invalid {what or cls.__name__}: {exc}") from None
