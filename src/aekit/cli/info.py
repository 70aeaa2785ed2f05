"""``aekit info``: what a saved model is."""

from __future__ import annotations

import dataclasses
import json
import math

from .common import formatter

EXAMPLES = """examples:
  aekit info models/mnist8
  aekit info models/mnist8 --json
"""


def add_parser(sub) -> None:
    p = sub.add_parser("info", help="describe a saved model", description="Describe a saved aekit model: its class and options, what it was trained on, "
                                   "its network, bottleneck, optimizers and training history.",
                       epilog=EXAMPLES, formatter_class=formatter)
    p.add_argument("model", metavar="DIR", help="folder written by aekit train / save()")
    p.add_argument("--json", action="store_true", help="print the whole config.json")
    p.set_defaults(func=run)


def run(args) -> int:
    from ..checkpoint import read_meta
    from ..estimators import MODEL_KIND, AutoEncoder

    _, meta = read_meta(args.model, MODEL_KIND)
    if args.json:
        print(json.dumps(meta, indent=2))
        return 0
    ae = AutoEncoder.load(args.model)  # verifies checksums and that the weights fit the config
    mc, h = meta["model_config"], meta.get("history", {})
    n_params = sum(p.numel() for p in ae.model_.parameters())
    model = ae.model_
    stages = model.stages()  # e.g. the learned prior of a discrete code
    lines = [
        f"path         {args.model}",
        f"estimator    {meta['estimator']} (aekit {meta.get('aekit_version')}, format v{meta['format_version']})",
        f"model        {ae.model_config_.model} ({type(model).__module__}.{type(model).__name__})",
        f"options      {_options(model)}",
        f"optimizers   {_optimizers(model, ae.train_config_)}",
        *([f"then         {', '.join(st.name for st in stages)} (trained after the model)"] if stages else []),
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


def _options(model) -> str:
    """The model's options with their defaults filled in (``none`` for a model without options)."""
    if model.options is None:
        return "none"
    return " ".join(f"{k}={v!r}" for k, v in dataclasses.asdict(model.options).items())


def _optimizers(model, train_config) -> str:
    """What the trainer steps: each optimizer's name, algorithm, learning rate and how many parameters."""
    out = []
    for spec in model.configure_optimizers(train_config):
        spec = spec.resolved(train_config)
        n = sum(p.numel() for group in spec.params for p in (group["params"] if isinstance(group, dict) else [group]))
        every = f", every {spec.every} batches" if spec.every > 1 else ""
        out.append(f"{spec.name} ({spec.algorithm}, lr {spec.lr:g}, {n:,} parameters{every})")
    return "; ".join(out)
