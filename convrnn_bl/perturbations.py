"""SATBench's image perturbations as Keras layers in pure TensorFlow (no tensorflow-io or -addons).

All layers take float images in [0, 1] (after ``Rescaling(1/255)``), shaped (N, H, W, C), and work
inside ``tf.data`` pipelines and models alike. They perturb on every call, whatever the
``training`` flag: the perturbation *is* the experimental condition. The random ones take an
optional call argument ``seed``, a stateless seed ((2,) int tensor) fixing that call's draws
(for pipelines resumed mid-run). Each has the train-time random version and the fixed test
version of the original:

- :class:`GrayscaleChannels`: one grey channel repeated to three (three channels pass through).
- :class:`ContrastNoise`: contrast reduced to ``contrast`` (0.2) around mean 0.5, plus Gaussian
  noise truncated at +-2 sd, the same noise on every channel. Test: sd 0.04. Train
  (``random_sd=True``): sd drawn per image from {0, 0.01, ..., 0.04}.
- :class:`GaussianBlur`: a 49x49 Gaussian kernel (normalised over its taps), zero padding as in
  the original's ``tfio.experimental.filter.gaussian`` default. Test: sigma 3. Train
  (``random_sigma=True``): sigma drawn per image from {0, 0.1, ..., 3.0} (0: no blur).
"""
import keras
import tensorflow as tf


def _grid_choice(maximum, step, batch, seed, stateless_seed=None):
    """Per-image values drawn uniformly from {0, step, 2 step, ..., maximum} (shape (batch,))."""
    n_values = int(round(maximum / step)) + 1
    if stateless_seed is not None:
        index = tf.random.stateless_uniform([batch], stateless_seed, 0, n_values, dtype=tf.int32)
    else:
        index = tf.random.uniform([batch], 0, n_values, dtype=tf.int32, seed=seed)
    return tf.cast(index, tf.float32) * step


def to_three_channels(images):
    """Repeats a single channel three times; other channel counts are returned unchanged."""
    if images.shape[-1] == 1:
        return tf.image.grayscale_to_rgb(images)
    return images


@keras.saving.register_keras_serializable(package="convrnn_bl")
class GrayscaleChannels(keras.layers.Layer):
    """Grayscale to three channels: (N, H, W, 1) -> (N, H, W, 3) by repetition."""

    def call(self, images):
        if images.shape[-1] not in (1, 3):
            raise ValueError(f"expected 1 or 3 channels, got {images.shape[-1]}")
        return to_three_channels(images)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (3,)


