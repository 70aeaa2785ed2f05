"""User data from files: ``.npy``/``.npz``, ``.csv``/``.tsv``, an image file or a folder of images,
and atomic writing of outputs."""

from __future__ import annotations

import csv
import os
import zipfile
from pathlib import Path

import numpy as np

from ..atomic import atomic_file
from ..errors import DataError

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp"}
ARRAY_SUFFIXES = {".npy", ".npz", ".csv", ".tsv", ".txt"}


def _load_npy(path: Path) -> np.ndarray:
    try:
        if path.suffix == ".npz":
            with np.load(path, allow_pickle=False) as z:
                keys = list(z.keys())
                key = next((k for k in ("X", "x", "data") if k in keys), keys[0] if len(keys) == 1 else None)
                if key is None:
                    raise DataError(f"{str(path)!r} holds arrays {keys}; name the data array 'X' "
                                    "(np.savez(path, X=...)) or save a single array.")
                return z[key]
        return np.load(path, allow_pickle=False)
    except DataError:
        raise
    except ValueError as exc:
        if "pickle" in str(exc).lower():
            raise DataError(f"{str(path)!r} holds Python objects (pickled); aekit only loads numeric arrays, "
                            "never pickles. Save a numeric array with np.save.") from None
        raise DataError(f"Cannot read {str(path)!r} as a NumPy array ({exc}). Is the file complete?") from None
    except (OSError, EOFError, zipfile.BadZipFile) as exc:
        raise DataError(f"Cannot read {str(path)!r} as a NumPy array ({exc}). Is the file complete?") from None


def _load_table(path: Path) -> np.ndarray:
    text = path.read_text(errors="replace")
    numbered = [(i + 1, ln) for i, ln in enumerate(text.splitlines())  # (line number, text) of data lines
                if ln.strip() and not ln.lstrip().startswith("#")]
    lines = [ln for _, ln in numbered]
    if not lines:
        raise DataError(f"{str(path)!r} is empty: it has no data rows. Pass a file with one sample per row.")
    delim = "\t" if (path.suffix == ".tsv" or "\t" in lines[0]) else ("," if "," in lines[0] else None)

    def is_number(cell: str) -> bool:
        try:
            float(cell)
            return True
        except ValueError:
            return False

    # The first row is a header only when none of its cells is a number: a data row with one bad
    # cell (or an empty, missing one) must raise or become NaN, not be silently dropped as a header.
    first = [c.strip() for c in (lines[0].split(delim) if delim else lines[0].split())]
    skip = 1 if any(first) and not any(is_number(c) for c in first if c) else 0
    if len(lines) <= skip:
        raise DataError(f"{str(path)!r} has a header but no data rows.")
    # a table aekit wrote for named inputs (codes or reconstructions of image files) starts with a
    # "name" column: the file names are labels, not features
    drop = 1 if skip and first[0].lower() == "name" else 0
    parsed = []
    for lineno, ln in numbered[skip:]:
        cells = (next(csv.reader([ln], delimiter=delim or ",")) if drop and delim else
                 ln.split(delim) if delim else ln.split())[drop:]
        try:
            parsed.append([float(v) if v.strip() != "" else np.nan for v in cells])
        except ValueError as exc:
            raise DataError(f"{str(path)!r} line {lineno} has a non-numeric value ({exc}). Every cell after the "
                            "header must be a number (a header row holds only column names); encode "
                            "categories as numbers first.") from None
        if len(parsed[-1]) != len(parsed[0]):
            raise DataError(f"{str(path)!r} line {lineno} has {len(parsed[-1])} columns but the first data row "
                            f"has {len(parsed[0])}; every row needs the same column count.")
    return np.array(parsed)


def _load_image(path: Path, mode: str, size: tuple[int, int] | None) -> np.ndarray:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as im:
            im = im.convert(mode)
            if size is not None and im.size != (size[1], size[0]):
                im = im.resize((size[1], size[0]), Image.BILINEAR)
            arr = np.asarray(im)
    except (UnidentifiedImageError, OSError) as exc:
        raise DataError(f"Cannot read image {str(path)!r} ({exc}). Is it a complete PNG/JPEG file?") from None
    return arr if arr.ndim == 2 else arr.transpose(2, 0, 1)  # (H, W) or (C, H, W)


def load_images(paths: list[Path], image_size: tuple[int, int] | None = None) -> np.ndarray:
    """Images as ``(n, H, W)`` (all grey) or ``(n, 3, H, W)`` uint8; sizes must agree unless resized."""
    from PIL import Image

    modes = set()
    for p in paths:
        try:
            with Image.open(p) as im:
                modes.add(im.mode)
        except OSError as exc:
            raise DataError(f"Cannot read image {str(p)!r} ({exc}). Is it a complete image file?") from None
    mode = "L" if modes <= {"L", "1", "I;16", "I", "LA"} else "RGB"
    imgs = [_load_image(p, mode, image_size) for p in paths]
    shapes = {a.shape for a in imgs}
    if len(shapes) > 1:
        raise DataError(f"Images have different sizes {sorted(shapes)}; pass --image-size H W "
                        "(image_size=(H, W)) to resize them all.")
    return np.stack(imgs)


