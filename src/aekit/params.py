"""The estimator's parameters, listed once.

``PARAMS`` is the one table of ``AutoEncoder``'s parameters. Each entry is either backed by a
config field (``"TrainConfig.epochs"``: its default, help text and accepted range come from
that field's declaration in :mod:`aekit.config`) or estimator-level (``image_shape``), with its
own default and help. ``auto`` marks a parameter whose default ``"auto"`` the estimator resolves
from the data (``net``, ``loss``, ``scaling``, ``batch_size``).

Derived from the table, never written out again:

- the estimator's ``__init__`` (:func:`estimator_init`): its signature is what scikit-learn
  reads for ``get_params``/``set_params``/``clone``, and it only stores the arguments;
- the "Parameters" section of the estimator's docstring (:func:`numpydoc_parameters`);
- the configs the estimator builds at ``fit`` (:func:`config_values`);
- the CLI flags of ``aekit train`` and of the other commands that expose some of these knobs
  (``aekit.cli.common.add_estimator_args``), with their types, defaults and help.
"""

from __future__ import annotations

import dataclasses
import inspect
import re
import textwrap
from dataclasses import dataclass
from typing import Any, Callable

from .config import ModelConfig, Number, ScalerConfig, TrainConfig

CONFIGS = {cls.__name__: cls for cls in (ModelConfig, TrainConfig, ScalerConfig)}
_UNSET: Any = object()  # no default given (a sentinel: None is a real default)


@dataclass(frozen=True)
class Flag:
    """How a parameter appears on the command line.

    ``kind``: ``"value"`` (one value, typed by the parameter), ``"options"`` (``KEY=VALUE``,
    repeatable, values parsed as JSON: a dict), ``"shape"`` (one or more whole numbers: a tuple)
    or ``"off"`` (a switch that sets the parameter to False). ``flag`` defaults to the
    parameter's name in dashes; ``help`` replaces the parameter's help (for switches).
    """

    flag: str | None = None
    kind: str = "value"
    metavar: str | None = None
    help: str | None = None


@dataclass(frozen=True)
class Param:
    """One estimator parameter (see the module docstring)."""

    name: str
    field: str | None = None  # "ConfigClass.field_name" this parameter sets
    default: Any = _UNSET  # estimator-level parameters only; config-backed ones take the field's
    help: str | None = None  # estimator-level parameters only
    type: str | None = None  # numpydoc type of estimator-level parameters
    auto: str | None = None  # default "auto", resolved by the estimator as this says
    positional: bool = False
    cli: Flag | None = Flag()  # None: deliberately not on the command line (say why in CLI_LESS)

    # -- what the config field says ---------------------------------------------------
    @property
    def config_field(self) -> dataclasses.Field | None:
        if self.field is None:
            return None
        cls_name, _, name = self.field.partition(".")
        return {f.name: f for f in dataclasses.fields(CONFIGS[cls_name])}[name]

    @property
    def config_class(self) -> type | None:
        return CONFIGS[self.field.partition(".")[0]] if self.field else None

    @property
    def number(self) -> Number | None:
        """The accepted range of a numeric parameter (from its config field)."""
        f = self.config_field
        return f.metadata.get("number") if f is not None else None

    @property
    def default_value(self) -> Any:
        """The estimator's default: ``"auto"``, the table's, or the config field's (``None`` for
        dict fields: scikit-learn keeps mutable defaults out of signatures; None means empty)."""
        if self.auto is not None:
            return "auto"
        if self.field is None:
            return self.default
        f = self.config_field
        return None if f.default is dataclasses.MISSING else f.default

    @property
    def help_text(self) -> str:
        text = self.help if self.field is None else self.config_field.metadata["help"]
        if self.auto is not None:
            text += f"; 'auto' (the default): {self.auto}"
        return text

    @property
    def doc_type(self) -> str:
        """The numpydoc type: ``int``, ``float or None``, ``dict or None``, ``str or 'auto'``."""
        if self.field is None:
            return self.type
        f = self.config_field
        t = re.sub(r"\[.*\]", "", str(f.type)).replace(" | ", " or ")
        if f.default is dataclasses.MISSING and "None" not in t:  # dict fields: None means empty
            t += " or None"
        return t + (" or 'auto'" if self.auto is not None else "")


