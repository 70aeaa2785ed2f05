"""Train the small pretrained text auto-encoder for the bundled corpus (issue 15).

    python scripts/train_text_model.py                 # writes runs/text/ (TextSummarizer.save)
    aekit summarize --model runs/text input.txt      # then use it
    aekit expand --model runs/text summary.txt
    python scripts/train_text_model.py --ship          # the bundled model: src/aekit/text/weights/wiki/

The recipe of ``benchmarks/text_summary.py``'s learned model (summaries of L = 12 words of
documents of up to 40 tokens, vocabulary 3,000, GRUs of 128; pre-training, then REINFORCE with a
self-critical baseline and the discriminator reward), trained on the training articles of the
bundled Wikipedia corpus (``aekit.text.corpus``), with the human sentences of the ``real`` part
for the discriminator. Seeded; one thread by default; resumable with ``--resume``
(checkpoints in ``OUT-train-state/``). ``--ship`` writes the model that ships with aekit
(``aekit.text.PRETRAINED``, ``aekit summarize``'s default and the tour's): float16 weights, 3.4 MB
instead of 6.9 (loaded as float32), its training state folder left in ``runs/``.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from text_summary import DISC_WEIGHT, MODEL, PRE_EPOCHS, RL_EPOCHS  # noqa: E402  the benchmarked recipe

from aekit.text import PRETRAINED, TextSummarizer  # noqa: E402
from aekit.text.corpus import load_corpus  # noqa: E402


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("-o", "--out", type=Path, default=ROOT / "runs" / "text")
    p.add_argument("--epochs", type=int, default=PRE_EPOCHS, help="pre-training epochs")
    p.add_argument("--rl-epochs", type=int, default=RL_EPOCHS, help="REINFORCE epochs")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--resume", action="store_true")
    p.add_argument("--ship", action="store_true", help=f"write the bundled model to {PRETRAINED} (float16 weights)")
    args = p.parse_args()
    state_dir = args.out.with_name(args.out.name + "-train-state")
    if args.ship:
        args.out, state_dir = PRETRAINED, ROOT / "runs" / "text-ship-train-state"
    corpus = load_corpus(max_words=MODEL["max_source"])
    cfg = {**MODEL, "n_threads": args.threads}
    t = time.time()
    ts = TextSummarizer(**cfg, epochs=args.epochs, rl_epochs=args.rl_epochs, disc_weight=DISC_WEIGHT, progress=True,
                        checkpoint_dir=str(state_dir))
    ts.fit(corpus.train, corpus.real, resume=args.resume)
    ts.train_options.progress, ts.train_options.checkpoint_dir = False, None  # a user's load: quiet, no state
    ts.save(args.out, half=args.ship)
    print(f"saved {args.out} in {time.time() - t:.0f} s")
    for doc in corpus.test[:3]:
        s = ts.summarize(doc)
        print(f"- {' '.join(doc)}\n  summary: {s}\n  rebuilt: {ts.expand(s)}")


if __name__ == "__main__":
    main()
