"""User files: arrays, tables, images and image folders load with the documented shapes; bad files
give clear errors; nothing is ever unpickled; outputs are written atomically."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from aekit import DataError, load_array
from aekit.data import files as files_mod
from aekit.data import save_array


# ---------------------------------------------------------------------------- numpy files
def test_npy_round_trip(tmp_path):
    X = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
    np.save(tmp_path / "x.npy", X)
    out = load_array(tmp_path / "x.npy")
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out, X)


def test_npz_prefers_the_array_named_X(tmp_path):
    X, y = np.ones((3, 2)), np.arange(3)
    np.savez(tmp_path / "d.npz", y=y, X=X)
    np.testing.assert_array_equal(load_array(tmp_path / "d.npz"), X)
    np.savez(tmp_path / "one.npz", y)  # a single array under any name
    np.testing.assert_array_equal(load_array(tmp_path / "one.npz"), y)


def test_npz_with_several_unnamed_arrays_asks_for_X(tmp_path):
    np.savez(tmp_path / "d.npz", a=np.ones(2), b=np.zeros(2))
    with pytest.raises(DataError, match=r"holds arrays \['a', 'b'\]; name the data array 'X'"):
        load_array(tmp_path / "d.npz")


class _Boom:
    """Unpickling this object would run code: the loader must refuse before that happens."""

    def __reduce__(self):
        return (exec, ("raise SystemExit('unpickled!')",))


@pytest.mark.parametrize("suffix", [".npy", ".npz"])
def test_object_arrays_are_refused_without_unpickling(tmp_path, suffix):
    arr = np.array([_Boom(), 1.0], dtype=object)
    path = tmp_path / f"evil{suffix}"
    if suffix == ".npy":
        np.save(path, arr, allow_pickle=True)
    else:
        np.savez(path, X=arr)
    with pytest.raises(DataError, match=r"holds Python objects \(pickled\).*never pickles.*np.save"):
        load_array(path)


def test_truncated_npy_is_a_clear_error(tmp_path):
    np.save(tmp_path / "x.npy", np.ones((100, 10)))
    raw = (tmp_path / "x.npy").read_bytes()
    (tmp_path / "x.npy").write_bytes(raw[: len(raw) // 2])
    with pytest.raises(DataError, match=r"Cannot read .*x.npy.* as a NumPy array.*Is the file complete"):
        load_array(tmp_path / "x.npy")


# ---------------------------------------------------------------------------- tables
def test_csv_with_header(tmp_path):
    (tmp_path / "t.csv").write_text("a,b,c\n1,2,3\n4.5,-5,6e1\n")
    np.testing.assert_array_equal(load_array(tmp_path / "t.csv"), [[1, 2, 3], [4.5, -5, 60]])


def test_csv_without_header_keeps_first_row(tmp_path):
    (tmp_path / "t.csv").write_text("1,2,3\n4,5,6\n")
    np.testing.assert_array_equal(load_array(tmp_path / "t.csv"), [[1, 2, 3], [4, 5, 6]])


def test_tsv_and_whitespace_txt(tmp_path):
    (tmp_path / "t.tsv").write_text("x\ty\n1\t2\n3\t4\n")
    np.testing.assert_array_equal(load_array(tmp_path / "t.tsv"), [[1, 2], [3, 4]])
    (tmp_path / "t.txt").write_text("1 2\n3   4\n")
    np.testing.assert_array_equal(load_array(tmp_path / "t.txt"), [[1, 2], [3, 4]])


def test_comments_and_blank_lines_are_skipped_and_empty_cells_are_nan(tmp_path):
    (tmp_path / "t.csv").write_text("# exported\na,b\n\n1,\n3,4\n")
    out = load_array(tmp_path / "t.csv")
    assert out.shape == (2, 2) and np.isnan(out[0, 1]) and out[1, 1] == 4


def test_non_numeric_cell_names_line_and_value(tmp_path):
    (tmp_path / "t.csv").write_text("a,b\n1,2\n3,abc\n")
    with pytest.raises(DataError, match=r"line 3 has a non-numeric value.*'abc'.*must be a number"):
        load_array(tmp_path / "t.csv")


def test_bad_cell_in_first_row_is_an_error_not_a_dropped_header(tmp_path):
    # a mixed row is data with a typo: silently dropping it as a "header" would lose a sample
    (tmp_path / "t.csv").write_text("1,2,x3\n4,5,6\n")
    with pytest.raises(DataError, match=r"line 1 has a non-numeric value.*'x3'"):
        load_array(tmp_path / "t.csv")


def test_first_row_with_a_missing_value_is_data(tmp_path):
    (tmp_path / "t.csv").write_text("1,,3\n4,5,6\n")
    out = load_array(tmp_path / "t.csv")
    assert out.shape == (2, 3) and np.isnan(out[0, 1])


def test_ragged_rows_name_the_line(tmp_path):
    (tmp_path / "t.csv").write_text("1,2,3\n4,5\n")
    with pytest.raises(DataError, match=r"line 2 has 2 columns but the first data row has 3"):
        load_array(tmp_path / "t.csv")


def test_header_without_rows(tmp_path):
    (tmp_path / "t.csv").write_text("a,b,c\n")
    with pytest.raises(DataError, match=r"has a header but no data rows"):
        load_array(tmp_path / "t.csv")


@pytest.mark.parametrize("name, content, msg", [
    ("e.csv", "", r"empty file \(0 bytes\)"),
    ("e.npy", "", r"empty file \(0 bytes\)"),
    ("c.csv", "# only a comment\n\n", r"is empty: it has no data rows"),
])
def test_empty_files(tmp_path, name, content, msg):
    (tmp_path / name).write_text(content)
    with pytest.raises(DataError, match=msg):
        load_array(tmp_path / name)


def test_missing_path_is_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"No such file or folder.*nope.csv.*Check the path"):
        load_array(tmp_path / "nope.csv")


def test_unsupported_suffix_lists_supported(tmp_path):
    (tmp_path / "d.xlsx").write_bytes(b"PK")
    with pytest.raises(DataError, match=r"Unsupported file type '.xlsx'.*\.npy.*\.csv"):
        load_array(tmp_path / "d.xlsx")


# ---------------------------------------------------------------------------- images
def _grey(path: Path, h: int, w: int, value: int = 0) -> np.ndarray:
    arr = (np.arange(h * w).reshape(h, w) * 7 + value).astype(np.uint8)
    Image.fromarray(arr, mode="L").save(path)
    return arr


def _rgb(path: Path, h: int, w: int) -> np.ndarray:
    arr = np.zeros((h, w, 3), np.uint8)
    arr[..., 0], arr[..., 1], arr[..., 2] = 10, 20, 30  # distinct channels: order must survive
    Image.fromarray(arr, mode="RGB").save(path)
    return arr


def test_single_grey_image(tmp_path):
    arr = _grey(tmp_path / "a.png", 5, 7)
    out = load_array(tmp_path / "a.png")
    assert out.shape == (1, 5, 7) and out.dtype == np.uint8
    np.testing.assert_array_equal(out[0], arr)


def test_single_rgb_image_is_channels_first(tmp_path):
    _rgb(tmp_path / "a.png", 4, 6)
    out = load_array(tmp_path / "a.png")
    assert out.shape == (1, 3, 4, 6)
    assert [int(out[0, c, 0, 0]) for c in range(3)] == [10, 20, 30]


def test_folder_of_grey_images_sorted_by_name(tmp_path):
    b = _grey(tmp_path / "b.png", 4, 4, value=1)
    a = _grey(tmp_path / "a.png", 4, 4, value=2)
    (tmp_path / "notes.txt").write_text("not an image")  # ignored
    out = load_array(tmp_path)
    assert out.shape == (2, 4, 4)
    np.testing.assert_array_equal(out[0], a)
    np.testing.assert_array_equal(out[1], b)


def test_folder_of_rgb_images(tmp_path):
    for name in ("x.png", "y.png", "z.png"):
        _rgb(tmp_path / name, 3, 5)
    assert load_array(tmp_path).shape == (3, 3, 3, 5)


def test_folder_mixing_grey_and_rgb_becomes_rgb(tmp_path):
    g = _grey(tmp_path / "a.png", 4, 4)
    _rgb(tmp_path / "b.png", 4, 4)
    out = load_array(tmp_path)
    assert out.shape == (2, 3, 4, 4)
    for c in range(3):  # grey replicated into every channel
        np.testing.assert_array_equal(out[0, c], g)


def test_mixed_sizes_need_image_size(tmp_path):
    _grey(tmp_path / "a.png", 4, 4)
    _grey(tmp_path / "b.png", 6, 5)
    with pytest.raises(DataError, match=r"different sizes.*image_size=\(H, W\)"):
        load_array(tmp_path)
    out = load_array(tmp_path, image_size=(8, 3))
    assert out.shape == (2, 8, 3)


def test_folder_without_images(tmp_path):
    (tmp_path / "a.txt").write_text("1")
    with pytest.raises(DataError, match=r"holds no images.*\.png"):
        load_array(tmp_path)


def test_corrupt_image(tmp_path):
    (tmp_path / "bad.png").write_bytes(b"\x89PNG\r\n\x1a\nnot really")
    with pytest.raises(DataError, match=r"Cannot read image .*bad.png"):
        load_array(tmp_path / "bad.png")


# ---------------------------------------------------------------------------- atomic saving
def _others(path: Path) -> list[str]:
    return sorted(p.name for p in path.parent.iterdir() if p != path)


@pytest.mark.parametrize("suffix", [".npy", ".csv"])
def test_save_array_round_trip_without_temp_files(tmp_path, suffix):
    X = np.arange(12, dtype=np.float32).reshape(4, 3) / 7
    path = save_array(tmp_path / f"out{suffix}", X)
    np.testing.assert_allclose(load_array(path), X, rtol=1e-6)
    assert _others(path) == []


def test_save_array_replaces_existing_file_whole(tmp_path):
    path = tmp_path / "out.csv"
    save_array(path, np.ones((50, 10)))
    save_array(path, np.zeros((2, 2)))
    assert path.read_text() == "x0,x1\n0,0\n0,0\n"  # the header, the new rows, no tail of the longer old file
    assert _others(path) == []


def test_failed_save_keeps_old_file_and_leaves_no_temp(tmp_path, monkeypatch):
    path = tmp_path / "out.npy"
    save_array(path, np.ones(3))
    before = path.read_bytes()

    def crash(*a, **k):
        raise OSError("disk full")

    monkeypatch.setattr(files_mod.np, "save", crash)
    with pytest.raises(OSError, match="disk full"):
        save_array(path, np.zeros(1000))
    assert path.read_bytes() == before
    assert _others(path) == []


def test_save_array_creates_folders_and_checks_suffix(tmp_path):
    assert save_array(tmp_path / "a" / "b" / "c.npy", np.ones(2)).is_file()
    with pytest.raises(DataError, match=r"must end in .npy or .csv"):
        save_array(tmp_path / "c.txt", np.ones(2))
