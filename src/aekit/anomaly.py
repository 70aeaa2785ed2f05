"""One-class anomaly detection from reconstruction error.

Train on normal data only; a new sample the auto-encoder rebuilds badly does not
look like the training data (Japkowicz et al. 1995; the lecture's one-class
learning). ``AnomalyDetector`` follows scikit-learn's outlier detectors:

* ``score_samples(X)``: higher = more normal (the negative anomaly score);
* ``decision_function(X) = score_samples(X) - offset_``: negative = outlier;
* ``predict(X)``: +1 inlier, -1 outlier; ``fit_predict`` on the training data;
* ``contamination``: the fraction of training samples taken as outliers, which
  sets ``offset_`` (``threshold_ = -offset_`` on the anomaly score);
* ``anomaly_score(X)``: higher = more abnormal, the convention of PyOD's
  ``decision_function``;
* ``explain(X)``: the per-feature (per-pixel) error map, to see *where* a
  sample is abnormal.

The score of a sample is the mean over features of its reconstruction error
(``error="mse"``: squared, ``"mae"``: absolute) in the model's scaled units.
On images, ``error_window=w`` first averages the absolute error over each
pixel's ``w x w`` neighbourhood (zero outside the image), then squares it for
``"mse"``: errors that cluster into a stroke the model cannot draw count more than
the same error scattered as pixel noise (``"auto"``: 3 for images, 1 for tables).
With ``error_scaling="feature"`` each feature's error is divided by its mean
error on the training data, so a feature that is always hard to rebuild does
not drown the others (``"auto"``: per feature for tables, none for images,
whose border pixels are never wrong in training). With ``n_estimators > 1`` the
scores of several auto-encoders trained with different seeds are averaged
(``"auto"``: 6 for tables of up to 10,000 rows, where a member trains in about a
second and one seed's score moves by about 0.01 AUROC; 1 otherwise).

``latent_weight`` adds a latent-density term (as DAGMM, Zong et al. 2018,
https://openreview.net/forum?id=BJJLHbb0-): the squared Mahalanobis distance of
the sample's code from the training codes (Ledoit-Wolf covariance), divided by
the code size. Both terms are normalised to 1 on average over the training data,
so the score is ``recon / mean_train_recon + latent_weight * mahalanobis / dim``:
a sample the model rebuilds well but whose code lies where no training code was
is caught too. ``"auto"``: 2 for images, 1 for tables.

How the defaults were chosen (training data only, never a test split): each
normal class of the bundled ``mnist``, ``breast_cancer`` and ``wine`` train
splits was fitted on part of its rows, and its held-out rows were ranked against
the *train* split's other classes. Tables: a code of 2 (was 4) raised that AUROC
from 0.960 to 0.970 (breast cancer) and from 0.968 to 0.974 (wine), one member,
standardised. Min-max scaling did better on breast cancer (0.972 vs 0.966), worse
on wine (0.972 vs 0.977) in a second draw of seeds; members that alternate the two
(0.970, 0.977) were the best on average, and 6 of them keep the seed-to-seed
spread low.
Images: ``latent_weight=2`` raised it from 0.966 to 0.969 (mean of 10 digits) and
the 3 x 3 error window to 0.972 (better on 19 of the 20 digit-and-seed pairs
tried); 3 members, codes of 16 or 64, rotations, the absolute error and a
code-space kNN term did not help there (within 0.001, or worse). See
``benchmarks/anomaly.py``.
"""

from __future__ import annotations

import copy
import math
import numbers
import os

import numpy as np
import torch
from sklearn.base import BaseEstimator, OutlierMixin, clone

from ._version import __version__
from .checkpoint import read_checkpoint, write_checkpoint
from .errors import CheckpointError, ConfigError, NotFittedError
from .estimators import AutoEncoder
from .threads import resolve_threads, using_threads
from .validation import check_input

DETECTOR_KIND = "aekit-detector"
AUTO_CONTAMINATION = 0.01  # "auto": flag the 1% least typical of the (assumed clean) training data
AUTO_MEMBERS_TABLE = 6  # n_estimators="auto" on tables of up to AUTO_MEMBERS_MAX_ROWS rows
AUTO_MEMBERS_MAX_ROWS = 10_000
AUTO_LATENT_WEIGHT = {"image": 2.0, "table": 1.0}
AUTO_ERROR_WINDOW = {"image": 3, "table": 1}


