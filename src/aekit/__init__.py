"""aekit: auto-encoders for real uses, on one clean core.

An auto-encoder is ``encoder -> bottleneck -> decoder`` trained to rebuild its
input. Public API:

- ``AutoEncoder``: scikit-learn style estimator (fit / transform / inverse_transform /
  reconstruct / score_samples / save / load)
- ``AnomalyDetector``: one-class outlier detector from reconstruction error (scikit-learn conventions)
- ``load_dataset``: bundled datasets with fixed splits; ``load_array``: user files
- ``AEModel`` (and ``MODELS``, ``create_model``), ``Trainer``, ``ModelConfig``, ``TrainConfig``: the
  lower-level core (see docs/architecture.md)

Names are imported on first use (PEP 562): ``import aekit`` alone does not load torch or
scikit-learn, so the command line (``aekit --help``) starts in a fraction of a second.
"""

from __future__ import annotations

import importlib

from ._version import __version__  # noqa: F401

# public name -> the module that defines it
_EXPORTS = {
    "AnomalyDetector": "anomaly",
    "ModelConfig": "config", "ScalerConfig": "config", "TrainConfig": "config",
    "list_datasets": "data", "load_array": "data", "load_dataset": "data",
    "AekitError": "errors", "CheckpointError": "errors", "ConfigError": "errors", "DataError": "errors",
    "NoPriorError": "errors", "NotFittedError": "errors",
    "AutoEncoder": "estimators",
    "AEModel": "models", "MODELS": "models", "create_model": "models",
    "Trainer": "train",
}

__all__ = sorted([*_EXPORTS, "__version__"])


def __getattr__(name: str):
    module = _EXPORTS.get(name)
    if module is not None:
        value = getattr(importlib.import_module(f".{module}", __name__), name)
    else:
        try:  # a submodule used as an attribute: aekit.noise.corrupt(...) after plain `import aekit`
            value = importlib.import_module(f".{name}", __name__)
        except ModuleNotFoundError as exc:
            if exc.name != f"{__name__}.{name}":
                raise
            raise AttributeError(f"module 'aekit' has no attribute {name!r}") from None
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS})
