"""Restyling: the content of one digit drawn in the style of another, from a code split into a
class (content) and a code (style); and latent traversal grids."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.neighbors import KNeighborsClassifier

import aekit
from aekit.errors import ConfigError, DataError
from aekit.plots import latent_traversal, traversal_images
from aekit.restyle import restyle_split
from _png import read_grid


pytestmark = pytest.mark.usefixtures("one_thread")  # tests/conftest.py


KW = dict(net_options={"channels": [16, 32]}, epochs=30, lr=3e-3, verbose=False, n_threads=1, random_state=0)


@pytest.fixture(scope="module")
def cvae(digits):
    """A conditional VAE on the 8x8 digits, with the classifier that infers a digit's label."""
    return aekit.AutoEncoder(4, model="conditional", model_options={"classes": 10, "classifier": True},
                             bottleneck="gaussian", **KW).fit(digits.X_train, digits.y_train)


@pytest.fixture(scope="module")
def judge(digits):
    return KNeighborsClassifier(5).fit(digits.X_train.reshape(-1, 64), digits.y_train)


def test_the_classifier_trains_with_its_own_optimizer_and_infers_labels(cvae, digits):
    assert "classifier.ce" in cvae.history_.terms[-1] and "main.recon" in cvae.history_.terms[-1]
    inferred = cvae.model_.infer_condition(cvae.scale(digits.X_test)).numpy()
    assert (inferred == digits.y_test).mean() > 0.9  # measured 0.96


def test_restyle_keeps_the_content_digit_and_takes_the_style(cvae, digits, judge):
    a, b = digits.X_test[:200], digits.X_test[200:400]
    out = cvae.restyle(a, b)
    assert out.shape == a.shape
    assert (judge.predict(out.reshape(200, -1)) == digits.y_test[:200]).mean() > 0.8  # measured 0.9
    # by definition: b's code under b's (inferred) label, decoded with a's (inferred) label
    ya, yb = (cvae.model_.infer_condition(cvae.scale(x)).numpy() for x in (a, b))
    np.testing.assert_allclose(out, cvae.inverse_transform(cvae.transform(b, yb), ya), atol=1e-5)
    # and the style carries over: re-encoded, the output's code follows b's in the dimensions the
    # (small, mostly collapsed) code uses
    style_out, style_b = cvae.transform(out, ya), cvae.transform(b, yb)
    used = np.flatnonzero(style_b.std(0) > 0.5)
    assert len(used) >= 1
    assert min(np.corrcoef(style_out[:, j], style_b[:, j])[0, 1] for j in used) > 0.7  # measured 0.85
    # given labels are used instead of inferred ones
    np.testing.assert_allclose(cvae.restyle(a[:5], b[:5], content_y=3, style_y=yb[:5]),
                               cvae.inverse_transform(cvae.transform(b[:5], yb[:5]), np.full(5, 3)), atol=1e-5)


def test_one_image_serves_every_partner(cvae, digits):
    a, b = digits.X_test[0], digits.X_test[1:6]
    many = cvae.restyle(a, b)
    assert many.shape == (5, 8, 8)
    np.testing.assert_allclose(many[2], cvae.restyle(a, b[2])[0], atol=1e-5)
    assert cvae.restyle(b, a).shape == (5, 8, 8)
    with pytest.raises(DataError, match="got 5 content and 3 style images"):
        cvae.restyle(b, digits.X_test[:3])
    with pytest.raises(DataError, match=r"content input has shape \(7, 7\), but this model takes samples of "
                                         r"shape \(8, 8\)"):
        cvae.restyle(np.zeros((7, 7)), a)


def test_without_a_classifier_the_best_reconstruction_picks_the_label(digits):
    ae = aekit.AutoEncoder(4, model="conditional", model_options={"classes": 10}, bottleneck="gaussian",
                           **KW).fit(digits.X_train, digits.y_train)
    inferred = ae.model_.infer_condition(ae.scale(digits.X_test)).numpy()
    assert (inferred == digits.y_test).mean() > 0.5  # chance is 0.1; measured 0.8


def test_a_joint_code_restyles_with_its_categorical_part_as_content(digits):
    parts = [{"name": "categorical", "latent_dim": 1, "categories": 10}, {"name": "gaussian", "latent_dim": 3}]
    ae = aekit.AutoEncoder(4, bottleneck="joint", bottleneck_options={"parts": parts}, **{**KW, "epochs": 3}).fit(
        digits.X_train)
    kind, mask = restyle_split(ae.model_)
    assert kind == "joint" and mask.tolist() == [True, False, False, False]
    a, b = digits.X_test[:10], digits.X_test[10:20]
    ca, cb = ae.transform(a), ae.transform(b)
    mixed = np.c_[ca[:, :1], cb[:, 1:]]  # a's category, b's Gaussian part
    np.testing.assert_allclose(ae.restyle(a, b), ae.inverse_transform(mixed), atol=1e-5)


def test_models_without_a_content_part_cannot_restyle(digits):
    plain = aekit.AutoEncoder(4, bottleneck="gaussian", **{**KW, "epochs": 1}).fit(digits.X_train)
    with pytest.raises(ConfigError, match="cannot restyle: its code has no separate content part"):
        plain.restyle(digits.X_test[0], digits.X_test[1])
    vec = aekit.AutoEncoder(4, model="conditional", model_options={"cond_dim": 2}, **{**KW, "epochs": 1}).fit(
        digits.X_train, np.random.default_rng(0).random((len(digits.X_train), 2)))
    with pytest.raises(ConfigError, match="condition is a vector"):
        vec.restyle(digits.X_test[0], digits.X_test[1])
    with pytest.raises(ConfigError, match="classifier=true infers class labels, so it needs classes"):
        aekit.AutoEncoder(4, model="conditional", model_options={"cond_dim": 2, "classifier": True},
                          epochs=1, verbose=False).fit(digits.X_train[:20], np.zeros((20, 2)))


def test_a_traversal_sweeps_one_dimension_per_row(cvae, digits, tmp_path):
    values = np.linspace(-2, 2, 5)
    imgs = traversal_images(cvae, digits.X_test[0], values=values, y=digits.y_test[0])
    assert imgs.shape == (4, 5, 8, 8)
    base = cvae.transform(digits.X_test[:1], digits.y_test[:1])[0]
    code = base.copy()
    code[2] = values[4]
    np.testing.assert_allclose(imgs[2, 4], cvae.inverse_transform(code[None], digits.y_test[:1])[0], atol=1e-4)
    assert np.abs(imgs[1, 0] - imgs[1, -1]).max() > 0.5  # sweeping a dimension changes the picture
    path = latent_traversal(cvae, tmp_path / "t.png", digits.X_test[0], values=values, dims=[0, 3],
                            y=digits.y_test[0], vmin=0, vmax=16)
    grid = read_grid(path, 2, 5, (8, 8), row_labels=["z0", "z3"])
    np.testing.assert_array_equal(grid[1, 2], np.rint(255 * np.clip(imgs[3, 2] / 16, 0, 1)))
    with pytest.raises(ValueError, match=r"dims \[7\] are outside the code's 0..3"):
        traversal_images(cvae, dims=[7], y=1)
