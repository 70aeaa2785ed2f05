"""Small options per registered bottleneck, shared by the registry-parametrised tests.

A new bottleneck without an entry here fails ``test_all_registered_bottlenecks_are_covered``.
"""

OPTIONS = {
    "continuous": {},
    "gaussian": {},
    "binary": {},
    "categorical": {"categories": 5},
    "vq": {"codebook_size": 16, "dim": 3},
    "mixture": {"components": 3, "pretrain_steps": 0},  # placed at once: every parameter trains from step 1
    "tcvae": {"beta": 4.0},
    "joint": {"parts": [{"name": "categorical", "latent_dim": 1, "categories": 4},
                        {"name": "gaussian", "latent_dim": 3}]},
}
LATENT = {"joint": 4}  # latent_dim where the default (4) does not fit the options
