"""Train the small pretrained text auto-encoder for the bundled corpus (issue 15).

    python scripts/train_text_model.py                 # writes runs/text/ (TextSummarizer.save)
    aekit summarize --model runs/text input.txt      # then use it
    aekit expand --model runs/text summary.txt
    python scripts/train_text_model.py --ship          # the bundled model: src/aekit/text/weights/wiki/

The recipe ``benchmarks/text_summary.py`` picked on its validation documents and reports (the
setting and REINFORCE epochs are read from ``benchmarks/results/text_summary.json``): summaries of
L = 12 words of documents of up to 40 tokens, vocabulary 3,000, GRUs of 128; one epoch of
pre-training, then REINFORCE with a self-critical baseline and the discriminator reward, in the
benchmark's segments and seeds, so the weights are the benchmark's own. Trained on the
benchmark's training articles of the bundled Wikipedia corpus (``aekit.text.corpus``), with the
human sentences of the ``real`` part for the discriminator; one thread by default.

The reconstructor that ships is the benchmark's for the learned summaries: a fresh one trained
(seed 0, 3 epochs) on the model's greedy summaries of the training documents, whose rebuilt
documents the benchmark scores; the one trained alongside the generator during REINFORCE learned
from sampled summaries and rebuilds less well.

``--ship`` writes the model that ships with aekit (``aekit.text.PRETRAINED``, ``aekit summarize``'s
default and the tour's) as float16 weights (3.4 MB instead of 6.9, loaded as float32). With
``--from-benchmark`` it copies the model the benchmark run kept in ``runs/text-benchmark/``
instead of training again. ``--seed N`` takes the run of ``text_summary.py --seed N`` instead: the
benchmark's pick differs per training seed (REINFORCE swings between content and fluency from one
checkpoint to the next), so a setting picked with one seed is no recipe for another.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from text_summary import MODEL, RECON_EPOCHS, SEED, VAL_FRACTION, kept_dir, results_name, train_recipe  # noqa: E402

from aekit.text import PRETRAINED, TextSummarizer  # noqa: E402
from aekit.text.corpus import TextCorpus, load_corpus  # noqa: E402
from aekit.text.metrics import in_vocab  # noqa: E402

def picked(seed: int) -> tuple[dict, int]:
    """The REINFORCE options and epochs the benchmark run with training seed ``seed`` picked."""
    result = ROOT / "benchmarks" / "results" / f"{results_name(seed)}.json"
    if not result.exists():
        sys.exit(f"{result} does not exist: run python benchmarks/text_summary.py --jobs 2"
                 + (f" --seed {seed}" if seed != SEED else "") + " first (it picks the recipe on validation).")
    res = json.loads(result.read_text())
    return res["setting"], res["epochs"]["reinforce"]


def benchmark_reconstructor(ts: TextSummarizer, corpus: TextCorpus) -> TextSummarizer:
    """Replace the reconstructor by the benchmark's fresh one for the learned summaries (same seed and data)."""
    train = in_vocab(ts.vocab, corpus.train)
    ts.fit_reconstructor(train, ts.summarize_tokens(train), epochs=RECON_EPOCHS)
    return ts


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("-o", "--out", type=Path, default=ROOT / "runs" / "text")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--ship", action="store_true", help=f"write the bundled model to {PRETRAINED} (float16 weights)")
    p.add_argument("--from-benchmark", action="store_true",
                   help="use the model benchmarks/text_summary.py kept in runs/text-benchmark/ (no training)")
    p.add_argument("--seed", type=int, default=SEED,
                   help=f"training seed (default {SEED}); the recipe is the one the benchmark picked with this seed "
                        "(text_summary.py --seed N writes text_summary_seed<N>.json and runs/text-benchmark-seed<N>/)")
    args = p.parse_args()
    t = time.time()
    torch.set_num_threads(args.threads)
    setting, epochs = picked(args.seed)
    corpus = load_corpus(max_words=MODEL["max_source"], val_fraction=VAL_FRACTION)  # the benchmark's split
    if args.from_benchmark:
        kept = kept_dir(args.seed)
        if not kept.exists():
            sys.exit(f"{kept} does not exist: run python benchmarks/text_summary.py (with the same --seed) first, "
                     "or leave out --from-benchmark.")
        ts = TextSummarizer.load(kept)
    else:
        ts = train_recipe(corpus.train, corpus.real, setting, epochs, seed=args.seed, threads=args.threads,
                          progress=True)
    ts.set_options(**setting, rl_epochs=epochs)  # the saved config says how it was trained
    ts.train_options.progress = False  # a user's load: quiet
    benchmark_reconstructor(ts, corpus)
    out = PRETRAINED if args.ship else args.out
    ts.save(out, half=args.ship)
    print(f"saved {out} in {time.time() - t:.0f} s")
    for doc in corpus.test[:3]:
        s = ts.summarize(doc)
        print(f"- {' '.join(doc)}\n  summary: {s}\n  rebuilt: {ts.expand(s)}")


if __name__ == "__main__":
    main()
