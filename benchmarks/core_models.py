"""The second-generation core on the bundled MNIST split: conditioning, adversarial training,
sequences, and what generality costs, each measured against a baseline run here.

* **Conditioning.** A conditional VAE (``model="conditional"``, the digit class as the condition,
  Gaussian bottleneck) is sampled 1,000 times per class (z ~ N(0, I), temperature 1) and the
  digit classifier of ``benchmarks/latents.py`` (trained here on the training digits) judges the
  samples: the share recognised as the class they were conditioned on. The recipe (8-d code,
  beta = 4, the condition concatenated to the code) is fixed here; the same model with beta = 1 is
  reported beside it.
* **Adversarial training.** An adversarial auto-encoder (``model="adversarial"``: a
  discriminator with its own optimizer pushes the codes towards N(0, I)) against a plain
  auto-encoder of the same size and recipe. Test codes are standardised with the training codes'
  mean and std per dimension; the RBF-kernel MMD^2 (median-heuristic bandwidth) between them and
  as many N(0, I) draws measures how Gaussian the codes are (3 draws of the reference sample,
  mean). Reconstruction MSE is reported too.
* **Sequences.** A 1-D conv auto-encoder (``net="conv1d"``) over padded variable-length
  multi-channel signals (sums of sinusoids with a random frequency, phase and amplitude per
  channel; lengths 8 to 64): training throughput in sequences per second, test MSE against a
  PCA-free baseline (predicting each sequence's channel means), and the largest change of a
  test sequence's reconstruction error when its batch is padded to 200 frames instead of 64.
* **No cost for generality.** The 32-d conv auto-encoder of ``benchmarks/dim_reduction.py``
  trained for 3 epochs through the trainer and through a bare PyTorch loop (same model, AdamW,
  batch size, data and thread count; no validation, checks, clipping or logging): training
  samples per second, best of 3 alternating runs each.

    python benchmarks/core_models.py          # about 15 minutes on one core
    python benchmarks/core_models.py --quick  # smoke run -> benchmarks/results/quick/
"""

from __future__ import annotations

import math
import time

import numpy as np
import torch

import aekit
from aekit import ModelConfig, TrainConfig, Trainer, create_model
from aekit.data.batches import pad_collate
from aekit.metrics import mmd_rbf, mse_per_pixel

from _common import check, md_table, parse_args, write_results
from latents import judge, train_classifier

SEED = 0
NET = dict(channels=[32, 64], kernel_size=4, fc_hidden=[256])  # the benchmarked conv net (README "Recipes")
CVAE = dict(latent_dim=8, model="conditional", model_options={"classes": 10, "conditioning": "concat"},
            bottleneck="gaussian", bottleneck_options={"beta": 4.0}, net_options=NET, epochs=40, lr=2e-3)
AE8 = dict(latent_dim=8, net_options=NET, loss="mse", epochs=30, lr=3e-3, patience=None)
# the adversarial updates at 1e-3, a third of the reconstruction's lr (GAN practice; at 3e-3 the game oscillated)
AAE_OPTIONS = {"disc_hidden": [256, 256], "disc_lr": 1e-3, "gen_lr": 1e-3}


# ---------------------------------------------------------------- conditioning
def conditional(ds, clf, quick: bool) -> dict:
    per_class = 100 if quick else 1000
    labels = np.repeat(np.arange(10), per_class)
    out = {}
    for beta in (4.0, 1.0):
        recipe = dict(CVAE, bottleneck_options={"beta": beta}, epochs=2 if quick else CVAE["epochs"])
        t0 = time.perf_counter()
        cvae = aekit.AutoEncoder(random_state=SEED, verbose=False, **recipe).fit(ds.X_train, ds.y_train)
        secs = time.perf_counter() - t0
        samples = cvae.sample(len(labels), y=labels, random_state=SEED) / 255.0
        _, pred = judge(clf, samples)
        per = [(pred[labels == c] == c).mean() for c in range(10)]
        out[f"beta_{beta:g}"] = {"accuracy": float((pred == labels).mean()), "per_class": [float(a) for a in per],
                                 "fit_seconds": secs, "epochs_run": cvae.history_.epochs_run,
                                 "samples": samples[::per_class][:10]}
        print(f"cvae beta={beta:g}: {out[f'beta_{beta:g}']['accuracy']:.4f} ({secs:.0f} s)", flush=True)
    return out


# ---------------------------------------------------------------- adversarial
def gaussianity(ae, ds, draws: int = 3) -> float:
    tr, te = ae.transform(ds.X_train), ae.transform(ds.X_test)
    z = (te - tr.mean(0)) / tr.std(0)
    return float(np.mean([mmd_rbf(z, np.random.default_rng(SEED + i).normal(size=z.shape)) for i in range(draws)]))


