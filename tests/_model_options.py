"""Small options per registered model, shared by the registry-parametrised tests.

A new model without an entry here fails ``test_every_registered_model_is_covered``.
``cond`` is how a batch's condition is drawn for the model (None: the model takes none).
"""

OPTIONS = {
    "autoencoder": {"model_options": {}, "cond": None},
    "conditional": {"model_options": {"classes": 3}, "cond": "labels"},
    "adversarial": {"model_options": {"disc_hidden": [8]}, "cond": None},
    "factor": {"model_options": {"disc_hidden": [8], "gamma": 5.0}, "cond": None},
}
