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
