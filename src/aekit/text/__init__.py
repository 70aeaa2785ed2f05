"""Text as the representation (issue 15): tokenizer, bundled corpus, and the summarising auto-encoder's API.

    from aekit.text import load_summarizer
    ts = load_summarizer()                 # the bundled model, trained on gensim's Wikipedia articles
    ts.expand(ts.summarize("Anarchism is a political philosophy that advocates self-governed societies."))
"""

from __future__ import annotations

import os
from pathlib import Path

from .api import TextSummarizer, encode_batch
from .tokenize import Vocab, detokenize, normalize, tokenize

#: the small model ``scripts/train_text_model.py --ship`` trains on the bundled corpus's training articles
#: (the benchmarked recipe; float16 weights, loaded as float32): ``aekit summarize``'s default
PRETRAINED = Path(__file__).resolve().parent / "weights" / "wiki"


def load_summarizer(model: str | os.PathLike | TextSummarizer | None = None) -> TextSummarizer:
    """``model`` as a summarizer: one already loaded, a folder saved by ``TextSummarizer.save``, or
    ``None`` / ``"wiki"`` for the bundled pretrained model."""
    from ..checkpoint import load_bundled

    return load_bundled(model, TextSummarizer, name="wiki", folder=PRETRAINED, what="text",
                        script="scripts/train_text_model.py --ship")


__all__ = ["PRETRAINED", "TextSummarizer", "Vocab", "detokenize", "encode_batch", "load_summarizer", "normalize",
           "tokenize"]
