"""Small options per registered model, shared by the registry-parametrised tests.

A new model without an entry here fails ``test_every_registered_model_is_covered``.
``cond`` is how a batch's condition is drawn for the model (None: the model takes none).
``data``: "tokens" for models that read token ids (``input`` (B, T) with a ``mask``), else vectors.
"""

OPTIONS = {
    "autoencoder": {"model_options": {}, "cond": None},
    "conditional": {"model_options": {"classes": 3}, "cond": "labels"},
    "adversarial": {"model_options": {"disc_hidden": [8]}, "cond": None},
    "factor": {"model_options": {"disc_hidden": [8], "gamma": 5.0}, "cond": None},
    "text_summary": {"model_options": {"vocab_size": 30, "max_source": 10, "summary_len": 4, "embed": 32,
                                       "hidden": 32, "disc_hidden": 8, "rl_epochs": 1}, "cond": None, "data": "tokens"},
}
