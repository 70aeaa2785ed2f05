"""Images sent to the web app: decoded under limits, then fitted to a model's input.

Every limit is checked before the work it guards, with a message that says what was wrong and
what is accepted: the bytes of the upload (413), its type, by its first bytes rather than its
name (415), and its pixel count before any pixels are decoded (422).
"""

from __future__ import annotations

import base64
import binascii
import io
from dataclasses import dataclass

import numpy as np

MAX_IMAGE_BYTES = 2 * 1024 * 1024  # an upload of more is refused (413)
MAX_PIXELS = 4_000_000  # width x height; read from the header before decoding (422)
TYPES = {b"\x89PNG\r\n\x1a\n": "PNG", b"\xff\xd8\xff": "JPEG"}


class ImageError(ValueError):
    """A bad image: ``status`` is the HTTP status, the message says what to send instead."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


@dataclass
class Limits:
    max_bytes: int = MAX_IMAGE_BYTES
    max_pixels: int = MAX_PIXELS


def decode_data(text: str, limits: Limits) -> bytes:
    """A ``data:image/...;base64,...`` URL or bare base64 -> the file's bytes, within ``limits``."""
    payload = text.split(",", 1)[1] if text.startswith("data:") else text
    if len(payload) > limits.max_bytes * 4 // 3 + 8:  # base64 is 4/3 of the bytes: refuse before decoding
        raise ImageError(413, f"image too large: more than {limits.max_bytes // 1024} KiB; send a smaller PNG or JPEG.")
    try:
        data = base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError):
        raise ImageError(422, "image is not valid base64: send a data URL (data:image/png;base64,...) or base64 of "
                              "a PNG or JPEG file.") from None
    if len(data) > limits.max_bytes:
        raise ImageError(413, f"image too large: {len(data) // 1024} KiB, at most {limits.max_bytes // 1024} KiB.")
    return data


def open_image(data: bytes, limits: Limits) -> np.ndarray:
    """PNG or JPEG bytes -> grey ``(H, W)`` uint8, checked for type and pixel count before decoding."""
    from PIL import Image, UnidentifiedImageError

    kind = next((name for magic, name in TYPES.items() if data.startswith(magic)), None)
    if kind is None:
        raise ImageError(415, "unsupported file type: send a PNG or JPEG image.")
    try:
        with Image.open(io.BytesIO(data)) as im:
            w, h = im.size  # from the header: nothing decoded yet
            if w * h > limits.max_pixels:
                raise ImageError(422, f"image has {w} x {h} = {w * h:,} pixels, more than {limits.max_pixels:,}; "
                                      "scale it down first.")
            if im.mode in ("RGBA", "LA", "P"):  # transparent drawings: composite on black, like the canvas
                im = im.convert("RGBA")
                bg = Image.new("RGBA", im.size, (0, 0, 0, 255))
                im = Image.alpha_composite(bg, im)
            return np.asarray(im.convert("L"))
    except ImageError:
        raise
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as exc:
        raise ImageError(422, f"cannot read the {kind} image ({exc}); is the file complete?") from None


def as_digit(img: np.ndarray, size: int = 28, box: int = 20) -> np.ndarray:
    """A drawing or photo of one digit -> an MNIST-style ``(size, size)`` float image 0..255: light
    strokes on black (inverted if the background is light), cropped to the strokes, scaled so the
    longer side is ``box`` pixels and centred by its centre of mass, as MNIST's digits were."""
    from PIL import Image
    from scipy import ndimage

    x = img.astype(np.float32)
    border = np.concatenate([x[0], x[-1], x[:, 0], x[:, -1]])
    if border.mean() > 127:  # dark ink on paper
        x = 255.0 - x
        border = 255.0 - border
    x = np.clip(x - np.median(border), 0, 255)  # the paper's grey is background, not ink
    ys, xs = np.nonzero(x > 0.2 * x.max()) if x.max() > 0 else (np.array([]), np.array([]))
    if len(ys) == 0:
        return np.zeros((size, size), np.float32)  # blank: nothing drawn
    crop = x[ys.min():ys.max() + 1, xs.min():xs.max() + 1]
    h, w = crop.shape
    scale = box / max(h, w)
    nh, nw = max(1, round(h * scale)), max(1, round(w * scale))
    small = np.asarray(Image.fromarray(crop).resize((nw, nh), Image.LANCZOS), np.float32)
    small = np.clip(small * (255.0 / max(float(small.max()), 1e-6)), 0, 255)
    out = np.zeros((size, size), np.float32)
    top, left = (size - nh) // 2, (size - nw) // 2
    out[top:top + nh, left:left + nw] = small
    cy, cx = ndimage.center_of_mass(out)
    return ndimage.shift(out, (size / 2 - 0.5 - cy, size / 2 - 0.5 - cx), order=1, mode="constant").clip(0, 255)


def fit_to(img: np.ndarray, shape: tuple[int, ...], digit: bool) -> np.ndarray:
    """A grey image -> one sample of a model's input ``shape`` ((H, W) or (1, H, W)), values 0..255."""
    h, w = shape[-2:]
    if digit:
        out = as_digit(img, h, round(h * 20 / 28)) if h == w else _resize(img, h, w)
    else:
        out = _resize(img, h, w)
    return out.reshape(shape)


def _resize(img: np.ndarray, h: int, w: int) -> np.ndarray:
    from PIL import Image

    return np.asarray(Image.fromarray(img).resize((w, h), Image.BILINEAR), np.float32)


def png_data_url(img: np.ndarray, lo: float = 0.0, hi: float = 255.0, zoom: int = 1) -> str:
    """An image (``(H, W)`` or ``(1, H, W)``) in units ``lo..hi`` -> a PNG data URL."""
    from PIL import Image

    a = np.asarray(img, np.float64).reshape(np.shape(img)[-2:])
    pixels = np.rint(255 * np.clip((a - lo) / max(hi - lo, 1e-12), 0, 1)).astype(np.uint8)
    im = Image.fromarray(pixels)
    if zoom > 1:
        im = im.resize((im.width * zoom, im.height * zoom), Image.NEAREST)
    buf = io.BytesIO()
    im.save(buf, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")
