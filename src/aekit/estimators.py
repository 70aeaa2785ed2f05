"""scikit-learn style estimators over the model and the one trainer.

``AutoEncoder`` is a transformer: ``fit(X)`` learns without labels,
``transform(X)`` gives codes, ``inverse_transform(Z)`` decodes them,
``reconstruct(X)`` rebuilds inputs, ``sample(n)`` generates (VAE or a discrete
code with a learned prior), ``interpolate(a, b)`` morphs, ``codes(X)`` gives the
indices of discrete codes, ``restyle(a, b)`` draws ``a``'s content in ``b``'s
style, and ``score_samples(X)`` is the negative
per-sample reconstruction error (higher = more typical, as scikit-learn's
outlier detectors). Arrays ``(n, d)`` get an MLP, ``(n, H, W)`` and
``(n, C, H, W)`` a conv net, unless ``net`` says otherwise. ``model`` picks a registered model
(``aekit.models.MODELS``): ``"conditional"`` reads the labels given to ``fit(X, y)`` as its
condition, ``"adversarial"`` shapes the code with a discriminator, ``"factor"`` (FactorVAE)
penalises the total correlation of the code.
"""

from __future__ import annotations

import math
import os
from typing import Any

import numpy as np
import torch
from sklearn.base import BaseEstimator, ClassNamePrefixFeaturesOutMixin, TransformerMixin

from . import params
from ._version import __version__
from .bottlenecks import DiscreteBottleneck
from .checkpoint import read_checkpoint, write_checkpoint
from .config import ModelConfig, ScalerConfig, TrainConfig, check_number, from_dict, to_dict
from .data.scaling import Scaler
from .errors import CheckpointError, ConfigError, DataError, NotFittedError
from .models import MODELS, create_model
from .threads import using_threads
from .train import History, Trainer
from .validation import check_input

MODEL_KIND = "aekit-model"


def _net_shape(sample_shape: tuple[int, ...], image_shape) -> tuple[int, ...]:
    """Per-sample shape the network sees: ``(D,)`` or ``(C, H, W)``."""
    if image_shape is not None:
        image_shape = tuple(check_number(s, "image_shape", integer=True, minimum=1, meaning="sizes of an image: H W "
                                         "or C H W") for s in image_shape)
        if len(image_shape) == 2:
            image_shape = (1, *image_shape)
        if len(image_shape) != 3 or math.prod(image_shape) != math.prod(sample_shape):
            raise ConfigError(
                f"image_shape={image_shape} does not fit samples of shape {sample_shape} "
                f"({math.prod(sample_shape)} values); give (H, W) or (C, H, W) with that many values."
            )
        return image_shape
    if len(sample_shape) == 2:
        return (1, *sample_shape)
    return tuple(sample_shape)


