"""Does the text benchmark's picked recipe pass with other training seeds? (issue 15)

``benchmarks/text_summary.py`` trains the generator once (seed 0) and picks a setting on validation
documents. This script trains the picked recipe (read from ``results/text_summary.json``: discriminator
weight and REINFORCE epochs) from scratch with seeds 0, 1 and 2 (pre-training, REINFORCE segments and the
fresh reconstructors all seeded from it; seed 0 is the benchmark's own run, trained again here as a check
that this script reproduces it), and reports, per seed, the
held-out ROUGE-1 of the rebuilt documents and the summaries' perplexity against Lead-L's, with Lead-L's
reconstructor trained with the same seed.

    python benchmarks/text_summary.py && python benchmarks/text_summary_rl_seeds.py --jobs 2   # 9-11 min
"""

from __future__ import annotations

import json
import multiprocessing
import sys
import time
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import torch

from aekit.text.corpus import load_corpus
from aekit.text.metrics import KneserNeyBigram, in_vocab

from _common import RESULTS, check, md_table, parse_args, write_results
from text_summary import L, MODEL, RECON_EPOCHS, VAL_FRACTION, score, train_recipe

SEEDS = (0, 1, 2)


def task(seed: int, setting: dict, rl_epochs: int) -> dict:
    torch.set_num_threads(1)
    corpus = load_corpus(max_words=MODEL["max_source"], val_fraction=VAL_FRACTION)
    t = time.time()
    ts = train_recipe(corpus.train, corpus.real, setting, rl_epochs, seed=seed)
    data = {p: in_vocab(ts.vocab, getattr(corpus, p)) for p in ("train", "val", "test")}
    lang = KneserNeyBigram(corpus.lm, ts.vocab)
    # Lead-L's reconstructor, trained as in the benchmark (the same seed; score() always starts a fresh one)
    lead = score(ts, data, lang, {p: [d[:L] for d in data[p]] for p in data}, RECON_EPOCHS)
    learned = score(ts, data, lang, {p: ts.summarize_tokens(data[p]) for p in data}, RECON_EPOCHS)
    row = {"seed": seed, "seconds": time.time() - t}
    for part in ("val", "test"):
        row.update({f"learned_{part}_rouge1": learned[part]["rouge1"], f"lead_{part}_rouge1": lead[part]["rouge1"],
                    f"learned_{part}_perplexity": learned[part]["perplexity"],
                    f"lead_{part}_perplexity": lead[part]["perplexity"]})
        row[f"gain_{part}"] = learned[part]["rouge1"] - lead[part]["rouge1"]
        row[f"ppl_ratio_{part}"] = learned[part]["perplexity"] / lead[part]["perplexity"]
    print(f"seed {seed}: gain {row['gain_test']:.4f}, perplexity ratio {row['ppl_ratio_test']:.3f}", flush=True)
    return row


def main() -> None:
    args = parse_args(__doc__.split("\n")[0])
    if args.quick:
        sys.exit("this check has no quick form: it retrains the benchmark's full recipe (9-11 minutes with --jobs 2).")
    src = RESULTS / "text_summary.json"
    if not src.exists():
        sys.exit(f"{src} does not exist: run python benchmarks/text_summary.py first.")
    res = json.loads(src.read_text())
    setting, rl_epochs = res["setting"], res["epochs"]["reinforce"]
    weight = setting["disc_weight"]
    seed0 = res["results"]
    t = time.time()
    with ProcessPoolExecutor(args.jobs, mp_context=multiprocessing.get_context("spawn")) as ex:
        rows = [f.result() for f in [ex.submit(task, s, setting, rl_epochs) for s in SEEDS]]
    bench = {"learned_test_rouge1": seed0["learned"]["rouge1"], "lead_test_rouge1": seed0["lead"]["rouge1"],
             "learned_test_perplexity": seed0["learned"]["perplexity"],
             "lead_test_perplexity": seed0["lead"]["perplexity"]}
    same = next(r for r in rows if r["seed"] == 0)
    reproduced = max(abs(same[k] - v) for k, v in bench.items())  # this script's seed 0 against the benchmark's
    gains = np.array([r["gain_test"] for r in rows])
    ratios = np.array([r["ppl_ratio_test"] for r in rows])
    acceptance = [check("rouge1_gain_vs_lead_min_over_seeds", float(gains.min()), ">=", 0.05),
                  check("ppl_ratio_vs_lead_max_over_seeds", float(ratios.max()), "<=", 2.0),
                  check("rouge1_gain_vs_lead_mean", float(gains.mean())),
                  check("ppl_ratio_vs_lead_mean", float(ratios.mean()))]
    acceptance.append(check("seed0_max_difference_to_benchmark", float(reproduced)))
    payload = {"benchmark_seed0": bench, "quick": args.quick, "disc_weight": weight, "rl_epochs": rl_epochs, "seeds": list(SEEDS),
               "rows": rows, "seconds": time.time() - t, "jobs": args.jobs}
    md = (f"# Text benchmark: the picked recipe (joint {weight}, {rl_epochs} REINFORCE epochs) per training seed\n\n"
          + md_table(["seed", "learned ROUGE-1", "Lead-L ROUGE-1", "gain", "learned perplexity",
                      "Lead-L perplexity", "ratio"],
                     [[r["seed"], r["learned_test_rouge1"], r["lead_test_rouge1"], r["gain_test"],
                       r["learned_test_perplexity"], r["lead_test_perplexity"], r["ppl_ratio_test"]] for r in rows])
          + "\n\nHeld-out documents. Each seed trains the generator, its reconstructor and Lead-L's "
            f"reconstructor; seed 0 trained again here differs from the benchmark's figures by at most {reproduced:.2g}.\n")
    write_results(args.out_dir, "text_summary_rl_seeds", payload, acceptance, md)


if __name__ == "__main__":
    main()
