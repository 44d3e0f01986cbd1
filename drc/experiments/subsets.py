"""Smaller copies of a dataset, written in the layout its loader reads (for ``--data_dir``).

An experiment that runs ``drc.pipeline.run_drc`` on fewer images writes the first images of the
real dataset to a folder (Fashion-MNIST as gzipped IDX files, CIFAR as the official pickles) and
points the pipeline's ``data_dir`` at it.
"""
import gzip
import os

import numpy as np

from drc.core import datasets
from drc.core.errors import UsageError

#: The dataset name the pipeline loads from a written subset of each dataset.
SUBSET_LOADS_AS = {"fashion_mnist": "fashion_mnist", "fashion_mnist_subset": "fashion_mnist",
                   "cifar10": "cifar10", "cifar100": "cifar100"}


def write_idx_gz(path, array):
    """Writes a uint8 array as one gzipped IDX file (the MNIST / Fashion-MNIST format)."""
    array = np.ascontiguousarray(array, dtype=np.uint8)
    header = bytes([0, 0, 0x08, array.ndim]) + b"".join(int(d).to_bytes(4, "big") for d in array.shape)
    with gzip.open(path, "wb", compresslevel=1) as f:
        f.write(header + array.tobytes())


def take_subset(data, n_train, n_test):
    """The first ``n_train`` training and ``n_test`` test images of ((x, y), (xt, yt))."""
    (x, y), (xt, yt) = data
    if not 0 < n_train <= len(x):
        raise UsageError(f"{n_train} training images asked for; the dataset has {len(x)}")
    if not 0 < n_test <= len(xt):
        raise UsageError(f"{n_test} test images asked for; the dataset has {len(xt)}")
    return (x[:n_train], y[:n_train]), (xt[:n_test], yt[:n_test])


def write_subset(dataset, folder, n_train, n_test, data_dir=None):
    """Writes the first ``n_train`` training and ``n_test`` test images of ``dataset`` to
    ``folder`` in its loader's layout; returns (name to load, data_dir to pass) for the pipeline."""
    if dataset not in SUBSET_LOADS_AS:
        raise UsageError(f"dataset {dataset!r} is unknown; allowed: {', '.join(SUBSET_LOADS_AS)}")
    (x, y), (xt, yt) = take_subset(datasets.load_dataset(dataset, data_dir), n_train, n_test)
    name = SUBSET_LOADS_AS[dataset]
    if name == "fashion_mnist":
        os.makedirs(folder, exist_ok=True)
        arrays = {"x_train": x[..., 0], "y_train": y, "x_test": xt[..., 0], "y_test": yt}
        for key, file_name in datasets.FASHION_MNIST_FILES.items():
            write_idx_gz(os.path.join(folder, file_name), arrays[key])
    else:
        n_classes = 10 if name == "cifar10" else 100
        datasets.write_cifar_folder(os.path.join(folder, datasets.CIFAR_FOLDERS[name]), x, y, xt, yt, n_classes)
    return name, folder
