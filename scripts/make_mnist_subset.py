"""Writes drc/data/mnist_subset.npz: the real MNIST test set (10,000 images) split, seeded and
stratified, into 8,000 training and 2,000 test images (200 per class), for CPU-scale work where
the MNIST training set is not available.

Usage: python scripts/make_mnist_subset.py [--mnist_dir ../shared/data/mnist] [--per_class_test 200]
"""
import argparse

import numpy as np

from drc.core.datasets import MNIST_SUBSET, load_mnist_test


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mnist_dir", default="../shared/data/mnist")
    parser.add_argument("--per_class_test", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    x, y = load_mnist_test(args.mnist_dir)
    test = np.sort(np.concatenate([rng.choice(np.flatnonzero(y == c), args.per_class_test, replace=False)
                                   for c in range(10)]))
    train = np.setdiff1d(np.arange(len(y)), test)
    np.savez_compressed(MNIST_SUBSET, x_train=x[train], y_train=y[train].astype(np.uint8),
                        x_test=x[test], y_test=y[test].astype(np.uint8),
                        train_indices=train.astype(np.int32), test_indices=test.astype(np.int32))
    print(f"wrote {MNIST_SUBSET}: {len(train)} train, {len(test)} test images (all from MNIST t10k)")


if __name__ == "__main__":
    main()
