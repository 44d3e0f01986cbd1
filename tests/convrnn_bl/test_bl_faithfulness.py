"""SATBench train.py's noise condition: ours applies the noise its tag names (the original's
``if grayscale: ... elif gauss_noise:`` trained the noise tag on plain grey images)."""
import os

import numpy as np
import pytest
import tensorflow as tf

from convrnn_bl.data import augmentation, training_datasets
from drc.core.datasets import load_fashion_mnist_subset

TRUNCATED_SD = 0.8796  # sd of a unit normal truncated at +-2
GREYS = (40, 90, 140, 200)


def _clean_low_contrast(images, size):
    """NumPy reference: centre crop, /255, grey -> 3 channels, contrast 0.2 about mean 0.5."""
    top = (images.shape[1] - size) // 2
    x = images[:, top:top + size, top:top + size].astype(np.float64) / 255
    x = np.repeat(x, 3, axis=-1)
    return 0.5 + 0.2 * (x - x.mean(axis=(1, 2, 3), keepdims=True))


def test_noise_tag_test_version_is_low_contrast_plus_truncated_noise_on_real_images():
    (x, _), _ = load_fashion_mnist_subset()
    images = x[:32].astype(np.float32)
    out = augmentation("noise-contrast-gray", False, 24)(images, training=False).numpy()
    residual = out - _clean_low_contrast(images, 24)
    assert out.shape == (32, 24, 24, 3)
    np.testing.assert_allclose(residual[..., 0], residual[..., 2], atol=1e-6)  # one noise field per image
    assert np.abs(residual).max() <= 2 * 0.04 + 1e-5  # truncated at 2 sd
    assert residual.std() == pytest.approx(0.04 * TRUNCATED_SD, rel=0.05)
    grey = augmentation("grayscale", False, 24)(images, training=False).numpy()
    plain = np.repeat(images[:, 2:26, 2:26] / 255, 3, axis=-1)
    np.testing.assert_allclose(grey, plain, atol=1e-6)  # the grey condition: no contrast change, no noise


def _write_constant_tree(root, size=40, per_class=8):
    for c, name in enumerate(("bear", "cat")):
        folder = os.path.join(root, name)
        os.makedirs(folder)
        for k in range(per_class):
            level = GREYS[(c + k) % len(GREYS)]
            png = tf.io.encode_png(tf.fill([size, size, 1], tf.constant(level, tf.uint8)))
            tf.io.write_file(os.path.join(folder, f"img{k}.png"), png)
    return str(root)


@pytest.mark.parametrize("tag", ["noise-contrast-gray", "grayscale"])
def test_training_batches_of_the_noise_tag_carry_noise(tmp_path, tag):
    # uniform grey images: flips, crops and resizing leave them unchanged, and contrast 0.2 about
    # their own mean makes them exactly 0.5, so whatever differs from 0.5 is the added noise
    train_dir = _write_constant_tree(tmp_path / "train")
    val_dir = _write_constant_tree(tmp_path / "val")
    train, val, _, names = training_datasets(train_dir, val_dir, tag, 16, 32, 8, seed=0)
    x = next(iter(train))[0].numpy()
    assert names == ["bear", "cat"] and x.shape == (16, 32, 32, 3)
    if tag == "grayscale":
        assert {round(v * 255) for v in np.unique(x)} <= set(GREYS)
        return
    noise = x - 0.5
    np.testing.assert_allclose(noise[..., 0], noise[..., 1], atol=1e-6)
    sds = noise.std(axis=(1, 2, 3)) / TRUNCATED_SD
    grid = np.arange(0, 0.0401, 0.01)
    assert np.all(np.abs(sds[:, None] - grid).min(axis=1) < 0.004)  # each image's sd from {0, 0.01, ..., 0.04}
    assert sds.max() > 0.015 and len(np.unique(np.round(sds, 2))) >= 2  # noise, drawn per image
    val_noise = next(iter(val))[0].numpy() - 0.5
    assert val_noise.std() == pytest.approx(0.04 * TRUNCATED_SD, rel=0.05)  # the test version: sd 0.04
