"""Bundled datasets with fixed splits, user-file loaders and the stored input scaler."""

from .bundled import DATASETS, Dataset, list_datasets, load_dataset
from .files import load_array, load_images, save_array, save_image
from .scaling import Scaler

__all__ = ["DATASETS", "Dataset", "Scaler", "list_datasets", "load_array", "load_dataset", "load_images",
           "save_array", "save_image"]
