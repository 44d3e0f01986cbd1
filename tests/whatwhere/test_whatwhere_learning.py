"""The networks learn from the canvases they are trained on: a What trained briefly through the
library's training path at shift sd 0 classifies held-out 28x28 canvases, and the centre crops of
128-pixel canvases (the benchmark's no-saccade input), far above chance; the transformers'
gradients reach their localisation networks."""
import keras
import numpy as np
import pytest

from drc.core.datasets import load_dataset
from whatwhere.canvas import CanvasConfig, what_canvases, WhatCanvasConfig, where_canvases
from whatwhere.models import build_model, load_model
from whatwhere.saccades import extract, predict
from whatwhere.training import TrainConfig, train


@pytest.mark.slow
def test_a_what_trained_briefly_at_shift_0_beats_chance_on_held_out_crops(tmp_path):
    # 120 steps of Adam 1e-3 (the results' rate; the original's 5e-3 is unstable at this scale)
    train(TrainConfig(model="what", out=str(tmp_path), n_train=4000, n_val=100, epochs_per_stage=3, max_stages=1,
                      lr=1e-3))
    what = load_model(str(tmp_path / "what.keras"))
    _, (x, y) = load_dataset("mnist_subset")
    x, y = x[-300:], y[-300:]  # never seen: the run validated on the first 100 test images
    crops, _, _ = what_canvases(x, np.arange(300), WhatCanvasConfig(what_offset_std=0., contrast=.7))
    assert (predict(what, crops).argmax(1) == y).mean() > .4
    full = where_canvases(x[:150], np.arange(150), CanvasConfig(radius=0., contrast=.7))["fullfield"]
    centre = extract(full, np.zeros(150, int), np.zeros(150, int))
    assert (predict(what, centre).argmax(1) == y[:150]).mean() > .4


@pytest.mark.parametrize("name", ["atn", pytest.param("polo_atn", marks=pytest.mark.slow)])
def test_the_transformers_gradients_reach_the_localisation_network(name, mnist):
    import tensorflow as tf
    from whatwhere.polo import polo_operator, PoloConfig
    full = where_canvases(mnist[0][:4], np.arange(4), CanvasConfig(offset_std=10.))["fullfield"][..., None]
    inputs = full
    if name == "polo_atn":
        code = (full.reshape(4, -1) @ polo_operator(PoloConfig()).T).reshape(4, 8, 6, 16)
        inputs = [full, code]
    model = build_model(name)
    first = model.get_layer("localization_0" if name == "atn" else "fc_loc_0").kernel
    loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    optimizer = keras.optimizers.SGD(.01)
    norms = []
    for _ in range(2):
        with tf.GradientTape() as tape:
            value = loss(mnist[1][:4], model(inputs, training=True))
        grads = tape.gradient(value, model.trainable_weights)
        norms.append({w.path: float(tf.norm(g)) for w, g in zip(model.trainable_weights, grads)})
        optimizer.apply_gradients(zip(grads, model.trainable_weights))
    # the last localisation layer starts at zero weights: its own gradient is non-zero at once,
    # the layers before it receive one from the second step on
    assert norms[0][model.get_layer("fc_loc_2").kernel.path] > 0
    assert norms[0][first.path] == 0 and norms[1][first.path] > 0
