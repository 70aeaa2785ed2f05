"""Typed configuration dataclasses and their JSON round trip.

The one config mechanism of aekit: every model, trainer and scaler is described
by a dataclass here; ``to_dict``/``from_dict`` turn it into plain JSON and back,
and ``from_dict`` rejects unknown keys by name, so a typo in a config file is an
error, not a silently ignored option.
"""

from __future__ import annotations

import dataclasses
import json
import difflib
import numbers
import typing
from dataclasses import dataclass, field
from typing import Any, TypeVar

from .errors import ConfigError

C = TypeVar("C")


def _number(obj: Any, name: str, integer: bool, optional: bool = False) -> None:
    """Check that field ``name`` of ``obj`` is a number (``None`` if ``optional``) and store it as a
    plain Python int/float, so numpy scalars (e.g. from a grid search) serialise to JSON."""
    value = getattr(obj, name)
    if value is None and optional:
        return
    kind = numbers.Integral if integer else numbers.Real
    if isinstance(value, bool) or not isinstance(value, kind):
        what = "an integer" if integer else "a number"
        raise ConfigError(f"{name}={value!r} must be {what}{' or None' if optional else ''}, "
                          f"not {type(value).__name__}.")
    setattr(obj, name, int(value) if integer else float(value))


@dataclass
class ModelConfig:
    """What model, network, bottleneck and loss make an auto-encoder.

    ``model`` names a registered model class (``aekit.models.MODELS``; ``"autoencoder"`` is the
    plain ``encoder -> bottleneck -> decoder``), ``model_options`` are that model's own options.
    ``input_shape`` is the shape of one sample as the network sees it: ``(D,)`` for vectors,
    ``(C, T)`` for sequences of ``C`` channels (``T`` may be ``None``: any length), ``(C, H, W)``
    for images.
    """

    input_shape: tuple[int | None, ...] = (784,)
    net: str = "mlp"
    net_options: dict[str, Any] = field(default_factory=dict)
    bottleneck: str = "continuous"
    bottleneck_options: dict[str, Any] = field(default_factory=dict)
    latent_dim: int = 8
    loss: str = "mse"  # "mse" | "bce" | "l1"
    # decoder output: "sigmoid" keeps reconstructions of data in [0, 1] inside that range (always
    # with bce); "linear" for unbounded data; "auto" = sigmoid for bce, else linear
    output: str = "auto"
    loss_weights: dict[str, float] = field(default_factory=dict)  # weight per extra loss term
    model: str = "autoencoder"
    model_options: dict[str, Any] = field(default_factory=dict)

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
        _number(self, "latent_dim", integer=True)
        if self.latent_dim < 1:
            raise ConfigError(f"latent_dim={self.latent_dim} must be a positive integer.")
        if self.loss not in ("mse", "bce", "l1"):
            raise ConfigError(f"loss={self.loss!r} is not one of 'mse', 'bce', 'l1'.")
        if self.output not in ("auto", "linear", "sigmoid"):
            raise ConfigError(f"output={self.output!r} is not one of 'auto', 'linear', 'sigmoid'.")
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

    epochs: int = 50
    batch_size: int = 128
    lr: float = 1e-3
    weight_decay: float = 1e-4
    schedule: str = "cosine"  # "cosine" (with warm-up) | "constant"
    warmup_steps: int = 100
    grad_clip: float | None = 1.0
    val_fraction: float = 0.1  # held out from the training data for early stopping
    patience: int | None = 10  # epochs without val improvement before stopping; None = never
    min_delta: float = 0.0
    restore_best: bool = True
    augment: str | None = None  # e.g. "shift:2": applied to input and target alike (see aekit.augment)
    noise: str | None = None  # corruption of the input only, the target stays clean (de-noising)
    seed: int = 0
    device: str = "auto"  # "auto" | "cpu" | "cuda" | "cuda:1" ...
    progress: bool = True
    checkpoint_dir: str | None = None  # where resumable state is written each epoch
    checkpoint_every: int = 1
    # CPU threads for training (None: aekit.threads.default_threads(), which never oversubscribes
    # the CPUs this process may use; 1 is often fastest for small models on a shared machine)
    n_threads: int | None = None

    def __post_init__(self) -> None:
        for name in ("epochs", "batch_size", "warmup_steps", "seed", "checkpoint_every"):
            _number(self, name, integer=True)
        _number(self, "patience", integer=True, optional=True)
        _number(self, "n_threads", integer=True, optional=True)
        for name in ("lr", "weight_decay", "val_fraction", "min_delta"):
            _number(self, name, integer=False)
        _number(self, "grad_clip", integer=False, optional=True)
        checks = [
            (self.epochs >= 1, f"epochs={self.epochs} must be >= 1"),
            (self.batch_size >= 1, f"batch_size={self.batch_size} must be >= 1"),
            (self.lr > 0, f"lr={self.lr} must be > 0"),
            (self.weight_decay >= 0, f"weight_decay={self.weight_decay} must be >= 0"),
            (0.0 <= self.val_fraction < 1.0, f"val_fraction={self.val_fraction} must be in [0, 1)"),
            (self.schedule in ("cosine", "constant"), f"schedule={self.schedule!r} must be 'cosine' or 'constant'"),
            (self.patience is None or self.patience >= 1, f"patience={self.patience} must be >= 1 or None"),
            (self.checkpoint_every >= 1, f"checkpoint_every={self.checkpoint_every} must be >= 1"),
            (self.n_threads is None or self.n_threads >= 1, f"n_threads={self.n_threads} must be >= 1 or None"),
        ]
        for ok, msg in checks:
            if not ok:
                raise ConfigError(msg + ".")


@dataclass
class ScalerConfig:
    """How raw inputs are scaled before the network (stored with the model).

    - ``"standard"``: per-feature zero mean, unit variance (tabular default).
    - ``"minmax"``: per-feature to [0, 1].
    - ``"global"``: one min and max over all values to [0, 1] (images: keeps relative
      pixel intensities, so 0..255 becomes 0..1).
    - ``"none"``: identity.
    """

    kind: str = "standard"

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
