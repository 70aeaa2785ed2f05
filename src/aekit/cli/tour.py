"""``aekit tour``: the main job: every use of the toolkit on bundled data, in one HTML report."""

from __future__ import annotations

from .common import add_threads_arg, formatter

EXAMPLES = """examples:
  aekit tour                      # about 6 minutes of one core's work; writes aekit-tour/index.html
  aekit tour --quick              # under 2 minutes, rough numbers (CI runs this)
  aekit tour --only compression anomaly -o report
  aekit serve --models aekit-tour/models   # then try the tour's models in the browser
"""


def add_parser(sub) -> None:
    p = sub.add_parser("tour", help="every use of aekit on bundled data, in one HTML report",
                       description="Train quick models on the bundled MNIST split and shapes (and load the shipped "
                                   "codec, voice and text models) to show every use of auto-encoders in the lecture's "
                                   "order: reconstructions and a 2-D map, features for few labels, de-noising, "
                                   "generation, discrete codes, anomaly detection, compression, voice conversion "
                                   "(audio players), disentanglement and text summaries. Each section measures its number next to a baseline "
                                   "in the same run and names the benchmark that measures it in full. Writes "
                                   "DIR/index.html (self-contained), DIR/report.json and the models in DIR/models.",
                       epilog=EXAMPLES, formatter_class=formatter)
    p.add_argument("-o", "--output", default="aekit-tour", metavar="DIR", help="report folder")
    p.add_argument("--quick", action="store_true",
                   help="a smoke run in under 2 minutes: fewer images and epochs, rough numbers")
    p.add_argument("--only", nargs="+", metavar="SECTION", default=None,
                   help="run only these sections (reconstruction, features, denoising, generation, codebook, "
                        "anomaly, compression, voice, disentanglement, text)")
    p.add_argument("--seed", type=int, default=0, help="random seed of every model")
    p.add_argument("--no-progress", action="store_true", help="hide the progress bar (one line per section stays)")
    add_threads_arg(p)
    p.set_defaults(func=run)


def run(args) -> int:
    from pathlib import Path

    from ..tour import run_tour

    out = Path(args.output)
    print(f"aekit tour: {'quick run' if args.quick else 'every use of aekit'} on bundled data -> {out}/")
    report = run_tour(out, quick=args.quick, n_threads=args.n_threads, seed=args.seed, only=args.only,
                      progress=not args.no_progress)
    print(f"report: {out / 'index.html'} ({len(report['sections'])} sections, {report['seconds']:.0f} s); "
          f"models: {out / 'models'} (try: aekit serve --models {out / 'models'})")
    return 0