def default_autoencoder(sample_shape: tuple[int, ...], member: int = 0) -> AutoEncoder:
    """The auto-encoder used when none is given, chosen from the data's shape; on tables, even members scale
    features to [0, 1] (min-max) and odd members standardise them."""
    if len(sample_shape) >= 2:  # images: the benchmarked conv recipe
        return AutoEncoder(32, net_options=dict(channels=[32, 64], kernel_size=4, fc_hidden=[256]), loss="mse",
                           lr=3e-3, epochs=30, augment="shift:1")
    d = int(math.prod(sample_shape))
    # tables: a code of 2 (validated on 13 and 30 features; wider tables get d // 16, at most 8) so anomalies do
    # not fit through it. Min-max scaling (with its sigmoid output a value beyond the training range cannot be
    # rebuilt) won on breast cancer, standardising on wine; members alternate, which beat either alone.
    latent = 2 if d <= 32 else min(8, d // 16)
    return AutoEncoder(latent, net_options=dict(hidden=[64]), scaling="minmax" if member % 2 == 0 else "standard",
                       lr=3e-3, epochs=100)


def _resolve_auto(n_estimators, latent_weight, is_image: bool, n_rows: int) -> tuple[int, float]:
    """The member count and latent weight that ``"auto"`` stands for on this data."""
    if n_estimators == "auto":
        n_estimators = AUTO_MEMBERS_TABLE if not is_image and n_rows <= AUTO_MEMBERS_MAX_ROWS else 1
    if latent_weight == "auto":
        latent_weight = AUTO_LATENT_WEIGHT["image" if is_image else "table"]
    return int(n_estimators), float(latent_weight)


class AnomalyDetector(OutlierMixin, BaseEstimator):
    """Reconstruction-error outlier detector (scikit-learn conventions; see the module docstring).

    Parameters
    ----------
    autoencoder : an unfitted ``aekit.AutoEncoder`` to clone and train, or ``None`` for a default
        chosen from the data shape (``default_autoencoder``).
    n_estimators : how many auto-encoders to average, or ``"auto"`` (default: 6 for tables of up to
        10,000 rows, 1 for images or larger tables). Member ``i`` is seeded ``random_state * n + i``, so two
        detectors with different ``random_state`` share no member.
    contamination : ``"auto"`` (1% of the training data falls below the threshold) or a fraction in (0, 0.5].
    error : ``"mse"`` or ``"mae"``, the per-feature error.
    error_window : ``"auto"`` (3 for images, 1 for tables) or an odd whole number: images only, the side of the
        square over which each pixel's absolute error is averaged before squaring (1 = none).
    error_scaling : ``"auto"``, ``"feature"`` (divide by each feature's mean training error) or ``"none"``.
    latent_weight : weight of the latent-density (Mahalanobis) term, or ``"auto"`` (default: 2 for images, 1
        for tables); 0 = reconstruction error only.
    random_state : seed of the first auto-encoder.
    verbose : progress bars while training.
    n_threads : CPU threads of every member's training and scoring (None: each member's own setting,
        by default half the CPUs this process may use).
    """

    def __init__(self, autoencoder: AutoEncoder | None = None, *, n_estimators: int | str = "auto",
                 contamination: float | str = "auto", error: str = "mse", error_window: int | str = "auto",
                 error_scaling: str = "auto",
                 latent_weight: float | str = "auto", random_state: int = 0, verbose: bool = True,
                 n_threads: int | None = None):
        self.autoencoder = autoencoder
        self.n_estimators = n_estimators
        self.contamination = contamination
        self.error = error
        self.error_window = error_window
        self.error_scaling = error_scaling
        self.latent_weight = latent_weight
        self.random_state = random_state
        self.verbose = verbose
        self.n_threads = n_threads

    # ------------------------------------------------------------------ checks
    def _validate_params(self) -> None:
        if self.n_threads is not None:
            resolve_threads(self.n_threads)  # a bad count is a ConfigError naming it
        c = self.contamination
        if not (c == "auto" or (isinstance(c, numbers.Real) and not isinstance(c, bool) and 0 < c <= 0.5)):
            raise ConfigError(f"contamination={c!r} must be 'auto' or a fraction in (0, 0.5], e.g. 0.05.")
        if self.error not in ("mse", "mae"):
            raise ConfigError(f"error={self.error!r} must be 'mse' or 'mae'.")
        w = self.error_window
        if w != "auto" and (isinstance(w, bool) or not isinstance(w, numbers.Integral) or w < 1 or w % 2 == 0):
            raise ConfigError(f"error_window={w!r} must be 'auto' or an odd whole number >= 1, e.g. 3 (1 = none).")
        if self.error_scaling not in ("auto", "feature", "none"):
            raise ConfigError(f"error_scaling={self.error_scaling!r} must be 'auto', 'feature' or 'none'.")
        w = self.latent_weight
        if w != "auto" and (isinstance(w, bool) or not isinstance(w, numbers.Real) or not 0 <= w < float("inf")):
            raise ConfigError(f"latent_weight={w!r} must be 'auto' or a number >= 0 (0 = reconstruction error only).")
        n = self.n_estimators
        if n != "auto" and (isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 1):
            raise ConfigError(f"n_estimators={n!r} must be 'auto' or a positive integer, e.g. 5.")
        if self.autoencoder is not None and not isinstance(self.autoencoder, AutoEncoder):
            raise ConfigError(f"autoencoder must be an aekit.AutoEncoder or None, not {type(self.autoencoder).__name__}.")

    def _check_fitted(self) -> None:
        if not hasattr(self, "estimators_"):
            raise NotFittedError(f"This {type(self).__name__} is not fitted yet: call fit(X) on normal data, "
                                 "or load one with AnomalyDetector.load(path).")

    # ------------------------------------------------------------------ fitting
    def fit(self, X, y=None) -> "AnomalyDetector":
        """Train on normal data ``X`` (labels ``y`` are ignored) and set the threshold."""
        self._validate_params()
        X = check_input(X, estimator=type(self).__name__)
        base = self.autoencoder if self.autoencoder is not None else default_autoencoder(X.shape[1:])
        is_image = len(base.network_shape(X.shape[1:])) == 3
        n, self.latent_weight_ = _resolve_auto(self.n_estimators, self.latent_weight, is_image, len(X))
        window = self.error_window if self.error_window != "auto" else AUTO_ERROR_WINDOW["image" if is_image
                                                                                         else "table"]
        if window > 1 and not is_image:
            raise ConfigError(f"error_window={window} averages errors over image neighbourhoods; these samples are "
                              "table rows: leave error_window='auto' or set 1.")
        self.error_window_ = int(window)
        estimators = []
        for i in range(n):
            member = base if self.autoencoder is not None else default_autoencoder(X.shape[1:], member=i)
            ae = clone(member).set_params(random_state=self.random_state * n + i, verbose=self.verbose)
            if self.n_threads is not None:
                ae.set_params(n_threads=self.n_threads)
            estimators.append(ae.fit(X))
        self.estimators_ = estimators
        self.n_features_in_ = self.estimators_[0].n_features_in_
        self.input_shape_ = self.estimators_[0].input_shape_
        scaling = self.error_scaling if self.error_scaling != "auto" else ("none" if is_image else "feature")
        self.error_scaling_ = scaling
        self._make_float64_models()
        outs = [self._forward(i, X) for i in range(len(self.estimators_))]  # one pass over the training data
        self.feature_scale_ = None
        if scaling == "feature":  # (n_estimators, *net_shape): each model's mean training error per feature
            scale = np.stack([m.mean(0) for _, m in outs])
            self.feature_scale_ = scale + 1e-2 * scale.mean(axis=tuple(range(1, scale.ndim)), keepdims=True) + 1e-12
        self._fit_normalisers(outs)
        maps, latent = self._combine(outs)
        self._set_threshold(-self._score(maps, latent))
        return self

    def _fit_normalisers(self, outs: list[tuple[np.ndarray, np.ndarray]]) -> None:
        """Training means of the reconstruction term, and the Gaussian of the training codes."""
        from sklearn.covariance import LedoitWolf

        self.recon_mean_ = np.array([self._scale_features(i, m).mean() for i, (_, m) in enumerate(outs)])
        self.code_mean_, self.code_precision_ = [], []
        for codes, _ in outs:
            lw = LedoitWolf().fit(codes)  # shrinkage: a few hundred samples, codes of size up to ~100
            self.code_mean_.append(lw.location_)
            self.code_precision_.append(lw.precision_)

    def _set_threshold(self, train_scores: np.ndarray) -> None:
        c = AUTO_CONTAMINATION if self.contamination == "auto" else float(self.contamination)
        self.offset_ = float(np.percentile(train_scores, 100.0 * c))
        self.threshold_ = -self.offset_

    # ------------------------------------------------------------------ scoring
    def _make_float64_models(self) -> None:
        """Scoring runs in float64 copies of the models: scores then do not depend on how the data is
        batched (float32 matrix products round differently for 1 row and for 20)."""
        self._models64 = [copy.deepcopy(ae.model_).double().eval() for ae in self.estimators_]

    @torch.no_grad()
    def _forward(self, i: int, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Codes ``(n, code_dim)`` and per-feature errors ``(n, *net_shape)`` of estimator ``i``, float64,
        in the model's scaled units (``X`` already validated)."""
        with using_threads(getattr(self, "n_threads", None)):
            return self._forward_batches(i, X)

    def _forward_batches(self, i: int, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        ae, model = self.estimators_[i], self._models64[i]
        x = ae.scale(X).double()  # (n, *net_shape), the model's scaled units
        power = 2 if self.error == "mse" else 1
        codes, maps = [], []
        for start in range(0, len(x), 1024):
            b = x[start:start + 1024]
            out = model.encode(b)
            codes.append(out.code.flatten(1))
            err = (model.decode(out.z) - b).abs()
            if self.error_window_ > 1:  # mean |error| over each pixel's w x w neighbourhood, zeros outside
                err = torch.nn.functional.avg_pool2d(err, self.error_window_, stride=1,
                                                     padding=self.error_window_ // 2, count_include_pad=True)
            maps.append(err ** power)
        return torch.cat(codes).numpy(), torch.cat(maps).numpy()

    def _scale_features(self, i: int, err_map: np.ndarray) -> np.ndarray:
        return err_map if self.feature_scale_ is None else err_map / self.feature_scale_[i]

    def _combine(self, outs: list[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
        """From each estimator's (codes, error map): the error maps ``(n_estimators, n, *net_shape)``,
        feature-scaled when configured and divided by each estimator's mean training error; and the latent
        term ``(n,)``: squared Mahalanobis distance of the codes / code size, averaged over estimators."""
        maps = np.stack([self._scale_features(i, m) / self.recon_mean_[i] for i, (_, m) in enumerate(outs)])
        latent = np.zeros(maps.shape[1])
        for (codes, _), mu, prec in zip(outs, self.code_mean_, self.code_precision_):
            d = codes - mu
            latent += ((d @ prec) * d).sum(1) / d.shape[1] / len(outs)
        return maps, latent

    def _terms(self, X) -> tuple[np.ndarray, np.ndarray]:
        """``_combine`` of every estimator's forward pass over validated ``X``."""
        self._check_fitted()
        X = check_input(X, expected_shape=self.input_shape_, estimator=type(self).__name__)
        return self._combine([self._forward(i, X) for i in range(len(self.estimators_))])

    def _score(self, maps: np.ndarray, latent: np.ndarray) -> np.ndarray:
        return maps.reshape(maps.shape[0], maps.shape[1], -1).mean(axis=(0, 2)) + self.latent_weight_ * latent

    def anomaly_score(self, X) -> np.ndarray:
        """Higher = more abnormal (PyOD's convention): normalised reconstruction error averaged over
        estimators, plus ``latent_weight`` times the latent-density term."""
        return self._score(*self._terms(X))

    def score_samples(self, X) -> np.ndarray:
        """Higher = more normal (scikit-learn's convention): ``-anomaly_score(X)``."""
        return -self.anomaly_score(X)

    def decision_function(self, X) -> np.ndarray:
        """``score_samples(X) - offset_``: negative for outliers."""
        self._check_fitted()
        return self.score_samples(X) - self.offset_

    def predict(self, X) -> np.ndarray:
        """+1 for inliers, -1 for outliers (at the threshold set by ``contamination``)."""
        return np.where(self.decision_function(X) < 0, -1, 1)

    def explain(self, X) -> np.ndarray:
        """Where each sample is abnormal: the per-feature error, shaped like one input (e.g. ``(n, H, W)``)."""
        maps = self._terms(X)[0].mean(0)  # (n, *net_shape)
        return maps.reshape(len(maps), *self.input_shape_).astype(np.float32)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.non_deterministic = False
        return tags

    # ------------------------------------------------------------------ persistence
    def save(self, path: str | os.PathLike) -> None:
        """One folder: ``config.json`` (detector and member configs) + ``model.safetensors`` (all weights)."""
        self._check_fitted()
        members, tensors = [], {}
        for i, ae in enumerate(self.estimators_):
            meta, weights = ae.to_parts()
            members.append(meta)
            tensors.update({f"m{i}.{k}": v for k, v in weights.items()})
        if self.feature_scale_ is not None:
            tensors["detector.feature_scale"] = torch.from_numpy(np.ascontiguousarray(self.feature_scale_))
        tensors["detector.recon_mean"] = torch.from_numpy(self.recon_mean_)
        for i, (mu, prec) in enumerate(zip(self.code_mean_, self.code_precision_)):
            tensors[f"detector.code_mean.{i}"] = torch.from_numpy(np.ascontiguousarray(mu))
            tensors[f"detector.code_precision.{i}"] = torch.from_numpy(np.ascontiguousarray(prec))
        params = {k: v for k, v in self.get_params(deep=False).items() if k != "autoencoder"}
        meta = {"aekit_version": __version__, "estimator": type(self).__name__, "params": params,
                "offset": self.offset_, "error_scaling": self.error_scaling_, "latent_weight": self.latent_weight_,
                "error_window": self.error_window_,
                "input_shape": list(self.input_shape_),
                "members": members}
        write_checkpoint(path, DETECTOR_KIND, meta, {"model.safetensors": tensors})

    @classmethod
    def load(cls, path: str | os.PathLike) -> "AnomalyDetector":
        """Load a detector saved by ``save`` (a plain auto-encoder folder gets a clear error)."""
        meta, files = read_checkpoint(path, DETECTOR_KIND)
        tensors = files["model.safetensors"]
        try:
            det = cls(**meta["params"])
            det.estimators_ = [
                AutoEncoder.from_parts(m, {k[len(f"m{i}."):]: v for k, v in tensors.items()
                                           if k.startswith(f"m{i}.")}, path)
                for i, m in enumerate(meta["members"])
            ]
            det.offset_ = float(meta["offset"])
            det.error_scaling_ = meta["error_scaling"]
            det.error_window_ = int(meta.get("error_window", 1))  # no window before it existed
            # detectors saved before latent_weight could be "auto" stored only the number in params
            det.latent_weight_ = float(meta.get("latent_weight", meta["params"]["latent_weight"]))
            det.input_shape_ = tuple(meta["input_shape"])
        except (KeyError, TypeError) as exc:
            raise CheckpointError(f"Corrupt detector checkpoint {str(path)!r} ({exc}). Re-train or re-save it.") from None
        det.threshold_ = -det.offset_
        det.n_features_in_ = int(math.prod(det.input_shape_))
        fs = tensors.get("detector.feature_scale")
        det.feature_scale_ = None if fs is None else fs.numpy()
        try:
            det.recon_mean_ = tensors["detector.recon_mean"].numpy()
            det.code_mean_ = [tensors[f"detector.code_mean.{i}"].numpy() for i in range(len(det.estimators_))]
            det.code_precision_ = [tensors[f"detector.code_precision.{i}"].numpy()
                                   for i in range(len(det.estimators_))]
        except KeyError as exc:
            raise CheckpointError(f"Corrupt detector checkpoint {str(path)!r}: weights lack {exc}. "
                                  "Re-train or re-save it.") from None
        det._make_float64_models()
        return det


__all__ = ["AnomalyDetector", "default_autoencoder"]
