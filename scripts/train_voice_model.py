"""Train the small voice conversion model that ships with aekit (``aekit convert``'s default).

    python scripts/train_voice_model.py            # writes src/aekit/voice/weights/espeak/

Synthesises (once, then cached) the eSpeak NG corpus of ``aekit.data.speech`` and trains the
recipe of ``benchmarks/voice_conversion.py`` (``RECIPE``: ``aekit.voice.converter.DEFAULTS`` plus
its options) on the 12 training speakers' non-parallel utterances, with the benchmark's seed; the
4 held-out speakers and the parallel evaluation sentences are never seen. CPU, one thread.

The benchmark trains exactly this model (same recipe, data, seed and code) and keeps it in the
cache folder; when it is there, the script ships that one instead of training again (``--retrain``
trains anyway). So the bundled model is the one whose figures ``benchmarks/results`` reports, its
weights rounded to float16 (3 MB in the package; float32 once loaded).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from aekit.data.speech import synthesize_corpus  # noqa: E402
from aekit.voice import PRETRAINED, VoiceConverter  # noqa: E402
from voice_conversion import RECIPE, SEED, train_synthetic  # noqa: E402


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("-o", "--out", type=Path, default=PRETRAINED)
    p.add_argument("--retrain", action="store_true", help="train even if the benchmark's model is cached")
    args = p.parse_args()
    torch.set_num_threads(1)
    t0 = time.perf_counter()
    if args.retrain:
        vc = VoiceConverter(**RECIPE, random_state=SEED, n_threads=1)
        corpus = synthesize_corpus()
        mels, train = corpus.log_mels(), corpus.select("train")
        vc.fit_features([mels[i] for i in train], [corpus.speaker_index(corpus.utterances[i].speaker) for i in train])
    else:
        corpus = synthesize_corpus()
        vc = train_synthetic("main", RECIPE, corpus, corpus.log_mels())
    vc.verbose = False
    vc.save(args.out, half=True)  # float16 in the package (3 MB), float32 once loaded
    h = vc.history_
    print(f"wrote {args.out}: {h.epochs_run} epochs ({h.train_seconds:.0f} s of training), best validation L1 "
          f"{h.best_val:.4f} ({time.perf_counter() - t0:.0f} s now)")


if __name__ == "__main__":
    main()
