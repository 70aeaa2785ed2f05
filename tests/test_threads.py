"""Thread control: the default never oversubscribes the CPUs this process may use, a thread count
holds only for the call that asked for it, bad counts are clear errors, and every CLI command
that trains or infers takes ``--threads``."""

from __future__ import annotations

import os

import numpy as np
import pytest
import torch

import aekit
from aekit import AutoEncoder, ConfigError
from aekit import threads
from aekit.cli import SUBCOMMANDS, build_parser, main

X = np.random.default_rng(0).normal(size=(40, 5)).astype(np.float32)


@pytest.fixture
def cpus(monkeypatch):
    """Pretend the process may run on ``n`` CPUs (its affinity mask), with no cgroup quota."""
    def set_cpus(n: int) -> None:
        monkeypatch.setattr(os, "sched_getaffinity", lambda pid: set(range(100, 100 + n)), raising=False)
        monkeypatch.setattr(threads, "CGROUP_CPU_MAX", "/nonexistent/cpu.max")
    return set_cpus


@pytest.fixture(autouse=True)
def _keep_torch_threads():
    before = torch.get_num_threads()
    yield
    torch.set_num_threads(before)


@pytest.mark.parametrize("n", [1, 2, 3, 8, 64])
def test_the_default_never_exceeds_the_affinity_set(cpus, n):
    cpus(n)
    assert threads.available_cpus() == n
    assert 1 <= threads.default_threads() <= n
    assert threads.default_threads() == max(1, n // 2)
    with threads.using_threads(None) as used:
        assert used == torch.get_num_threads() == threads.default_threads()


def test_a_cgroup_quota_caps_the_cpus(monkeypatch, tmp_path):
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: set(range(16)), raising=False)
    quota = tmp_path / "cpu.max"
    quota.write_text("150000 100000\n")  # 1.5 CPUs
    monkeypatch.setattr(threads, "CGROUP_CPU_MAX", str(quota))
    assert threads.available_cpus() == 2 and threads.default_threads() == 1
    quota.write_text("max 100000\n")
    assert threads.available_cpus() == 16


def test_training_and_inference_run_with_the_default_on_few_cpus(cpus, monkeypatch):
    """With 2 CPUs allowed, every forward pass, in fit and in transform, runs on 1 thread."""
    cpus(2)
    torch.set_num_threads(4)  # as torch starts on a bigger machine
    seen = []
    real_create = aekit.estimators.create_model

    def create(config):
        model = real_create(config)
        model.register_forward_pre_hook(lambda *a: seen.append(torch.get_num_threads()))
        model.encoder.register_forward_pre_hook(lambda *a: seen.append(torch.get_num_threads()))
        return model

    monkeypatch.setattr(aekit.estimators, "create_model", create)
    ae = AutoEncoder(2, epochs=1, verbose=False).fit(X)
    n_fit = len(seen)
    ae.transform(X)
    assert n_fit > 0 and len(seen) > n_fit
    assert set(seen) == {1}
    assert torch.get_num_threads() == 4  # put back after each call


def test_using_threads_restores_the_previous_count_even_on_errors():
    torch.set_num_threads(3)
    with threads.using_threads(1) as n:
        assert n == 1 and torch.get_num_threads() == 1
    assert torch.get_num_threads() == 3
    with pytest.raises(RuntimeError):
        with threads.using_threads(2):
            assert torch.get_num_threads() == 2
            raise RuntimeError("fails inside")
    assert torch.get_num_threads() == 3


@pytest.mark.parametrize("bad, shown", [(0, "0"), ("2", "'2'"), (-1, "-1"), (1.5, "1.5"), (True, "True")])
def test_bad_thread_counts_are_clear_config_errors(bad, shown):
    msg = rf"^n_threads={shown} must be a whole number >= 1 or None \("
    with pytest.raises(ConfigError, match=msg):
        threads.using_threads(bad).__enter__()
    with pytest.raises(ConfigError, match=msg):
        AutoEncoder(2, epochs=1, verbose=False, n_threads=bad).fit(X)
    fitted = AutoEncoder(2, epochs=1, verbose=False).fit(X)
    with pytest.raises(ConfigError, match=msg):  # inference checks it too
        fitted.set_params(n_threads=bad).transform(X)


def test_numpy_thread_counts_are_accepted():
    with threads.using_threads(np.int64(1)) as n:
        assert n == 1 and type(n) is int


# ---------------------------------------------------------------------------- the CLI
def _commands(parser, prefix=()):
    """(command path, parser) of every leaf subcommand, 'detect fit' and 'detect score' included."""
    subs = [a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction"]
    if not subs:
        yield prefix, parser
        return
    for name, child in subs[0].choices.items():
        yield from _commands(child, (*prefix, name))


def test_every_command_that_trains_or_infers_takes_threads():
    commands = dict(_commands(build_parser()))
    assert {c[0] for c in commands} == set(SUBCOMMANDS)
    without = {c for c, p in commands.items() if "--threads" not in p._option_string_actions}
    assert without == {("info",)}  # reads a config, computes nothing


def test_cli_threads_reach_the_loaded_model_and_the_command(tmp_path, monkeypatch, capsys):
    AutoEncoder(2, epochs=1, verbose=False, n_threads=3).fit(X).save(tmp_path / "m")
    np.save(tmp_path / "x.npy", X)
    seen = []
    real = aekit.estimators.using_threads

    def spy(n):
        seen.append((n, torch.get_num_threads()))
        return real(n)

    monkeypatch.setattr(aekit.estimators, "using_threads", spy)
    argv = ["encode", "--model", str(tmp_path / "m"), "--input", str(tmp_path / "x.npy"), "-o", str(tmp_path / "c.npy")]
    assert main([*argv, "--threads", "1"]) == 0
    assert seen and all(n == 1 for n, _ in seen)
    assert all(outer == 1 for _, outer in seen)  # the whole command ran with 1 thread
    seen.clear()
    assert main(argv) == 0  # not given: this process's default, not the 3 the model was saved with
    assert seen and all(n is None for n, _ in seen)
    with pytest.raises(SystemExit):
        main([*argv, "--threads", "0"])
    assert "argument --threads: '0' must be a whole number >= 1" in capsys.readouterr().err
