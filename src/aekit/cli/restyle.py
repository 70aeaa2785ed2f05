"""``aekit restyle``: draw the content of one image in the style of another."""

from __future__ import annotations

from pathlib import Path

from ..data import load_array, save_image
from ..errors import DataError
from .common import add_threads_arg, formatter, load_autoencoder, write_output

EXAMPLES = """examples:
  aekit train --data mnist -o models/restyle --model conditional --model-option classes=10 \\
      --model-option classifier=true --bottleneck gaussian --latent-dim 8
  aekit restyle --model models/restyle --content a.png --style b.png -o out.png
  aekit restyle --model models/restyle --content sevens/ --style b.png -o sevens_like_b.png
"""


def add_parser(sub) -> None:
    p = sub.add_parser("restyle", help="draw one image's content (the digit) in another's style",
                       description="Encode a content image and a style image and decode the content part of the "
                                   "first with the style part of the second. Needs a model whose code splits into "
                                   "content and style: a conditional model with class labels (the class of each "
                                   "image is inferred: by the classifier trained with it, classifier=true, else the "
                                   "class that reconstructs it best) or a joint bottleneck with a categorical part.",
                       epilog=EXAMPLES, formatter_class=formatter)
    p.add_argument("--model", required=True, metavar="DIR", help="folder written by aekit train")
    p.add_argument("--content", required=True, metavar="FILE", help="image(s) whose content to keep: an image, a "
                   "folder of images or a .npy array; one image serves every style")
    p.add_argument("--style", required=True, metavar="FILE", help="image(s) whose style to take (same forms; one "
                   "image serves every content image)")
    p.add_argument("-o", "--output", required=True, metavar="FILE",
                   help=".png (one image: the picture itself; several: a grid of up to 64), .npy or .csv")
    p.add_argument("--content-label", type=int, metavar="K", help="the content's class, if known (conditional "
                   "models; default: inferred)")
    p.add_argument("--style-label", type=int, metavar="K", help="the style image's class, if known")
    p.add_argument("--image-size", nargs=2, type=int, metavar=("H", "W"), help="resize the images to H x W")
    add_threads_arg(p)
    p.set_defaults(func=run)


def _read(path: str, what: str, size, shape: tuple[int, ...]):
    X = load_array(path, size)
    if X.shape == shape:  # one sample given as an array of the sample's shape
        X = X[None]
    if X.shape[1:] != shape:
        got = X.shape[1:]
        hint = (f"resize it (--image-size {shape[-2]} {shape[-1]})" if len(shape) >= 2 and len(got) == len(shape)
                else f"give samples of shape {shape}")
        raise DataError(f"--{what} {path!r} holds samples of shape {got}, but the model takes {shape}: {hint}.")
    return X


def run(args) -> int:
    ae = load_autoencoder(args.model, args.n_threads)
    from ..restyle import restyle_split

    restyle_split(ae.model_)  # a model that cannot restyle fails before any image is read
    shape = tuple(ae.input_shape_)
    size = tuple(args.image_size) if args.image_size else None
    A = _read(args.content, "content", size, shape)
    B = _read(args.style, "style", size, shape)
    out = ae.restyle(A, B, content_y=args.content_label, style_y=args.style_label)
    if Path(args.output).suffix.lower() == ".png" and len(out) == 1 and len(shape) in (2, 3):
        save_image(args.output, out[0])  # the picture itself, in the units images load in (0..255)
        print(f"wrote {args.output} (one image, shape {tuple(out.shape[1:])})")
    else:
        write_output(args.output, out, max_images=64)
    return 0
