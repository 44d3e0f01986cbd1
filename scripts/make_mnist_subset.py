"""Writes drc/data/mnist_subset.npz: the real MNIST test set (10,000 images) split, seeded and
stratified, into 8,000 training and 2,000 test images (200 per class), for CPU-scale work where
the MNIST training set is not available.

Usage: python scripts/make_mnist_subset.py [--mnist_dir ../shared/data/mnist] [--per_class_test 200] --overwrite

The bundled file is replaced only with --overwrite, and only once the new one is complete.
"""
import os

import numpy as np

from drc.core.cli import ArgumentParser, run_cli
from drc.core.datasets import MNIST_SUBSET, load_mnist_test
from drc.core.errors import OutputExistsError
from drc.core.runs import write_npz_atomic
from drc.core.validation import check_int, check_path


def main(argv=None):
    parser = ArgumentParser(prog="make_mnist_subset.py", description=__doc__.splitlines()[0])
    parser.add_argument("--mnist_dir", default="../shared/data/mnist")
    parser.add_argument("--per_class_test", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--overwrite", action="store_true", help=f"replace {MNIST_SUBSET}")
    args = parser.parse_args(argv)
    check_path(args.mnist_dir, "--mnist_dir", kind="dir")
    check_int(args.per_class_test, "--per_class_test", minimum=1, maximum=800)  # MNIST t10k: >= 892 per class
    check_int(args.seed, "--seed", minimum=0)
    if os.path.exists(MNIST_SUBSET) and not args.overwrite:
        raise OutputExistsError(f"{MNIST_SUBSET} exists (the bundled subset); pass --overwrite to replace it")
    rng = np.random.default_rng(args.seed)
    x, y = load_mnist_test(args.mnist_dir)
    test = np.sort(np.concatenate([rng.choice(np.flatnonzero(y == c), args.per_class_test, replace=False)
                                   for c in range(10)]))
    train = np.setdiff1d(np.arange(len(y)), test)
    write_npz_atomic(MNIST_SUBSET, x_train=x[train], y_train=y[train].astype(np.uint8),
                     x_test=x[test], y_test=y[test].astype(np.uint8),
                     train_indices=train.astype(np.int32), test_indices=test.astype(np.int32))
    print(f"wrote {MNIST_SUBSET}: {len(train)} train, {len(test)} test images (all from MNIST t10k)")


if __name__ == "__main__":
    run_cli(main, prog="make_mnist_subset.py")
