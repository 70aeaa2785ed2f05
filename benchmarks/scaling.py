"""Scale-out: ``aekit train`` in 1 and 2 data-parallel processes (torchrun, gloo on CPU), samples/s.

The same command, ``aekit train --data mnist --recipe mnist-8`` for a few epochs with one thread per
process, run plainly and as ``torchrun --nproc_per_node 2 -m aekit train ...``; each batch is split
between the processes, so 2 processes reproduce 1 up to float rounding (tests/test_distributed.py
checks that). Reported: training samples per second (from the saved model's history) and the
speed-up, best of ``--repeats`` runs each (the machine is shared).

    python benchmarks/scaling.py            # 3 epochs, best of 2 -> results/scaling.json + scaling.png
    python benchmarks/scaling.py --quick    # 1 epoch, one run -> results/quick/
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from _common import check, md_table, parse_args, write_results


def train(processes: int, epochs: int, out: Path) -> dict:
    args = ["train", "--data", "mnist", "-o", str(out), "--recipe", "mnist-8", "--epochs", str(epochs),
            "--no-progress", "--threads", "1"]
    if processes == 1:
        cmd = [sys.executable, "-m", "aekit", *args]
    else:
        cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", str(processes),
               "-m", "aekit", *args]
    env = dict(os.environ, OMP_NUM_THREADS="1")
    load_before = os.getloadavg()[0]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=3600)
    load_after = os.getloadavg()[0]
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{proc.stderr[-3000:]}")
    summary = next(json.loads(ln) for ln in proc.stdout.splitlines() if ln.startswith("{") and '"saved"' in ln)
    # the machine is shared: the 1-minute load average around each run says how many other jobs competed
    return {"samples_per_s": summary["samples_per_s"], "epochs_run": summary["epochs_run"], "command": " ".join(cmd[1:]),
            "load_avg_1min": [round(load_before, 2), round(load_after, 2)]}


def figure(rows: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from aekit.atomic import atomic_file

    fig, ax = plt.subplots(figsize=(4.2, 3.2))
    n = list(rows)
    v = [rows[k]["samples_per_s"] for k in n]
    ax.bar([str(k) for k in n], v, color=["#888", "#2b6cb0"][:len(n)])
    for i, val in enumerate(v):
        ax.text(i, val, f"{val:.0f}", ha="center", va="bottom", fontsize=9)
    ax.set_xlabel("processes (1 thread each)")
    ax.set_ylabel("training samples / s")
    ax.set_title(f"aekit train --recipe mnist-8, {v[-1] / v[0]:.2f}x with {n[-1]}", fontsize=9)
    with atomic_file(path) as tmp:
        fig.savefig(tmp, dpi=120, bbox_inches="tight")
    plt.close(fig)


def main() -> None:
    args = parse_args(__doc__.splitlines()[0])
    epochs, repeats = (1, 1) if args.quick else (3, 2)
    rows = {}
    with tempfile.TemporaryDirectory() as tmp:
        for procs in (1, 2):
            runs = [train(procs, epochs, Path(tmp) / f"m{procs}_{r}") for r in range(repeats)]
            best = max(runs, key=lambda r: r["samples_per_s"])
            rows[procs] = {**best, "all_samples_per_s": [r["samples_per_s"] for r in runs]}
            print(f"{procs} process(es): {best['samples_per_s']:.0f} samples/s", flush=True)
    speedup = rows[2]["samples_per_s"] / rows[1]["samples_per_s"]
    args.out_dir.mkdir(parents=True, exist_ok=True)
    figure(rows, args.out_dir / "scaling.png")
    md = ("# Data-parallel training: 1 vs 2 processes (torchrun, gloo, one thread each)\n\n"
          + md_table(["processes", "samples/s (best)", "all runs"],
                     [[k, round(v["samples_per_s"]), ", ".join(f"{x:.0f}" for x in v["all_samples_per_s"])]
                      for k, v in rows.items()])
          + f"\n\nSpeed-up with 2 processes: {speedup:.2f}x (on {os.cpu_count()} CPUs; 1-minute load average around "
            f"the best runs, before and after: {rows[1]['load_avg_1min']} and {rows[2]['load_avg_1min']}; above "
            f"{os.cpu_count()}, other jobs shared the CPUs).\n\n![scaling](scaling.png)\n")
    write_results(args.out_dir, "scaling", {"quick": args.quick, "epochs": epochs, "repeats": repeats,
                                            "recipe": "mnist-8", "processes": {str(k): v for k, v in rows.items()},
                                            "speedup_2": speedup}, [check("speedup_2", speedup)], md)


if __name__ == "__main__":
    main()
