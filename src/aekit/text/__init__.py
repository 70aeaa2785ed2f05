"""Text as the representation (issue 15): tokenizer, bundled corpus, and the summarising auto-encoder's API."""

from .api import TextSummarizer, encode_batch
from .tokenize import Vocab, detokenize, normalize, tokenize

__all__ = ["TextSummarizer", "Vocab", "detokenize", "encode_batch", "normalize", "tokenize"]
