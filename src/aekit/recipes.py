"""The benchmarked recipes, by name: what ``aekit train --recipe NAME`` trains.

Each recipe is the set of ``AutoEncoder`` parameters a script in ``benchmarks/`` trains its
headline model with, so the command line reproduces the published numbers instead of
``AutoEncoder``'s generic defaults (a test keeps these equal to the scripts). Flags typed after
``--recipe`` still win: ``aekit train --recipe mnist-8 --epochs 5`` is the recipe, shorter.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field

from .errors import ConfigError

_NET = dict(channels=[32, 64], kernel_size=4, fc_hidden=[256])  # benchmarks/dim_reduction.py's net
_MOVES = "shift:2,rotate:10,scale:0.1"  # a de-noising corruption that moves the digit


@dataclass(frozen=True)
class Recipe:
    name: str
    summary: str
    benchmark: str  # the script whose model this is
    params: dict = field(default_factory=dict)


RECIPES: dict[str, Recipe] = {r.name: r for r in [
    Recipe("mnist-2", "2-D codes for a map of the digits (de-noising moves)", "benchmarks/dim_reduction.py",
           dict(latent_dim=2, net_options=dict(_NET, fc_hidden=[256, 64]), loss="mse", epochs=30, lr=3e-3,
                noise=_MOVES)),
    Recipe("mnist-8", "8-d codes, 2.4x lower error than PCA-8", "benchmarks/dim_reduction.py",
           dict(latent_dim=8, net_options=_NET, loss="mse", epochs=60, lr=3e-3, augment="shift:1")),
    Recipe("mnist-32", "32-d codes, 2.6x lower error than PCA-32", "benchmarks/dim_reduction.py",
           dict(latent_dim=32, net_options=_NET, loss="mse", epochs=30, lr=3e-3)),
    Recipe("features", "32-d codes as features for few labels (de-noising moves)", "benchmarks/few_labels.py",
           dict(latent_dim=32, net_options=_NET, loss="mse", epochs=30, lr=3e-3, noise=_MOVES)),
    Recipe("denoise", "de-noising auto-encoder for Gaussian noise of sigma 0.5", "benchmarks/denoise.py",
           dict(latent_dim=128, net_options=dict(channels=[64, 128], kernel_size=4, fc_hidden=[512]), loss="mse",
                lr=3e-3, epochs=60, augment="shift:1", val_fraction=0.05, noise="gaussian:0.5")),
    Recipe("vae", "VAE with a 16-d Gaussian code (sample, interpolate)", "benchmarks/latents.py",
           dict(latent_dim=16, bottleneck="gaussian", epochs=60, lr=2e-3)),
    Recipe("vq-prior", "VQ-VAE, 4x4 grid of 128 entries, transformer prior (sample)", "benchmarks/latents.py",
           dict(latent_dim=16, bottleneck="vq", epochs=30, lr=2e-3,
                net_options={"channels": [32, 64, 128], "grid": True, "blocks": 1},
                bottleneck_options={"codebook_size": 128, "dim": 16,
                                    "prior": {"epochs": 40, "d_model": 64, "layers": 2, "dropout": 0.1,
                                              "patience": 6}})),
]}


def get_recipe(name: str) -> Recipe:
    """A recipe by name; an unknown one is a one-line error listing them (with "did you mean")."""
    if name in RECIPES:
        return RECIPES[name]
    close = difflib.get_close_matches(name, list(RECIPES), n=1)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    raise ConfigError(f"Unknown recipe {name!r}.{hint} Recipes: {', '.join(RECIPES)}.")


def describe() -> str:
    """One line per recipe, for ``--help``."""
    return "\n".join(f"  {r.name:<10} {r.summary} ({r.benchmark})" for r in RECIPES.values())


__all__ = ["RECIPES", "Recipe", "describe", "get_recipe"]
