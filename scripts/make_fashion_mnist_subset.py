"""Writes drc/data/fashion_mnist_subset.npz: a stratified, seeded subset of real Fashion-MNIST.

Usage: python scripts/make_fashion_mnist_subset.py [--per_class_train 500] [--per_class_test 100] --overwrite

The bundled file is replaced only with --overwrite, and only once the new one is complete.
"""
import os

import numpy as np

from drc.core.cli import ArgumentParser, run_cli
from drc.core.datasets import BUNDLED_SUBSET, load_fashion_mnist
from drc.core.errors import OutputExistsError
from drc.core.runs import write_npz_atomic
from drc.core.validation import check_int


def stratified_indices(labels, per_class, rng):
    picks = [rng.choice(np.flatnonzero(labels == c), per_class, replace=False) for c in np.unique(labels)]
    return np.sort(np.concatenate(picks))


def main(argv=None):
    parser = ArgumentParser(prog="make_fashion_mnist_subset.py", description=__doc__.splitlines()[0])
    parser.add_argument("--per_class_train", type=int, default=500)
    parser.add_argument("--per_class_test", type=int, default=100)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--overwrite", action="store_true", help=f"replace {BUNDLED_SUBSET}")
    args = parser.parse_args(argv)
    check_int(args.per_class_train, "--per_class_train", minimum=1, maximum=6000)  # images per class
    check_int(args.per_class_test, "--per_class_test", minimum=1, maximum=1000)
    check_int(args.seed, "--seed", minimum=0)
    if os.path.exists(BUNDLED_SUBSET) and not args.overwrite:
        raise OutputExistsError(f"{BUNDLED_SUBSET} exists (the bundled subset); pass --overwrite to replace it")
    rng = np.random.default_rng(args.seed)
    (x_train, y_train), (x_test, y_test) = load_fashion_mnist()
    tr = stratified_indices(y_train, args.per_class_train, rng)
    te = stratified_indices(y_test, args.per_class_test, rng)
    write_npz_atomic(BUNDLED_SUBSET, x_train=x_train[tr], y_train=y_train[tr].astype(np.uint8),
                     x_test=x_test[te], y_test=y_test[te].astype(np.uint8),
                     train_indices=tr.astype(np.int32), test_indices=te.astype(np.int32))
    print(f"wrote {BUNDLED_SUBSET}: {len(tr)} train, {len(te)} test images")


if __name__ == "__main__":
    run_cli(main, prog="make_fashion_mnist_subset.py")
