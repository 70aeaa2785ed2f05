"""The text auto-encoder trains in seconds on a few sentences through the one trainer, keeps its length
limits, reads back what it saved, and rejects bad input with errors that say what to do."""

from __future__ import annotations

import pytest
import torch

from aekit.context import Context
from aekit.errors import DataError, NotFittedError
from aekit.models.text_summary import ReinforceStage, random_positions
from aekit.text import TextSummarizer, tokenize

DOCS = ["the cat sat on the mat and looked at the dog in the garden all day .",
        "a dog ran in the park with a red ball and a small boy after lunch .",
        "the sun rose over the hills and the birds sang in the tall trees .",
        "my brother cooked rice with beans for the whole family last night ."]
REAL = ["the cat sat on the mat .", "a dog ran in the park .", "the birds sang in the trees .",
        "my brother cooked rice ."]
L = 5


pytestmark = pytest.mark.usefixtures("one_thread")  # tests/conftest.py


@pytest.fixture(scope="module")
def fitted():
    return TextSummarizer(vocab_size=200, max_source=20, summary_len=L, embed=16, hidden=24, disc_hidden=8,
                          epochs=8, rl_epochs=2, batch_size=8, lr=5e-3, val_fraction=0.0).fit(DOCS * 6, REAL)


def test_both_training_stages_run_through_the_one_trainer(fitted):
    h = fitted.history_
    assert h.epochs_run == 8 and "reinforce" in h.stages and h.stages["reinforce"].epochs_run == 2
    assert {"recon.recon", "gen.copy", "disc.bce"} <= set(h.terms[-1])
    assert {"gen.pg", "gen.reward", "gen.logd", "recon.recon"} <= set(h.stages["reinforce"].terms[-1])
    assert h.terms[-1]["recon.recon"] < h.terms[0]["recon.recon"]  # pre-training learns to rebuild


def test_summaries_are_at_most_L_source_words_in_order(fitted):
    for doc in DOCS:
        summary = fitted.summarize_tokens([doc])[0]
        assert 1 <= len(summary) <= L
        src = tokenize(doc)
        it = iter(src)  # a subsequence of the source: each word found after the previous one
        assert all(w in it for w in summary), (summary, src)
    short = fitted.summarize_tokens(["a short text ."])[0]
    assert short == ["a", "short", "text", "."]  # fewer words than L: the whole text


def test_reconstructions_are_bounded_and_text(fitted):
    summary = fitted.summarize(DOCS[0])
    out = fitted.expand_tokens([summary])[0]
    assert 1 <= len(out) <= 20 + 1 and "<pad>" not in out and "<s>" not in out
    assert isinstance(fitted.expand(summary), str)


def test_the_reconstructor_learns_where_a_document_ends(fitted):
    """Its loss counts the </s> after each document's last word (it once counted a <pad> in the last column
    instead, so every reconstruction ran to the length limit, 21 tokens here)."""
    for doc in DOCS:  # 13-17 tokens each
        out = fitted.expand_tokens([fitted.summarize_tokens([doc])[0]])[0]
        assert len(out) < 20 + 1, out
    from aekit.text.api import encode_batch

    b = encode_batch(fitted.vocab, [tokenize(DOCS[0]), tokenize("a dog ran .")], 20)
    ids, smask = fitted.model.summarize(b["input"], b["mask"])
    _, tm, tgt = fitted.model.reconstructor.token_nll(ids, smask, b["input"], b["mask"])
    assert tm.sum(1).tolist() == [len(tokenize(DOCS[0])) + 1, 5]  # the words and one </s>
    assert tgt[tm].tolist().count(fitted.vocab.index["</s>"]) == 2


def test_reconstructions_never_write_a_word_pair_twice(fitted):
    """Greedy decoding of an untrained-ish reconstructor loops ("the , the , the"); pair blocking stops it."""
    torch.manual_seed(0)
    m = fitted.model
    ids = torch.randint(4, len(fitted.vocab), (16, L))
    out = m.reconstructor.generate(ids, torch.ones_like(ids, dtype=torch.bool), 40)  # (16, <= 40)
    for row in out.tolist():
        words = [w for w in row if w != 0]
        pairs = list(zip(words[:-1], words[1:]))
        assert len(pairs) == len(set(pairs)), words
        assert all(a != b for a, b in pairs) and 1 not in words  # no word twice in a row, no <unk>


def test_bad_input_is_a_clear_error(fitted):
    with pytest.raises(DataError, match="empty"):
        fitted.summarize("   ")
    with pytest.raises(DataError, match=r"unknown character '☃'.*remove or replace"):
        fitted.summarize("the snow ☃ fell")
    long = " ".join(["word"] * 25)
    with pytest.raises(DataError, match=r"has 25 tokens; this model reads at most 20.*truncate=True"):
        fitted.summarize(long)
    assert len(fitted.summarize_tokens([long], truncate=True)[0]) == L
    with pytest.raises(DataError, match=r"at most 5 \(summary_len\)"):
        fitted.expand("one two three four five six")
    with pytest.raises(DataError, match="empty"):
        fitted.expand("")
    with pytest.raises(NotFittedError, match="not fitted"):
        TextSummarizer().summarize("hello")
    with pytest.raises(DataError, match="unknown option"):
        TextSummarizer(hiden=3)


