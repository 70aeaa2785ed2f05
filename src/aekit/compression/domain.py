"""What images a codec was trained on, and a check that new images look like them.

A learned codec only knows its training images: the bundled ``mnist`` codec codes white digits
on black well and anything else badly (a photo scaled to 28x28 comes back at about 10 dB, at
the size of a lossless PNG). Two mistakes are common and cheap to catch:

* images in [0, 1] instead of 0..255 (floats from an image library): they would decode to black,
  so they are refused with the fix;
* images unlike the training set (a light background, a photo): they are coded, with a warning
  that says what to do instead.

A codec folder records its training images' statistics (``domain`` in its config.json); a codec
without them (the bundled ``mnist`` one predates this) gets the figures measured on its data.
"""

from __future__ import annotations

import numpy as np

from ..errors import DataError

# per-image statistics of the mnist training digits (values 0..255), 0.1 and 99.9 percentiles:
# the mean pixel and the mean of the one-pixel border
MNIST_DOMAIN = {"mean": [9.68, 74.2], "border": [0.0, 6.0]}


class DomainWarning(UserWarning):
    """Images unlike a codec's training images: they are coded, but badly."""


def _stats(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per image (``(n, C, H, W)``, 0..255): the mean pixel and the mean of the outermost pixels."""
    n = len(x)
    border = np.concatenate([x[:, :, 0, :].reshape(n, -1), x[:, :, -1, :].reshape(n, -1),
                             x[:, :, :, 0].reshape(n, -1), x[:, :, :, -1].reshape(n, -1)], axis=1)
    return x.reshape(n, -1).mean(1), border.mean(1)


def measure(x: np.ndarray) -> dict:
    """The domain of training images ``(n, C, H, W)`` in 0..255."""
    mean, border = _stats(np.asarray(x, np.float64))
    pct = lambda v: [round(float(np.percentile(v, 0.1)), 2), round(float(np.percentile(v, 99.9)), 2)]  # noqa: E731
    return {"mean": pct(mean), "border": pct(border)}


def check_units(x: np.ndarray) -> None:
    """Refuse floats in [0, 1] with a fractional part: the codec reads 0..255, so they would decode to
    black. (An image of whole 0s and 1s passes: it may really be that dark.)"""
    if x.dtype.kind == "f" and x.size and float(np.nanmax(x)) <= 1.0 and float(np.nanmin(x)) >= 0.0 \
            and not np.all(np.mod(x, 1) == 0):
        raise DataError("images hold values in [0, 1], but the codec reads pixel values 0..255 (they would "
                        "decode to black): pass images * 255.")


def warning_for(x: np.ndarray, domain: dict | None, codec: str) -> str | None:
    """A one-line warning when some images (``(n, C, H, W)``, 0..255) lie far outside ``domain``, else None.

    Only the bright side is checked: a mean pixel well above the training images' (1.5 x their 99.9th
    percentile) or a border much brighter (above 3 x theirs, at least 20 of 255). Dark or blank images
    are what such codecs handle best."""
    if not domain:
        return None
    mean, border = _stats(np.asarray(x, np.float64))
    too_bright = mean > 1.5 * domain["mean"][1]
    light_border = border > max(3 * domain["border"][1], 20.0)
    odd = too_bright | light_border
    if not odd.any():
        return None
    which = "a light background" if light_border.any() else "much brighter pixels"
    return (f"{int(odd.sum())} of {len(x)} image(s) do not look like codec {codec!r}'s training images ({which}; "
            f"it was trained on images with a mean pixel of {domain['mean'][0]:g}-{domain['mean'][1]:g} and a "
            f"border of {domain['border'][0]:g}-{domain['border'][1]:g} out of 255), so they will come back "
            "badly: invert dark-on-light images (255 - x), or train a codec for your images with "
            "'aekit train-codec'.")


__all__ = ["DomainWarning", "MNIST_DOMAIN", "check_units", "measure", "warning_for"]
