"""Trains the small teacher of the DRC resume tests (``python drc_resume_runner.py ROOT``), in a
process of its own: ROOT/teacher.keras, briefly trained on the bundled real Fashion-MNIST subset
(the tests write ROOT/fmnist themselves)."""
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def prepare(root):
    import keras

    from drc.core import datasets
    from drc.core.preprocessing import Preprocessing
    from teachers.saving import save_teacher
    from teachers.training import build_teacher

    (x, y), _ = datasets.load_fashion_mnist_subset()
    keras.utils.set_random_seed(0)
    pre = Preprocessing.fit(x[:2000])
    teacher = build_teacher("default", (28, 28, 1), 10, dict(resblocks=1, last_layer_size=32))
    teacher.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["sparse_categorical_accuracy"])
    teacher.fit(pre.apply(x[:2000]), y[:2000], epochs=1, batch_size=64, verbose=0)
    save_teacher(teacher, pre, os.path.join(root, "teacher.keras"))


if __name__ == "__main__":
    prepare(sys.argv[1])
