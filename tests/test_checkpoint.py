"""Checkpoint folders: verified loading with clear errors, atomic writes, and no unpickling."""

from __future__ import annotations

import builtins
import io
import json
import os
import pickle
import stat
from pathlib import Path

import numpy as np
import pytest
import torch

from aekit import AutoEncoder, CheckpointError
from aekit import checkpoint as ckpt


class OtherAutoEncoder(AutoEncoder):
    """Another estimator type saving the same format."""


@pytest.fixture(scope="module")
def data():
    return np.random.default_rng(0).normal(size=(20, 4)).astype(np.float32)


@pytest.fixture(scope="module")
def fitted(data):
    return AutoEncoder(latent_dim=2, epochs=1, verbose=False, device="cpu").fit(data)


@pytest.fixture
def saved(tmp_path, fitted) -> Path:
    path = tmp_path / "model"
    fitted.save(path)
    return path


def _edit_config(path: Path, fn) -> None:
    cfg = path / "config.json"
    doc = json.loads(cfg.read_text())
    fn(doc)
    cfg.write_text(json.dumps(doc))


def test_save_writes_json_and_safetensors_only(saved):
    assert sorted(p.name for p in saved.iterdir()) == ["config.json", "model.safetensors"]
    doc = json.loads((saved / "config.json").read_text())
    assert doc["format"] == "aekit-model" and doc["format_version"] == ckpt.FORMAT_VERSION
    assert len(doc["files"]["model.safetensors"]) == 64  # SHA-256 hex


def test_missing_folder_is_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"No aekit checkpoint at .*does not exist.*save a model first"):
        AutoEncoder.load(tmp_path / "nope")


def test_a_file_instead_of_a_folder(tmp_path):
    (tmp_path / "model.pt").write_bytes(b"x")
    with pytest.raises(CheckpointError, match=r"is a file.*folder holding config.json.*model.save\(\)"):
        AutoEncoder.load(tmp_path / "model.pt")


def test_folder_without_config_json(saved):
    (saved / "config.json").unlink()
    with pytest.raises(CheckpointError, match=r"not an aekit checkpoint: config.json is missing.*save\(\)"):
        AutoEncoder.load(saved)


def test_corrupt_config_json(saved):
    (saved / "config.json").write_text('{"format": "aekit-model", "files": ')
    with pytest.raises(CheckpointError, match=r"config.json is not valid JSON.*Re-save or re-train"):
        AutoEncoder.load(saved)


def test_config_json_without_format_entries(saved):
    (saved / "config.json").write_text('{"hello": 1}')
    with pytest.raises(CheckpointError, match=r"lacks the 'format'/'files' entries.*Re-save or re-train"):
        AutoEncoder.load(saved)


def test_config_json_missing_model_config(saved):
    _edit_config(saved, lambda d: d.pop("model_config"))
    with pytest.raises(CheckpointError, match=r"config.json lacks 'model_config'.*Re-save or re-train"):
        AutoEncoder.load(saved)


def test_config_json_with_unexpected_parameter(saved):
    _edit_config(saved, lambda d: d["params"].update(colour="red"))
    with pytest.raises(CheckpointError, match=r"invalid entry.*colour.*Re-save it"):
        AutoEncoder.load(saved)


def test_config_json_with_unknown_model_config_key(saved):
    _edit_config(saved, lambda d: d["model_config"].update(latnet_dim=3))
    with pytest.raises(CheckpointError, match=r"invalid entry.*'latnet_dim' \(did you mean 'latent_dim'\?\)"):
        AutoEncoder.load(saved)


def test_truncated_weights_fail_the_checksum(saved):
    w = saved / "model.safetensors"
    w.write_bytes(w.read_bytes()[:-100])
    with pytest.raises(CheckpointError, match=r"'model.safetensors' does not match the SHA-256.*truncated or modified"):
        AutoEncoder.load(saved)


