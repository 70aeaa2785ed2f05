"""Restyling: draw the content of one input in the style of another, from a code split in two.

A code splits into a *content* part (which digit) and a *style* part (slant, thickness) in one
of two ways, and ``restyle`` decodes (content of ``a``, style of ``b``):

- a **conditional** model with class labels (``model="conditional"``, ``model_options={"classes":
  10}``): the label is the content and the code the style. The label of an unlabelled input is
  inferred (:meth:`~aekit.models.conditional.ConditionalAE.infer_condition`: the classifier
  trained with the model when ``classifier=True``, else the label that reconstructs it best),
  unless given. ``b``'s style is its code under its own label; the output decodes it with
  ``a``'s label.
- an unconditional model whose bottleneck is ``joint`` with one or more ``categorical`` parts,
  trained without labels (as JointVAE, Dupont 2018, https://arxiv.org/abs/1804.00104): the
  categorical parts are the content, the other parts the style. The output decodes ``a``'s
  categories beside ``b``'s other parts.

Other models cannot restyle: their code has no content part (:func:`restyle_split` says why).
"""

from __future__ import annotations

import numpy as np
import torch

from .errors import ConfigError, DataError
from .threads import using_threads


def restyle_split(model) -> tuple[str, np.ndarray | None]:
    """How ``model`` (a fitted model, ``AutoEncoder.model_``) splits its code: ``("condition", None)``
    or ``("joint", mask)`` with ``mask`` the code entries that are content; ``ConfigError`` otherwise."""
    name = model.config.model
    if getattr(model, "takes_condition", False):
        if not getattr(model.options, "classes", 0):
            raise ConfigError(f"this {name!r} model's condition is a vector (cond_dim), not a class label, so "
                              "content cannot be read off an image; restyle needs model_options={'classes': K}.")
        return "condition", None
    bottleneck = model.bottleneck
    if model.config.bottleneck == "joint":
        mask = np.concatenate([np.full(p.code_dim, n.endswith(".categorical"))
                               for n, p in zip(bottleneck.names, bottleneck.parts)])
        if mask.any() and not mask.all():
            return "joint", mask
    raise ConfigError(
        f"this model ({name!r}, bottleneck {model.config.bottleneck!r}) cannot restyle: its code has no separate "
        "content part. Train a conditional model with class labels (--model conditional --model-option classes=10 "
        "--model-option classifier=true, with labelled data) or a joint bottleneck with a categorical part and a "
        "continuous one (--bottleneck joint --bottleneck-option parts=[...]).")


def _pair(content: np.ndarray, style: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Broadcast one image against many: ``n`` outputs for ``n`` contents and ``n`` styles, one and ``n``,
    or ``n`` and one."""
    if len(content) != len(style):
        if len(content) == 1:
            content = np.repeat(content, len(style), axis=0)
        elif len(style) == 1:
            style = np.repeat(style, len(content), axis=0)
        else:
            raise DataError(f"restyle pairs content and style images one to one; got {len(content)} content and "
                            f"{len(style)} style images (give equal numbers, or one of either).")
    return content, style


@torch.no_grad()
def restyle(ae, content, style, *, content_y=None, style_y=None) -> np.ndarray:
    """Draw each ``content`` input in the style of the matching ``style`` input (see the module docstring).

    ``ae``: a fitted :class:`~aekit.AutoEncoder`. ``content``, ``style``: inputs shaped as the
    model's training samples (one sample, or ``n``; one of either is used for every output).
    ``content_y``/``style_y``: known class labels of a conditional model (default: inferred).
    Returns the outputs in the data's units and shape, ``(n, *sample_shape)``.
    """
    ae._check_fitted()
    model = ae.model_
    kind, mask = restyle_split(model)
    shape = tuple(ae.input_shape_)
    arrays = []
    for what, X in (("content", content), ("style", style)):
        X = np.asarray(X)
        if X.ndim == len(shape):  # one sample
            X = X[None]
        if X.shape[1:] != shape:
            raise DataError(f"the {what} input has shape {X.shape[1:]}, but this model takes samples of "
                            f"shape {shape}" + (f" ({shape[-2]}x{shape[-1]} images)" if len(shape) >= 2 else "")
                            + "; resize it to that.")
        arrays.append(X)
    content, style = _pair(*arrays)
    if kind == "joint":
        codes_a, codes_b = ae.transform(content), ae.transform(style)
        return ae.inverse_transform(np.where(mask[None], codes_a, codes_b))
    model.eval()
    xa, xb = ae.scale(content), ae.scale(style)
    ya = _labels(model, xa, content_y, "content_y", ae.n_threads)
    yb = _labels(model, xb, style_y, "style_y", ae.n_threads)
    codes_b = ae.transform(style, yb)  # the style: b's code under b's own label
    return ae.inverse_transform(codes_b, ya)


def _labels(model, x: torch.Tensor, given, name: str, n_threads) -> np.ndarray:
    if given is None:
        device = next(model.parameters()).device
        with using_threads(n_threads):
            return torch.cat([model.infer_condition(x[i:i + 1024].to(device)).cpu()
                              for i in range(0, len(x), 1024)]).numpy()
    y = np.asarray(given)
    y = np.broadcast_to(y, (len(x),)) if y.ndim == 0 else y
    if y.shape != (len(x),):
        raise DataError(f"{name} needs one label per image ({len(x)}); got shape {y.shape}.")
    return y


__all__ = ["restyle", "restyle_split"]
