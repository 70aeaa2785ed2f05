"""Exceptions raised by aekit.

Every error a user can cause derives from ``ValueError`` (bad values) or
``FileNotFoundError`` (missing files) so that ordinary ``except`` clauses and
scikit-learn's own conventions keep working, and every message names the
offending value and says how to fix it.
"""

from __future__ import annotations


class AekitError(Exception):
    """Base class of aekit's own exceptions."""


class ConfigError(AekitError, ValueError):
    """A configuration value or name is invalid (unknown key, unknown component, bad range)."""


class DataError(AekitError, ValueError):
    """Input data has the wrong shape, dtype, size or contains NaN/inf."""


class CheckpointError(AekitError, ValueError):
    """A saved model is missing, corrupt, or from an incompatible format version."""


class CodecError(AekitError, ValueError):
    """A compressed ``.aek`` stream cannot be decoded: truncated, corrupt, wrong magic or version,
    or made with another model than the one given."""


class NoPriorError(AekitError, ValueError):
    """``sample`` was asked of a model whose bottleneck has no generative prior."""


def _not_fitted_error() -> type:
    """``NotFittedError``, built on first use: it is a scikit-learn ``NotFittedError`` too (so also
    ``ValueError`` and ``AttributeError``), and importing scikit-learn costs a second that the
    command line's ``--help`` should not pay."""
    from sklearn.exceptions import NotFittedError as _SklearnNotFittedError

    class NotFittedError(AekitError, _SklearnNotFittedError):
        """The estimator is used before ``fit``.

        A scikit-learn ``NotFittedError`` too (so also ``ValueError`` and ``AttributeError``):
        code that catches scikit-learn's keeps working.
        """

    NotFittedError.__module__, NotFittedError.__qualname__ = __name__, "NotFittedError"  # picklable
    return NotFittedError


def __getattr__(name: str):
    if name == "NotFittedError":
        cls = globals()["NotFittedError"] = _not_fitted_error()
        return cls
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
