"""Registered models, one file each: ``create_model(config)`` builds the one ``config.model`` names.

- ``"autoencoder"`` (:class:`AEModel`): encoder -> bottleneck -> decoder;
- ``"conditional"`` (:class:`ConditionalAE`): encoder and decoder read a condition (the conditional VAE);
- ``"adversarial"`` (:class:`AdversarialAE`): a discriminator pushes the codes towards N(0, I);
- ``"adain_vc"`` (:class:`AdaINVC`) and ``"vqvc"`` (:class:`VQVC`): voice conversion by separate
  content and speaker codes.
"""

from .base import MODELS, Model, Stage, create_model
from .autoencoder import AEModel
from .adversarial import AdversarialAE
from .conditional import ConditionalAE
from .voice import AdaINVC, VQVC

__all__ = ["AEModel", "AdaINVC", "AdversarialAE", "ConditionalAE", "VQVC", "MODELS", "Model", "Stage", "create_model"]