def adversarial(ds, quick: bool) -> dict:
    out = {}
    for name, extra in (("plain", {}), ("adversarial", {"model": "adversarial", "model_options": AAE_OPTIONS})):
        recipe = dict(AE8, **extra, epochs=2 if quick else AE8["epochs"])
        t0 = time.perf_counter()
        ae = aekit.AutoEncoder(random_state=SEED, verbose=False, **recipe).fit(ds.X_train)
        secs = time.perf_counter() - t0
        out[name] = {"mmd2": gaussianity(ae, ds), "test_mse": mse_per_pixel(ae.reconstruct(ds.X_test) / 255.0,
                                                                            ds.X_test / 255.0),
                     "fit_seconds": secs, "final_terms": ae.history_.terms[-1]}
        if name == "adversarial":
            out[name]["samples"] = ae.sample(10, random_state=SEED) / 255.0
        print(f"{name}: MMD^2 {out[name]['mmd2']:.5f}, test MSE {out[name]['test_mse']:.4f} ({secs:.0f} s)", flush=True)
    out["mmd_ratio"] = out["adversarial"]["mmd2"] / out["plain"]["mmd2"]
    return out


# ---------------------------------------------------------------- sequences
def signals(n: int, seed: int, channels: int = 8) -> list[torch.Tensor]:
    g = np.random.default_rng(seed)
    out = []
    for t in g.integers(8, 65, n):
        f = g.uniform(0.05, 0.4, (channels, 1))
        ph = g.uniform(0, 2 * np.pi, (channels, 1))
        amp = g.uniform(0.5, 1.5, (channels, 1))
        out.append(torch.from_numpy((amp * np.sin(f * np.arange(t)[None] + ph)).astype(np.float32)))
    return out


class _Seqs(torch.utils.data.Dataset):
    def __init__(self, items):
        self.items = items

    def __len__(self):
        return len(self.items)

    def __getitem__(self, i):
        return {"input": self.items[i]}


def sequences(quick: bool) -> dict:
    train, test = signals(2000, 1), signals(200, 2)
    torch.manual_seed(SEED)
    model = create_model(ModelConfig(input_shape=(8, None), net="conv1d", latent_dim=16,
                                     net_options={"channels": [32, 64], "blocks": 1}))
    cfg = TrainConfig(epochs=2 if quick else 20, batch_size=64, lr=3e-3, progress=False, patience=None, seed=SEED)
    h = Trainer(cfg).fit(model, _Seqs(train))
    model.eval()
    tight = pad_collate([{"input": s} for s in test])
    loose = pad_collate([{"input": s} for s in test] + [{"input": torch.zeros(8, 200)}])
    with torch.no_grad():
        a = model(tight["input"], mask=tight["mask"])["per_sample"]
        b = model(loose["input"], mask=loose["mask"])["per_sample"][:len(test)]
    lengths = tight["lengths"].float()
    # baseline: each sequence rebuilt as its channel means (what a code of 8 numbers per sequence can say)
    base = torch.stack([((s - s.mean(1, keepdim=True)) ** 2).mean() for s in test])
    return {"train_sequences_per_s": h.samples_per_second, "epochs": h.epochs_run,
            "test_mse": float((a * lengths).sum() / lengths.sum()),
            "channel_mean_baseline_mse": float((base * lengths).sum() / lengths.sum()),
            "max_error_change_with_padding": float((a - b).abs().max()),
            "lengths": [int(tight["lengths"].min()), int(tight["lengths"].max())]}


# ---------------------------------------------------------------- speed
def speed(ds, quick: bool) -> dict:
    x = torch.from_numpy(ds.X_train / 255.0).float().reshape(-1, 1, 28, 28)
    epochs, repeats, bs = (1, 1, 128) if quick else (3, 3, 128)
    cfg = ModelConfig(input_shape=(1, 28, 28), net="conv", net_options=NET, latent_dim=32, loss="mse",
                      output="sigmoid")

    def trainer_run() -> float:
        torch.manual_seed(SEED)
        model = create_model(cfg)
        h = Trainer(TrainConfig(epochs=epochs, batch_size=bs, lr=3e-3, val_fraction=0.0, patience=None,
                                progress=False, seed=SEED)).fit(model, x)
        return h.samples_per_second

    def bare_run() -> float:
        torch.manual_seed(SEED)
        model = create_model(cfg).train()
        opt = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=1e-4)
        gen = torch.Generator().manual_seed(SEED)
        t0 = time.perf_counter()
        for _ in range(epochs):
            perm = torch.randperm(len(x), generator=gen)
            for i in range(0, len(x), bs):
                xb = x[perm[i:i + bs]]
                loss = model(xb)["loss"]
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
        return epochs * len(x) / (time.perf_counter() - t0)

    with aekit.threads.using_threads(1):
        runs = {"trainer": [], "bare_loop": []}
        for _ in range(repeats):  # alternate, so drift in the machine's load hits both alike
            runs["trainer"].append(trainer_run())
            runs["bare_loop"].append(bare_run())
    best = {k: max(v) for k, v in runs.items()}
    print(f"speed: trainer {best['trainer']:.0f}/s, bare {best['bare_loop']:.0f}/s", flush=True)
    return {"runs_samples_per_s": runs, "best_samples_per_s": best, "ratio": best["trainer"] / best["bare_loop"],
            "threads": 1, "epochs_per_run": epochs, "batch_size": bs}


def main() -> None:
    args = parse_args(__doc__.splitlines()[0])
    quick = args.quick
    torch.set_num_threads(1)
    ds = aekit.load_dataset("mnist")
    out = args.out_dir
    out.mkdir(parents=True, exist_ok=True)
    t_start = time.perf_counter()

    print("classifier", flush=True)
    clf = train_classifier(ds.X_train / 255.0, ds.y_train, epochs=1 if quick else 15)
    _, real_pred = judge(clf, ds.X_test / 255.0)
    clf_acc = float((real_pred == ds.y_test).mean())
    cond = conditional(ds, clf, quick)
    adv = adversarial(ds, quick)
    seq = sequences(quick)
    print(f"sequences: {seq}", flush=True)
    spd = speed(ds, quick)

    from aekit.plots import image_grid

    image_grid([cond["beta_4"].pop("samples"), cond["beta_1"].pop("samples"), adv["adversarial"].pop("samples")],
               ["CVAE b=4", "CVAE b=1", "AAE"], out / "core_models_samples.png",
               title="Conditional VAE samples for classes 0-9 (first drawn) and AAE samples from N(0, I)")
    acceptance = [check("cvae_conditional_acc", cond["beta_4"]["accuracy"], ">=", 0.95),
                  check("aae_mmd_ratio_vs_ae", adv["mmd_ratio"], "<=", 0.5),
                  check("trainer_speed_vs_bare_loop", spd["ratio"], ">=", 0.9)]
    md = ("# Core models: conditioning, adversarial training, sequences, speed (mnist split)\n\n"
          f"Judge: the digit CNN of benchmarks/latents.py, test accuracy {clf_acc:.3f}.\n\n"
          "## Conditional VAE: samples recognised as their condition\n\n"
          + md_table(["model", "accuracy", "worst class", "fit s"],
                     [[k.replace("_", " = "), v["accuracy"], min(v["per_class"]), round(v["fit_seconds"])]
                      for k, v in cond.items()])
          + "\n\n## Adversarial auto-encoder: how Gaussian are the standardised test codes (MMD^2 to N(0, I))\n\n"
          + md_table(["model", "MMD^2", "test MSE", "fit s"],
                     [[k, adv[k]["mmd2"], adv[k]["test_mse"], round(adv[k]["fit_seconds"])]
                      for k in ("plain", "adversarial")])
          + f"\n\nRatio AAE / plain: {adv['mmd_ratio']:.3f}.\n\n## Sequences (conv1d, lengths "
          f"{seq['lengths'][0]}-{seq['lengths'][1]})\n\n"
          + md_table(["train seq/s", "test MSE", "channel-mean baseline MSE", "max change with padding"],
                     [[round(seq["train_sequences_per_s"]), seq["test_mse"], seq["channel_mean_baseline_mse"],
                       seq["max_error_change_with_padding"]]])
          + "\n\n## Trainer vs a bare loop (32-d conv AE, one thread, best of alternating runs)\n\n"
          + md_table(["trainer samples/s", "bare loop samples/s", "ratio"],
                     [[round(spd["best_samples_per_s"]["trainer"]), round(spd["best_samples_per_s"]["bare_loop"]),
                       spd["ratio"]]])
          + "\n\n![samples](core_models_samples.png)\n")
    write_results(out, "core_models", {
        "quick": quick, "split": "mnist 4000 train / 1000 test, stratified, seed 0", "classifier_test_accuracy": clf_acc,
        "recipes": {"cvae": CVAE, "ae8": AE8, "aae_options": AAE_OPTIONS},
        "conditional": cond, "adversarial": adv, "sequences": seq, "speed": spd,
        "total_seconds": time.perf_counter() - t_start}, acceptance, md)


if __name__ == "__main__":
    main()
