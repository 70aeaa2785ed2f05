"""The bundled corpus (gensim's shortened English Wikipedia) splits by article, so parts share no text."""

from __future__ import annotations

import pytest

pytest.importorskip("gensim")

from aekit.text.corpus import documents, load_corpus, sentences  # noqa: E402


def test_documents_are_runs_of_whole_sentences_cut_at_the_limit():
    para = "One two three four. Five six seven eight nine. Ten eleven."
    assert sentences(para) == [["one", "two", "three", "four", "."], ["five", "six", "seven", "eight", "nine", "."],
                               ["ten", "eleven", "."]]
    assert documents(para, min_words=6, max_words=8) == [["one", "two", "three", "four", ".", "five", "six", "seven"]]


@pytest.mark.slow
def test_bundled_corpus_parts_are_disjoint_and_sized():
    c = load_corpus()
    assert len(c.train) > 3000 and len(c.test) > 300 and len(c.real) > 1000 and len(c.lm) > 1000
    assert all(25 <= len(d) <= 40 for d in c.train + c.test)
    train = {" ".join(d) for d in c.train}
    assert not train & {" ".join(d) for d in c.test}
    assert not {" ".join(s) for s in c.real} & {" ".join(s) for s in c.lm}


@pytest.mark.slow
def test_validation_articles_come_from_training_only():
    base, c = load_corpus(), load_corpus(val_fraction=0.1)
    assert len(c.val) > 300
    key = lambda docs: {" ".join(d) for d in docs}  # noqa: E731
    assert key(c.train) | key(c.val) == key(base.train) and not key(c.train) & key(c.val)
    assert (c.test, c.real, c.lm) == (base.test, base.real, base.lm)
    with pytest.raises(Exception, match="val_fraction=0.7"):
        load_corpus(val_fraction=0.7)
