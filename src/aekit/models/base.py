"""The model contract: what the one trainer needs from any model it trains.

A model is an ``nn.Module`` that says how it trains:

- ``configure_optimizers(train_config)`` -> a list of :class:`~aekit.optim.OptimizerSpec`: one
  optimizer over every trainable parameter by default; several for adversarial models (a
  generator and a discriminator with their own learning rates, betas and step ratio).
- ``training_step(batch, ctx, optimizer)`` -> ``{"loss": tensor, "losses": {name: tensor},
  "info": {name: float}}``: the objective of the optimizer named ``optimizer`` on a batch (a dict
  of named tensors, see :mod:`aekit.data.batches`); ``losses`` are its named terms (all logged
  per epoch), ``info`` statistics worth watching (codebook perplexity, KL in nats, ...).
  The trainer calls it once per optimizer and batch, then back-propagates that loss and steps
  that optimizer.
- ``validation_step(batch, ctx)`` -> the same dict; its ``loss`` decides early stopping (by
  default the first optimizer's training objective, evaluated without gradients).
- ``stages()`` -> further :class:`Stage` s the trainer runs after this one (e.g. the learned
  prior over a discrete code, fitted on the codes of the trained model).
- ``pipeline_steps()`` -> batch steps (``step(batch, generator) -> batch``) the trainer runs on
  every whole batch before it is split between data-parallel processes: randomness a training
  step needs (draws from a prior, a permutation of the batch) drawn here is the same whichever
  process gets which samples, so N processes reproduce one.

Models are registered by name (``@MODELS.register("name")``) and built from a ``ModelConfig``
whose ``model`` field names them, so a saved model rebuilds as what it was.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from torch import nn

from ..config import ModelConfig, TrainConfig, from_dict
from ..context import Context
from ..optim import OptimizerSpec
from ..registry import Registry


@dataclass
class Stage:
    """A further training stage: ``module`` is fitted by the one trainer, after the model, on
    ``data(source)`` (built from the trained model and its training data), with the training
    config changed by ``train`` (a dict of ``TrainConfig`` fields)."""

    name: str
    module: nn.Module
    data: Callable[[Any], Any]
    train: dict[str, Any] = field(default_factory=dict)
    seed_offset: int = 1  # the stage's weights are drawn after torch.manual_seed(seed + seed_offset)
    finish: Callable[[], None] | None = None  # called after the stage has trained


class Model(nn.Module):
    """Base class of registered models (see the module docstring)."""

    #: options dataclass of this model, built from ``ModelConfig.model_options`` (unknown keys rejected)
    Options: type | None = None

    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        self.config = config
        opts = dict(config.model_options)
        if self.Options is None:
            if opts:
                from ..errors import ConfigError

                raise ConfigError(f"model {config.model!r} takes no model_options; got {sorted(opts)}.")
            self.options = None
        else:
            self.options = from_dict(self.Options, opts, what=f"model_options of {config.model!r}")

    # -- how it trains ---------------------------------------------------------------
    def configure_optimizers(self, train: TrainConfig) -> list[OptimizerSpec]:
        return [OptimizerSpec("main", [p for p in self.parameters() if p.requires_grad])]

    def training_step(self, batch: dict, ctx: Context, optimizer: str) -> dict:
        raise NotImplementedError

    def validation_step(self, batch: dict, ctx: Context) -> dict:
        if not hasattr(self, "_first_optimizer"):
            self._first_optimizer = self.configure_optimizers(TrainConfig())[0].name
        return self.training_step(batch, ctx, self._first_optimizer)

    def stages(self) -> list[Stage]:
        return []

    def pipeline_steps(self) -> list:
        return []

    #: whether batches carry a ``cond`` the model reads (the estimator passes ``fit(X, y)``'s ``y`` as it)
    takes_condition: bool = False

    #: loss terms shown live in the progress bar besides each optimizer's loss
    shown_terms: tuple[str, ...] = ()


MODELS: Registry[Model] = Registry("model")


def create_model(config: ModelConfig) -> Model:
    """The registered model that ``config.model`` names, built from ``config``."""
    return MODELS.get(config.model)(config)


__all__ = ["MODELS", "Model", "Stage", "create_model"]