def test_modified_weights_fail_the_checksum(saved):
    w = saved / "model.safetensors"
    raw = bytearray(w.read_bytes())
    raw[-5] ^= 0xFF  # same length, one byte of a weight changed
    w.write_bytes(bytes(raw))
    with pytest.raises(CheckpointError, match=r"does not match the SHA-256.*Re-save or re-train"):
        AutoEncoder.load(saved)


def test_missing_weights_file(saved):
    (saved / "model.safetensors").unlink()
    with pytest.raises(CheckpointError, match=r"weights file 'model.safetensors' is missing"):
        AutoEncoder.load(saved)


def test_weights_that_do_not_fit_the_config(saved):
    _edit_config(saved, lambda d: d["model_config"].update(latent_dim=3))
    with pytest.raises(CheckpointError, match=r"does not match its config"):
        AutoEncoder.load(saved)


def test_newer_format_version_asks_to_upgrade(saved):
    _edit_config(saved, lambda d: d.update(format_version=ckpt.FORMAT_VERSION + 1))
    with pytest.raises(CheckpointError, match=rf"format version {ckpt.FORMAT_VERSION + 1}.*reads versions up to "
                                              rf"{ckpt.FORMAT_VERSION}.*Upgrade aekit"):
        AutoEncoder.load(saved)


def test_checkpoint_of_another_estimator_type(tmp_path, data):
    OtherAutoEncoder(latent_dim=2, epochs=1, verbose=False).fit(data).save(tmp_path / "other")
    with pytest.raises(CheckpointError, match=r"holds a 'OtherAutoEncoder' model, not a AutoEncoder.*"
                                              r"OtherAutoEncoder.load instead"):
        AutoEncoder.load(tmp_path / "other")
    assert type(OtherAutoEncoder.load(tmp_path / "other")) is OtherAutoEncoder


def test_training_state_folder_is_not_a_model(tmp_path, data):
    AutoEncoder(latent_dim=2, epochs=1, verbose=False, checkpoint_dir=str(tmp_path / "run")).fit(data)
    with pytest.raises(CheckpointError, match=r"holds a 'aekit-train-state' checkpoint, not the 'aekit-model'.*"
                                              r"model.save\(\)"):
        AutoEncoder.load(tmp_path / "run" / "last")


def test_loading_never_unpickles(saved, data, fitted, monkeypatch):
    def forbidden(*a, **k):
        raise AssertionError("checkpoint loading must not unpickle")

    monkeypatch.setattr(pickle, "load", forbidden)
    monkeypatch.setattr(pickle, "loads", forbidden)
    monkeypatch.setattr(pickle, "Unpickler", forbidden)
    monkeypatch.setattr(torch, "load", forbidden)
    monkeypatch.setattr(np, "load", forbidden)
    loaded = AutoEncoder.load(saved)
    np.testing.assert_array_equal(loaded.transform(data), fitted.transform(data))


def test_a_pickle_dropped_into_the_folder_is_never_read(saved, fitted, data, monkeypatch):
    class Boom:
        def __reduce__(self):
            return (exec, ("raise SystemExit('unpickled!')",))

    (saved / "model.pt").write_bytes(pickle.dumps(Boom()))
    (saved / "extra.pkl").write_bytes(pickle.dumps(Boom()))
    opened = []
    real_open = io.open

    def spy_open(path, *a, **k):
        opened.append(Path(path).name)
        return real_open(path, *a, **k)

    with monkeypatch.context() as m:  # every open of a file by name, by open() or pathlib
        m.setattr(io, "open", spy_open)
        m.setattr(builtins, "open", spy_open)
        loaded = AutoEncoder.load(saved)
    # only config.json and the files it lists (with their hashes) are read: stray files are ignored
    assert {"config.json", "model.safetensors"} <= set(opened)
    assert "model.pt" not in opened and "extra.pkl" not in opened
    np.testing.assert_array_equal(loaded.transform(data), fitted.transform(data))
    # a listed file is verified before use: a pickle put in its place is refused, never unpickled
    (saved / "model.safetensors").write_bytes(pickle.dumps(Boom()))
    with pytest.raises(CheckpointError, match=r"'model.safetensors' does not match the SHA-256.*truncated or modified"):
        AutoEncoder.load(saved)


