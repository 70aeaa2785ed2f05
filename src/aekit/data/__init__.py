"""Bundled datasets with fixed splits, user-file loaders and the stored input scaler.

Names load on first use, so listing the bundled datasets (the command line's help and its
"did you mean") does not import torch or scikit-learn.
"""

from __future__ import annotations

import importlib

_EXPORTS = {"DATASETS": "bundled", "Dataset": "bundled", "list_datasets": "bundled", "load_dataset": "bundled",
            "load_array": "files", "load_images": "files", "save_array": "files", "save_image": "files",
            "Scaler": "scaling"}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = globals()[name] = getattr(importlib.import_module(f".{module}", __name__), name)
    return value
