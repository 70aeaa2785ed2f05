"""Shared fixtures: small real datasets, loaded once per session."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import aekit


@pytest.fixture(autouse=True)
def _seed():
    torch.manual_seed(0)
    np.random.seed(0)


@pytest.fixture(scope="session")
def mnist():
    return aekit.load_dataset("mnist")


@pytest.fixture(scope="session")
def wine():
    return aekit.load_dataset("wine")


@pytest.fixture(scope="session")
def digits():
    return aekit.load_dataset("digits")


@pytest.fixture(scope="module")
def one_thread():
    """One torch thread for a module's training tests (``pytestmark = pytest.mark.usefixtures("one_thread")``):
    on a shared 2-core machine more threads only slow them down, and results do not depend on it."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
