"""The text model that ships with aekit (float16 weights, loaded as float32): it loads, summarises a
held-out document into at most L of its words in order, rebuilds much of it, is what ``aekit summarize``
uses by default, and a missing copy is a clear error naming the fix."""

from __future__ import annotations

import pytest
import torch
from safetensors.torch import load_file

import aekit.text as text
from aekit.cli import main
from aekit.text import PRETRAINED, TextSummarizer, load_summarizer

pytestmark = pytest.mark.usefixtures("one_thread")  # tests/conftest.py

# a paragraph of an article the model never trained on would need gensim; this one is written here
DOC = ("the river flows through the old city and past the market , where farmers sell fruit and "
       "vegetables every morning before the shops open .")


def test_the_bundled_model_ships_in_half_precision_and_loads_as_float32():
    assert (PRETRAINED / "config.json").exists(), "the bundled text model is missing: scripts/train_text_model.py --ship"
    stored = load_file(str(PRETRAINED / "model.safetensors"))
    assert {v.dtype for v in stored.values()} == {torch.float16}
    assert (PRETRAINED / "model.safetensors").stat().st_size < 4_000_000  # a few MB in the wheel
    ts = load_summarizer()
    assert ts is load_summarizer("wiki")  # loaded once per process
    params = dict(ts.model.named_parameters())
    assert {p.dtype for p in params.values()} == {torch.float32}
    name = next(iter(stored))
    torch.testing.assert_close(params[name].detach(), stored[name].float(), rtol=0, atol=0)
    assert ts.train_options.checkpoint_dir is None and ts.train_options.progress is False


def test_the_bundled_model_summarises_and_rebuilds():
    ts = load_summarizer()
    doc = DOC.split()
    summary = ts.summarize_tokens([doc])[0]
    L = ts.model_options.summary_len
    assert 3 <= len(summary) <= L == 12
    it = iter(doc)
    assert all(w in it for w in summary)  # the document's own words, in order
    rebuilt = ts.expand_tokens([summary])[0]
    # the reconstructor rebuilds a document around the summary: longer than it, keeping most of its words
    assert len(rebuilt) > len(summary)
    assert len(set(rebuilt) & set(summary)) >= 0.7 * len(set(summary))


def test_save_half_round_trips_to_the_rounded_model(tmp_path):
    ts = load_summarizer()
    ts.save(tmp_path / "half", half=True)
    again = TextSummarizer.load(tmp_path / "half")
    assert again.summarize(DOC) == ts.summarize(DOC)  # already float16-rounded: saving again changes nothing


def test_summarize_and_expand_use_the_bundled_model_by_default(tmp_path, capsys):
    (tmp_path / "doc.txt").write_text(DOC)
    assert main(["summarize", str(tmp_path / "doc.txt"), "--threads", "1"]) == 0
    summary = capsys.readouterr().out.strip()
    assert summary == load_summarizer().summarize(DOC)
    (tmp_path / "s.txt").write_text(summary)
    assert main(["expand", str(tmp_path / "s.txt")]) == 0
    assert capsys.readouterr().out.strip() == load_summarizer().expand(summary)


def test_a_missing_bundled_model_is_one_clear_line(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(text, "PRETRAINED", tmp_path / "nowhere")
    with pytest.raises(FileNotFoundError, match="train_text_model.py --ship"):
        load_summarizer()
    (tmp_path / "doc.txt").write_text(DOC)
    assert main(["summarize", str(tmp_path / "doc.txt")]) == 2
    err = capsys.readouterr().err
    assert "the bundled text model is missing" in err and "Traceback" not in err
