"""aekit: auto-encoders for real uses, on one clean core.

An auto-encoder is ``encoder -> bottleneck -> decoder`` trained to rebuild its
input. Public API:

- ``AutoEncoder``: scikit-learn style estimator (fit / transform / inverse_transform /
  reconstruct / score_samples / save / load)
- ``AnomalyDetector``: one-class outlier detector from reconstruction error (scikit-learn conventions)
- ``load_dataset``: bundled datasets with fixed splits; ``load_array``: user files
- ``AEModel`` (and ``MODELS``, ``create_model``), ``Trainer``, ``ModelConfig``, ``TrainConfig``: the
  lower-level core (see docs/architecture.md)
"""

from ._version import __version__  # noqa: F401

from .anomaly import AnomalyDetector  # noqa: E402
from .config import ModelConfig, ScalerConfig, TrainConfig  # noqa: E402
from .data import list_datasets, load_array, load_dataset  # noqa: E402
from .errors import AekitError, CheckpointError, ConfigError, DataError, NoPriorError, NotFittedError  # noqa: E402
from .estimators import AutoEncoder  # noqa: E402
from .models import AEModel, MODELS, create_model  # noqa: E402
from .train import Trainer  # noqa: E402

__all__ = [
    "AEModel", "AnomalyDetector", "MODELS", "create_model", "AekitError", "AutoEncoder", "CheckpointError", "ConfigError", "DataError", "ModelConfig",
    "NoPriorError", "NotFittedError", "ScalerConfig", "TrainConfig", "Trainer", "__version__",
    "list_datasets", "load_array", "load_dataset",
]
