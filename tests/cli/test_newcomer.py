"""What a newcomer tripped over walking through the README, each pinned by a test: names kept,
arguments checked before work, pictures with context, help that matches behaviour, a fast start."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import aekit
from aekit.cli import build_parser, main
from aekit.data import load_array
from _png import assert_pixels_match, read_grid

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def digit_model(tmp_path_factory):
    out = tmp_path_factory.mktemp("newcomer") / "digits"
    assert main(["train", "--data", "digits", "-o", str(out), "--latent-dim", "8", "--epochs", "40", "--net", "mlp",
                 "--no-progress"]) == 0
    return out


@pytest.fixture(scope="module")
def digit_files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("newcomer") / "scans"
    folder.mkdir()
    X = aekit.load_dataset("digits").X_test[:3]
    for name, img in zip(["b_three.png", "a_one.png", "c_two.png"], X):
        Image.fromarray(img.astype(np.uint8)).save(folder / name)  # the units the model was trained in: 0..16
    return folder


# ---------------------------------------------------------------------------- names
def test_a_mistyped_dataset_gets_did_you_mean(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["train", "--data", "mnistt", "-o", "m"]) == 2
    err = capsys.readouterr().err
    assert "Did you mean 'mnist'?" in err and "Traceback" not in err and not (tmp_path / "m").exists()


def test_dataset_typo_keeps_the_split_in_the_hint(digit_model, tmp_path, capsys):
    assert main(["encode", "--model", str(digit_model), "--input", "digts:test", "-o", str(tmp_path / "c.npy")]) == 2
    assert "Did you mean 'digits:test'?" in capsys.readouterr().err


def test_code_and_reconstruction_csvs_name_their_rows(digit_model, digit_files, tmp_path):
    codes = tmp_path / "codes.csv"
    assert main(["encode", "--model", str(digit_model), "--input", str(digit_files), "-o", str(codes)]) == 0
    lines = codes.read_text().splitlines()
    assert lines[0] == "name," + ",".join(f"z{i}" for i in range(8))
    assert [ln.split(",")[0] for ln in lines[1:]] == ["a_one.png", "b_three.png", "c_two.png"]  # the files, in order
    ae = aekit.AutoEncoder.load(digit_model)
    np.testing.assert_allclose(load_array(codes), ae.transform(load_array(digit_files)), rtol=1e-5, atol=1e-5)
    # a table's rows have no names: a header alone, and the CSV reads back as the same numbers
    rec = tmp_path / "rec.csv"
    np.save(tmp_path / "rows.npy", aekit.load_dataset("digits").X_test[:4].reshape(4, -1))
    flat = aekit.AutoEncoder(4, epochs=1, verbose=False).fit(aekit.load_dataset("digits").X_train.reshape(-1, 64))
    flat.save(tmp_path / "flat")
    assert main(["reconstruct", "--model", str(tmp_path / "flat"), "--input", str(tmp_path / "rows.npy"),
                 "-o", str(rec)]) == 0
    assert rec.read_text().splitlines()[0] == ",".join(f"x{i}" for i in range(64))
    assert load_array(rec).shape == (4, 64)


# ---------------------------------------------------------------------------- arguments first
def test_a_bad_output_is_refused_before_any_work(digit_model, tmp_path, capsys):
    assert main(["reconstruct", "--model", str(digit_model), "--input", "digits:test", "-o",
                 str(tmp_path / "x.txt")]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""  # no error computed and printed before the refusal
    assert ".npy, .csv, .png" in captured.err and not (tmp_path / "x.txt").exists()
    for cmd in (["encode"], ["codes"], ["denoise"]):
        assert main([*cmd, "--model", str(digit_model), "--input", "digits:test", "-o", str(tmp_path / "y.txt")]) == 2
        assert capsys.readouterr().out == ""


# ---------------------------------------------------------------------------- pictures with context
def test_reconstruct_png_shows_the_inputs_above_their_reconstructions(digit_model, digit_files, tmp_path):
    out = tmp_path / "r.png"
    assert main(["reconstruct", "--model", str(digit_model), "--input", str(digit_files), "-o", str(out)]) == 0
    X = load_array(digit_files).astype(np.float32)
    R = aekit.AutoEncoder.load(digit_model).reconstruct(X)
    captions = ["a_one.png", "b_three.png", "c_two.png"]
    grid = read_grid(out, 2, 3, (8, 8), ["input", "rebuilt"], captions=captions)
    lo, hi = 0, 16  # the model's units (digits: 0..16), not these three images' own range
    assert_pixels_match(grid[0], X, lo, hi)
    assert_pixels_match(grid[1], R, lo, hi)


# ---------------------------------------------------------------------------- help agrees with behaviour
def _all_parsers():
    parser = build_parser()
    sub = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    out = []
    for name, p in sub.choices.items():
        nested = [a for a in p._actions if a.__class__.__name__ == "_SubParsersAction"]
        if nested:
            out += [(f"{name} {n}", q) for n, q in nested[0].choices.items()]
        else:
            out.append((name, p))
    return out


def test_every_command_has_a_description_and_every_default_is_shown():
    for name, p in _all_parsers():
        assert p.description and len(p.description) > 30, f"aekit {name} --help has no description"
        help_text = p.format_help()
        for action in p._actions:
            if not action.option_strings or action.nargs == 0 or action.default in (None, "==SUPPRESS=="):
                continue
            shown = action.default if not isinstance(action.default, list) else action.default[0]
            line = " ".join(help_text.split())
            assert "default" in (action.help or "") or f"(default: {shown}" in line.replace("%%", "%"), \
                f"aekit {name} {action.option_strings[0]} hides its default {action.default!r}"


def test_train_codec_help_counts_its_default_levels():
    p = dict(_all_parsers())["train-codec"]
    lmbdas = next(a for a in p._actions if a.dest == "lmbdas").default
    assert f"# {len(lmbdas)} quality levels" in p.epilog
    assert f"{len(lmbdas)} levels" in next(a for a in p._actions if a.dest == "lmbdas").help


def test_codes_prints_as_many_samples_as_it_says(tmp_path, capsys):
    model = tmp_path / "vq"
    assert main(["train", "--data", "digits", "-o", str(model), "--latent-dim", "4", "--bottleneck", "vq", "--net",
                 "mlp", "--bottleneck-option", "codebook_size=8", "--epochs", "1", "--no-progress"]) == 0
    capsys.readouterr()
    assert main(["codes", "--model", str(model), "--input", "digits:test", "--show", "2"]) == 0
    out = capsys.readouterr().out
    assert out.count("sample ") == 2 and "450 samples in all" in out


def test_train_recipe_is_the_benchmarked_model_and_typed_flags_win(tmp_path, capsys):
    args = build_parser().parse_args(["train", "--data", "mnist", "-o", "m", "--recipe", "mnist-8", "--epochs", "2"])
    from aekit.cli.train import parameters
    from aekit.recipes import RECIPES

    kw = parameters(args)
    assert kw["epochs"] == 2  # typed
    assert kw["net_options"] == RECIPES["mnist-8"].params["net_options"] and kw["augment"] == "shift:1"
    assert kw["lr"] == 3e-3 and kw["loss"] == "mse" and kw["latent_dim"] == 8
    # a flag typed at its AutoEncoder default still beats the recipe
    args = build_parser().parse_args(["train", "--data", "mnist", "-o", "m", "--lr", "0.001", "--recipe", "mnist-8"])
    assert parameters(args)["lr"] == 0.001
    assert main(["train", "--data", "digits", "-o", str(tmp_path / "m"), "--recipe", "mnist8"]) == 2
    assert "Did you mean 'mnist-8'?" in capsys.readouterr().err


def _assignments(script: str, names: set[str]) -> dict:
    """Top-level constants of a benchmark script, without importing it (its baselines need extras)."""
    tree = ast.parse((ROOT / "benchmarks" / script).read_text())
    ns: dict = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id in names | {"_NET"} for t in node.targets):
            exec(compile(ast.Module([node], []), script, "exec"), ns)
    return ns


def test_recipes_are_the_benchmark_scripts_recipes():
    from aekit.recipes import RECIPES

    dim = _assignments("dim_reduction.py", {"RECIPES"})["RECIPES"]
    for k in (2, 8, 32):
        assert RECIPES[f"mnist-{k}"].params == {"latent_dim": k, **dim[k]}
    few = _assignments("few_labels.py", {"AE_RECIPE", "LATENT"})
    assert RECIPES["features"].params == {"latent_dim": few["LATENT"], **few["AE_RECIPE"]}
    den = _assignments("denoise.py", {"RECIPE", "LATENT"})
    assert RECIPES["denoise"].params == {"latent_dim": den["LATENT"], **den["RECIPE"], "noise": "gaussian:0.5"}
    text = (ROOT / "benchmarks" / "latents.py").read_text()
    assert 'latent_dim=16, bottleneck="gaussian", epochs=ep(60), lr=2e-3' in text  # the VAE recipe
    assert RECIPES["vae"].params == dict(latent_dim=16, bottleneck="gaussian", epochs=60, lr=2e-3)


def test_resume_says_where_it_resumed(tmp_path, capsys):
    ck = tmp_path / "ck"
    base = ["train", "--data", "wine", "-o", str(tmp_path / "m"), "--checkpoint-dir", str(ck), "--no-progress"]
    assert main([*base, "--epochs", "2"]) == 0
    assert main([*base, "--epochs", "4", "--resume"]) == 0
    assert "resumed from epoch 2 of 4" in capsys.readouterr().err
    assert main([*base[:-3], "--no-progress", "--epochs", "1", "--resume", "--checkpoint-dir", str(tmp_path / "none")]) == 0
    assert "nothing to resume" in capsys.readouterr().err


def test_the_readme_noise_snippet_gives_the_tables_noisy_psnr():
    """Unclipped sigma-0.5 noise spans about -584..815 and scores 6 dB; clipped, as the benchmark
    measures it (and the README now writes it), it is the table's 9.36 dB."""
    from aekit.metrics import psnr
    from aekit.noise import corrupt

    clean = aekit.load_dataset("mnist").X_test / 255
    noisy = corrupt(clean, "gaussian:0.5", seed=1234, clip=(0, 1)) * 255
    assert noisy.min() == 0 and noisy.max() == 255
    table = json.loads((ROOT / "benchmarks/results/denoise.json").read_text())
    want = table["results"]["gaussian_0.5"]["psnr_db"]["noisy input"]
    assert abs(psnr(noisy / 255, clean) - want) < 0.01
    readme = (ROOT / "README.md").read_text()
    assert "clip=(0, 1)" in readme  # the snippet clips


# ---------------------------------------------------------------------------- a fast start
def test_help_does_not_import_torch_or_sklearn():
    code = ("import sys, contextlib, io\nfrom aekit.cli import main\n"
            "for argv in (['--help'], ['train', '--help'], ['detect', 'fit', '--help']):\n"
            "    with contextlib.redirect_stdout(io.StringIO()):\n"
            "        try: main(argv)\n"
            "        except SystemExit: pass\n"
            "print(sorted(m for m in ('torch', 'sklearn', 'scipy', 'matplotlib') if m in sys.modules))")
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    elapsed = time.perf_counter() - t0
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]", proc.stdout
    assert elapsed < 10  # generous on a busy machine; about 0.3 s alone, was about 3 s
