"""The tour's building blocks: a section registry, what a section returns, and the shared context.

A section is one use of the toolkit. It trains quick models (or loads small shipped ones) on
the bundled data, measures its number and a baseline *in the same run*, and returns them with
its figures and the command that reproduces the full benchmark. Sections are registered by
name, like models; adding a use to the tour is one file in ``aekit/tour/sections/`` (see
``docs/architecture.md``). A section whose use is not in this install (``available()`` False) is
left out of the report.
"""

from __future__ import annotations

import io
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np

from ..registry import Registry


@dataclass
class Number:
    """One measured number next to its baseline, both from this run."""

    metric: str  # what is measured, e.g. "test MSE per pixel"
    value: float  # aekit's
    baseline: float | None  # the baseline's (None: nothing comparable, e.g. a codebook's use)
    baseline_name: str = ""  # e.g. "PCA-8"
    better: str = "lower"  # "lower" or "higher": which way is better
    fmt: str = ".4f"
    unit: str = ""

    def verdict(self) -> str:
        """``"better"``, ``"worse"`` or ``""`` (no baseline): aekit against the baseline."""
        if self.baseline is None:
            return ""
        if self.value == self.baseline:
            return "equal"
        return "better" if (self.value < self.baseline) == (self.better == "lower") else "worse"

    def text(self, v: float | None) -> str:
        return "" if v is None else f"{v:{self.fmt}}{self.unit}"


@dataclass
class Figure:
    """A picture (PNG bytes), a sound (WAV bytes) or words (UTF-8 text: a text use's examples) the report
    embeds, with a caption."""

    name: str  # file-like name, e.g. "reconstructions.png"
    data: bytes
    caption: str
    kind: str = "image"  # "image" | "audio" | "text"


@dataclass
class SectionResult:
    numbers: list[Number]
    figures: list[Figure]
    text: str  # one paragraph: what was done and what it shows (HTML-escaped by the report)
    reproduce: list[str]  # commands: the full benchmark, and the CLI that trains such a model
    details: dict[str, Any] = field(default_factory=dict)  # more numbers, for report.json
    seconds: float = 0.0


@dataclass
class Section:
    """A registered tour section: ``run(ctx) -> SectionResult``."""

    name: str
    title: str
    order: float  # the lecture's order
    run: Callable[["Context"], SectionResult]
    available: Callable[[], bool] = lambda: True


SECTIONS: Registry[Section] = Registry("tour section")


def section(name: str, title: str, order: float, available: Callable[[], bool] | None = None):
    """Decorator: register ``fn(ctx) -> SectionResult`` as a tour section."""
    def wrap(fn):
        SECTIONS.register(name)(Section(name, title, order, fn, available or (lambda: True)))
        return fn
    return wrap


class Context:
    """What every section shares: the bundled data, the run's settings, models other sections
    reuse (the VQ model of the generation section is the codebook section's), and where the
    models are saved (``aekit serve --models DIR`` lists them)."""

    def __init__(self, out: Path, quick: bool, n_threads: int | None, seed: int = 0) -> None:
        from ..data import load_dataset

        self.out, self.quick, self.n_threads, self.seed = Path(out), quick, n_threads, seed
        self.mnist = load_dataset("mnist")
        self.cache: dict[str, Any] = {}
        self.fit_seconds: dict[str, float] = {}

    def pick(self, full, quick):
        """The full run's setting or the quick run's."""
        return quick if self.quick else full

    @property
    def X_train(self) -> np.ndarray:
        """The 4,000 training digits (0..255); a quick run trains fewer epochs on all of them, which
        beats more epochs on fewer digits."""
        return self.mnist.X_train

    @property
    def y_train(self) -> np.ndarray:
        return self.mnist.y_train

    def fit(self, name: str, X=None, y=None, **params):
        """An ``AutoEncoder`` trained on ``X`` (default: the training digits) with this run's threads
        and seed, quietly (the tour's own bar shows progress); saved under ``models/name``."""
        from ..estimators import AutoEncoder

        t0 = time.perf_counter()
        ae = AutoEncoder(**{"random_state": self.seed, "verbose": False, "n_threads": self.n_threads, **params})
        ae.fit(self.X_train if X is None else X, y)
        self.fit_seconds[name] = time.perf_counter() - t0
        ae.save(self.out / "models" / name)
        return ae


def png_of_grid(rows, labels, title=None, vmin=0.0, vmax=1.0, captions=None) -> bytes:
    """``aekit.plots.image_grid`` as PNG bytes (written to a temporary file, as every figure is)."""
    import tempfile

    from ..plots import image_grid

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "grid.png"
        image_grid(rows, labels, path, vmin=vmin, vmax=vmax, title=title, captions=captions)
        return path.read_bytes()


def png_of_figure(fig) -> bytes:
    """A matplotlib figure as PNG bytes (and closed)."""
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    return buf.getvalue()


def pyplot():
    """matplotlib's pyplot on the file-only Agg backend."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


__all__ = ["Context", "Figure", "Number", "SECTIONS", "Section", "SectionResult", "png_of_figure", "png_of_grid",
           "pyplot", "section"]