@keras.saving.register_keras_serializable(package="convrnn_bl")
class ContrastNoise(keras.layers.Layer):
    """Low contrast plus truncated Gaussian noise (SATBench's noise condition).

    Each image (converted to three channels) is shifted to mean 0.5 and its contrast scaled by
    ``contrast`` about that mean: ``0.5 + contrast * (x - mean(x))``. Then noise with standard
    deviation ``sd`` (of the untruncated normal), truncated at +-2 sd, is added; the same noise
    field goes on every channel. No clipping (as in the original).

    Args:
        sd: noise standard deviation (test version), or the largest one drawn (train version).
        contrast: contrast factor (0.2 in SATBench).
        random_sd: train version: each image's sd is drawn from {0, sd_step, ..., sd}.
        sd_step: grid step of the random sd.
        seed: optional op-level seed of the random ops.
    """

    def __init__(self, sd=0.04, contrast=0.2, random_sd=False, sd_step=0.01, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.sd = float(sd)
        self.contrast = float(contrast)
        self.random_sd = bool(random_sd)
        self.sd_step = float(sd_step)
        self.seed = seed

    def call(self, images, seed=None):
        images = to_three_channels(tf.cast(images, tf.float32))
        mean = tf.reduce_mean(images, axis=[1, 2, 3], keepdims=True)
        images = 0.5 + self.contrast * (images - mean)
        shape = tf.shape(images)
        sd_seed, noise_seed = (None, None) if seed is None else tf.unstack(tf.random.split(seed, 2))
        if self.random_sd:
            sd = _grid_choice(self.sd, self.sd_step, shape[0], self.seed, sd_seed)[:, None, None, None]
        else:
            sd = tf.fill([shape[0], 1, 1, 1], self.sd)
        noise_shape = [shape[0], shape[1], shape[2], 1]
        if seed is None:
            noise = tf.random.truncated_normal(noise_shape, seed=self.seed)
        else:
            noise = tf.random.stateless_truncated_normal(noise_shape, noise_seed)
        return images + noise * sd

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (3,)

    def get_config(self):
        config = super().get_config()
        config.update(sd=self.sd, contrast=self.contrast, random_sd=self.random_sd,
                      sd_step=self.sd_step, seed=self.seed)
        return config


def _blur_matrices(sigma, size, kernel_size, padding):
    """(N, size, size) matrices M with M[n] @ column = the column blurred with sigma[n].

    Row i of M[n] holds the kernel taps centred on i; taps falling outside the image are dropped
    (``padding="constant"``: zero padding) or mirrored back in (``padding="reflect"``).
    """
    half = kernel_size // 2
    offsets = tf.range(kernel_size, dtype=tf.int32) - half                    # (k,)
    positions = tf.range(size, dtype=tf.int32)[:, None] + offsets[None, :]    # (size, k)
    if padding == "reflect":
        period = tf.maximum(2 * (size - 1), 1)
        wrapped = tf.math.floormod(positions, period)
        positions = tf.where(wrapped >= size, period - wrapped, wrapped)
    else:  # constant: an index of -1 one-hot encodes to zeros
        inside = (positions >= 0) & (positions < size)
        positions = tf.where(inside, positions, -1)
    scatter = tf.one_hot(positions, size, dtype=tf.float32)                   # (size, k, size)

    x = tf.cast(offsets, tf.float32)[None, :]                                 # (1, k)
    s = sigma[:, None]                                                        # (N, 1)
    gauss = tf.exp(-tf.square(x) / (2.0 * tf.square(tf.maximum(s, 1e-6))))
    delta = tf.cast(tf.equal(offsets, 0), tf.float32)[None, :]
    taps = tf.where(s > 0, gauss, delta)
    taps = taps / tf.reduce_sum(taps, axis=1, keepdims=True)                  # (N, k)
    return tf.einsum("nk,ikj->nij", taps, scatter)


def gaussian_blur(images, sigma, kernel_size=49, padding="constant"):
    """Blurs float images (N, H, W, C) with a per-image ``sigma`` ((N,) tensor; 0: unchanged);
    the function behind :class:`GaussianBlur`."""
    images = tf.cast(images, tf.float32)
    shape = tf.shape(images)
    sigma = tf.cast(sigma, tf.float32)
    rows = _blur_matrices(sigma, shape[1], kernel_size, padding)
    cols = _blur_matrices(sigma, shape[2], kernel_size, padding)
    images = tf.einsum("nij,njwc->niwc", rows, images)
    return tf.einsum("nwj,nhjc->nhwc", cols, images)


@keras.saving.register_keras_serializable(package="convrnn_bl")
class GaussianBlur(keras.layers.Layer):
    """Gaussian blur with a ``kernel_size`` x ``kernel_size`` kernel (SATBench's blur condition).

    The 2-D kernel is the outer product of a 1-D Gaussian sampled at integer offsets
    ``-(k // 2) .. k // 2`` and normalised to sum 1 (the kernel of
    ``tfio.experimental.filter.gaussian``). Applied separably, per image, as two matrix products,
    so each image in a batch can have its own sigma.

    Args:
        sigma: blur sigma in pixels (test version), or the largest one drawn (train version).
        kernel_size: kernel width and height (49 in SATBench).
        random_sigma: train version: each image's sigma is drawn from {0, sigma_step, ..., sigma}.
        sigma_step: grid step of the random sigma.
        padding: ``"constant"`` (zeros, the original's) or ``"reflect"``.
        seed: optional op-level seed of the random draw.
    """

    def __init__(self, sigma=3.0, kernel_size=49, random_sigma=False, sigma_step=0.1,
                 padding="constant", seed=None, **kwargs):
        super().__init__(**kwargs)
        if padding not in ("constant", "reflect"):
            raise ValueError(f"padding must be 'constant' or 'reflect', got {padding!r}")
        if kernel_size < 1 or kernel_size % 2 == 0:
            raise ValueError(f"kernel_size must be a positive odd number, got {kernel_size!r}")
        self.sigma = float(sigma)
        self.kernel_size = int(kernel_size)
        self.random_sigma = bool(random_sigma)
        self.sigma_step = float(sigma_step)
        self.padding = padding
        self.seed = seed

    def call(self, images, seed=None):
        images = tf.cast(images, tf.float32)
        shape = tf.shape(images)
        if self.random_sigma:
            sigma = _grid_choice(self.sigma, self.sigma_step, shape[0], self.seed, seed)
        else:
            sigma = tf.fill([shape[0]], self.sigma)
        return gaussian_blur(images, sigma, self.kernel_size, self.padding)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update(sigma=self.sigma, kernel_size=self.kernel_size,
                      random_sigma=self.random_sigma, sigma_step=self.sigma_step,
                      padding=self.padding, seed=self.seed)
        return config


def perturbation_layers(tag, train):
    """The perturbation layers of a SATBench condition, after ``Rescaling(1/255)``.

    ``tag`` is one of ``color``, ``grayscale``, ``blur-color``, ``noise-contrast-gray``; ``train``
    selects the random train-time version, else the fixed test version.
    """
    if tag == "color":
        return []
    if tag == "grayscale":
        return [GrayscaleChannels(name="grayscale_channels")]
    if tag == "noise-contrast-gray":
        return [ContrastNoise(random_sd=train, name="contrast_noise")]
    if tag == "blur-color":
        return [GaussianBlur(random_sigma=train, name="gaussian_blur")]
    raise ValueError(f"unknown tag {tag!r}; allowed: color, grayscale, blur-color, noise-contrast-gray")