def image_files(folder: str | os.PathLike) -> list[Path]:
    """The images of a folder in the order :func:`load_array` loads them (sorted by file name)."""
    return sorted(p for p in Path(folder).iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)


def sample_names(path: str | os.PathLike) -> list[str] | None:
    """The file name of each sample :func:`load_array` loads from ``path``: the images of a folder, or
    the one image file; None for arrays and tables (their rows have no names)."""
    path = Path(path)
    if path.is_dir():
        return [p.name for p in image_files(path)]
    return [path.name] if path.suffix.lower() in IMAGE_SUFFIXES else None


def load_array(path: str | os.PathLike, image_size: tuple[int, int] | None = None) -> np.ndarray:
    """Load user data: ``.npy``/``.npz`` arrays, ``.csv``/``.tsv``/``.txt`` tables (optional header),
    one image, or a folder of images (sorted by file name)."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"No such file or folder: {str(path)!r}. Check the path.")
    if path.is_dir():
        files = image_files(path)
        if not files:
            raise DataError(f"Folder {str(path)!r} holds no images ({', '.join(sorted(IMAGE_SUFFIXES))}).")
        return load_images(files, image_size)
    suffix = path.suffix.lower()
    if path.stat().st_size == 0:
        raise DataError(f"{str(path)!r} is an empty file (0 bytes). Pass a file with data.")
    if suffix in (".npy", ".npz"):
        return _load_npy(path)
    if suffix in (".csv", ".tsv", ".txt"):
        return _load_table(path)
    if suffix in IMAGE_SUFFIXES:
        return load_images([path], image_size)
    raise DataError(f"Unsupported file type {suffix!r} for {str(path)!r}; use .npy, .npz, .csv, .tsv, "
                    f"an image ({', '.join(sorted(IMAGE_SUFFIXES))}) or a folder of images.")


def save_array(path: str | os.PathLike, arr: np.ndarray, *, columns: list[str] | None = None,
               names: list[str] | None = None) -> Path:
    """Write ``arr`` to ``.npy`` or ``.csv`` atomically (temp file + rename).

    A CSV gets a header row: ``columns`` (default ``x0, x1, ...``), preceded by a ``name`` column
    holding ``names`` (one per row, e.g. the input files) when given. :func:`load_array` reads such
    a table back as the numbers alone."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".npy", ".csv"):
        raise DataError(f"Output {str(path)!r} must end in .npy or .csv.")
    with atomic_file(path) as tmp, open(tmp, "wb") as f:
        if suffix == ".npy":
            np.save(f, arr)
        else:
            flat = np.asarray(arr).reshape(len(arr), -1)
            header = list(columns) if columns is not None else [f"x{i}" for i in range(flat.shape[1])]
            if len(header) != flat.shape[1]:
                raise DataError(f"{len(header)} column names for {flat.shape[1]} columns.")
            if names is not None:
                if len(names) != len(flat):
                    raise DataError(f"{len(names)} names for {len(flat)} rows.")
                f.write((",".join(["name", *header]) + "\n").encode())
                for name, row in zip(names, flat):
                    f.write((_csv_cell(name) + "," + ",".join(f"{v:.7g}" for v in row) + "\n").encode())
            else:
                np.savetxt(f, flat, delimiter=",", fmt="%.7g", header=",".join(header), comments="")
    return path


def _csv_cell(text: str) -> str:
    """A file name as one CSV cell (quoted where it holds a comma or a quote)."""
    return '"' + text.replace('"', '""') + '"' if any(c in text for c in ',"\n') else text


def save_image(path: str | os.PathLike, img: np.ndarray) -> Path:
    """Write one image ``(H, W)``, ``(1, H, W)`` or ``(3, H, W)`` with values 0..255 as a PNG, atomically.

    Values are rounded and clipped to 0..255 (the units images are loaded in).
    """
    from PIL import Image

    arr = np.asarray(img, dtype=np.float64)
    if arr.ndim == 3 and arr.shape[0] in (1, 3):
        arr = arr[0] if arr.shape[0] == 1 else arr.transpose(1, 2, 0)
    if arr.ndim not in (2, 3):
        raise DataError(f"Cannot save an array of shape {np.shape(img)} as an image; need (H, W) or (C, H, W).")
    pixels = np.clip(np.rint(arr), 0, 255).astype(np.uint8)
    path = Path(path)
    with atomic_file(path) as tmp:
        Image.fromarray(pixels).save(tmp, format="PNG")
    return path
