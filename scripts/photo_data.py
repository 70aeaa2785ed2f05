"""The photo data of the ``photo`` codec: training photos from Debian packages, a disjoint test set.

    python scripts/photo_data.py [--cache DIR]      # downloads + unpacks, lists what it found

Training photos (real photographs, never a test image):
- ``lomiri-wallpapers-16.04`` (``/usr/share/backgrounds/*.jpg``), 14 photos;
- ``mate-backgrounds`` (``/usr/share/backgrounds/mate/nature/``), 12 photos;
- ``plasma-workspace-wallpapers``: the JPEG photos (``contents/images/*.jpg``, the largest of each);
- ``opencv-doc`` (``examples/data``): its photographs minus :data:`OPENCV_HELD_OUT`.

Packages are fetched with ``apt-get download`` and unpacked with ``dpkg-deb -x`` (no installation,
none of opencv-doc's documentation dependencies) into the cache folder.

Test set (whole photos, none a training source): scikit-image's astronaut, chelsea, coffee, rocket
and motorcycle_left (stored as PNG, lossless), scikit-learn's ``load_sample_images`` (china,
flower: stored as JPEG), matplotlib's ``grace_hopper`` (JPEG), and the opencv-doc photos of
:data:`OPENCV_HELD_OUT` (JPEG).
"""

from __future__ import annotations

import argparse
import os
import subprocess
from pathlib import Path

import numpy as np

PACKAGES = ("lomiri-wallpapers-16.04", "mate-backgrounds", "plasma-workspace-wallpapers", "opencv-doc")
OPENCV_DATA = "usr/share/doc/opencv-doc/examples/data"
# photographs among opencv-doc's example data (drawings, charts, chessboards, logos, text and
# synthetic pictures are left out); the first ones are held out for the test set
OPENCV_HELD_OUT = ("baboon.jpg", "fruits.jpg", "butterfly.jpg")
OPENCV_PHOTOS = ("aero1.jpg", "aero3.jpg", "aloeL.jpg", "aloeR.jpg", "apple.jpg", "building.jpg", "home.jpg",
                 "leuvenA.jpg", "leuvenB.jpg", "messi5.jpg", "orange.jpg", "squirrel_cls.jpg", "stuff.jpg",
                 "ela_original.jpg", "basketball1.png", "rubberwhale1.png", "smarties.png", "lena.jpg",
                 "left01.jpg", "right01.jpg", "board.jpg", "box_in_scene.png", "graf1.png",
                 "HappyFish.jpg", "pca_test1.jpg")
DEFAULT_CACHE = Path(os.environ.get("AEKIT_PHOTO_CACHE", Path.home() / ".cache" / "aekit" / "photos"))


def fetch(cache: Path = DEFAULT_CACHE, log=print) -> Path:
    """Download and unpack the packages into ``cache/root`` (once); returns that folder."""
    root = cache / "root"
    debs = cache / "debs"
    for pkg in PACKAGES:
        mark = cache / f".{pkg}.done"
        if mark.exists():
            continue
        debs.mkdir(parents=True, exist_ok=True)
        if not list(debs.glob(f"{pkg}_*.deb")):
            log(f"apt-get download {pkg}")
            subprocess.run(["apt-get", "download", pkg], cwd=debs, check=True, capture_output=True)
        (deb,) = debs.glob(f"{pkg}_*.deb")
        root.mkdir(parents=True, exist_ok=True)
        subprocess.run(["dpkg-deb", "-x", str(deb), str(root)], check=True)
        mark.touch()
    return root


def train_files(root: Path) -> list[Path]:
    """The training photos, in a fixed order."""
    files = sorted((root / "usr/share/backgrounds").glob("*.jpg"))  # lomiri
    files += sorted((root / "usr/share/backgrounds/mate/nature").glob("*.jpg"))
    for folder in sorted((root / "usr/share/wallpapers").glob("*/contents/images")):
        jpgs = list(folder.glob("*.jpg"))
        if jpgs:  # the largest rendition of each JPEG (photographic) wallpaper
            files.append(max(jpgs, key=lambda p: [int(v) for v in p.stem.split("x")][0] *
                             [int(v) for v in p.stem.split("x")][1]))
    data = root / OPENCV_DATA
    files += [data / n for n in OPENCV_PHOTOS if (data / n).is_file() and n not in OPENCV_HELD_OUT]
    return files


def test_images(root: Path | None = None) -> dict[str, tuple[np.ndarray, str]]:
    """``name -> (uint8 image (H, W, 3), how it was stored)``: the held-out test photos."""
    import matplotlib.cbook
    import skimage.data
    from sklearn.datasets import load_sample_images

    from aekit.compression.photos import read_photo

    out = {}
    for name in ("astronaut", "chelsea", "coffee", "rocket"):
        out[name] = (np.ascontiguousarray(getattr(skimage.data, name)()[..., :3]), "PNG")
    out["motorcycle_left"] = (np.ascontiguousarray(skimage.data.stereo_motorcycle()[0]), "PNG")
    sk = load_sample_images()
    for fname, img in zip(sk.filenames, sk.images):
        out[Path(fname).stem] = (np.ascontiguousarray(img), "JPEG")
    with matplotlib.cbook.get_sample_data("grace_hopper.jpg") as f:
        out["grace_hopper"] = (read_photo(f), "JPEG")
    root = fetch() if root is None else root
    for n in OPENCV_HELD_OUT:
        out[f"opencv_{Path(n).stem}"] = (read_photo(root / OPENCV_DATA / n), "JPEG")
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    args = ap.parse_args()
    root = fetch(args.cache)
    from aekit.compression.photos import read_photo

    for f in train_files(root):
        print("train", f.relative_to(root), read_photo(f).shape)
    for name, (img, stored) in test_images(root).items():
        print("test ", name, img.shape, stored)


if __name__ == "__main__":
    main()
