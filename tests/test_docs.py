"""The docs say what the code does: the README leads with the two set-up commands, CI runs its test
command, docs/benchmarks.md is generated from the committed results, and every local link resolves."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()


def test_the_readme_leads_with_two_set_up_commands_and_ci_runs_the_second():
    first_block = re.search(r"```bash\n(.*?)```", README, re.S).group(1)
    commands = [ln for ln in first_block.splitlines() if ln and not ln.startswith("#")]
    assert len(commands) == 2
    assert commands[0].endswith("aekit tour") and "pip install -e" in commands[0]
    install, run = commands[1].split(" && ")
    ci = (ROOT / ".ci" / "run").read_text()
    assert run in ci.splitlines()  # exactly the README's test command
    assert install.replace(".venv/bin/pip install -e", "").strip() in ci  # the same extras
    commands_run = [ln for ln in ci.splitlines() if not ln.lstrip().startswith("#")]
    assert any("apt-get install" in ln and "chromium" in ln for ln in commands_run)
    assert not any("playwright install" in ln for ln in commands_run)  # it would download a browser


def test_the_readme_uses_come_in_the_lectures_order():
    heads = re.findall(r"^## (\d+)\. (.+)$", README, re.M)
    assert [int(n) for n, _ in heads] == list(range(1, len(heads) + 1))  # numbered 1, 2, 3, ... without gaps
    titles = [h for _, h in heads]
    # the tour's order (reconstruction, features, de-noising, generation, codebook, anomaly, compression);
    # later uses (voice conversion, disentanglement, text) follow as sections 7, 8, ...
    assert titles[:6] == ["Dimension reduction and features", "De-noising", "Generation: VAE, VQ with a learned prior",
                          "Discrete codes: VQ, binary, one-hot", "Anomaly detection", "Compression"]
    for _, head in heads:  # each use has code to run and the picture it makes
        part = README.split(head, 1)[1].split("\n## ", 1)[0]
        assert "```python" in part or "```bash" in part, head
        assert "![" in part, head


def test_every_local_link_in_the_docs_resolves():
    for doc in [ROOT / "README.md", ROOT / "docs" / "benchmarks.md", ROOT / "docs" / "architecture.md"]:
        for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", doc.read_text()):
            if target.startswith(("http://", "https://")):
                continue
            assert (doc.parent / target).exists(), f"{doc.name} links to {target}, which does not exist"


def test_benchmarks_md_is_generated_from_the_committed_results():
    proc = subprocess.run([sys.executable, str(ROOT / "scripts" / "benchmarks_md.py"), "--check"],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    text = (ROOT / "docs" / "benchmarks.md").read_text()
    for name in ("dim_reduction", "denoise", "anomaly", "compression", "latents"):
        assert f"## {name}" in text and f"python benchmarks/{name}.py" in text
    assert "[architecture.md](architecture.md)" in text
