import os
import stat

import pytest

from aekit.atomic import atomic_file, write_bytes, write_text


def test_write_replaces_the_file_and_leaves_no_temp_files(tmp_path):
    target = tmp_path / "sub" / "report.json"
    write_text(target, "old")
    write_text(target, "new ünïcode")
    assert target.read_text(encoding="utf-8") == "new ünïcode"
    assert [p.name for p in target.parent.iterdir()] == ["report.json"]
    write_bytes(target, b"\x00\x01")
    assert target.read_bytes() == b"\x00\x01"


@pytest.mark.parametrize("exc", [RuntimeError, KeyboardInterrupt])
def test_a_failure_mid_write_keeps_the_old_content(tmp_path, exc):
    target = tmp_path / "scores.csv"
    target.write_text("complete old file")
    with pytest.raises(exc):
        with atomic_file(target) as tmp:
            tmp.write_text("half of the new")
            raise exc("killed while writing")
    assert target.read_text() == "complete old file"
    assert [p.name for p in tmp_path.iterdir()] == ["scores.csv"]


def test_the_temp_file_keeps_the_suffix_so_writers_can_pick_the_format(tmp_path):
    with atomic_file(tmp_path / "grid.png") as tmp:
        assert tmp.suffix == ".png" and tmp.parent == tmp_path
        tmp.write_bytes(b"x")


# ---------------------------------------------------------------------------- file modes
@pytest.fixture(params=[0o022, 0o077], ids=["umask022", "umask077"])
def umask(request):
    old = os.umask(request.param)
    yield request.param
    os.umask(old)


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_new_files_get_the_mode_a_plain_write_gives(tmp_path, umask):
    import numpy as np

    from aekit.data import save_array
    from aekit.plots import image_grid

    with open(tmp_path / "plain.txt", "w") as f:  # what the user's umask gives any program's output
        f.write("x")
    expected = 0o666 & ~umask
    assert _mode(tmp_path / "plain.txt") == expected
    written = [write_text(tmp_path / "report.json", "{}"), write_bytes(tmp_path / "digits.aek", b"AEK"),
               image_grid([np.zeros((2, 4, 4))], [""], tmp_path / "grid.png")]
    for name in ("codes.npy", "codes.csv"):
        save_array(tmp_path / name, np.zeros((3, 2), dtype=np.float32))
        written.append(tmp_path / name)
    for path in written:
        assert _mode(path) == expected, (path.name, oct(_mode(path)))


def test_a_replaced_file_keeps_its_mode(tmp_path, umask):
    target = tmp_path / "scores.csv"
    target.write_text("old")
    os.chmod(target, 0o640)  # e.g. shared with a group on purpose
    write_text(target, "new")
    assert target.read_text() == "new" and _mode(target) == 0o640
