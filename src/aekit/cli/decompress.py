"""``aekit decompress``: an ``.aek`` file -> PNG images or one .npy array."""

from __future__ import annotations

from pathlib import Path

from ..errors import DataError
from .common import add_threads_arg, formatter

EXAMPLES = """examples:
  aekit decompress seven.aek -o out/                   # one image: out/seven.png
  aekit decompress digits.aek -o out/                  # many: out/digits_000.png, out/digits_001.png, ...
  aekit decompress digits.aek -o out/ --format npy     # out/digits.npy, (n, 28, 28) uint8
  aekit decompress custom.aek -o out/ --model models/mycodec
"""


def add_parser(sub) -> None:
    p = sub.add_parser("decompress", help="decode an .aek file into PNG images or a .npy array",
                       description="Decode an .aek file written by 'aekit compress'; the codec is the bundled one "
                                   "whose weights wrote the file (the file stores their hash) unless --model gives "
                                   "a folder.",
                       epilog=EXAMPLES, formatter_class=formatter)
    p.add_argument("input", metavar="FILE", help="the .aek file")
    p.add_argument("-o", "--output", required=True, metavar="DIR",
                   help="folder to write the images into (named after the .aek file: NAME.png, or NAME_000.png ...)")
    p.add_argument("--format", choices=("png", "npy"), default="png",
                   help="one PNG per image, named after the .aek file, or one DIR/NAME.npy array")
    p.add_argument("--model", default=None, metavar="M", help="codec folder (default: the bundled codec that wrote the file)")
    add_threads_arg(p)
    p.set_defaults(func=run)


def run(args) -> int:
    from ..compression import decompress
    from ..compression.codec import bits_per_pixel
    from ..data import save_array, save_image

    path = Path(args.input)
    if not path.is_file():
        raise FileNotFoundError(f"No such file: {str(path)!r}. Pass an .aek file written by 'aekit compress'.")
    data = path.read_bytes()
    images = decompress(data, args.model)
    out = Path(args.output)
    if out.exists() and not out.is_dir():
        raise DataError(f"-o {str(out)!r} is a file; pass a folder to write the images into.")
    stem = path.stem or "image"  # outputs keep the name of what was compressed (the file stores no names)
    if args.format == "npy":
        written = save_array(out / f"{stem}.npy", images)
    elif len(images) == 1:
        written = save_image(out / f"{stem}.png", images[0])
    else:
        width = max(3, len(str(len(images) - 1)))
        for i, img in enumerate(images):
            save_image(out / f"{stem}_{i:0{width}d}.png", img)
        written = out / f"{stem}_{'0' * width}.png ..."
    shape = (1, *images.shape[1:]) if images.ndim == 3 else images.shape[1:]
    print(f"decoded {len(images)} image(s) from {len(data)} bytes ({len(data) / len(images):.1f} bytes/image, "
          f"{bits_per_pixel(len(data), len(images), tuple(shape)):.3f} bpp) -> {written}")
    return 0
