"""Shared plumbing of the benchmark scripts: arguments, acceptance entries and result files.

Every benchmark writes ``benchmarks/results/<name>.json`` with its full tables,
the environment, and an ``acceptance`` list of ``{"id", "value", "op",
"threshold", "pass"}`` entries, plus a Markdown table beside it. An entry made
with ``check(id, value)`` (no ``op``) is a figure the benchmark must report but
that has no bar: ``"op": null, "threshold": null, "pass": true``, and a
``value`` that could not be measured (NaN) is ``null``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

from aekit.atomic import write_text

RESULTS = Path(__file__).resolve().parent / "results"


def parse_args(description: str, extra=None) -> argparse.Namespace:
    """--quick, --out-dir and --jobs for every benchmark; ``extra(parser)`` adds a script's own options."""
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--quick", action="store_true",
                   help="a few-minute smoke version (fewer epochs/seeds); results go to results/quick/")
    p.add_argument("--out-dir", type=Path, default=None, help="where to write results (default benchmarks/results)")
    p.add_argument("--jobs", type=int, default=1,
                   help="training runs in N single-thread processes where a script has several (figures unchanged)")
    if extra is not None:
        extra(p)
    args = p.parse_args()
    if args.out_dir is None:
        args.out_dir = RESULTS / "quick" if args.quick else RESULTS
    return args


def check(id: str, value: float, op: str | None = None, threshold: float | None = None) -> dict:
    if op is None:  # reported, no bar
        assert threshold is None, "a threshold needs an op"
        return {"id": id, "value": float(value) if value == value else None, "op": None, "threshold": None,
                "pass": True}
    assert op in ("<=", ">="), op
    ok = value <= threshold if op == "<=" else value >= threshold
    return {"id": id, "value": float(value), "op": op, "threshold": float(threshold), "pass": bool(ok)}


def environment() -> dict:
    import torch

    return {"python": sys.version.split()[0], "torch": torch.__version__, "threads": torch.get_num_threads(),
            "cpu_count": os.cpu_count(), "machine": platform.machine(), "platform": platform.platform(),
            "date": time.strftime("%Y-%m-%d %H:%M:%S")}


def write_results(out_dir: Path, name: str, payload: dict, acceptance: list[dict], markdown: str) -> Path:
    doc = {"benchmark": name, "environment": environment(), **payload, "acceptance": acceptance,
           "all_pass": all(a["pass"] for a in acceptance)}
    path = out_dir / f"{name}.json"
    write_text(path, json.dumps(doc, indent=2))
    rows = "\n".join(f"| `{a['id']}` | {_value(a)} | {_bar(a)} | {'pass' if a['pass'] else 'FAIL'} |"
                     for a in acceptance)
    write_text(out_dir / f"{name}.md", markdown.rstrip() + "\n\n## Acceptance\n\n| id | value | bar | |\n"
                  f"|---|---|---|---|\n{rows}\n")
    print(f"wrote {path}")
    for a in acceptance:
        print(f"  {a['id']:<20} {_value(a)} {_bar(a)}  {'pass' if a['pass'] else 'FAIL'}")
    return path


def _value(a: dict) -> str:
    return "n/a" if a["value"] is None else f"{a['value']:.4g}"


def _bar(a: dict) -> str:
    return "reported (no bar)" if a["op"] is None else f"{a['op']} {a['threshold']:g}"


def md_table(headers: list[str], rows: list[list]) -> str:
    def fmt(v):
        return f"{v:.4g}" if isinstance(v, float) else str(v)

    out = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    out += ["| " + " | ".join(fmt(v) for v in r) + " |" for r in rows]
    return "\n".join(out)