def test_save_and_load_round_trip(fitted, tmp_path):
    fitted.save(tmp_path / "m")
    back = TextSummarizer.load(tmp_path / "m")
    assert back.vocab.tokens == fitted.vocab.tokens
    assert back.summarize_tokens(DOCS) == fitted.summarize_tokens(DOCS)
    s = fitted.summarize(DOCS[1])
    assert back.expand(s) == fitted.expand(s)


def test_random_positions_are_sorted_distinct_and_bounded():
    mask = torch.arange(10)[None] < torch.tensor([[10], [3], [7]])
    pos = random_positions(mask, 4, torch.Generator().manual_seed(0))
    assert pos.shape == (3, 4)
    for row, n in zip(pos, (10, 3, 7)):
        real = row[row >= 0]
        assert len(real) == min(4, n) and bool((real < n).all()) and bool((real[1:] > real[:-1]).all())


def test_reinforce_moves_only_the_generator_towards_better_than_greedy(fitted):
    m = fitted.model.train()
    stage = ReinforceStage(m)
    from aekit.text.api import encode_batch

    batch = encode_batch(fitted.vocab, [tokenize(d) for d in DOCS], 20)
    batch = m.pipeline_steps()[0](batch, torch.Generator().manual_seed(0))
    for name in ("recon", "gen", "disc"):
        out = stage.training_step(batch, Context(), name)
        m.zero_grad(set_to_none=True)
        out["loss"].backward()
        own = {"recon": m.reconstructor, "gen": m.generator, "disc": m.discriminator}[name]
        assert any(p.grad is not None and p.grad.abs().sum() > 0 for p in own.parameters()), name
        if name == "gen":  # the policy gradient reaches neither the reconstructor nor the discriminator
            assert all(p.grad is None for p in [*m.reconstructor.parameters(), *m.discriminator.parameters()])
    # the self-critical advantage is zero when the draw is the greedy summary: no push at all
    greedy = m.generator(batch["input"], batch["mask"], "greedy")
    batch2 = {**batch, "_draw": {k: v.detach() for k, v in greedy.items()}}
    batch2.pop("_draw_nll", None)
    out = stage.training_step(batch2, Context(), "gen")
    assert abs(float(out["losses"]["pg"])) < 1e-5
    for scaling in ("normalize_advantage", "separate_advantages"):  # scaled advantages: still none
        setattr(m.options, scaling, True)
        try:
            out = stage.training_step(dict(batch2), Context(), "gen")
            assert abs(float(out["losses"]["pg"])) < 1e-5
        finally:
            setattr(m.options, scaling, False)


def test_set_options_checks_and_reaches_the_model(fitted, tmp_path):
    import copy

    ts = copy.deepcopy(fitted)
    assert ts.set_options(disc_weight=0.25, rl_epochs=3) is ts
    assert ts.model.options.disc_weight == ts.model_options.disc_weight == 0.25
    assert TextSummarizer.load(ts.save(tmp_path / "m")).model_options.rl_epochs == 3  # the saved config too
    with pytest.raises(ValueError, match="disc_weight"):
        ts.set_options(disc_weight=-1.0)
    with pytest.raises(ValueError, match="disc_wieght"):
        ts.set_options(disc_wieght=0.1)
    with pytest.raises(ValueError, match="hidden"):
        ts.set_options(hidden=64)
    with pytest.raises(NotFittedError):
        TextSummarizer().set_options(disc_weight=0.1)


def test_reward_words_counts_only_what_rouge_compares(fitted):
    """With reward_words the reconstruction reward leaves out <unk> and punctuation targets (ROUGE never
    compares them); without it every token counts, as before."""
    import copy

    from aekit.text.api import encode_batch

    ts = copy.deepcopy(fitted)
    m = ts.model.eval()
    counted = dict(zip(ts.vocab.tokens, m.counted.tolist()))
    assert counted["cat"] and counted["</s>"] and not counted["."] and not counted["<unk>"] and not counted["<pad>"]
    docs = [tokenize("the cat sat on the zzyzx . qwerty mat ."), tokenize("a dog ran in the park .")]
    b = encode_batch(ts.vocab, docs, 20)
    src, mask = b["input"], b["mask"]
    ids, smask = m.summarize(src, mask)
    full, words = m.reward_nll(ids, smask, src, mask)
    assert torch.allclose(full, words)  # reward_words off: the same
    ts.set_options(reward_words=True)
    full2, words2 = m.reward_nll(ids, smask, src, mask)
    tok, tm, tgt = m.reconstructor.token_nll(ids, smask, src, mask)
    keep = tm & ~torch.isin(tgt, torch.tensor([ts.vocab.index[t] for t in ("<unk>", ".")]))
    assert torch.allclose(full2, full) and torch.allclose(words2, (tok * keep).sum(1) / keep.sum(1))
    assert not torch.allclose(words2, full2)
    r, nll, _ = m.reward(src, mask, ids, smask)
    assert torch.allclose(nll, words2)  # the REINFORCE reward uses the counted words
    with pytest.raises(DataError, match="one flag per token"):
        m.set_counted(torch.ones(3, dtype=torch.bool))
