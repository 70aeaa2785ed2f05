"""Train the small voice conversion model that ships with aekit (``aekit convert``'s default).

    python scripts/train_voice_model.py            # writes src/aekit/voice/weights/espeak/

Synthesises (once, then cached) the eSpeak NG corpus of ``aekit.data.speech`` and trains the
recipe of ``benchmarks/voice_conversion.py`` (``aekit.voice.converter.DEFAULTS`` plus
``RECIPE``) on the 12 training speakers' non-parallel utterances; the 4 held-out speakers and
the parallel evaluation sentences are never seen. Seeded; CPU, one thread.
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
from voice_conversion import RECIPE, SEED  # noqa: E402


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("-o", "--out", type=Path, default=PRETRAINED)
    p.add_argument("--epochs", type=int, default=RECIPE["epochs"])
    args = p.parse_args()
    torch.set_num_threads(1)
    corpus = synthesize_corpus()
    mels = corpus.log_mels()
    train = corpus.select("train")
    labels = [corpus.speaker_index(corpus.utterances[i].speaker) for i in train]
    t0 = time.perf_counter()
    vc = VoiceConverter(**{**RECIPE, "epochs": args.epochs}, random_state=SEED, n_threads=1)
    vc.fit_features([mels[i] for i in train], labels)
    vc.save(args.out)
    h = vc.history_
    print(f"wrote {args.out}: {h.epochs_run} epochs in {time.perf_counter() - t0:.0f} s, "
          f"validation L1 {h.val_loss[-1]:.4f} (best {h.best_val:.4f})")


if __name__ == "__main__":
    main()
