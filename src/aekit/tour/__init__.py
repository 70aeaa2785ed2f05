"""``aekit tour``: every use of the toolkit on bundled data, in one HTML report.

Each section (``aekit/tour/sections/``, one file each, registered by name) trains quick models or
loads shipped ones, measures its number next to a baseline in the same run, and says how to
reproduce the full benchmark. :func:`run_tour` runs them in the lecture's order under one progress
bar and writes ``index.html`` (self-contained), ``report.json`` and the trained ``models/``.
"""

from __future__ import annotations

import json
import resource
import sys
import time
from dataclasses import asdict
from pathlib import Path

from .base import SECTIONS, Context, Figure, Number, Section, SectionResult, section


def available_sections() -> list[Section]:
    """The registered sections whose use exists in this install, in the lecture's order."""
    from .sections import load_all

    load_all()
    entries = [SECTIONS.get(n) for n in SECTIONS.names()]
    return sorted((s for s in entries if s.available()), key=lambda s: s.order)


def run_tour(out: str | Path = "aekit-tour", *, quick: bool = False, n_threads: int | None = None, seed: int = 0,
             only: list[str] | None = None, progress: bool = True) -> dict:
    """Run every section (or ``only`` those named) and write the report; returns report.json's content."""
    from tqdm.auto import tqdm

    from ..atomic import write_text
    from ..threads import resolve_threads, using_threads
    from .report import render

    sections = available_sections()
    if only:
        for name in only:
            SECTIONS.get(name)  # an unknown name fails here, with "did you mean"
        sections = [s for s in sections if s.name in only]
    out = Path(out)
    t_start = time.perf_counter()
    cpu_start = _cpu_seconds()
    with using_threads(n_threads):
        ctx = Context(out, quick, n_threads, seed)
        results = []
        # a bar in a terminal; in a log (CI), a line as each section starts and ends
        live = progress and getattr(sys.stderr, "isatty", lambda: False)()
        bar = tqdm(sections, unit="section", disable=not live, file=sys.stderr, dynamic_ncols=True,
                   bar_format="{l_bar}{bar:20}| {n_fmt}/{total_fmt} sections [{elapsed}<{remaining}]")
        for k, sec in enumerate(bar, 1):
            bar.set_description(f"tour: {sec.title}")
            if not live and progress:
                print(f"[{k}/{len(sections)}] {sec.title} ...", file=sys.stderr, flush=True)
            t0 = time.perf_counter()
            res = sec.run(ctx)
            res.seconds = time.perf_counter() - t0
            results.append((sec, res))
            head = res.numbers[0] if res.numbers else None
            line = f"[{k}/{len(sections)}] {sec.title}: {res.seconds:.0f} s"
            if head is not None:
                line += (f"; {head.metric}: {head.text(head.value)}"
                         + (f" vs {head.text(head.baseline)} ({head.baseline_name})" if head.baseline is not None else ""))
            (bar.write if live else print)(line, file=sys.stderr)
        bar.close()
        threads = resolve_threads(n_threads)
    total = time.perf_counter() - t_start
    cpu = _cpu_seconds() - cpu_start  # on a busy machine, what the run would take alone on its threads
    write_text(out / "index.html", render(results, quick, total, threads))
    report = {"quick": quick, "seconds": round(total, 1), "cpu_seconds": round(cpu, 1), "threads": threads,
              "seed": seed,
              "sections": [{"name": s.name, "title": s.title, "seconds": round(r.seconds, 1),
                            "numbers": [asdict(n) for n in r.numbers], "reproduce": r.reproduce,
                            "details": r.details, "figures": [f.name for f in r.figures]} for s, r in results]}
    write_text(out / "report.json", json.dumps(report, indent=2, default=_jsonable))
    return report


def _jsonable(v):
    import numpy as np

    if isinstance(v, np.generic):
        return v.item()
    if isinstance(v, np.ndarray):
        return v.tolist()
    return str(v)


__all__ = ["Context", "Figure", "Number", "SECTIONS", "Section", "SectionResult", "available_sections",
           "run_tour", "section"]


def _cpu_seconds() -> float:
    """CPU time of this process so far (every thread); the tour reports its own share, so a run inside a
    longer process (a test session) does not count what ran before it."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime
