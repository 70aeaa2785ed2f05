"""``aekit denoise``: clean noisy inputs with a saved (de-noising) auto-encoder."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..errors import ConfigError
from .common import add_data_args, add_threads_arg, formatter, load_autoencoder, load_input, write_output

EXAMPLES = """examples:
  aekit train --data mnist -o models/dae --latent-dim 64 --noise gaussian:0.5   # train a de-noising AE
  aekit denoise --model models/dae --input noisy_digit.png -o clean_digit.png
  aekit denoise --model models/dae --input noisy.npy -o clean.npy
  aekit denoise --model models/dae --input scans/ -o cleaned/        # one PNG per input image
  aekit denoise --model models/dae --input mnist:test --corrupt mask:0.5 -o demo.png  # noisy vs clean grid
"""


def add_parser(sub) -> None:
    p = sub.add_parser("denoise", help="remove noise from inputs with a saved de-noising model",
                       description="Pass inputs through a saved auto-encoder (ideally one trained with --noise) and "
                                   "write the cleaned versions.",
                       epilog=EXAMPLES, formatter_class=formatter)
    p.add_argument("--model", required=True, metavar="DIR", help="folder written by aekit train")
    add_data_args(p)
    p.add_argument("--corrupt", default=None, metavar="SPEC",
                   help="corrupt the inputs first (e.g. gaussian:0.5, mask:0.5; strengths in the model's [0, 1] "
                        "units for images) to see what the model removes")
    p.add_argument("--seed", type=int, default=0, help="seed of --corrupt")
    p.add_argument("-o", "--output", required=True, metavar="PATH",
                   help=".npy or .csv (array), .png (the image itself for one input, else a noisy/clean grid of "
                        "the first 16), or a folder (one PNG per image)")
    add_threads_arg(p)
    p.set_defaults(func=run)


def run(args) -> int:
    from ..data import save_image
    from ..noise import corrupt

    ae = load_autoencoder(args.model, args.n_threads)
    X, _ = load_input(args.input, tuple(args.image_size) if args.image_size else None)
    X = np.asarray(X, dtype=np.float32)
    if args.corrupt:
        # corrupt in the model's scaled units (images: [0, 1]), then back to the input's units
        X = ae.scaler_.inverse_transform(corrupt(ae.scaler_.transform(X), args.corrupt, seed=args.seed))
    clean = ae.reconstruct(X)
    if not ae.noise:
        print("note: this model was trained without --noise; a de-noising model removes noise far better")
    out = Path(args.output)
    suffix = out.suffix.lower()
    is_image = len(ae.input_shape_) >= 2
    if suffix == ".png" and len(X) == 1:
        save_image(out, clean[0])
        print(f"wrote {out}")
    elif suffix == ".png":
        from ..plots import image_grid

        n = min(16, len(X))
        lo, hi = float(min(X[:n].min(), clean[:n].min())), float(max(X[:n].max(), clean[:n].max()))
        image_grid([X[:n], clean[:n]], ["input", "denoised"], out, vmin=lo, vmax=hi if hi > lo else lo + 1)
        print(f"wrote {out} (first {n} inputs and their de-noised versions)")
    elif suffix == "":
        if not is_image:
            raise ConfigError(f"-o {args.output!r} is a folder, but the model's inputs are not images; "
                              "write .npy or .csv instead.")
        width = len(str(len(clean) - 1))
        for i, img in enumerate(clean):
            save_image(out / f"denoised_{i:0{width}d}.png", img)
        print(f"wrote {len(clean)} PNG images to {out}/")
    else:
        write_output(args.output, clean)
    return 0
