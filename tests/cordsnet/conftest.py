"""CordsNet test fixtures: the committed tiny checkpoints and small random models."""
import os

import numpy as np
import pytest

FIXTURES = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "fixtures", "cordsnet")
TINY = {"r2": dict(depth=2, n_classes=10, channels=(4, 4)),
        "r8": dict(depth=8, n_classes=5, channels=(4, 4, 8, 8, 8, 8, 8, 8))}


@pytest.fixture(scope="session")
def expected():
    """Inputs and PyTorch-computed logits of the committed tiny checkpoints."""
    with np.load(os.path.join(FIXTURES, "cordsnet_tiny_expected.npz")) as d:
        return {k: d[k] for k in d.files}


@pytest.fixture
def fixture_path():
    return lambda tag: os.path.join(FIXTURES, f"cordsnet_{tag}_tiny.pth")


def randomise(model, seed=0, bias_scale=0.1):
    """Non-zero biases and varied magnitudes, so every term of the dynamics matters."""
    rng = np.random.default_rng(seed)
    for var in model.weights:
        if "conv_bias" in var.path:
            var.assign(bias_scale * rng.standard_normal(var.shape).astype("float32"))
        elif var.path.endswith("/g"):
            var.assign(np.asarray(var) * rng.uniform(0.5, 1.5, var.shape).astype("float32"))
    return model


@pytest.fixture
def tiny_model():
    """A built, randomised tiny CordsNet: tiny_model(depth, image=16, **kwargs)."""
    from cordsnet import CordsNet

    def make(depth=2, image=16, in_channels=1, seed=0, **kwargs):
        widths = kwargs.pop("channels", (4, 4, 8, 8, 8, 8, 8, 8)[:depth])
        model = CordsNet(depth=depth, n_classes=kwargs.pop("n_classes", 3), channels=widths, **kwargs)
        model.build((None, image, image, in_channels))
        return randomise(model, seed)

    return make
