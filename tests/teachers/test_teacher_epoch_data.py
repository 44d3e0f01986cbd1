"""The teacher's training batches of epoch e are a function of (seed, e) alone (issue 18): the
same epoch built twice gives the same batches, other epochs and seeds give others, every epoch
is a permutation of all images, and the augmentation is the layers' own, drawn from the seed."""
import numpy as np
import pytest

from drc.core import epoch_data
from drc.core.datasets import load_fashion_mnist_subset
from drc.core.preprocessing import Preprocessing
from teachers.training import augmentation_layers, train_dataset

N, BATCH = 40, 16


@pytest.fixture(scope="module")
def real():
    (x, _), _ = load_fashion_mnist_subset()
    x = x[:N]
    return x, np.arange(N), Preprocessing.fit(x, dataset_norm=128.0, center=True)


def _epoch(real, epoch, seed=0, layers=(5, 0.15, 0.15), cache={}):
    """(images, ids) of one epoch from a dataset built anew for it (kept: building is slow)."""
    key = (epoch, seed, layers)
    if key not in cache:
        cache[key] = _build_epoch(real, epoch, seed, layers)
    return cache[key]


def _build_epoch(real, epoch, seed, layers):
    x, ids, prep = real
    clock = epoch_data.EpochClock()
    clock.epoch = epoch
    aug = augmentation_layers(*layers) if layers else None
    batches = list(train_dataset(x, ids, prep, aug, BATCH, seed=seed, clock=clock))
    return np.concatenate([b[0].numpy() for b in batches]), np.concatenate([b[1].numpy() for b in batches])


def test_epoch_two_built_twice_is_the_same_and_other_epochs_and_seeds_differ(real):
    images, ids = _epoch(real, 2)
    again_images, again_ids = _build_epoch(real, 2, 0, (5, 0.15, 0.15))
    np.testing.assert_array_equal(ids, again_ids)
    np.testing.assert_array_equal(images, again_images)
    for other in (_epoch(real, 3), _epoch(real, 2, seed=1)):
        assert not np.array_equal(ids, other[1])
    assert sorted(ids) == list(range(N)) and ids.shape == (N,)  # each epoch: all images once
    assert sorted(_epoch(real, 3)[1]) == list(range(N))
    unaugmented, same_ids = _epoch(real, 2, layers=None)
    np.testing.assert_array_equal(same_ids, ids)  # the order does not depend on the augmentation
    assert not np.allclose(images, unaugmented)


def test_flips_are_the_image_or_its_mirror_and_differ_between_epochs(real):
    x, _, prep = real
    plain, ids = _epoch(real, 2, layers=None)
    flips = {}
    for epoch in (2, 3):
        flipped, order = _epoch(real, epoch, layers=(0, 0, 0))
        reference = plain[np.argsort(ids)][order]
        mirrored = np.all(flipped == reference[:, :, ::-1], axis=(1, 2, 3))
        kept = np.all(flipped == reference, axis=(1, 2, 3))
        assert np.all(mirrored | kept)
        flips[epoch] = mirrored[np.argsort(order)]
        assert 0 < mirrored.sum() < N
    assert not np.array_equal(flips[2], flips[3])


def test_without_a_clock_passes_count_the_epochs_and_without_a_seed_runs_differ(real):
    x, ids, prep = real
    dataset = train_dataset(x, ids, prep, None, BATCH, seed=0)
    passes = [np.concatenate([b[1].numpy() for b in dataset]) for _ in range(2)]
    np.testing.assert_array_equal(passes[0], _epoch(real, 0, layers=None)[1])
    np.testing.assert_array_equal(passes[1], _epoch(real, 1, layers=None)[1])
    unseeded = [np.concatenate([b[1].numpy() for b in train_dataset(x, ids, prep, None, BATCH)]) for _ in range(2)]
    assert not np.array_equal(*unseeded)
