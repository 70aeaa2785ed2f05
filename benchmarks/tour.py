"""The README's main job, timed: ``aekit tour`` and ``aekit tour --quick`` as a newcomer runs them.

Each run is a fresh process (``python -m aekit tour --threads 1 --no-progress``, one thread as on a
2-core machine shared with other work). Reported: wall-clock seconds, the CPU seconds the run used
(what it would take alone on its one thread), the machine's 1-minute load average before and after
(above the CPU count, other jobs shared the CPUs), every section's time, and the headline numbers
of the report. The full run's ``index.html`` and ``report.json`` are copied to ``docs/tour/``: the
committed full report the README links.

    python benchmarks/tour.py            # full + quick -> results/tour.json, docs/tour/
    python benchmarks/tour.py --quick    # the quick run only -> results/quick/
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import check, md_table, parse_args, write_results

DOCS_TOUR = Path(__file__).resolve().parents[1] / "docs" / "tour"


def run_tour(out: Path, quick: bool) -> dict:
    cmd = [sys.executable, "-m", "aekit", "tour", "-o", str(out), "--threads", "1", "--no-progress"]
    if quick:
        cmd.append("--quick")
    env = dict(os.environ, OMP_NUM_THREADS="1")
    load_before = os.getloadavg()[0]
    cpu0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=3600)
    wall = time.perf_counter() - t0
    cpu1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{proc.stderr[-3000:]}")
    report = json.loads((out / "report.json").read_text())
    return {"command": "aekit " + " ".join(cmd[3:]).replace(str(out), "DIR"), "wall_s": round(wall, 1),
            "cpu_s": round(cpu1.ru_utime + cpu1.ru_stime - cpu0.ru_utime - cpu0.ru_stime, 1),
            "load_avg_1min": [round(load_before, 2), round(os.getloadavg()[0], 2)],
            "report_seconds": report["seconds"],
            "sections": [{"name": s["name"], "seconds": s["seconds"],
                          "numbers": [{k: n[k] for k in ("metric", "value", "baseline", "baseline_name")}
                                      for n in s["numbers"]]} for s in report["sections"]]}


def copy_report(src: Path) -> None:
    from aekit.atomic import write_text

    for name in ("index.html", "report.json"):
        write_text(DOCS_TOUR / name, (src / name).read_text())


def main() -> None:
    args = parse_args(__doc__.splitlines()[0])
    runs = {}
    with tempfile.TemporaryDirectory() as tmp:
        for quick in ([True] if args.quick else [False, True]):
            key = "quick" if quick else "full"
            runs[key] = run_tour(Path(tmp) / key, quick)
            print(f"aekit tour{' --quick' if quick else ''}: {runs[key]['wall_s']:.0f} s wall, "
                  f"{runs[key]['cpu_s']:.0f} s CPU, load {runs[key]['load_avg_1min']}", flush=True)
            if not quick:
                copy_report(Path(tmp) / key)
    rows = [[k, v["wall_s"], v["cpu_s"], f"{v['load_avg_1min'][0]:g} / {v['load_avg_1min'][1]:g}"]
            for k, v in runs.items()]
    md = ("# aekit tour, timed (one thread, fresh process each)\n\n"
          + md_table(["run", "wall s", "CPU s", "load avg before / after"], rows)
          + f"\n\nOn {os.cpu_count()} CPUs. CPU seconds are what the run used on its one thread: about its wall-clock "
            "time on an otherwise idle machine (an upper estimate: sharing the CPUs inflates CPU time too). The "
            "full run's report is `docs/tour/index.html`.\n")
    for key, run in runs.items():
        md += f"\n## {key} run: sections\n\n" + md_table(
            ["section", "s", "headline", "aekit", "baseline"],
            [[s["name"], s["seconds"], s["numbers"][0]["metric"] if s["numbers"] else "",
              f"{s['numbers'][0]['value']:.4g}" if s["numbers"] else "",
              f"{s['numbers'][0]['baseline']:.4g} ({s['numbers'][0]['baseline_name']})" if s["numbers"] else ""]
             for s in run["sections"]]) + "\n"
    acceptance = [check("quick_wall_s", runs["quick"]["wall_s"], "<=", 120),
                  check("quick_cpu_s", runs["quick"]["cpu_s"], "<=", 120)]
    if "full" in runs:
        acceptance += [check("full_wall_s", runs["full"]["wall_s"], "<=", 600),
                       check("full_cpu_s", runs["full"]["cpu_s"], "<=", 600)]
    write_results(args.out_dir, "tour", {"quick": args.quick, "runs": runs}, acceptance, md)


if __name__ == "__main__":
    main()
