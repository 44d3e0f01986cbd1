"""Every model trains a few steps with fit and round-trips .keras; saccades land on known targets."""
import keras
import numpy as np
import pytest

from whatwhere.canvas import CanvasConfig, where_canvases
from whatwhere.data import CanvasDataset
from whatwhere.errors import WhatWhereError
from whatwhere.models import build_model
from whatwhere.polo import polo_operator, PoloConfig
from whatwhere.saccades import saccade_search


def _fit_and_round_trip(model, x, y, tmp_path, loss):
    model.compile(optimizer=keras.optimizers.SGD(0.01), loss=loss, run_eagerly=True)
    before = [w.copy() for w in model.get_weights()]
    history = model.fit(x, y, batch_size=4, epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][0])
    assert any(not np.array_equal(a, b) for a, b in zip(before, model.get_weights()))
    path = str(tmp_path / f"{model.name}.keras")
    model.save(path)
    again = keras.models.load_model(path)
    np.testing.assert_allclose(again(x, training=False), model(x, training=False), atol=1e-5)


CE = keras.losses.SparseCategoricalCrossentropy(from_logits=True)


@pytest.mark.parametrize("name", ["what", pytest.param("stn_28x28", marks=pytest.mark.slow)])
def test_28px_models_train_and_round_trip(name, tmp_path, mnist):
    x = mnist[0][:8].astype(np.float32) / 255
    _fit_and_round_trip(build_model(name), x, mnist[1][:8], tmp_path, CE)


def test_where_trains_and_round_trips(tmp_path, small_retina, mnist):
    out = where_canvases(mnist[0][:8], np.arange(8), CanvasConfig(N_pic=64, offset_max=18.))
    codes = small_retina.code(out["fullfield"])
    target = small_retina.where_target(np.full((55, 55), .9), out["i_offset"], out["j_offset"])
    assert codes.shape == (8, 2 * 8 * 4 * 2) and target.shape == (8, 32)
    model = build_model("where", n_features=codes.shape[1], N_azimuth=8, N_eccentricity=4, dim1=16, dim2=16)
    _fit_and_round_trip(model, codes, target, tmp_path, keras.losses.BinaryCrossentropy(from_logits=True))


@pytest.mark.parametrize("name", [pytest.param("atn", marks=pytest.mark.slow), "polo_atn"])
def test_atn_and_polo_atn_train_and_round_trip(name, tmp_path, mnist):
    data = CanvasDataset(mnist[0][:4], mnist[1][:4], CanvasConfig(), "polo", batch_size=4,
                         polo_operator=polo_operator(PoloConfig()))
    x, y = data[0]
    assert x["polo"].shape == (4, 8, 6, 16)
    model = build_model(name)
    np.testing.assert_allclose(model.get_layer("fc_loc_2").bias.numpy(), [.2, 0, 0] if name == "atn" else [0, 0])
    _fit_and_round_trip(model, x["canvas"] if name == "atn" else [x["canvas"], x["polo"]], y, tmp_path, CE)


@pytest.mark.slow
def test_stn_128_trains_and_round_trips(tmp_path, mnist):
    out = where_canvases(mnist[0][:4], np.arange(4))
    _fit_and_round_trip(build_model("stn"), out["fullfield"][..., None], mnist[1][:4], tmp_path, CE)


def test_unknown_model_is_refused():
    with pytest.raises(WhatWhereError, match="^model='vit' is unknown; allowed: what, where, stn_28x28, stn, atn, polo_atn$"):
        build_model("vit")


def _constant(n_in, values, name):
    inputs = keras.Input((n_in,) if np.ndim(n_in) == 0 else n_in)
    flat = keras.layers.Flatten()(inputs) if np.ndim(n_in) else inputs
    zero = keras.layers.Dense(len(values), kernel_initializer="zeros",
                              bias_initializer=keras.initializers.Constant(values), name=name)(flat)
    return keras.Model(inputs, zero)


def test_a_saccade_to_a_known_target_lands_on_it(small_retina, mnist):
    targets = small_retina.cell_targets
    inside = np.abs(targets).max(axis=1) <= 18  # glimpses stay on the 64-pixel canvas
    cell = int(np.argmax(np.where(inside, np.hypot(*targets.T), -1)))  # the farthest such cell
    i_t, j_t = targets[cell]
    assert np.hypot(i_t, j_t) > 8
    digit = mnist[0][:1]
    canvas = where_canvases(digit, [0], CanvasConfig(N_pic=64, offset_max=18., radius=0., noise=0.))["fullfield"]
    moved = np.roll(np.roll(canvas, i_t, axis=1), j_t, axis=2)  # the digit now sits at the target
    logits = np.full(32, -5.)
    logits[cell] = 5.
    where = _constant(small_retina.config.n_features, logits, "where")
    unsure = _constant((28, 28, 1), np.zeros(10), "what")
    result = saccade_search(unsure, where, small_retina, moved, n_saccades=1)
    assert (result["i_offset"][0], result["j_offset"][0]) == (i_t, j_t)
    from whatwhere.saccades import extract
    np.testing.assert_array_equal(extract(moved, result["i_offset"], result["j_offset"])[0, ..., 0],
                                  canvas[0, 18:46, 18:46])
    # several saccades: an unsure What keeps searching, a confident one stops before the first
    assert saccade_search(unsure, where, small_retina, moved, n_saccades=3)["n_saccades"][0] == 3
    sure = _constant((28, 28, 1), np.r_[50., np.zeros(9)], "what")
    low = _constant(small_retina.config.n_features, np.full(32, -6.), "where")
    assert saccade_search(sure, low, small_retina, moved, n_saccades=3)["n_saccades"][0] == 0
