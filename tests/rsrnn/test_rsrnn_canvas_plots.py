"""The canvas task's placement, the results summary and the figures (no TensorFlow needed)."""
import numpy as np
import pandas as pd
import pytest
from PIL import Image

from rsrnn.canvas import load_canvas_dataset, place_on_canvas
from rsrnn.errors import RSRNNError
from rsrnn.experiments import summarise
from rsrnn.plots import plot_accuracy_per_step, plot_fixations, retina_gif


def test_objects_are_pasted_whole_at_their_offsets_and_the_rest_is_black():
    rng = np.random.default_rng(0)
    objects = rng.integers(1, 256, size=(20, 28, 28, 1), dtype=np.uint8)
    canvases, offsets = place_on_canvas(objects, 96, seed=3)
    assert canvases.shape == (20, 96, 96, 1) and canvases.dtype == np.float32
    for canvas, obj, (row, col) in zip(canvases, objects, offsets):
        np.testing.assert_allclose(canvas[row:row + 28, col:col + 28], obj / 255.0)
        rest = canvas.copy()
        rest[row:row + 28, col:col + 28] = 0
        assert rest.max() == 0
    assert offsets.min() >= 0 and offsets.max() <= 96 - 28 and len({tuple(o) for o in offsets}) > 10
    again, same = place_on_canvas(objects, 96, seed=3)
    np.testing.assert_array_equal(same, offsets)


def test_the_canvas_dataset_is_real_mnist_off_centre():
    (x_train, y_train), (x_test, y_test) = load_canvas_dataset("mnist_subset", 64, n_train=30, n_test=10)
    assert x_train.shape == (30, 64, 64, 1) and x_test.shape == (10, 64, 64, 1)
    assert set(np.unique(y_train)) <= set(range(10)) and y_train.dtype == np.int32
    ink = x_train.sum(axis=(1, 2, 3))
    assert np.all(ink > 10)  # every canvas holds a digit
    with pytest.raises(RSRNNError, match="dataset 'cifar10' is not a canvas dataset"):
        load_canvas_dataset("cifar10")
    with pytest.raises(RSRNNError, match="canvas_size=20 is smaller than the 28 x 28 objects"):
        place_on_canvas(np.zeros((1, 28, 28, 1), np.uint8), 20)


def test_summary_reads_steps_1_4_16_and_a_one_step_model_everywhere():
    rows = [{"model": "rsrnn", "eps": 0.01, "step": s, "accuracy": s / 100} for s in range(1, 17)]
    rows += [{"model": "cnn", "eps": 0.01, "step": 1, "accuracy": 0.3}]
    summary = summarise(pd.DataFrame(rows)).set_index("model")
    assert summary.loc["rsrnn", ["step_1", "step_4", "step_16"]].tolist() == [0.01, 0.04, 0.16]
    assert summary.loc["rsrnn", "rises_4_to_16"] == pytest.approx(0.12)
    assert summary.loc["cnn", ["step_1", "step_4", "step_16", "rises_4_to_16"]].tolist() == [0.3, 0.3, 0.3, 0.0]


def test_figures_are_written(tmp_path):
    rng = np.random.default_rng(1)
    images = rng.uniform(size=(3, 40, 40, 1)).astype(np.float32)
    fixations = rng.uniform(-1, 1, size=(3, 5, 2))
    png = plot_fixations(images, fixations, str(tmp_path / "fixations.png"), labels=[1, 2, 3], predictions=[1, 0, 3])
    gif = retina_gif(rng.uniform(size=(3, 5, 8, 8, 1)), str(tmp_path / "retina.gif"), scale=2)
    with Image.open(gif) as animation:
        assert animation.n_frames == 5 and animation.size == ((8 + 2) * 3 * 2, (8 + 2) * 2)
    table = pd.DataFrame([{"model": m, "eps": e, "step": s, "accuracy": 0.5}
                          for m in ("rsrnn", "cnn") for e in (0.0, 0.01) for s in (range(1, 5) if m == "rsrnn" else [1])])
    curve = plot_accuracy_per_step(table, str(tmp_path / "accuracy.png"))
    for path in (png, curve):
        with Image.open(path) as figure:
            assert figure.size[0] > 200