@params.with_params
class AutoEncoder(ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseEstimator):
    """An auto-encoder as a scikit-learn transformer.

    ``fit(X)`` (or ``fit(X, y)`` for a conditional model) trains it; ``transform``,
    ``inverse_transform``, ``reconstruct``, ``score_samples``, ``sample``, ``interpolate`` and
    ``codes`` use it; ``save``/``load`` keep it. The parameters below are generated from one table,
    ``aekit.params.PARAMS``, which also makes the flags of ``aekit train``; most of them set a field
    of ``ModelConfig`` or ``TrainConfig`` (``model_config_``, ``train_config_`` after ``fit``).
    """

    # ------------------------------------------------------------------ configs
    def _configs(self, sample_shape: tuple[int, ...], n_samples: int
                 ) -> tuple[ModelConfig, TrainConfig, ScalerConfig]:
        shape = _net_shape(sample_shape, self.image_shape)
        is_image = len(shape) == 3
        net = self.net if self.net != "auto" else ("conv" if is_image else "mlp")
        scaling = self.scaling if self.scaling != "auto" else ("global" if is_image else "standard")
        loss = self.loss if self.loss != "auto" else ("bce" if scaling in ("global", "minmax") and is_image else "mse")
        if loss == "bce" and scaling not in ("global", "minmax"):
            raise ConfigError(f"loss='bce' needs inputs in [0, 1]: use scaling='global' or 'minmax', not {scaling!r}.")
        # data scaled into [0, 1]: a sigmoid output keeps reconstructions in range
        output = "sigmoid" if scaling in ("global", "minmax") else "linear"
        mcfg = ModelConfig(**params.config_values(self, ModelConfig), input_shape=shape, net=net, loss=loss,
                           output=output)
        batch_size = self.batch_size
        if batch_size == "auto":  # about 10+ steps per epoch on small data, 128 once data is plentiful
            batch_size = int(min(128, max(8, n_samples // 10)))
        tcfg = TrainConfig(**{**params.config_values(self, TrainConfig), "batch_size": batch_size,
                              "progress": bool(self.verbose)})
        return mcfg, tcfg, ScalerConfig(kind=scaling)

    def network_shape(self, sample_shape: tuple[int, ...]) -> tuple[int, ...]:
        """The per-sample shape the network sees for samples of ``sample_shape``: ``(D,)`` vectors or
        ``(C, H, W)`` images (grey ``(H, W)`` samples gain a channel; ``image_shape`` reshapes flat rows)."""
        return _net_shape(tuple(sample_shape), self.image_shape)

    # ------------------------------------------------------------------ fitting
    def fit(self, X, y=None, *, resume: bool = False) -> "AutoEncoder":
        """Learn to reconstruct ``X``. ``y`` is ignored, except by a conditional model, which reads it
        as the condition of every sample (class labels, or vectors)."""
        X = check_input(X, estimator=type(self).__name__)
        MODELS.get(self.model)  # an unknown model name fails here, naming the registered ones
        mcfg, tcfg, scfg = self._configs(X.shape[1:], len(X))
        self.n_features_in_ = int(math.prod(X.shape[1:]))
        self.input_shape_ = tuple(X.shape[1:])
        self.scaler_ = Scaler(scfg).fit(X)
        data = {"input": torch.from_numpy(self.scaler_.transform(X)).reshape(len(X), *mcfg.input_shape)}
        cond = self._cond(y, len(X), mcfg)
        if cond is not None:
            data["cond"] = cond
        # seed weight init without resetting the caller's global torch RNG (as sklearn leaves np.random alone)
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(self.random_state)
            model = create_model(mcfg)
            trainer = Trainer(tcfg)
            history = trainer.fit(model, data, resume=resume)
        self.model_ = model.cpu().eval() if trainer.device.type != "cpu" else model.eval()
        self.model_config_, self.train_config_ = mcfg, tcfg
        self.prior_history_ = history.stages.pop("prior", None)
        self.history_ = history
        return self

    def _cond(self, y, n: int, mcfg: ModelConfig) -> torch.Tensor | None:
        """``y`` as the model's condition (None for unconditional models, which ignore ``y``)."""
        if not MODELS.get(mcfg.model).takes_condition:
            return None
        if y is None:
            raise DataError(f"the conditional model needs a condition per sample: call fit(X, y) with labels "
                            f"(model_options={mcfg.model_options}).")
        y = np.asarray(y)
        if len(y) != n:
            raise DataError(f"y has {len(y)} entries but X has {n} samples: give one condition per sample.")
        if y.dtype.kind not in "biuf" or not np.all(np.isfinite(y.astype(np.float64))):
            raise DataError(f"y must hold finite numbers (class labels or condition vectors); got dtype {y.dtype}.")
        return torch.from_numpy(y.astype(np.int64) if y.dtype.kind in "biu" else y.astype(np.float32))

    def _check_fitted(self) -> None:
        if not hasattr(self, "model_"):
            raise NotFittedError(
                f"This {type(self).__name__} instance is not fitted yet. Call 'fit' with appropriate "
                "arguments before using this estimator, or load a saved one with AutoEncoder.load(path)."
            )

    def scale(self, X) -> torch.Tensor:
        """``X`` validated and scaled as the network sees it: a float32 tensor ``(n, *model input shape)``."""
        self._check_fitted()
        X = check_input(X, expected_shape=self.input_shape_, estimator=type(self).__name__)
        return torch.from_numpy(self.scaler_.transform(X)).reshape(len(X), *self.model_config_.input_shape)

    def unscale(self, out) -> np.ndarray:
        """Network outputs (scaled, flat or net-shaped) -> samples in the data's units and shape."""
        self._check_fitted()
        out = np.asarray(out.detach().cpu().numpy() if torch.is_tensor(out) else out)
        return self.scaler_.inverse_transform(out.reshape(len(out), *self.input_shape_))

    def _condition(self, y, n: int) -> torch.Tensor | None:
        if not self.model_.takes_condition:
            if y is not None:
                raise ConfigError(f"y is a condition, but this {self.model_config_.model!r} model takes none.")
            return None
        return self._cond(y, n, self.model_config_)

    @torch.no_grad()
    def _batched(self, fn, x: torch.Tensor, cond: torch.Tensor | None = None, batch_size: int = 1024) -> np.ndarray:
        self.model_.eval()
        with using_threads(self.n_threads):
            outs = [fn(x[i:i + batch_size], None if cond is None else cond[i:i + batch_size])
                    for i in range(0, len(x), batch_size)]
        return torch.cat(outs).cpu().numpy().astype(np.float32)

    # ------------------------------------------------------------------ using it
    def transform(self, X, y=None) -> np.ndarray:
        """Codes of ``X``: ``(n, code_dim)`` (``y``: the conditions of a conditional model)."""
        x = self.scale(X)
        return self._batched(lambda b, c: self.model_.encode(b, c).code.flatten(1), x, self._condition(y, len(x)))

    def inverse_transform(self, Z, y=None) -> np.ndarray:
        """Decode codes ``Z`` (as from ``transform``) back to data in the original units and shape."""
        self._check_fitted()
        Z = check_input(Z, name="Z", expected_shape=(self.model_.bottleneck.code_dim,),
                        estimator=type(self).__name__)
        z = torch.from_numpy(Z)
        return self.unscale(self._batched(lambda b, c: self.model_.decode(self.model_.bottleneck.decode_code(b), c),
                                          z, self._condition(y, len(z))))

    def reconstruct(self, X, y=None) -> np.ndarray:
        """Encode and decode ``X``; same shape and units as ``X`` (``y``: conditions of a conditional model)."""
        x = self.scale(X)
        cond = self._condition(y, len(x))
        return self.unscale(self._batched(lambda b, c: self.model_.decode(self.model_.encode(b, c).z, c), x, cond))

    def codes(self, X) -> np.ndarray:
        """Discrete indices of ``X``: ``(n, latent_dim)`` int64 (VQ entries, categories or bits)."""
        self._check_fitted()
        if not isinstance(self.model_.bottleneck, DiscreteBottleneck):
            raise ConfigError(f"codes() needs a discrete bottleneck ('vq', 'categorical', 'binary'); this model's "
                              f"is {self.model_config_.bottleneck!r}. Use transform() for continuous codes.")
        return self.transform(X).astype(np.int64)

    def sample(self, n: int = 16, *, random_state: int | None = None, temperature: float = 1.0,
               y=None) -> np.ndarray:
        """Generate ``n`` new samples by decoding codes drawn from the prior.

        Works for the Gaussian (VAE) bottleneck, for discrete ones trained with a prior
        (``bottleneck_options={"prior": {...}}``) and for the adversarial model; other models raise
        ``NoPriorError``. ``temperature`` scales the spread of the prior (< 1: more typical, less
        varied samples). A conditional model needs ``y``: one condition, or one per sample.
        """
        self._check_fitted()
        n = check_number(n, "n", integer=True, minimum=1, meaning="how many samples to draw")
        temperature = check_number(temperature, "temperature", above=0, meaning="spread of the prior, 1 = as trained")
        seed = check_number(self.random_state if random_state is None else random_state, "random_state",
                            integer=True, meaning="seed of the draw")
        cond = None
        if y is not None and self.model_.takes_condition:
            y = np.asarray(y)
            if y.ndim == 0 or (y.ndim == 1 and self.model_.options.cond_dim and len(y) == self.model_.options.cond_dim):
                y = np.broadcast_to(y, (n, *y.shape))  # one condition for every sample
        cond = self._condition(y, n) if (y is not None or self.model_.takes_condition) else None
        gen = torch.Generator().manual_seed(seed)
        with torch.no_grad():
            z = self.model_.sample_latent(n, gen, temperature=temperature)
        return self.unscale(self._batched(self.model_.decode, z, cond))

    def interpolate(self, a, b, steps: int = 8) -> np.ndarray:
        """Decode ``steps`` points on the straight line between the codes of samples ``a`` and ``b``.

        Returns ``(steps, *sample_shape)``; the first and last are the reconstructions of ``a`` and ``b``.
        """
        self._check_fitted()
        steps = check_number(steps, "steps", integer=True, minimum=2, meaning="points on the line, ends included")
        if self.model_.takes_condition:
            raise ConfigError("interpolate() between two samples of a conditional model is ambiguous (which "
                              "condition?); encode with transform(X, y) and decode with inverse_transform(Z, y).")
        pair = [np.asarray(v) for v in (a, b)]
        pair = [v.reshape(1, *v.shape) if v.shape == tuple(self.input_shape_) else v for v in pair]
        x = self.scale(np.concatenate(pair))
        if len(x) != 2:
            raise DataError(f"interpolate() takes two samples of shape {self.input_shape_}; got {len(x)} rows.")
        with torch.no_grad(), using_threads(self.n_threads):
            z = self.model_.encode(x).z  # (2, out_features): what the decoder reads
            t = torch.linspace(0, 1, steps).unsqueeze(1)
            zs = (1 - t) * z[:1] + t * z[1:]
        return self.unscale(self._batched(lambda b, c: self.model_.decode(b), zs))

    def restyle(self, content, style, *, content_y=None, style_y=None) -> np.ndarray:
        """Draw each ``content`` sample in the style of the matching ``style`` sample (one of either
        serves every output): the content part of one code, decoded with the style part of the other.

        Needs a code split into content and style: a conditional model with class labels (the label
        is the content, inferred unless ``content_y``/``style_y`` give it) or a ``joint`` bottleneck
        with a categorical part (see :mod:`aekit.restyle`). Returns ``(n, *sample_shape)``.
        """
        from .restyle import restyle

        return restyle(self, content, style, content_y=content_y, style_y=style_y)

    def score_samples(self, X, y=None) -> np.ndarray:
        """Negative mean squared reconstruction error per sample, in the scaled space (higher = more typical)."""
        x = self.scale(X)
        cond = self._condition(y, len(x))
        err = self._batched(lambda b, c: ((self.model_.decode(self.model_.encode(b, c).z, c) - b) ** 2)
                            .flatten(1).mean(1), x, cond)
        return -err

    @property
    def _n_features_out(self) -> int:
        return self.model_.bottleneck.code_dim

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float32"]
        tags.non_deterministic = False
        return tags

    # ------------------------------------------------------------------ persistence
    def save(self, path: str | os.PathLike) -> None:
        """Write a folder with ``config.json`` and ``model.safetensors`` (atomically)."""
        meta, weights = self.to_parts()
        write_checkpoint(path, MODEL_KIND, meta, {"model.safetensors": weights})

    def to_parts(self) -> tuple[dict[str, Any], dict[str, torch.Tensor]]:
        """Everything ``save`` writes: JSON-able meta and named tensors (other estimators nest these;
        ``from_parts`` is the inverse)."""
        self._check_fitted()
        params = {k: (list(v) if isinstance(v, tuple) else v) for k, v in self.get_params().items()}
        meta = {"aekit_version": __version__, "estimator": type(self).__name__, "params": params,
                "model_config": to_dict(self.model_config_), "train_config": to_dict(self.train_config_),
                "scaler_config": to_dict(self.scaler_.config), "input_shape": list(self.input_shape_),
                "history": self.history_.to_dict(),
                "prior_history": self.prior_history_.to_dict() if getattr(self, "prior_history_", None) else None}
        weights = {**self.model_.state_dict(), **self.scaler_.state_dict()}
        return meta, weights

    @classmethod
    def load(cls, path: str | os.PathLike) -> "AutoEncoder":
        """Load a model saved by ``save`` (verifies format, version and checksums; never unpickles)."""
        meta, files = read_checkpoint(path, MODEL_KIND)
        if meta.get("estimator") != cls.__name__:
            raise CheckpointError(
                f"{str(path)!r} holds a {meta.get('estimator')!r} model, not a {cls.__name__}. "
                f"Load it with aekit.{meta.get('estimator')}.load instead."
            )
        return cls.from_parts(meta, files["model.safetensors"], path)

    @classmethod
    def from_parts(cls, meta: dict, tensors: dict[str, torch.Tensor], path="<parts>") -> "AutoEncoder":
        """Rebuild a fitted estimator from what ``to_parts`` returned (``path`` names it in errors).
        Models saved by aekit 0.1 (no model name in their config) load as the plain auto-encoder."""
        try:
            params = dict(meta["params"])
            if params.get("image_shape") is not None:  # JSON stored the tuple as a list
                params["image_shape"] = tuple(params["image_shape"])
            est = cls(**params)
            est.model_config_ = from_dict(ModelConfig, meta["model_config"])
            est.train_config_ = from_dict(TrainConfig, meta["train_config"])
            scfg = from_dict(ScalerConfig, meta["scaler_config"])
            est.input_shape_ = tuple(meta["input_shape"])
            est.history_ = History.from_dict(meta["history"])
            ph = meta.get("prior_history")
            est.prior_history_ = History.from_dict(ph) if ph else None
        except KeyError as exc:
            raise CheckpointError(f"Corrupt checkpoint {str(path)!r}: config.json lacks {exc}. "
                                  "Re-save or re-train the model.") from None
        except (TypeError, ConfigError) as exc:  # unexpected or ill-typed entries (e.g. another aekit version)
            raise CheckpointError(f"Corrupt or incompatible checkpoint {str(path)!r}: config.json has an "
                                  f"invalid entry ({exc}). Re-save it with this aekit version.") from None
        est.n_features_in_ = int(math.prod(est.input_shape_))
        try:
            est.scaler_ = Scaler(scfg).load_state_dict(tensors)
            model = create_model(est.model_config_)
            model.load_state_dict({k: v for k, v in tensors.items() if not k.startswith("scaler.")})
        except (KeyError, RuntimeError, ConfigError) as exc:
            raise CheckpointError(f"Checkpoint {str(path)!r} does not match its config ({exc}).") from None
        est.model_ = model.eval()
        return est

__all__ = ["AutoEncoder", "DataError"]
