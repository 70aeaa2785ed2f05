"""Small options per registered model, shared by the registry-parametrised tests.

A new model without an entry here fails ``test_every_registered_model_is_covered``.
``cond`` is how a batch's condition is drawn for the model (None: the model takes none).
``data``: "tokens" for models that read token ids (``input`` (B, T) with a ``mask``), else vectors.
Models of sequences add ``config`` (``ModelConfig`` fields replacing the tests' MLP on 64-d
vectors), ``data: "sequences"`` (batches of ``(8, 24)`` multi-channel signals instead of digits)
and ``estimator: False`` where they train through their own front end, not ``aekit.AutoEncoder``.
"""

_VOICE = {"input_shape": (8, None), "net": "conv1d", "net_options": {"channels": [16, 16], "blocks": 0},
          "loss": "l1"}

OPTIONS = {
    "autoencoder": {"model_options": {}, "cond": None},
    "conditional": {"model_options": {"classes": 3}, "cond": "labels"},
    "adversarial": {"model_options": {"disc_hidden": [8]}, "cond": None},
    "factor": {"model_options": {"disc_hidden": [8], "gamma": 5.0}, "cond": None},
    "text_summary": {"model_options": {"vocab_size": 30, "max_source": 10, "summary_len": 4, "embed": 32,
                                       "hidden": 32, "disc_hidden": 8, "rl_epochs": 1}, "cond": None, "data": "tokens"},
    # voice conversion (tests/voice covers it through VoiceConverter)
    "adain_vc": {"model_options": {"speaker_dim": 4, "speaker_channels": [8], "segment": 16, "speakers": 3, "content_lifter": 4,
                                   "adversarial_weight": 0.1},
                 "cond": None, "config": _VOICE, "data": "sequences", "estimator": False},
    "vqvc": {"model_options": {"speaker_dim": 4, "segment": 16}, "cond": None, "data": "sequences", "estimator": False,
             "config": {**_VOICE, "bottleneck": "vq", "latent_dim": 1, "bottleneck_options": {"dim": 4,
                                                                                            "codebook_size": 8}}},
}
