"""``aekit detect fit|score``: same numbers as the API, the summary, error maps, clear errors."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

import aekit
from aekit.cli import main
from _png import assert_pixels_match, read_grid


@pytest.fixture(scope="module")
def cancer_detector(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("detect")
    ds = aekit.load_dataset("breast_cancer")
    normal = tmp / "normal.csv"
    np.savetxt(normal, ds.X_train[ds.y_train == 1], delimiter=",")
    out = tmp / "det"
    assert main(["detect", "fit", "--data", str(normal), "-o", str(out), "--contamination", "0.05",
                 "--no-progress"]) == 0
    return ds, out


def test_score_writes_the_api_scores_and_labels_and_a_summary(cancer_detector, tmp_path, capsys):
    ds, model = cancer_detector
    new = tmp_path / "new.npy"
    np.save(new, ds.X_test)
    out = tmp_path / "scores.csv"
    assert main(["detect", "score", "--model", str(model), "--data", str(new), "-o", str(out)]) == 0
    table = np.loadtxt(out, delimiter=",", skiprows=1)
    det = aekit.AnomalyDetector.load(model)
    np.testing.assert_array_equal(table[:, 0], np.arange(len(ds.X_test)))
    np.testing.assert_allclose(table[:, 1], det.anomaly_score(ds.X_test), rtol=1e-6)
    np.testing.assert_array_equal(table[:, 2], det.predict(ds.X_test))
    n_flagged = int((table[:, 2] == -1).sum())
    assert f"flagged {n_flagged} of {len(ds.X_test)}" in capsys.readouterr().out
    assert det.get_params()["contamination"] == 0.05
    assert len(det.estimators_) == 6  # the API's defaults: 6 members on a table
    # malignant rows are what gets flagged
    assert (table[ds.y_test == 0, 2] == -1).mean() > 3 * (table[ds.y_test == 1, 2] == -1).mean()


def test_explain_writes_error_maps_for_images(tmp_path, capsys):
    ds = aekit.load_dataset("digits")
    folder = tmp_path / "normal"
    folder.mkdir()
    for i, img in enumerate(ds.X_train[ds.y_train == 0][:60]):
        Image.fromarray((img * 15).astype(np.uint8)).save(folder / f"{i}.png")
    model = tmp_path / "det"
    assert main(["detect", "fit", "--data", str(folder), "-o", str(model), "--epochs", "5", "--no-progress"]) == 0
    new = tmp_path / "new.npy"
    np.save(new, (ds.X_test[:30] * 15).astype(np.float32))
    png = tmp_path / "worst.png"
    assert main(["detect", "score", "--model", str(model), "--data", str(new), "-o", str(tmp_path / "s.csv"),
                 "--explain", str(png)]) == 0
    assert "8 highest scores" in capsys.readouterr().out
    # row 1: the 8 highest-scoring samples, row 2: their error maps, each row scaled to [0, 1]; each
    # column captioned with the sample's index and score, so the picture says which sample is which
    det = aekit.AnomalyDetector.load(model)
    X = np.load(new)
    score = det.anomaly_score(X)
    worst = np.argsort(-score)[:8]
    maps = det.explain(X[worst])
    imgs = X[worst]
    captions = [f"#{i}\nscore {score[i]:.3g}" for i in worst]
    title = f"threshold {det.threshold_:.3g}; brighter map = worse reconstruction"
    grid = read_grid(png, 2, 8, (8, 8), ["most abnormal", "error map"], title=title, captions=captions)
    assert_pixels_match(grid[0], imgs, imgs.min(), imgs.max())
    assert_pixels_match(grid[1], maps, 0, maps.max())


def test_bad_input_is_one_clear_line(cancer_detector, tmp_path, capsys):
    ds, model = cancer_detector
    cases = []
    narrow = tmp_path / "narrow.npy"
    np.save(narrow, ds.X_test[:, :5])
    cases.append((["--data", str(narrow)], "30 features"))
    nan = tmp_path / "nan.npy"
    bad = ds.X_test.copy()
    bad[4, 2] = np.nan
    np.save(nan, bad)
    cases.append((["--data", str(nan)], "NaN"))
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    cases.append((["--data", str(empty)], "empty"))
    cases.append((["--data", "wine:test"], "features"))
    for extra, needle in cases:
        rc = main(["detect", "score", "--model", str(model), "-o", str(tmp_path / "s.csv"), *extra])
        err = capsys.readouterr().err
        assert rc == 2 and needle in err and "Traceback" not in err, (extra, err)
    assert not (tmp_path / "s.csv").exists()  # nothing half-written
    rc = main(["detect", "score", "--model", str(model), "--data", "breast_cancer:test", "-o",
               str(tmp_path / "s.csv"), "--explain", str(tmp_path / "x.png")])
    captured = capsys.readouterr()
    assert rc == 2 and "table rows" in captured.err
    # refused before any work: no CSV written, nothing reported as done
    assert not (tmp_path / "s.csv").exists() and "flagged" not in captured.out
    rc = main(["detect", "score", "--model", str(model), "--data", "breast_cancer:test", "-o",
               str(tmp_path / "s.txt")])
    assert rc == 2 and ".csv" in capsys.readouterr().err and not (tmp_path / "s.txt").exists()


def test_a_plain_model_or_bad_contamination_is_refused(tmp_path, capsys):
    plain = tmp_path / "plain"
    assert main(["train", "--data", "wine", "-o", str(plain), "--epochs", "2", "--no-progress"]) == 0
    capsys.readouterr()
    assert main(["detect", "score", "--model", str(plain), "--data", "wine:test", "-o", str(tmp_path / "s.csv")]) == 2
    assert "aekit detect fit" in capsys.readouterr().err
    assert main(["detect", "fit", "--data", "wine", "-o", str(tmp_path / "d"), "--contamination", "lots"]) == 2
    assert "--contamination 'lots'" in capsys.readouterr().err
    assert main(["detect", "fit", "--data", "wine", "-o", str(tmp_path / "d"), "--n-estimators", "two"]) == 2
    assert "--n-estimators 'two' must be 'auto' or a positive whole number" in capsys.readouterr().err
