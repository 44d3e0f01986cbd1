"""Writes drc/data/fashion_mnist_subset.npz: a stratified, seeded subset of real Fashion-MNIST.

Usage: python scripts/make_fashion_mnist_subset.py [--per_class_train 500] [--per_class_test 100]
"""
import argparse

import numpy as np

from drc.core.datasets import BUNDLED_SUBSET, load_fashion_mnist


def stratified_indices(labels, per_class, rng):
    picks = [rng.choice(np.flatnonzero(labels == c), per_class, replace=False) for c in np.unique(labels)]
    return np.sort(np.concatenate(picks))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per_class_train", type=int, default=500)
    parser.add_argument("--per_class_test", type=int, default=100)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    (x_train, y_train), (x_test, y_test) = load_fashion_mnist()
    tr = stratified_indices(y_train, args.per_class_train, rng)
    te = stratified_indices(y_test, args.per_class_test, rng)
    np.savez_compressed(BUNDLED_SUBSET, x_train=x_train[tr], y_train=y_train[tr].astype(np.uint8),
                        x_test=x_test[te], y_test=y_test[te].astype(np.uint8),
                        train_indices=tr.astype(np.int32), test_indices=te.astype(np.int32))
    print(f"wrote {BUNDLED_SUBSET}: {len(tr)} train, {len(te)} test images")


if __name__ == "__main__":
    main()
