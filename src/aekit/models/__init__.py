"""Registered models, one file each: ``create_model(config)`` builds the one ``config.model`` names.

- ``"autoencoder"`` (:class:`AEModel`): encoder -> bottleneck -> decoder;
- ``"conditional"`` (:class:`ConditionalAE`): encoder and decoder read a condition (the conditional VAE);
- ``"adversarial"`` (:class:`AdversarialAE`): a discriminator pushes the codes towards N(0, I);
- ``"factor"`` (:class:`FactorVAE`): a discriminator estimates the total correlation of the code, which
  the VAE pays for (disentangled codes).
- ``"text_summary"`` (:class:`TextSummaryAE`): the code is a short readable word sequence (issue 15).
- ``"adain_vc"`` (:class:`AdaINVC`) and ``"vqvc"`` (:class:`VQVC`): voice conversion by separate
  content and speaker codes.
"""

from .base import MODELS, Model, Stage, create_model
from .autoencoder import AEModel
from .adversarial import AdversarialAE
from .conditional import ConditionalAE
from .factor import FactorVAE
from .text_summary import TextSummaryAE
from .voice import VQVC, AdaINVC

__all__ = ["AEModel", "AdaINVC", "AdversarialAE", "ConditionalAE", "FactorVAE", "MODELS", "Model", "Stage",
           "TextSummaryAE", "VQVC", "create_model"]
