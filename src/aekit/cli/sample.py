"""``aekit sample``: generate new samples from a model with a generative prior."""

from __future__ import annotations

from .common import add_threads_arg, formatter, load_autoencoder, write_output

EXAMPLES = """examples:
  aekit train --data mnist -o models/vae --bottleneck gaussian --latent-dim 16
  aekit sample --model models/vae -n 64 -o samples.png
  aekit train --data mnist -o models/vq --bottleneck vq --latent-dim 49 \\
      --net-option channels=[32,64] --net-option grid=true \\
      --bottleneck-option codebook_size=64 --bottleneck-option dim=16 --bottleneck-option prior={}
  aekit sample --model models/vq -n 1000 -o samples.npy --temperature 0.9
"""


def add_parser(sub) -> None:
    p = sub.add_parser("sample", help="generate samples from a VAE or a discrete model with a prior",
                       description="Draw codes from the model's prior and decode them.",
                       epilog=EXAMPLES, formatter_class=formatter)
    p.add_argument("--model", required=True, metavar="DIR", help="folder written by aekit train")
    p.add_argument("-n", type=int, default=64, help="how many samples (default 64)")
    p.add_argument("-o", "--output", required=True, metavar="FILE",
                   help=".png (grid of up to 64 samples), .npy or .csv (all samples)")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument("--temperature", type=float, default=1.0,
                   help="spread of the prior: below 1 gives more typical, less varied samples (default 1)")
    add_threads_arg(p)
    p.set_defaults(func=run)


def run(args) -> int:
    ae = load_autoencoder(args.model, args.n_threads)
    S = ae.sample(args.n, random_state=args.seed, temperature=args.temperature)
    write_output(args.output, S, max_images=64)
    return 0
