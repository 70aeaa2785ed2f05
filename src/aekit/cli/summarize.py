"""``aekit summarize``: the short readable summary (the code) a text auto-encoder writes for a text."""

from __future__ import annotations

import sys

from .common import add_threads_arg, formatter

EXAMPLES = """examples:
  aekit summarize input.txt                            # the bundled model (Wikipedia, 40 tokens -> 12 words)
  aekit summarize --model runs/text input.txt
  echo "Anarchism is a political philosophy that advocates self-governed societies." | aekit summarize --model runs/text -
  aekit summarize --model runs/text --truncate long.txt
"""


def add_parser(sub) -> None:
    p = sub.add_parser("summarize", help="write the short summary of a text (text auto-encoder)",
                       description="Print the summary a text auto-encoder (scripts/train_text_model.py) writes for "
                       "a text: at most summary_len of its words, in order.", epilog=EXAMPLES,
                       formatter_class=formatter)
    p.add_argument("--model", default="wiki", metavar="DIR", help="folder saved by TextSummarizer.save, or 'wiki': "
                   "the bundled model, trained on gensim's Wikipedia articles (default: %(default)s)")
    p.add_argument("input", metavar="FILE", help="text file to summarise; '-' reads standard input")
    p.add_argument("--truncate", action="store_true", help="summarise the first max_source tokens of longer texts "
                   "instead of failing")
    add_threads_arg(p)
    p.set_defaults(func=run)


def read_text(path: str) -> str:
    if path == "-":
        return sys.stdin.read()
    with open(path, encoding="utf-8") as f:
        return f.read()


def run(args) -> int:
    from ..text import load_summarizer

    ts = load_summarizer(args.model)
    ts.train_options.n_threads = args.n_threads or ts.train_options.n_threads
    print(ts.summarize(read_text(args.input), truncate=args.truncate))
    return 0
