"""Dataset loaders: CIFAR pickles from a folder, Fashion-MNIST, the bundled subset, errors."""
import os

import numpy as np
import pytest

from drc.core import datasets
from tests.helpers import make_tiny_cifar


def test_bundled_subset_is_stratified_real_fashion_mnist(fmnist_subset):
    (x, y), (xt, yt) = fmnist_subset
    assert x.shape == (5000, 28, 28, 1) and x.dtype == np.uint8
    assert xt.shape == (1000, 28, 28, 1)
    assert np.all(np.bincount(y) == 500) and np.all(np.bincount(yt) == 100)
    assert os.path.getsize(datasets.BUNDLED_SUBSET) < 5 * 2 ** 20
    assert 60 < x.mean() < 90  # Fashion-MNIST's mean intensity is about 73


def test_subset_rows_are_the_debian_files_rows(fmnist_full, fmnist_subset):
    (xf, yf), _ = fmnist_full
    with np.load(datasets.BUNDLED_SUBSET) as d:
        idx = d["train_indices"]
    (x, y), _ = fmnist_subset
    np.testing.assert_array_equal(xf[idx], x)
    np.testing.assert_array_equal(yf[idx], y)


@pytest.mark.parametrize("n_classes", [10, 100])
def test_cifar_folder_roundtrip(tmp_path, n_classes):
    root = make_tiny_cifar(tmp_path, n_classes, n_train=25, n_test=7)
    (x, y), (xt, yt) = datasets.load_dataset(f"cifar{n_classes}", data_dir=root)
    assert x.shape == (25, 32, 32, 3) and xt.shape == (7, 32, 32, 3) and x.dtype == np.uint8
    assert y.max() < n_classes and yt.shape == (7,)


def test_cifar_from_environment_variable(tmp_path, monkeypatch):
    root = make_tiny_cifar(tmp_path, 10, n_train=10, n_test=5)
    monkeypatch.setenv("DRC_DATA_DIR", root)
    (x, _), _ = datasets.load_cifar(10)
    assert len(x) == 10


def test_cifar_pixel_layout_matches_official_format(tmp_path):
    rng = np.random.default_rng(0)
    imgs = rng.integers(0, 256, (5, 32, 32, 3), dtype=np.uint8)
    folder = datasets.write_cifar_folder(str(tmp_path / "cifar-10-batches-py"), imgs, np.arange(5), imgs, np.arange(5))
    raw = datasets._unpickle(os.path.join(folder, "test_batch"))[b"data"]
    # official layout: 1024 red, then 1024 green, then 1024 blue values, row-major
    np.testing.assert_array_equal(raw[0, :1024], imgs[0, :, :, 0].reshape(-1))
    np.testing.assert_array_equal(raw[0, 2048:], imgs[0, :, :, 2].reshape(-1))


def test_missing_cifar_offline_gives_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    monkeypatch.delenv("DRC_DATA_DIR", raising=False)
    import keras

    def offline(*a, **k):
        raise OSError("network unreachable")

    monkeypatch.setattr(keras.datasets.cifar10, "load_data", offline)
    with pytest.raises(datasets.DatasetNotFoundError, match="cifar-10-batches-py"):
        datasets.load_cifar(10, data_dir=str(tmp_path / "nothing"))


def test_unknown_dataset_name():
    with pytest.raises(ValueError, match="allowed: cifar10, cifar100"):
        datasets.load_dataset("imagenet")
