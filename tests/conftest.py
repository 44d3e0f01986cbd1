"""Shared fixtures: quiet TensorFlow, a fixed seed, real data and tiny CIFAR folders."""
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np
import pytest

from drc.core import datasets


@pytest.fixture(autouse=True)
def _seed():
    import keras

    keras.utils.set_random_seed(1234)


@pytest.fixture(scope="session")
def fmnist_subset():
    """The bundled real Fashion-MNIST subset: (x_train, y_train), (x_test, y_test)."""
    return datasets.load_fashion_mnist_subset()


@pytest.fixture(scope="session")
def fmnist_full():
    """The full Fashion-MNIST from Debian's dataset-fashion-mnist; skipped where not installed."""
    if not os.path.isfile(os.path.join(datasets.DEBIAN_FASHION_MNIST, "train-images-idx3-ubyte.gz")):
        pytest.skip("Debian package dataset-fashion-mnist is not installed (make data)")
    return datasets.read_fashion_mnist_folder(datasets.DEBIAN_FASHION_MNIST)


def make_tiny_cifar(root, n_classes=10, n_train=60, n_test=20, seed=0, real=True):
    """Writes a tiny CIFAR folder in the official pickle layout under root and returns root.

    With real=True the images are real Fashion-MNIST images (resized to 32x32, grey -> RGB).
    """
    rng = np.random.default_rng(seed)
    (xs, ys), _ = datasets.load_fashion_mnist_subset()
    idx = rng.choice(len(xs), n_train + n_test, replace=False)
    imgs = np.pad(xs[idx], ((0, 0), (2, 2), (2, 2), (0, 0)))
    imgs = np.repeat(imgs, 3, axis=-1) if real else rng.integers(0, 256, imgs.shape[:3] + (3,), dtype=np.uint8)
    labels = ys[idx] % n_classes if n_classes <= 10 else rng.integers(0, n_classes, len(idx))
    folder = os.path.join(root, datasets.CIFAR_FOLDERS[f"cifar{n_classes}"])
    datasets.write_cifar_folder(folder, imgs[:n_train], labels[:n_train], imgs[n_train:], labels[n_train:], n_classes)
    return str(root)


@pytest.fixture
def tiny_cifar10(tmp_path):
    return make_tiny_cifar(tmp_path, 10)


@pytest.fixture
def tiny_cifar100(tmp_path):
    return make_tiny_cifar(tmp_path, 100)


def write_idx_gz(path, array):
    """Writes a uint8 array as a gzipped IDX file (the MNIST / Fashion-MNIST format)."""
    import gzip

    array = np.ascontiguousarray(array, dtype=np.uint8)
    header = bytes([0, 0, 0x08, array.ndim]) + b"".join(int(d).to_bytes(4, "big") for d in array.shape)
    with gzip.open(path, "wb") as f:
        f.write(header + array.tobytes())


def make_fashion_mnist_folder(root, n_train=2000, n_test=500):
    """A Fashion-MNIST folder (the four IDX files) holding the first images of the bundled subset."""
    (x, y), (xt, yt) = datasets.load_fashion_mnist_subset()
    os.makedirs(root, exist_ok=True)
    arrays = {"x_train": x[:n_train, ..., 0], "y_train": y[:n_train], "x_test": xt[:n_test, ..., 0],
              "y_test": yt[:n_test]}
    for key, name in datasets.FASHION_MNIST_FILES.items():
        write_idx_gz(os.path.join(root, name), arrays[key])
    return str(root)


def _listing(folder):
    return sorted(os.path.relpath(os.path.join(d, f), folder) for d, _, fs in os.walk(folder) for f in fs + [""])


@pytest.fixture
def refused():
    """``refused(call, error, needles, folder)`` runs ``call`` and asserts that it raises ``error``
    with a one-line message holding every needle, and that ``folder`` (the output location) is
    unchanged: the bad-input tests' contract (issue 16)."""

    def check(call, error, needles, folder):
        before = _listing(folder)
        with pytest.raises(error) as info:
            call()
        message = str(info.value)
        assert "\n" not in message, message
        for needle in needles:
            assert needle in message, message
        assert _listing(folder) == before, "a refused call wrote into the output location"
        return message

    return check