# The table. Order = the order of the estimator's signature.
PARAMS: tuple[Param, ...] = (
    Param("latent_dim", "ModelConfig.latent_dim", positional=True),
    Param("net", "ModelConfig.net", auto="'conv' for images, 'mlp' for vectors"),
    Param("bottleneck", "ModelConfig.bottleneck"),
    Param("net_options", "ModelConfig.net_options", cli=Flag("--net-option", "options")),
    Param("bottleneck_options", "ModelConfig.bottleneck_options", cli=Flag("--bottleneck-option", "options")),
    Param("image_shape", default=None, type="tuple of int or None",
          help="treat flat (n, d) data as images of this (H, W) or (C, H, W)",
          cli=Flag(kind="shape", metavar="N")),
    Param("loss", "ModelConfig.loss", auto="'bce' for images scaled to [0, 1], else 'mse'"),
    Param("scaling", "ScalerConfig.kind", auto="'global' for images, 'standard' for vectors"),
    Param("epochs", "TrainConfig.epochs"),
    Param("batch_size", "TrainConfig.batch_size", auto="128, or about a tenth of the data when that is smaller",
          cli=Flag(metavar="N|auto")),
    Param("lr", "TrainConfig.lr"),
    Param("weight_decay", "TrainConfig.weight_decay"),
    Param("val_fraction", "TrainConfig.val_fraction"),
    Param("patience", "TrainConfig.patience"),
    Param("augment", "TrainConfig.augment", cli=Flag(metavar="SPEC")),
    Param("noise", "TrainConfig.noise", cli=Flag(metavar="SPEC")),
    Param("random_state", "TrainConfig.seed", cli=Flag("--seed")),
    Param("device", "TrainConfig.device"),
    Param("verbose", "TrainConfig.progress", cli=Flag("--no-progress", "off", help="hide the progress bar")),
    Param("checkpoint_dir", "TrainConfig.checkpoint_dir", cli=Flag(metavar="DIR")),
    Param("model", "ModelConfig.model", cli=Flag(metavar="NAME")),
    Param("model_options", "ModelConfig.model_options", cli=Flag("--model-option", "options")),
    Param("n_threads", "TrainConfig.n_threads", cli=Flag("--threads", metavar="N")),
)

#: parameters deliberately without a CLI flag, and why (none today: every knob is on ``aekit train``)
CLI_LESS: dict[str, str] = {}

BY_NAME = {p.name: p for p in PARAMS}


def flag_of(p: Param) -> str:
    return p.cli.flag or "--" + p.name.replace("_", "-")


# ---------------------------------------------------------------------------- derived: __init__
def signature(params: tuple[Param, ...] = PARAMS) -> inspect.Signature:
    """``(self, latent_dim=8, *, net='auto', ...)``: the signature scikit-learn reads."""
    kinds = {True: inspect.Parameter.POSITIONAL_OR_KEYWORD, False: inspect.Parameter.KEYWORD_ONLY}
    return inspect.Signature(
        [inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD)]
        + [inspect.Parameter(p.name, kinds[p.positional], default=p.default_value, annotation=p.doc_type)
           for p in params])


def estimator_init(params: tuple[Param, ...] = PARAMS) -> Callable[..., None]:
    """An ``__init__`` that stores each argument under its name, as scikit-learn requires, and
    nothing else. Its ``__signature__`` lists the parameters with their defaults, so
    ``inspect.signature`` (hence ``get_params``, ``clone``, ``repr``) sees the real parameters."""
    sig = signature(params)
    positional = [p.name for p in params if p.positional]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # bind: a wrong name or too many positional arguments is the usual TypeError
        try:
            bound = sig.bind(self, *args, **kwargs)
        except TypeError as exc:
            hint = f" (only {', '.join(positional)} by position, the rest by name)" if "positional" in str(exc) else ""
            raise TypeError(f"{type(self).__name__}() {exc}{hint}") from None
        bound.apply_defaults()
        for name, value in list(bound.arguments.items())[1:]:
            setattr(self, name, value)

    __init__.__signature__ = sig  # type: ignore[attr-defined]
    __init__.__doc__ = "Store the parameters (see the class docstring); all checks happen in fit."
    return __init__


# ---------------------------------------------------------------------------- derived: docs
def numpydoc_parameters(params: tuple[Param, ...] = PARAMS) -> str:
    """The numpydoc "Parameters" section: ``name : type, default=value`` and the help below it."""
    lines = ["Parameters", "----------"]
    for p in params:
        lines.append(f"{p.name} : {p.doc_type}, default={p.default_value!r}")
        text = p.help_text[0].upper() + p.help_text[1:] + "." + (f" Sets ``{p.field}``." if p.field else "")
        lines += textwrap.wrap(text, 96, initial_indent="    ", subsequent_indent="    ")
    return "\n".join(lines)


def with_params(cls: type, params: tuple[Param, ...] = PARAMS) -> type:
    """Class decorator: give ``cls`` the generated ``__init__`` and append the Parameters section
    to its docstring."""
    cls.__init__ = estimator_init(params)  # type: ignore[misc]
    cls.__init__.__qualname__ = f"{cls.__qualname__}.__init__"
    if cls.__doc__ is not None:  # None under python -OO
        cls.__doc__ = inspect.cleandoc(cls.__doc__) + "\n\n" + numpydoc_parameters(params)
    return cls


# ---------------------------------------------------------------------------- derived: configs
def config_values(est: Any, cls: type, params: tuple[Param, ...] = PARAMS) -> dict[str, Any]:
    """``{field: value}`` of config ``cls`` from the estimator's parameters that set its fields
    (dict options copied, ``None`` as empty; ``"auto"`` ones left to the estimator)."""
    out = {}
    for p in params:
        if p.config_class is not cls or p.auto is not None:
            continue
        value = getattr(est, p.name)
        if p.config_field.default is dataclasses.MISSING:  # dict fields
            value = dict(value or {})
        out[p.config_field.name] = value
    return out


__all__ = ["CLI_LESS", "Flag", "PARAMS", "Param", "config_values", "estimator_init",
           "numpydoc_parameters", "signature", "with_params"]
