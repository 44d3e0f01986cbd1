"""Image datasets of every family: CIFAR-10/100, MNIST, Fashion-MNIST and the bundled subsets.

Every loader returns ``(x_train, y_train), (x_test, y_test)`` with images as uint8 arrays of
shape (N, H, W, C) (channels always present, C = 1 for Fashion-MNIST) and labels as int64 of
shape (N,). Look-up order for CIFAR: an explicit folder (``data_dir`` or ``$DRC_DATA_DIR``) in the
official pickle layout, Keras' extracted cache, then ``keras.datasets`` (a download).
"""
import gzip
import os
import pickle

import numpy as np

from drc.core import validation
from drc.core.errors import DatasetNotFoundError, UsageError

DATASETS = ("cifar10", "cifar100", "fashion_mnist", "fashion_mnist_subset", "mnist", "mnist_subset")
N_CLASSES = {"cifar10": 10, "cifar100": 100, "fashion_mnist": 10, "fashion_mnist_subset": 10, "mnist": 10,
             "mnist_subset": 10}
IMAGE_SHAPES = {"cifar10": (32, 32, 3), "cifar100": (32, 32, 3), "fashion_mnist": (28, 28, 1),
                "fashion_mnist_subset": (28, 28, 1), "mnist": (28, 28, 1),
                "mnist_subset": (28, 28, 1)}
CIFAR_FOLDERS = {"cifar10": "cifar-10-batches-py", "cifar100": "cifar-100-python"}
DEBIAN_FASHION_MNIST = "/usr/share/datasets/fashion-mnist"
BUNDLED_DIR = os.path.join(os.path.dirname(os.path.dirname(__file__)), "data")
BUNDLED_SUBSET = os.path.join(BUNDLED_DIR, "fashion_mnist_subset.npz")
MNIST_SUBSET = os.path.join(BUNDLED_DIR, "mnist_subset.npz")
MNIST_TEST_FILES = {"x_test": "t10k-images-idx3-ubyte.gz", "y_test": "t10k-labels-idx1-ubyte.gz"}
FASHION_MNIST_FILES = {
    "x_train": "train-images-idx3-ubyte.gz",
    "y_train": "train-labels-idx1-ubyte.gz",
    "x_test": "t10k-images-idx3-ubyte.gz",
    "y_test": "t10k-labels-idx1-ubyte.gz",
}


def _keras_cache_dir():
    return os.path.join(os.environ.get("KERAS_HOME", os.path.expanduser("~/.keras")), "datasets")


def _unpickle(path):
    try:
        with open(path, "rb") as f:
            batch = pickle.load(f, encoding="bytes")
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError, IndexError) as err:
        raise validation.corrupt(path, "CIFAR batch", err) from None
    if not isinstance(batch, dict) or b"data" not in batch:
        raise validation.CorruptFileError(f"{path}: not a CIFAR batch (no data entry)")
    return batch


def _cifar_images(raw):
    """(N, 3072) row-major RGB planes -> (N, 32, 32, 3) uint8."""
    return np.asarray(raw, dtype=np.uint8).reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1).copy()


def read_cifar_folder(folder, n_classes=10):
    """Reads an extracted official CIFAR archive (``cifar-10-batches-py`` or ``cifar-100-python``).

    CIFAR-100 uses the fine labels (100 classes), as ``keras.datasets.cifar100`` does by default.
    """
    if n_classes == 10:
        train = [_unpickle(os.path.join(folder, f"data_batch_{i}")) for i in range(1, 6)]
        test = _unpickle(os.path.join(folder, "test_batch"))
        x_train = np.concatenate([_cifar_images(b[b"data"]) for b in train])
        y_train = np.concatenate([np.asarray(b[b"labels"]) for b in train])
        x_test, y_test = _cifar_images(test[b"data"]), np.asarray(test[b"labels"])
    else:
        train = _unpickle(os.path.join(folder, "train"))
        test = _unpickle(os.path.join(folder, "test"))
        x_train, y_train = _cifar_images(train[b"data"]), np.asarray(train[b"fine_labels"])
        x_test, y_test = _cifar_images(test[b"data"]), np.asarray(test[b"fine_labels"])
    return (x_train, y_train.astype(np.int64)), (x_test, y_test.astype(np.int64))


