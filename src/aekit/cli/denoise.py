"""``aekit denoise``: clean noisy inputs with a saved (de-noising) auto-encoder."""

from __future__ import annotations

from pathlib import Path

from ..errors import ConfigError
from .common import (add_data_args, add_threads_arg, check_output, formatter, load_autoencoder, load_named,
                     model_value_range, short_name, write_output)

EXAMPLES = """examples:
  aekit train --data mnist -o models/dae --recipe denoise                       # a de-noising AE (sigma 0.5)
  aekit denoise --model models/dae --input noisy_digit.png -o clean_digit.png
  aekit denoise --model models/dae --input noisy.npy -o clean.npy
  aekit denoise --model models/dae --input scans/ -o cleaned/        # cleaned/<same file names>.png
  aekit denoise --model models/dae --input mnist:test --corrupt gaussian:0.5 -o demo.png  # clean/noisy/de-noised
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
                        "units for images; the result is clipped to the data's range) to see what the model removes")
    p.add_argument("--seed", type=int, default=0, help="seed of --corrupt")
    p.add_argument("-o", "--output", required=True, metavar="PATH",
                   help=".npy or .csv (array), .png (the image itself for one input, else a grid of the first 16: "
                        "input, corrupted with --corrupt, de-noised), or a folder (one PNG per image, named as "
                        "the input files)")
    add_threads_arg(p)
    p.set_defaults(func=run)


def run(args) -> int:
    import numpy as np

    from ..data import save_image
    from ..noise import corrupt

    suffix = check_output(args.output, ("array", "image", "folder"))  # before any work
    ae = load_autoencoder(args.model, args.n_threads)
    is_image = len(ae.input_shape_) >= 2
    if suffix in ("", ".png") and not is_image:
        raise ConfigError(f"-o {args.output!r} writes images, but the model's inputs are not images (rows of "
                          f"{ae.input_shape_[0]} features); write .npy or .csv instead.")
    got = load_named(args.input, tuple(args.image_size) if args.image_size else None)
    clean_in = np.asarray(got.X, dtype=np.float32)
    X = clean_in
    if args.corrupt:
        # corrupt in the model's scaled units (images: [0, 1]), kept in the data's range, then back to its units
        bounded = ae.scaler_.config.kind in ("global", "minmax")
        X = ae.scaler_.inverse_transform(corrupt(ae.scaler_.transform(X), args.corrupt, seed=args.seed,
                                                 clip=(0, 1) if bounded else None))
    clean = ae.reconstruct(X)
    if not ae.noise:
        print("note: this model was trained without --noise; a de-noising model removes noise far better")
    out = Path(args.output)
    lo, hi = model_value_range(ae)
    if suffix == ".png" and len(X) == 1 and not args.corrupt:
        save_image(out, clean[0])
        print(f"wrote {out}")
    elif suffix == ".png":
        from ..plots import image_grid

        n = min(16, len(X))
        rows, labels = [clean_in[:n]], ["input"]
        if args.corrupt:
            rows, labels = rows + [X[:n]], labels + [args.corrupt]
        rows, labels = rows + [clean[:n]], labels + ["de-noised"]
        captions = [short_name(s) for s in got.names[:n]] if got.names else None
        # every row in the data's own units, so clean digits look clean whatever the noise did
        image_grid(rows, labels, out, vmin=lo, vmax=hi, captions=captions)
        print(f"wrote {out} (first {n} inputs" + (", corrupted," if args.corrupt else "") + " and de-noised)")
    elif suffix == "":
        names = got.names or [f"{i:0{len(str(len(clean) - 1))}d}.png" for i in range(len(clean))]
        for name, img in zip(names, clean):
            save_image(out / (Path(name).stem + ".png"), img)
        print(f"wrote {len(clean)} PNG images to {out}/ (named as the inputs)")
    else:
        write_output(args.output, clean, names=got.names)
    return 0
