"""BL fine-tuning batches of epoch e are a function of (seed, e) alone (issue 18): the same epoch
built twice gives the same batches (order, flips, crops, perturbation noise), other epochs give
others, every epoch is a permutation of all images read as Keras reads them, and the order
follows tf.data's shuffle buffer of 8 batches, as keras.utils.image_dataset_from_directory's."""
import os

import keras
import numpy as np
import pytest

from convrnn_bl.data import buffer_order, image_folder_dataset, load_size, training_datasets
from drc.core import epoch_data
from drc.core.datasets import load_fashion_mnist_subset

N_CLASSES, PER_CLASS, BATCH, SIZE = 4, 6, 4, 24


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    """train/ and val/ folders of real Fashion-MNIST PNGs, 4 classes of 6 images."""
    root = tmp_path_factory.mktemp("bl_epochs")
    (x, y), _ = load_fashion_mnist_subset()
    for split, offset in (("train", 0), ("val", PER_CLASS)):
        for c in range(N_CLASSES):
            os.makedirs(root / split / f"class{c}")
            for k, i in enumerate(np.flatnonzero(y == c)[offset:offset + PER_CLASS]):
                keras.utils.save_img(str(root / split / f"class{c}" / f"img{k}.png"), np.repeat(x[i], 3, axis=-1))
    return str(root / "train"), str(root / "val")


def _clock(epoch):
    clock = epoch_data.EpochClock()
    clock.epoch = epoch
    return clock


def _arrays(dataset):
    batches = list(dataset)
    return [np.concatenate([np.asarray(b[k]) for b in batches]) for k in range(2)]


def _training(folders, epoch, tag="noise-contrast-gray", seed=0):
    train, val, _, _ = training_datasets(*folders, tag, BATCH, SIZE, 1, seed=seed, clock=_clock(epoch))
    return [(x, y[0]) for x, y in (_arrays(train.map(lambda x, y, w: (x, y))), _arrays(val))]


def test_an_epoch_built_twice_is_the_same_and_the_next_epoch_differs(folders):
    two, again, three = _training(folders, 2), _training(folders, 2), _training(folders, 3)
    for split in range(2):  # training (flips, crops, random noise sd) and validation (fixed sd, noise)
        np.testing.assert_array_equal(two[split][0], again[split][0])
        np.testing.assert_array_equal(two[split][1], again[split][1])
        assert two[split][0].shape == (N_CLASSES * PER_CLASS, SIZE, SIZE, 3)
        assert not np.array_equal(two[split][0], three[split][0])
    assert not np.array_equal(two[0][1], three[0][1])  # another order


def test_every_epoch_is_all_images_as_keras_reads_them(folders):
    reference = keras.utils.image_dataset_from_directory(
        folders[0], label_mode="categorical", batch_size=BATCH, image_size=(load_size(SIZE),) * 2, shuffle=False)
    want_x, want_y = _arrays(reference)
    key = [f"{x.tobytes()}{y.argmax()}" for x, y in zip(want_x, want_y)]
    orders = []
    for epoch in (0, 1):
        got_x, got_y = _arrays(image_folder_dataset(folders[0], BATCH, SIZE, seed=3, clock=_clock(epoch)))
        got = [f"{x.tobytes()}{y.argmax()}" for x, y in zip(got_x, got_y)]
        assert sorted(got) == sorted(key) and len(set(got)) == len(key)  # a permutation of all images
        orders.append([key.index(k) for k in got])
    assert orders[0] != orders[1]


def test_buffer_order_is_tf_data_shuffle_buffer():
    order = buffer_order(100, 8, [0, 1])
    np.testing.assert_array_equal(np.sort(order), np.arange(100))
    assert np.all(order[:40] < 8 + np.arange(40))  # the k-th out lies within the first 8 + k inputs
    assert not np.array_equal(order, np.arange(100)) and not np.array_equal(order, buffer_order(100, 8, [0, 2]))
    np.testing.assert_array_equal(order, buffer_order(100, 8, [0, 1]))
    assert sorted(buffer_order(5, 100, [1, 1])) == list(range(5))  # a buffer larger than the data


def test_random_perturbations_follow_a_stateless_seed():
    from convrnn_bl.perturbations import ContrastNoise, GaussianBlur

    (x, _), _ = load_fashion_mnist_subset()
    images = np.repeat(x[:8, :SIZE, :SIZE], 3, axis=-1).astype(np.float32) / 255
    for layer in (GaussianBlur(random_sigma=True), ContrastNoise(random_sd=True)):
        one, again, other = (np.asarray(layer(images, seed=np.array(s, np.int64))) for s in ([0, 5], [0, 5], [0, 6]))
        np.testing.assert_array_equal(one, again)
        assert not np.allclose(one, other)
