"""English that ships offline: gensim's shortened English Wikipedia dump, split by article.

``enwiki-latest-pages-articles1.xml-p000000010p000030302-shortened.bz2`` (in gensim's test data)
holds about 100 articles and 4,700 paragraphs of 30+ words. :func:`load_corpus` cleans the wiki
markup, splits paragraphs into sentences, and splits the *articles* (never a paragraph) four
ways, so no text is shared between the parts:

- ``train`` / ``test``: documents, runs of whole sentences of ``min_words``..``max_words``
  tokens (the long inputs of the auto-encoder; the last sentence is cut at ``max_words``);
- ``real``: sentences the discriminator learns human writing from;
- ``lm``: sentences held out for the benchmark's language model;
- ``val`` (empty unless ``val_fraction`` > 0): documents of training articles set aside, for
  choosing settings without touching ``test``.
"""

from __future__ import annotations

import bz2
import re
import zlib
from dataclasses import dataclass, field
from functools import lru_cache

from ..errors import DataError
from .tokenize import tokenize

WIKI_FILE = "enwiki-latest-pages-articles1.xml-p000000010p000030302-shortened.bz2"
_SENT = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"(])")


@dataclass
class TextCorpus:
    """Tokenized documents and sentences (lists of lower-case tokens), by part."""

    train: list[list[str]] = field(default_factory=list)
    test: list[list[str]] = field(default_factory=list)
    real: list[list[str]] = field(default_factory=list)
    lm: list[list[str]] = field(default_factory=list)
    val: list[list[str]] = field(default_factory=list)


def _clean(text: str) -> str:
    text = text.replace("'''", "").replace("''", "")
    text = re.sub(r"\(\s*[,;:\s]*\)", "", text)  # parentheses emptied by the markup filter
    text = re.sub(r"\s+", " ", text)
    return text.strip()


@lru_cache(maxsize=1)
def wiki_articles() -> tuple[tuple[str, tuple[str, ...]], ...]:
    """(title, paragraphs of 30+ words) of every article of the bundled dump."""
    try:
        from gensim.corpora.wikicorpus import extract_pages, filter_wiki
        from gensim.test.utils import datapath
    except ImportError as exc:  # pragma: no cover - an optional dependency
        raise DataError("the bundled text corpus needs gensim: pip install 'aekit[text]'.") from exc
    out = []
    with bz2.open(datapath(WIKI_FILE)) as f:
        for title, text, _ in extract_pages(f, filter_namespaces=("0",)):
            paras = tuple(p for p in (_clean(p) for p in filter_wiki(text).split("\n")) if len(p.split()) >= 30)
            if paras:
                out.append((title, paras))
    return tuple(out)


def sentences(paragraph: str) -> list[list[str]]:
    """Tokenized sentences of a paragraph (unknown characters dropped)."""
    return [t for t in (tokenize(s, clean=True) for s in _SENT.split(paragraph)) if t]


def documents(paragraph: str, min_words: int, max_words: int) -> list[list[str]]:
    """Runs of whole sentences of at least ``min_words`` tokens, cut at ``max_words``."""
    docs, cur = [], []
    for s in sentences(paragraph):
        cur += s
        if len(cur) >= min_words:
            docs.append(cur[:max_words])
            cur = []
    return docs


def _part(title: str, fractions: tuple[float, float, float], val_fraction: float = 0.0) -> str:
    u = (zlib.crc32(title.encode()) % 10_000) / 10_000  # a stable draw per article
    a, b, c = fractions
    if u < a:  # validation articles are the top of the training draw: test, real and lm stay the same
        return "val" if u >= a - val_fraction else "train"
    return "test" if u < a + b else "real" if u < a + b + c else "lm"


def load_corpus(min_words: int = 25, max_words: int = 40, max_sentence: int = 40,
                fractions: tuple[float, float, float] = (0.6, 0.12, 0.16), val_fraction: float = 0.0) -> TextCorpus:
    """The bundled corpus split by article (train, test, real; the rest is lm) -- see the module docstring.
    ``val_fraction`` (of all articles, taken from the training ones) moves articles to ``val``."""
    if not 0 <= val_fraction < fractions[0]:
        raise DataError(f"val_fraction={val_fraction} must be in [0, {fractions[0]}) (the training share).")
    corpus = TextCorpus()
    for title, paras in wiki_articles():
        part = _part(title, fractions, val_fraction)
        for p in paras:
            if part in ("train", "test", "val"):
                getattr(corpus, part).extend(documents(p, min_words, max_words))
            else:
                getattr(corpus, part).extend(s for s in sentences(p) if 5 <= len(s) <= max_sentence)
    return corpus


__all__ = ["TextCorpus", "documents", "load_corpus", "sentences", "wiki_articles"]
