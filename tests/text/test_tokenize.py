"""The tokenizer and vocabulary of the text auto-encoder: round trip, unknown characters, <unk>."""

from __future__ import annotations

import pytest

from aekit.errors import DataError
from aekit.text.tokenize import SPECIALS, Vocab, detokenize, normalize, tokenize


def test_tokenize_lowercases_and_splits_punctuation():
    assert tokenize("The Cat's hat, (red) costs $5.") == ["the", "cat's", "hat", ",", "(", "red", ")", "costs", "$",
                                                          "5", "."]


@pytest.mark.parametrize("text", ["the cat sat, and ran.", "he said (quietly) that it's done; then left!",
                                  "a self-governed society costs $5."])
def test_round_trip_of_normalised_text_is_exact(text):
    assert detokenize(tokenize(text)) == text


def test_round_trip_of_tokens_holds_for_any_text():
    toks = tokenize("Anarchism — a “political” philosophy; café au lait… in 1982!")
    assert tokenize(detokenize(toks)) == toks
    assert "cafe" in toks and "-" in toks and '"' in toks


def test_unknown_characters_are_clear_errors_unless_cleaned():
    with pytest.raises(DataError, match=r"unknown character '😀' \(U\+1F600\) at position 4.*remove or replace"):
        tokenize("hi! 😀 there")
    with pytest.raises(DataError, match="unknown character"):
        normalize("中文")
    assert tokenize("hi! 😀 there", clean=True) == ["hi", "!", "there"]


def test_vocab_orders_by_frequency_and_maps_unknown_words():
    v = Vocab.build([["b", "a", "b"], ["c", "b", "a"], ["rare"]], size=6, min_count=2)
    assert v.tokens == [*SPECIALS, "b", "a"]
    assert v.encode(["a", "zebra", "b"]) == [5, v.unk, 4]
    assert v.decode([5, v.unk, 4, v.eos, 5]) == ["a", "<unk>", "b"]  # stops at </s>
    assert v.decode([v.bos, 4, v.pad]) == ["b"]
    assert Vocab.from_json(v.to_json()).tokens == v.tokens


def test_vocab_rejects_malformed_token_lists():
    with pytest.raises(DataError, match="starts with"):
        Vocab(["a", "b"])
    with pytest.raises(DataError, match="every token once"):
        Vocab([*SPECIALS, "a", "a"])
