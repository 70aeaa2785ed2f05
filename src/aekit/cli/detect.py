"""``aekit detect fit|score``: one-class anomaly detection from the command line."""

from __future__ import annotations

import json

from .common import (add_data_args, add_estimator_args, add_threads_arg, check_output, estimator_kwargs, formatter,
                     load_input, load_named, short_name)

AE_KNOBS = ["latent_dim", "epochs", "lr", "batch_size"]  # AutoEncoder parameters 'detect fit' exposes

EXAMPLES = """examples:
  aekit detect fit --data normal.csv -o models/detector                   # tables: one row per sample
  aekit detect fit --data normal_scans/ -o models/scans --contamination 0.02
  aekit detect score --model models/detector --data new.csv -o scores.csv
  aekit detect score --model models/scans --data new_scans/ -o scores.csv --explain worst.png
"""


def add_parser(sub) -> None:
    p = sub.add_parser("detect", help="anomaly detection: fit on normal data, score new data",
                       description="Train an AnomalyDetector on normal data only (fit), then score new data "
                                   "(score): samples the auto-encoder rebuilds badly are anomalies.",
                       epilog=EXAMPLES, formatter_class=formatter)
    sub2 = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    f = sub2.add_parser("fit", help="train a detector on normal data", epilog=EXAMPLES, formatter_class=formatter,
                        description="Train an AnomalyDetector on normal samples only (a table, a folder of images "
                                    "or a bundled dataset) and save it; its threshold flags --contamination of "
                                    "the training samples. Without knobs, the auto-encoder follows the data "
                                    "(images: conv net, code 32; tables: small MLP, 6 members).")
    add_data_args(f, "--data")
    f.add_argument("-o", "--output", required=True, metavar="DIR", help="folder to save the detector in")
    f.add_argument("--contamination", default="auto",
                   help="fraction of training data above the threshold, in (0, 0.5], or auto (0.01)")
    f.add_argument("--n-estimators", default="auto",
                   help="auto-encoders (seeds) to average, or auto (6 for tables up to 10,000 rows, else 1)")
    f.add_argument("--error", default="mse", choices=("mse", "mae"), help="squared or absolute reconstruction error")
    f.add_argument("--error-scaling", default="auto", choices=("auto", "feature", "none"),
                   help="divide each feature's error by its mean training error (auto: tables yes, images no)")
    # knobs of the auto-encoder(s), as on aekit train; not given: the recipe default_autoencoder picks
    add_estimator_args(f, AE_KNOBS, unset="chosen from the data")
    f.add_argument("--seed", type=int, default=0, help="seed of the first auto-encoder (default: 0)")
    f.add_argument("--no-progress", action="store_true", help="hide the progress bars")
    add_threads_arg(f)
    f.set_defaults(func=run_fit)
    s = sub2.add_parser("score", help="score new data with a saved detector", epilog=EXAMPLES,
                        formatter_class=formatter,
                        description="Score new samples with a detector saved by 'aekit detect fit': a CSV with "
                                    "each sample's name (file) or index, its anomaly score (higher = more "
                                    "abnormal) and label (-1 above the threshold); for images, --explain draws "
                                    "the most abnormal ones and where their reconstruction fails.")
    s.add_argument("--model", required=True, metavar="DIR", help="folder written by 'aekit detect fit'")
    add_data_args(s, "--data")
    s.add_argument("-o", "--output", required=True, metavar="CSV",
                   help="CSV with one row per sample: name (the file) or index, anomaly_score (higher = more "
                        "abnormal), label (1 inlier, -1 outlier)")
    s.add_argument("--explain", metavar="PNG", default=None,
                   help="images only: write the 8 most abnormal samples, each captioned with its file (or index) "
                        "and score, above their error maps")
    add_threads_arg(s)
    s.set_defaults(func=run_score)


def _contamination(value: str):
    from ..errors import ConfigError

    if value == "auto":
        return value
    try:
        return float(value)
    except ValueError:
        raise ConfigError(f"--contamination {value!r} must be 'auto' or a number in (0, 0.5], e.g. 0.05.") from None


def _n_estimators(value: str):
    from ..errors import ConfigError

    if value == "auto":
        return value
    try:
        return int(value)
    except ValueError:
        raise ConfigError(f"--n-estimators {value!r} must be 'auto' or a positive whole number, e.g. 5.") from None


def run_fit(args) -> int:
    from ..anomaly import AnomalyDetector, default_autoencoder

    X, _ = load_input(args.data, tuple(args.image_size) if args.image_size else None)
    # the detector's defaults (on tables: members alternate min-max and standard scaling), unless knobs are given
    knobs = estimator_kwargs(args, AE_KNOBS, given_only=True)
    ae = default_autoencoder(X.shape[1:]).set_params(**knobs) if knobs else None
    det = AnomalyDetector(ae, n_estimators=_n_estimators(args.n_estimators), contamination=_contamination(args.contamination),
                          n_threads=args.n_threads,
                          error=args.error, error_scaling=args.error_scaling, random_state=args.seed,
                          verbose=not args.no_progress).fit(X)
    det.save(args.output)
    flagged = int((det.predict(X) == -1).sum())
    print(json.dumps({"saved": args.output, "samples": int(len(X)), "threshold": det.threshold_,
                      "training_samples_above_threshold": flagged}))
    return 0


def run_score(args) -> int:
    import numpy as np

    from ..anomaly import AnomalyDetector
    from ..atomic import write_text
    from ..data.files import _csv_cell
    from ..errors import ConfigError

    # every argument checked before any scoring or writing
    check_output(args.output, ("report",))
    if args.explain:
        check_output(args.explain, ("image",), "--explain")
    det = AnomalyDetector.load(args.model)
    if args.explain and len(det.input_shape_) < 2:
        raise ConfigError("--explain draws error maps of images; this detector was trained on table rows. "
                          "Use the anomaly_score column of the CSV instead.")
    got = load_named(args.data, tuple(args.image_size) if args.image_size else None)
    X = got.X
    score = det.anomaly_score(X)
    label = np.where(score > det.threshold_, -1, 1)
    if got.names:
        lines = ["name,anomaly_score,label"] + [f"{_csv_cell(n)},{s:.8g},{lab}" for n, s, lab in
                                                zip(got.names, score, label)]
    else:
        lines = ["index,anomaly_score,label"] + [f"{i},{s:.8g},{lab}" for i, (s, lab) in enumerate(zip(score, label))]
    write_text(args.output, "\n".join(lines) + "\n")
    n_out = int((label == -1).sum())
    print(f"flagged {n_out} of {len(X)} samples ({100.0 * n_out / len(X):.1f}%) as anomalies at threshold "
          f"{det.threshold_:.6g}; scores written to {args.output}")
    if args.explain:
        from ..plots import image_grid

        worst = np.argsort(-score)[:8]
        maps = det.explain(X[worst])
        imgs = X[worst].astype(np.float32)
        lo, hi = float(imgs.min()), float(imgs.max())
        names = [short_name(got.names[i]) if got.names else f"#{i}" for i in worst]
        captions = [f"{n}\nscore {score[i]:.3g}" for n, i in zip(names, worst)]
        image_grid([(imgs - lo) / max(hi - lo, 1e-12), maps / max(float(maps.max()), 1e-12)],
                   ["most abnormal", "error map"], args.explain, captions=captions,
                   title=f"threshold {det.threshold_:.3g}; brighter map = worse reconstruction")
        print(f"wrote {args.explain} (the {len(worst)} highest scores, captioned, and where their reconstruction fails)")
    return 0