# ---------------------------------------------------------------------------- file modes
@pytest.mark.parametrize("umask", [0o022, 0o077])
def test_checkpoint_files_get_the_mode_a_plain_write_gives(tmp_path, fitted, umask):
    """safetensors writes 0600 and temporary folders are private; the saved model must not be."""
    old = os.umask(umask)
    try:
        fitted.save(tmp_path / "model")
    finally:
        os.umask(old)
    assert _mode(tmp_path / "model") == 0o777 & ~umask
    for name in ("config.json", "model.safetensors"):
        assert _mode(tmp_path / "model" / name) == 0o666 & ~umask, name


def test_resaving_keeps_the_modes_of_the_checkpoint_it_replaces(tmp_path, fitted):
    path = tmp_path / "model"
    fitted.save(path)
    os.chmod(path / "model.safetensors", 0o664)  # shared with a group on purpose
    os.chmod(path, 0o2775)
    fitted.save(path)
    assert _mode(path / "model.safetensors") == 0o664 and _mode(path) == 0o2775


def _mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


# ---------------------------------------------------------------------------- atomic writes
def _siblings(path: Path) -> list[str]:
    return sorted(p.name for p in path.parent.iterdir() if p.name != path.name)


def test_overwrite_replaces_whole_checkpoint_and_leaves_no_temporaries(tmp_path):
    path = tmp_path / "ck"
    ckpt.write_checkpoint(path, "k", {"n": 1}, {"a.safetensors": {"w": torch.zeros(3)},
                                                 "b.safetensors": {"w": torch.zeros(2)}})
    ckpt.write_checkpoint(path, "k", {"n": 2}, {"a.safetensors": {"w": torch.ones(3)}})
    meta, files = ckpt.read_checkpoint(path, "k")
    assert meta["n"] == 2 and list(files) == ["a.safetensors"]
    assert sorted(p.name for p in path.iterdir()) == ["a.safetensors", "config.json"]  # b is gone
    assert torch.equal(files["a.safetensors"]["w"], torch.ones(3))
    assert _siblings(path) == []


def test_failed_write_keeps_previous_checkpoint(tmp_path, monkeypatch):
    path = tmp_path / "ck"
    ckpt.write_checkpoint(path, "k", {"n": 1}, {"a.safetensors": {"w": torch.zeros(3)}})

    def crash(*a, **k):
        raise KeyboardInterrupt  # e.g. the user interrupts mid-write

    monkeypatch.setattr(ckpt, "save_file", crash)
    with pytest.raises(KeyboardInterrupt):
        ckpt.write_checkpoint(path, "k", {"n": 2}, {"a.safetensors": {"w": torch.ones(3)}})
    meta, files = ckpt.read_checkpoint(path, "k")
    assert meta["n"] == 1 and torch.equal(files["a.safetensors"]["w"], torch.zeros(3))
    assert _siblings(path) == []


def test_interrupted_swap_reads_the_intact_previous_copy(tmp_path):
    path = tmp_path / "ck"
    ckpt.write_checkpoint(path, "k", {"n": 1}, {"a.safetensors": {"w": torch.zeros(3)}})
    path.rename(tmp_path / ".ck.old-123-abcd")  # killed between the two renames of a swap
    meta, _ = ckpt.read_checkpoint(path, "k")
    assert meta["n"] == 1


def test_wrong_kind_is_named(tmp_path):
    ckpt.write_checkpoint(tmp_path / "ck", "aekit-model", {}, {})
    with pytest.raises(CheckpointError, match=r"holds a 'aekit-model' checkpoint, not the 'aekit-train-state'"):
        ckpt.read_checkpoint(tmp_path / "ck", "aekit-train-state")
