"""Words in, words out: the tokenizer and vocabulary of the text auto-encoder (issue 15).

Text is lower-cased and split into words (letters, digits, inner apostrophes) and single
punctuation marks. Typographic quotes and dashes are mapped to ASCII and accents are dropped
(``café`` -> ``cafe``); any other character (emoji, CJK, control codes) is an error that names
it, unless ``clean=True`` drops it (how the bundled corpus is read). :func:`detokenize` joins
tokens back so that ``tokenize(detokenize(t)) == t``.

A :class:`Vocab` maps tokens to ids: ``<pad>`` = 0, ``<unk>`` = 1 (every word it does not
know), ``<s>`` = 2, ``</s>`` = 3, then the corpus's words by frequency.
"""

from __future__ import annotations

import json
import re
import string
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from typing import Iterable, Sequence

from ..errors import DataError

PAD, UNK, BOS, EOS = "<pad>", "<unk>", "<s>", "</s>"
SPECIALS = (PAD, UNK, BOS, EOS)

_MAP = {"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-", "\u2014": "-",
        "\u2026": "...", "\u00a0": " ", "\u2212": "-"}
_PUNCT = set(string.punctuation)
_ALLOWED = set(string.ascii_lowercase + string.digits + " \t\n\r") | _PUNCT
_TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z]+)*|[^\sa-z0-9]")
_CLOSING = set(".,;:!?)]}%") | {"'s", "n't"}
_OPENING = set("([{$")


def normalize(text: str, *, clean: bool = False) -> str:
    """Lower-cased ASCII text; characters that cannot be mapped raise (or are dropped if ``clean``)."""
    if not isinstance(text, str):
        raise DataError(f"text must be a str, got {type(text).__name__}.")
    out = []
    for i, ch in enumerate(text):
        ch = _MAP.get(ch, ch)
        if len(ch) == 1 and ch not in _ALLOWED:
            base = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
            ch = base.lower()
        if all(c in _ALLOWED for c in ch.lower()):
            out.append(ch.lower())
        elif clean:
            out.append(" ")
        else:
            raise DataError(f"unknown character {text[i]!r} (U+{ord(text[i]):04X}) at position {i} in "
                            f"{text[max(0, i - 20):i + 20]!r}; the tokenizer reads English letters, digits and "
                            "punctuation: remove or replace it (or pass clean=True to drop such characters).")
    return "".join(out)


def tokenize(text: str, *, clean: bool = False) -> list[str]:
    """Lower-cased words and punctuation marks of ``text`` (see the module docstring)."""
    return _TOKEN.findall(normalize(text, clean=clean))


def detokenize(tokens: Iterable[str]) -> str:
    """Tokens joined into text: punctuation attached the way English writes it."""
    out = ""
    for tok in tokens:
        if not out or out.endswith(tuple(_OPENING)) or out.endswith("-") or tok in _CLOSING or tok == "-":
            out += tok
        else:
            out += " " + tok
    return out


@dataclass
class Vocab:
    """Token <-> id, with ``<pad>``, ``<unk>``, ``<s>``, ``</s>`` first."""

    tokens: list[str] = field(default_factory=lambda: list(SPECIALS))

    def __post_init__(self) -> None:
        if tuple(self.tokens[:4]) != SPECIALS:
            raise DataError(f"a vocabulary starts with {SPECIALS}; got {self.tokens[:4]}.")
        self.index = {t: i for i, t in enumerate(self.tokens)}
        if len(self.index) != len(self.tokens):
            raise DataError("a vocabulary lists every token once.")

    pad, unk, bos, eos = 0, 1, 2, 3

    @classmethod
    def build(cls, texts: Iterable[Sequence[str]], size: int = 4000, min_count: int = 2) -> "Vocab":
        """The ``size`` most frequent tokens (seen ``min_count`` times or more) of tokenized ``texts``."""
        counts = Counter(t for toks in texts for t in toks)
        words = [w for w, c in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])) if c >= min_count
                 and w not in SPECIALS]
        return cls([*SPECIALS, *words[:max(0, size - len(SPECIALS))]])

    def __len__(self) -> int:
        return len(self.tokens)

    def encode(self, tokens: Sequence[str]) -> list[int]:
        return [self.index.get(t, self.unk) for t in tokens]

    def decode(self, ids: Iterable[int]) -> list[str]:
        """Tokens of ``ids``, up to the first ``</s>``; padding and ``<s>`` skipped."""
        out = []
        for i in ids:
            i = int(i)
            if i == self.eos:
                break
            if i in (self.pad, self.bos):
                continue
            out.append(self.tokens[i] if 0 <= i < len(self.tokens) else UNK)
        return out

    def to_json(self) -> str:
        return json.dumps(self.tokens)

    @classmethod
    def from_json(cls, text: str) -> "Vocab":
        return cls(json.loads(text))


__all__ = ["BOS", "EOS", "PAD", "SPECIALS", "UNK", "Vocab", "detokenize", "normalize", "tokenize"]
