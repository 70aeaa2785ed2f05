"""``aekit summarize`` and ``aekit expand``: thin over TextSummarizer, errors as one clear line."""

from __future__ import annotations

import pytest
import torch

from aekit.cli import main
from aekit.text import TextSummarizer

DOCS = ["the cat sat on the mat and looked at the dog in the garden .",
        "a dog ran in the park with a red ball and a small boy ."]


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    torch.set_num_threads(1)
    ts = TextSummarizer(vocab_size=100, max_source=16, summary_len=4, embed=8, hidden=8, disc_hidden=4, epochs=1,
                        rl_epochs=1, batch_size=8, val_fraction=0.0).fit(DOCS * 4, DOCS)
    path = tmp_path_factory.mktemp("text") / "model"
    ts.save(path)
    return path


def test_summarize_then_expand(model_dir, tmp_path, capsys):
    src = tmp_path / "in.txt"
    src.write_text(DOCS[0])
    assert main(["summarize", "--model", str(model_dir), str(src), "--threads", "1"]) == 0
    summary = capsys.readouterr().out.strip()
    assert summary == TextSummarizer.load(model_dir).summarize(DOCS[0])
    assert 1 <= len(summary.split()) <= 4
    (tmp_path / "s.txt").write_text(summary)
    assert main(["expand", "--model", str(model_dir), str(tmp_path / "s.txt")]) == 0
    assert capsys.readouterr().out.strip() == TextSummarizer.load(model_dir).expand(summary)


def test_errors_are_one_clear_line(model_dir, tmp_path, capsys):
    (tmp_path / "empty.txt").write_text("  \n")
    assert main(["summarize", "--model", str(model_dir), str(tmp_path / "empty.txt")]) == 2
    assert "error: the text is empty" in capsys.readouterr().err
    (tmp_path / "long.txt").write_text("word " * 30)
    assert main(["summarize", "--model", str(model_dir), str(tmp_path / "long.txt")]) == 2
    assert "--truncate" in capsys.readouterr().err
    assert main(["summarize", "--model", str(model_dir), str(tmp_path / "long.txt"), "--truncate"]) == 0
    assert capsys.readouterr().out.split() == ["word"] * 4
    (tmp_path / "odd.txt").write_text("snow ☃")
    assert main(["expand", "--model", str(model_dir), str(tmp_path / "odd.txt")]) == 2
    assert "unknown character" in capsys.readouterr().err
