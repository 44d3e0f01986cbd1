"""Images for the BL speed-accuracy experiment: preparation, test conditions, training mix.

Images are float32 in [0, 1], shaped (N, H, W, 1), zero-padded to ``size`` (Fashion-MNIST's
28 x 28 -> 32 x 32: BL's six 2 x 2 poolings need 64 px for all seven layers, 32 px for six).
Perturbations act on [0, 1] images; :func:`to_model_range` then maps to [-1, 1], the range
``preprocess_image`` gives BL.

- noise: additive Gaussian noise, sd in [0, 1] pixel units, independent per pixel, no clipping
  (so the pixel variance grows by exactly sd**2). A plain tf op: SATBench's
  :class:`~convrnn_bl.perturbations.ContrastNoise` also lowers contrast and truncates the noise.
- blur: :class:`~convrnn_bl.perturbations.GaussianBlur` (SATBench's 49-tap kernel, zero padding,
  which is the Fashion-MNIST background).
"""
from dataclasses import dataclass

import tensorflow as tf

from convrnn_bl.perturbations import GaussianBlur, gaussian_blur

KINDS = ("clean", "noise", "blur")


@dataclass(frozen=True)
class Condition:
    """One test condition: ``kind`` in KINDS and its ``level`` (noise sd or blur sigma)."""

    kind: str
    level: float = 0.0

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"unknown condition kind {self.kind!r}; allowed: {', '.join(KINDS)}")
        if self.level < 0 or (self.kind == "clean" and self.level != 0):
            raise ValueError(f"bad level {self.level!r} for a {self.kind} condition")

    @property
    def name(self):
        return "clean" if self.kind == "clean" else f"{self.kind}_{self.level:g}"


def conditions(noise_sds, blur_sigmas):
    """Clean, then one condition per noise sd and per blur sigma."""
    return ([Condition("clean")] + [Condition("noise", float(s)) for s in noise_sds]
            + [Condition("blur", float(s)) for s in blur_sigmas])


def prepare_images(images, size=32):
    """uint8 (N, h, w[, 1]) -> float32 (N, size, size, 1) in [0, 1], centred with zero padding."""
    images = tf.convert_to_tensor(images)
    if images.dtype != tf.uint8:
        raise TypeError(f"expected uint8 images, got {images.dtype.name}")
    if images.shape.rank == 3:
        images = images[..., None]
    height, width = images.shape[1], images.shape[2]
    if height > size or width > size:
        raise ValueError(f"images of {height}x{width} do not fit in {size}x{size}")
    top, left = (size - height) // 2, (size - width) // 2
    images = tf.cast(images, tf.float32) / 255.0
    return tf.pad(images, [[0, 0], [top, size - height - top], [left, size - width - left], [0, 0]])


def to_model_range(images):
    """[0, 1] -> [-1, 1] (BL's ``preprocess_image`` scaling)."""
    return images * 2.0 - 1.0


def add_noise(images, sd, seed):
    """Adds N(0, sd**2) per pixel; ``sd`` a scalar or (N,) per image; ``seed`` a stateless
    seed pair, so the same seed gives the same noise."""
    sd = tf.reshape(tf.cast(sd, tf.float32), [-1, 1, 1, 1])
    return images + sd * tf.random.stateless_normal(tf.shape(images), seed)


def blur(images, sigma):
    """Gaussian blur with one sigma for every image (the test version of GaussianBlur)."""
    return GaussianBlur(sigma=sigma)(images) if sigma > 0 else images


def perturb(images, condition, seed=(0, 0)):
    """The images under ``condition`` (float [0, 1] in, float out; noise is not clipped)."""
    if condition.kind == "noise":
        return add_noise(images, condition.level, seed)
    if condition.kind == "blur":
        return blur(images, condition.level)
    return images


class TrainingMix:
    """Training-time augmentation: each image is clean, noisy or blurred with equal probability,
    with a level drawn uniformly from [0, max_sd] (noise) or {0, 0.1, ..., max_sigma} (blur), as
    SATBench draws its training levels.

    ``mode="clean"`` leaves the images unchanged. Called on a batch of [0, 1] images with an int
    ``step`` (the batch index); all draws are stateless, so (seed, step) fixes the result.
    """

    def __init__(self, max_sd, max_sigma, seed=0, mode="mix"):
        if mode not in ("mix", "clean"):
            raise ValueError(f"mode must be 'mix' or 'clean', got {mode!r}")
        self.max_sd, self.max_sigma, self.seed, self.mode = float(max_sd), float(max_sigma), int(seed), mode

    def __call__(self, images, step):
        if self.mode == "clean":
            return images
        n = tf.shape(images)[0]
        seed = tf.stack([tf.constant(self.seed, tf.int64), tf.cast(step, tf.int64)])
        draws = tf.random.stateless_uniform([3, n], seed)
        kind = tf.cast(tf.floor(draws[0] * 3.0), tf.int32)[:, None, None, None]  # 0 clean, 1 noise, 2 blur
        noisy = add_noise(images, draws[1] * self.max_sd, seed + 1)
        sigma = tf.floor(draws[2] * (round(self.max_sigma / 0.1) + 1)) * 0.1
        blurred = gaussian_blur(images, sigma)
        return tf.where(kind == 1, noisy, tf.where(kind == 2, blurred, images))
