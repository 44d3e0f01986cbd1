"""The canvas task: real MNIST / Fashion-MNIST objects placed at random on a larger black canvas,
so that where the model looks matters (28-px objects on 96 x 96 by default)."""
import numpy as np

from rsrnn.errors import RSRNNError

CANVAS_DATASETS = ("mnist_subset", "fashion_mnist", "fashion_mnist_subset", "mnist")


def place_on_canvas(images, canvas_size, seed=0):
    """(canvases, offsets): ``images`` (N, h, w, C) (uint8 or [0, 1] floats) pasted at uniformly
    random positions on zero canvases (N, S, S, C) as float32 in [0, 1]; offsets (N, 2) are the
    (row, column) of each object's top-left pixel."""
    images = np.asarray(images)
    if images.ndim != 4:
        raise RSRNNError(f"images must be (N, height, width, channels), got shape {images.shape}")
    n, height, width, channels = images.shape
    if canvas_size < max(height, width):
        raise RSRNNError(f"canvas_size={canvas_size!r} is smaller than the {height} x {width} objects")
    values = images.astype(np.float32) / (255.0 if images.dtype == np.uint8 else 1.0)
    rng = np.random.default_rng(seed)
    offsets = np.stack([rng.integers(0, canvas_size - height + 1, n), rng.integers(0, canvas_size - width + 1, n)], 1)
    canvases = np.zeros((n, canvas_size, canvas_size, channels), np.float32)
    rows = offsets[:, :1, None] + np.arange(height)[None, :, None]
    cols = offsets[:, None, 1:] + np.arange(width)[None, None, :]
    canvases[np.arange(n)[:, None, None], rows, cols] = values
    return canvases, offsets


def load_canvas_dataset(name="mnist_subset", canvas_size=96, data_dir=None, seed=0, n_train=None, n_test=None):
    """((x_train, y_train), (x_test, y_test)) of the canvas task on the real dataset ``name`` (through
    ``drc.core.datasets.load_dataset``); the first ``n_train`` / ``n_test`` images of each split."""
    if name not in CANVAS_DATASETS:
        raise RSRNNError(f"dataset {name!r} is not a canvas dataset; allowed: {', '.join(CANVAS_DATASETS)}")
    from drc.core.datasets import load_dataset

    (x_train, y_train), (x_test, y_test) = load_dataset(name, data_dir)
    x_train, y_train = x_train[:n_train], y_train[:n_train]
    x_test, y_test = x_test[:n_test], y_test[:n_test]
    train = place_on_canvas(x_train, canvas_size, seed)[0]
    test = place_on_canvas(x_test, canvas_size, seed + 1)[0]
    return (train, y_train.astype(np.int32)), (test, y_test.astype(np.int32))
