"""``aekit expand``: rebuild a text from its summary with a text auto-encoder's reconstructor."""

from __future__ import annotations

from .common import add_threads_arg, formatter
from .summarize import read_text

EXAMPLES = """examples:
  aekit summarize input.txt | aekit expand -           # the bundled model
  aekit expand --model runs/text summary.txt
  aekit summarize --model runs/text input.txt | aekit expand --model runs/text -
"""


def add_parser(sub) -> None:
    p = sub.add_parser("expand", help="rebuild a text from its summary (text auto-encoder)",
                       description="Print the text a text auto-encoder's reconstructor rebuilds from a summary "
                       "(as written by aekit summarize).", epilog=EXAMPLES, formatter_class=formatter)
    p.add_argument("--model", default="wiki", metavar="DIR", help="folder saved by TextSummarizer.save, or 'wiki': "
                   "the bundled model, trained on gensim's Wikipedia articles (default: %(default)s)")
    p.add_argument("input", metavar="FILE", help="file holding the summary; '-' reads standard input")
    add_threads_arg(p)
    p.set_defaults(func=run)


def run(args) -> int:
    from ..text import load_summarizer

    ts = load_summarizer(args.model)
    ts.train_options.n_threads = args.n_threads or ts.train_options.n_threads
    print(ts.expand(read_text(args.input)))
    return 0