def _candidate_dirs(data_dir):
    dirs = [data_dir, os.environ.get("DRC_DATA_DIR"), _keras_cache_dir()]
    return [d for d in dirs if d]


def _find_cifar_folder(name, data_dir):
    folder = CIFAR_FOLDERS[name]
    for base in _candidate_dirs(data_dir):
        for candidate in (os.path.join(base, folder), base):
            if os.path.basename(os.path.normpath(candidate)) == folder and os.path.isdir(candidate):
                return candidate
    return None


def load_cifar(n_classes=10, data_dir=None):
    """CIFAR-10 (n_classes=10) or CIFAR-100 (n_classes=100): local folder, Keras cache, download."""
    if n_classes not in (10, 100):
        raise ValueError(f"n_classes={n_classes!r} is not a CIFAR variant; allowed: 10, 100")
    name = f"cifar{n_classes}"
    folder = _find_cifar_folder(name, data_dir)
    if folder is not None:
        return read_cifar_folder(folder, n_classes)
    try:
        import keras

        loader = keras.datasets.cifar10 if n_classes == 10 else keras.datasets.cifar100
        (x_train, y_train), (x_test, y_test) = loader.load_data()
    except Exception as err:  # offline: keras raises URL/OS errors of various kinds
        raise DatasetNotFoundError(
            f"{name} not found locally and the download failed ({type(err).__name__}); put the "
            f"extracted '{CIFAR_FOLDERS[name]}/' folder in --data_dir or $DRC_DATA_DIR "
            f"(searched: {', '.join(_candidate_dirs(data_dir))})"
        ) from None
    return (x_train, y_train.reshape(-1).astype(np.int64)), (x_test, y_test.reshape(-1).astype(np.int64))


def _read_idx_gz(path):
    """Reads one gzipped IDX file (the MNIST / Fashion-MNIST format)."""
    try:
        with gzip.open(path, "rb") as f:
            data = f.read()
        ndim = data[3]
        shape = tuple(int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim))
        return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(shape)
    except (OSError, EOFError, ValueError, IndexError) as err:
        if isinstance(err, FileNotFoundError):
            raise
        raise validation.corrupt(path, "gzipped IDX file", err) from None


def read_fashion_mnist_folder(folder):
    """Reads the four gzipped IDX files of Fashion-MNIST from one folder."""
    arrays = {k: _read_idx_gz(os.path.join(folder, f)) for k, f in FASHION_MNIST_FILES.items()}
    return ((arrays["x_train"][..., None], arrays["y_train"].astype(np.int64)),
            (arrays["x_test"][..., None], arrays["y_test"].astype(np.int64)))


def load_fashion_mnist(data_dir=None):
    """Fashion-MNIST: a local folder, Debian's dataset-fashion-mnist, Keras' cache, or a download."""
    bases = _candidate_dirs(data_dir) + [DEBIAN_FASHION_MNIST]
    for base in bases:
        for folder in (base, os.path.join(base, "fashion-mnist")):
            if all(os.path.isfile(os.path.join(folder, f)) for f in FASHION_MNIST_FILES.values()):
                return read_fashion_mnist_folder(folder)
    try:
        import keras

        (x_train, y_train), (x_test, y_test) = keras.datasets.fashion_mnist.load_data()
    except Exception as err:
        raise DatasetNotFoundError(
            f"fashion_mnist not found locally and the download failed ({type(err).__name__}); "
            f"install the Debian package dataset-fashion-mnist or put its four .gz files in "
            f"--data_dir or $DRC_DATA_DIR"
        ) from None
    return (x_train[..., None], y_train.astype(np.int64)), (x_test[..., None], y_test.astype(np.int64))


def _find_idx_folder(bases, names, files):
    for base in bases:
        for folder in [base] + [os.path.join(base, n) for n in names]:
            if all(os.path.isfile(os.path.join(folder, f)) for f in files):
                return folder
    return None


