"""The perturbation layers have the documented statistics (noise sd, contrast, blur sigma)."""
import numpy as np
import pytest
import tensorflow as tf

from convrnn_bl.perturbations import ContrastNoise, GaussianBlur, GrayscaleChannels, perturbation_layers

TRUNCATED_SD_FACTOR = 0.8796  # sd of a standard normal truncated at +-2


def discrete_kernel_sd(sigma, kernel_size=49):
    """Standard deviation of the normalised sampled Gaussian the blur documents (0: a delta)."""
    if sigma == 0:
        return 0.0
    x = np.arange(kernel_size) - kernel_size // 2
    w = np.exp(-x ** 2 / (2 * sigma ** 2))
    w /= w.sum()
    return float(np.sqrt((w * x ** 2).sum()))


def deltas(n, size=65, channels=1):
    image = np.zeros((n, size, size, channels), np.float32)
    image[:, size // 2, size // 2, 0] = 1.0
    return image


def spread(blurred):
    """Measured sigma of blurred deltas along rows and columns: (N, 2)."""
    size = blurred.shape[1]
    x = np.arange(size) - size // 2
    plane = blurred[..., 0].astype(np.float64)
    rows, cols = plane.sum(axis=2), plane.sum(axis=1)
    return np.stack([np.sqrt((rows * x ** 2).sum(1) / rows.sum(1)),
                     np.sqrt((cols * x ** 2).sum(1) / cols.sum(1))], axis=1)


def test_test_blur_has_sigma_3_and_a_normalised_separable_kernel():
    out = GaussianBlur()(deltas(2, channels=3)).numpy()
    np.testing.assert_allclose(spread(out), 3.0, atol=1e-4)
    np.testing.assert_allclose(out[..., 0].sum(axis=(1, 2)), 1.0, atol=1e-5)
    assert np.abs(out[..., 1:]).max() == 0  # channels are blurred independently
    plane = out[0, :, :, 0]
    np.testing.assert_allclose(plane, np.outer(plane.sum(1), plane.sum(0)), atol=1e-7)
    assert plane[32, 32 + 24] > 0 and plane[32, 32 + 25] == 0  # 49 taps: +-24 pixels


def test_blur_padding_zero_like_the_original_or_reflect():
    ones = np.ones((1, 60, 60, 3), np.float32)
    zero = GaussianBlur()(ones).numpy()
    np.testing.assert_allclose(zero[0, 30, 30], 1.0, atol=1e-5)
    half = sum(np.exp(-x ** 2 / 18) for x in range(0, 25)) / sum(np.exp(-x ** 2 / 18) for x in range(-24, 25))
    np.testing.assert_allclose(zero[0, 0, 0], half ** 2, atol=1e-5)  # a quarter of the kernel inside
    np.testing.assert_allclose(GaussianBlur(padding="reflect")(ones).numpy(), 1.0, atol=1e-5)
    with pytest.raises(ValueError, match="padding"):
        GaussianBlur(padding="wrap")


def test_train_blur_draws_sigma_per_image_from_the_grid():
    out = GaussianBlur(random_sigma=True, seed=3)(deltas(120)).numpy()
    measured = spread(out)
    np.testing.assert_allclose(measured[:, 0], measured[:, 1], atol=1e-4)  # one sigma per image
    grid = np.array([discrete_kernel_sd(s) for s in np.round(np.arange(0, 3.05, 0.1), 1)])
    distance = np.abs(measured[:, :1] - grid[None, :]).min(axis=1)
    assert distance.max() < 1e-4
    assert len(np.unique(np.round(measured[:, 0], 3))) >= 15
    assert measured.max() <= 3.0 + 1e-4 and measured.min() < 1e-6  # sigma 0 (no blur) occurs


def test_test_noise_has_contrast_02_and_truncated_sd_004_on_every_channel():
    gray = np.full((16, 64, 64, 1), 0.3, np.float32)
    out = ContrastNoise()(gray).numpy()
    assert out.shape == (16, 64, 64, 3)
    np.testing.assert_array_equal(out[..., 0], out[..., 1])
    np.testing.assert_array_equal(out[..., 0], out[..., 2])
    noise = out[..., 0] - 0.5  # a flat image: only noise around the new mean 0.5
    assert abs(noise.mean()) < 1e-3
    np.testing.assert_allclose(noise.std(), 0.04 * TRUNCATED_SD_FACTOR, rtol=0.02)
    assert np.abs(noise).max() <= 2 * 0.04 + 1e-6 and np.abs(noise).max() > 1.95 * 0.04


def test_contrast_is_reduced_to_02_around_mean_05():
    image = np.random.default_rng(0).uniform(0, 1, (4, 32, 32, 1)).astype(np.float32)
    out = ContrastNoise(sd=0.0)(image).numpy()[..., 0]
    x = image[..., 0]
    expected = 0.5 + 0.2 * (x - x.mean(axis=(1, 2), keepdims=True))
    np.testing.assert_allclose(out, expected, atol=1e-6)
    np.testing.assert_allclose(out.mean(axis=(1, 2)), 0.5, atol=1e-6)
    np.testing.assert_allclose(out.std(axis=(1, 2)) / x.std(axis=(1, 2)), 0.2, rtol=1e-4)


def test_train_noise_draws_sd_per_image_from_0_to_004():
    flat = np.full((150, 64, 64, 1), 0.7, np.float32)
    out = ContrastNoise(random_sd=True, seed=5)(flat).numpy()
    sd = (out[..., 0] - 0.5).std(axis=(1, 2)) / TRUNCATED_SD_FACTOR
    levels = np.round(sd / 0.01)
    np.testing.assert_allclose(sd, levels * 0.01, atol=0.003)  # sampling error ~1.3% of sd
    assert set(levels.astype(int)) == {0, 1, 2, 3, 4}


def test_grayscale_channels_repeats_one_channel():
    gray = np.random.default_rng(1).uniform(0, 1, (2, 8, 8, 1)).astype(np.float32)
    out = GrayscaleChannels()(gray).numpy()
    assert out.shape == (2, 8, 8, 3)
    for c in range(3):
        np.testing.assert_array_equal(out[..., c], gray[..., 0])
    rgb = np.random.default_rng(2).uniform(0, 1, (2, 8, 8, 3)).astype(np.float32)
    np.testing.assert_array_equal(GrayscaleChannels()(rgb).numpy(), rgb)
    with pytest.raises(ValueError, match="1 or 3 channels"):
        GrayscaleChannels()(np.zeros((1, 4, 4, 2), np.float32))


def test_layers_round_trip_their_config_and_run_in_tf_data():
    for layer in (ContrastNoise(sd=0.03, contrast=0.5, random_sd=True, seed=2),
                  GaussianBlur(sigma=2.0, kernel_size=21, random_sigma=True, padding="reflect")):
        clone = type(layer).from_config(layer.get_config())
        assert clone.get_config() == layer.get_config()
    pipeline = [GrayscaleChannels(), ContrastNoise(random_sd=True), GaussianBlur(random_sigma=True)]

    def perturb(x):
        for layer in pipeline:
            x = layer(x)
        return x

    ds = tf.data.Dataset.from_tensor_slices(np.full((5, 40, 40, 1), 0.5, np.float32)).batch(2).map(perturb)
    shapes = [tuple(batch.shape) for batch in ds]
    assert shapes == [(2, 40, 40, 3), (2, 40, 40, 3), (1, 40, 40, 3)]


def test_perturbation_layers_of_each_tag():
    assert perturbation_layers("color", True) == []
    assert [type(x) for x in perturbation_layers("grayscale", False)] == [GrayscaleChannels]
    noise_train, = perturbation_layers("noise-contrast-gray", True)
    noise_test, = perturbation_layers("noise-contrast-gray", False)
    assert noise_train.random_sd and not noise_test.random_sd and noise_test.sd == 0.04
    assert noise_test.contrast == 0.2
    blur_train, = perturbation_layers("blur-color", True)
    blur_test, = perturbation_layers("blur-color", False)
    assert blur_train.random_sigma and not blur_test.random_sigma
    assert (blur_test.sigma, blur_test.kernel_size) == (3.0, 49)
    with pytest.raises(ValueError, match="unknown tag"):
        perturbation_layers("sepia", True)
