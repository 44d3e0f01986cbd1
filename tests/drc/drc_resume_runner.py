"""Prepares the inputs of the DRC resume tests (``python drc_resume_runner.py ROOT``): a
Fashion-MNIST folder (IDX files) of the bundled real subset's first images and a small teacher
trained briefly on it, ROOT/fmnist and ROOT/teacher.keras."""
import gzip
import os
import sys

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def write_idx_gz(path, array):
    array = np.ascontiguousarray(array, dtype=np.uint8)
    header = bytes([0, 0, 8, array.ndim]) + b"".join(int(n).to_bytes(4, "big") for n in array.shape)
    with gzip.open(path, "wb") as f:
        f.write(header + array.tobytes())


def prepare(root, n_train=160, n_test=64):
    import keras

    from drc.core import datasets
    from drc.core.preprocessing import Preprocessing
    from teachers.saving import save_teacher
    from teachers.training import build_teacher

    (x, y), (xt, yt) = datasets.load_fashion_mnist_subset()
    folder = os.path.join(root, "fmnist")
    os.makedirs(folder, exist_ok=True)
    arrays = {"x_train": x[:n_train, ..., 0], "y_train": y[:n_train], "x_test": xt[:n_test, ..., 0],
              "y_test": yt[:n_test]}
    for key, name in datasets.FASHION_MNIST_FILES.items():
        write_idx_gz(os.path.join(folder, name), arrays[key])
    keras.utils.set_random_seed(0)
    pre = Preprocessing.fit(x[:2000])
    teacher = build_teacher("default", (28, 28, 1), 10, dict(resblocks=1, last_layer_size=32))
    teacher.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["sparse_categorical_accuracy"])
    teacher.fit(pre.apply(x[:2000]), y[:2000], epochs=1, batch_size=64, verbose=0)
    save_teacher(teacher, pre, os.path.join(root, "teacher.keras"))


if __name__ == "__main__":
    prepare(sys.argv[1])