def load_mnist(data_dir=None):
    """MNIST: the four IDX .gz files in a local folder (``data_dir``, ``$DRC_DATA_DIR``, a
    ``mnist`` subfolder of either), Keras' cache (``mnist.npz``), or a download.

    A folder holding only the test files (as ``../shared/data/mnist`` does) is not the full set;
    use :func:`load_mnist_test` for it.
    """
    folder = _find_idx_folder(_candidate_dirs(data_dir), ["mnist", "MNIST"], FASHION_MNIST_FILES.values())
    if folder is not None:
        return read_fashion_mnist_folder(folder)
    try:
        import keras

        (x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
    except Exception as err:
        raise DatasetNotFoundError(
            f"mnist not found locally and the download failed ({type(err).__name__}); put its four "
            f".gz IDX files in --data_dir or $DRC_DATA_DIR"
        ) from None
    return (x_train[..., None], y_train.astype(np.int64)), (x_test[..., None], y_test.astype(np.int64))


def load_mnist_test(folder):
    """The MNIST test set (10,000 images) from a folder holding ``t10k-*-idx?-ubyte.gz``:
    ``(x_test, y_test)``, uint8 (N, 28, 28, 1) and int64 (N,)."""
    found = _find_idx_folder([folder], ["mnist"], MNIST_TEST_FILES.values())
    if found is None:
        raise DatasetNotFoundError(f"{folder} holds no MNIST test files ({', '.join(MNIST_TEST_FILES.values())})")
    return (_read_idx_gz(os.path.join(found, MNIST_TEST_FILES["x_test"]))[..., None],
            _read_idx_gz(os.path.join(found, MNIST_TEST_FILES["y_test"])).astype(np.int64))


def _load_bundled(path):
    with np.load(path) as d:
        return (d["x_train"], d["y_train"].astype(np.int64)), (d["x_test"], d["y_test"].astype(np.int64))


def load_fashion_mnist_subset():
    """The bundled stratified real subset of Fashion-MNIST (see drc/data/README.md)."""
    return _load_bundled(BUNDLED_SUBSET)


def load_mnist_subset():
    """The bundled real MNIST test set split into 8,000 training and 2,000 test images
    (stratified, seed 0; see drc/data/README.md)."""
    return _load_bundled(MNIST_SUBSET)


def resolve_dataset(dataset, n_classes):
    """The dataset name for ``--dataset`` and ``--n_classes`` (None: CIFAR-10 or CIFAR-100 by
    the class count); a UsageError when they disagree."""
    if dataset is None:
        if n_classes not in (10, 100):
            raise UsageError(f"--n_classes {n_classes}: CIFAR has 10 or 100 classes")
        return f"cifar{n_classes}"
    if dataset not in N_CLASSES:
        raise UsageError(f"--dataset {dataset}: unknown; allowed: {', '.join(DATASETS)}")
    if N_CLASSES[dataset] != n_classes:
        raise UsageError(f"--dataset {dataset} has {N_CLASSES[dataset]} classes, but --n_classes is {n_classes}")
    return dataset


def load_dataset(name="cifar10", data_dir=None):
    """Loads a dataset by name; one of DATASETS."""
    if name == "cifar10":
        return load_cifar(10, data_dir)
    if name == "cifar100":
        return load_cifar(100, data_dir)
    if name == "fashion_mnist":
        return load_fashion_mnist(data_dir)
    if name == "fashion_mnist_subset":
        return load_fashion_mnist_subset()
    if name == "mnist":
        return load_mnist(data_dir)
    if name == "mnist_subset":
        return load_mnist_subset()
    raise ValueError(f"dataset={name!r} is unknown; allowed: {', '.join(DATASETS)}")


def write_cifar_folder(folder, x_train, y_train, x_test, y_test, n_classes=10):
    """Writes images in the official CIFAR pickle layout (used for fixtures and conversions)."""
    os.makedirs(folder, exist_ok=True)

    def flat(x):
        return np.asarray(x, np.uint8).transpose(0, 3, 1, 2).reshape(len(x), -1)

    def dump(path, obj):
        with open(os.path.join(folder, path), "wb") as f:
            pickle.dump(obj, f)

    if n_classes == 10:
        for i, idx in enumerate(np.array_split(np.arange(len(x_train)), 5), start=1):
            dump(f"data_batch_{i}", {b"data": flat(x_train[idx]), b"labels": list(map(int, y_train[idx]))})
        dump("test_batch", {b"data": flat(x_test), b"labels": list(map(int, y_test))})
    else:
        dump("train", {b"data": flat(x_train), b"fine_labels": list(map(int, y_train))})
        dump("test", {b"data": flat(x_test), b"fine_labels": list(map(int, y_test))})
    return folder
