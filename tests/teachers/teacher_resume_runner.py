"""Trains a tiny real teacher in its own process (for the resume tests): ``python
teacher_resume_runner.py OUT_PATH EPOCHS``, augmentation on; writes the returned history as JSON and
the final weights as .npz beside it.
``DRC_KILL_AT=teacher:<epoch>:<batch|backup>`` kills it with SIGKILL at that point."""
import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_DETERMINISTIC_OPS", "1")


def main(argv):
    import numpy as np

    from drc.core import datasets
    from teachers.training import train_teacher

    path, epochs = argv[0], int(argv[1])
    (x, y), (xt, yt) = datasets.load_fashion_mnist_subset()
    config = dict(network_topology="default", n_classes=10, epochs=epochs, resblocks=1, last_layer_size=16,
                  val_size=32, data_augmentation=True, seed=0, dataset="fashion_mnist")
    run = train_teacher(config, data=((x[:96], y[:96]), (xt[:32], yt[:32])), path=path, verbose=0)
    stem = os.path.splitext(path)[0]
    with open(stem + ".history.json", "w") as f:
        json.dump(run.history, f)
    np.savez(stem + ".final.npz", *run.teacher.get_weights())


if __name__ == "__main__":
    from drc.core.cli import run_cli

    run_cli(main, sys.argv[1:], prog="teacher_resume_runner")
