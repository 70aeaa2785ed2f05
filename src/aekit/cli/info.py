"""``aekit info``: what a saved model is."""

from __future__ import annotations

import json
import math

from ..checkpoint import read_meta
from .common import formatter

EXAMPLES = """examples:
  aekit info models/mnist8
  aekit info models/mnist8 --json
"""


def add_parser(sub) -> None:
    p = sub.add_parser("info", help="describe a saved model", description="Describe a saved aekit model.",
                       epilog=EXAMPLES, formatter_class=formatter)
    p.add_argument("model", metavar="DIR", help="folder written by aekit train / save()")
    p.add_argument("--json", action="store_true", help="print the whole config.json")
    p.set_defaults(func=run)


def run(args) -> int:
    from ..estimators import MODEL_KIND, AutoEncoder

    _, meta = read_meta(args.model, MODEL_KIND)
    if args.json:
        print(json.dumps(meta, indent=2))
        return 0
    ae = AutoEncoder.load(args.model)  # verifies checksums and that the weights fit the config
    mc, h = meta["model_config"], meta.get("history", {})
    n_params = sum(p.numel() for p in ae.model_.parameters())
    lines = [
        f"model        {args.model}",
        f"estimator    {meta['estimator']} (aekit {meta.get('aekit_version')}, format v{meta['format_version']})",
        f"input        per-sample shape {tuple(meta['input_shape'])} ({math.prod(meta['input_shape'])} features), "
        f"scaling {meta['scaler_config']['kind']}",
        f"network      {mc['net']} {mc['net_options'] or ''}".rstrip(),
        f"bottleneck   {mc['bottleneck']} latent_dim={mc['latent_dim']} {mc['bottleneck_options'] or ''}".rstrip(),
        f"loss         {mc['loss']}",
        f"parameters   {n_params:,}",
        f"training     {h.get('epochs_run')} epochs, best val loss {h.get('best_val')}, "
        f"{h.get('samples_seen', 0) / max(h.get('train_seconds', 0), 1e-9):.0f} samples/s",
    ]
    print("\n".join(lines))
    return 0
