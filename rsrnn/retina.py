"""The retina of RS-RNN: the radial warp of DualStreamBrains' ``make_xy2ret_grid_r``, its inverse,
bilinear sampling with ``align_corners=True`` semantics and the foveal blur.

Coordinates are the original's normalised (x, y): x along columns, y along rows, -1 and 1 the
centres of the first and last pixels. A retinal image of n x n pixels taken from an m x m image
at fixation f holds, at retinal position u, the image at ``retina_to_image(f, u)``:

- rp_max = n / m, a = ln(d) / rp_max, b = sqrt(pi) (1 - e^(a/2)) / (1 - e^(a rp_max / 2));
- per axis, the fixation shift f' = sign(f) (n/m - xy2ret(1 - |f|)) with
  xy2ret(x) = 2/a ln(1 - sqrt(pi)/b (1 - e^(a/2)) x);
- v = u n/m - f' in polar form (r', theta); r' becomes r = b/sqrt(pi) (1 - e^(a r'/2)) / (1 - e^(a/2));
  the image point is f + r (cos theta, sin theta).

d is the area density ratio between fovea and periphery (> 1). ``image_to_retina`` inverts the map
(DualStreamBrains' ``make_ret2xy_grid_r``). All functions accept NumPy arrays or tensors and are
vectorised over the batch and any number of points.
"""
import math

import numpy as np

from rsrnn.errors import RSRNNError, check_fixations_in_range

FOVEA_SIGMAS = (1.0, 2.0, 3.0)
"""Gaussian blur sigmas (pixels) of the ventral stream's foveal blur."""
FOVEA_RADII = (40 / 224, 70 / 224, 90 / 224)
"""Blend-mask widths of the foveal blur: the original's 40 / 70 / 90 px on 224-px images, as
fractions of the image side."""
BLUR_KERNEL_SIZE = 7


def warp_constants(image_size, output_size, density_ratio):
    """(rp_max, a, b) of the warp from an ``image_size`` image to an ``output_size`` retina."""
    _check_sizes(image_size, output_size)
    density_ratio = float(density_ratio)
    if not density_ratio > 1.0:
        raise RSRNNError(f"density_ratio={density_ratio!r} must be > 1 (the fovea/periphery area density ratio)")
    rp_max = output_size / image_size
    a = math.log(density_ratio) / rp_max
    b = math.sqrt(math.pi) * (1 - math.exp(a / 2)) / (1 - math.exp(a * rp_max / 2))
    return rp_max, a, b


def _check_sizes(image_size, output_size):
    for name, value in (("image_size", image_size), ("output_size", output_size)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 2:
            raise RSRNNError(f"{name}={value!r} must be an integer >= 2 (pixels)")
    if output_size > image_size:
        raise RSRNNError(f"the image ({image_size} px) is smaller than the retina's output ({output_size} px); "
                         "use output_size <= image size")


def _ops():
    from keras import ops

    return ops


def _fixation_shift(fixations, a, b, rp_max):
    ops = _ops()
    f = ops.convert_to_tensor(fixations, dtype="float32")
    ret = 2 / a * ops.log(1 - math.sqrt(math.pi) / b * (1 - math.exp(a / 2)) * (1 - ops.abs(f)))
    return ops.sign(f) * (rp_max - ret)


def _expand_fixations(fixations, points):
    """(B, 2) fixations broadcast against (B, ..., 2) points."""
    ops = _ops()
    extra = len(points.shape) - 2
    return ops.reshape(fixations, (-1,) + (1,) * extra + (2,))


def retina_to_image(fixations, coords, image_size, output_size, density_ratio):
    """Image coordinates (B, ..., 2) of retinal coordinates ``coords`` (B, ..., 2) for retinas at
    ``fixations`` (B, 2): where a retinal position looks in the image (the original's
    ``convert_coords_ret2xy_r`` with the sampler's own m and n)."""
    ops = _ops()
    check_fixations_in_range(fixations)
    rp_max, a, b = warp_constants(image_size, output_size, density_ratio)
    f = ops.convert_to_tensor(fixations, dtype="float32")
    u = ops.convert_to_tensor(coords, dtype="float32")
    fp = _expand_fixations(_fixation_shift(f, a, b, rp_max), u)
    v = u * rp_max - fp
    radius_p = ops.sqrt(ops.sum(v * v, axis=-1))
    theta = ops.arctan2(v[..., 1], v[..., 0])
    radius = b / math.sqrt(math.pi) * (1 - ops.exp(a / 2 * radius_p)) / (1 - math.exp(a / 2))
    xy = ops.stack([radius * ops.cos(theta), radius * ops.sin(theta)], axis=-1)
    return xy + _expand_fixations(f, u)


def image_to_retina(fixations, points, image_size, output_size, density_ratio):
    """Retinal coordinates (B, ..., 2) of image points (B, ..., 2) for retinas at ``fixations``:
    the inverse of :func:`retina_to_image` (the original's ``make_ret2xy_grid_r``)."""
    ops = _ops()
    check_fixations_in_range(fixations)
    rp_max, a, b = warp_constants(image_size, output_size, density_ratio)
    f = ops.convert_to_tensor(fixations, dtype="float32")
    p = ops.convert_to_tensor(points, dtype="float32")
    fp = _expand_fixations(_fixation_shift(f, a, b, rp_max), p)
    w = p - _expand_fixations(f, p)
    radius = ops.sqrt(ops.sum(w * w, axis=-1))
    theta = ops.arctan2(w[..., 1], w[..., 0])
    radius_p = 2 / a * ops.log(1 - math.sqrt(math.pi) / b * (1 - math.exp(a / 2)) * radius)
    v = ops.stack([radius_p * ops.cos(theta), radius_p * ops.sin(theta)], axis=-1)
    return (v + fp) / rp_max


def regular_grid(size):
    """The (size, size, 2) grid of (x, y) over [-1, 1]^2, x along columns."""
    ticks = np.linspace(-1.0, 1.0, size, dtype=np.float32)
    xs, ys = np.meshgrid(ticks, ticks)
    return np.stack([xs, ys], axis=-1)


def retina_grid(fixations, image_size, output_size, density_ratio, resolution=None):
    """The (B, n, n, 2) sampling grid of retinas at ``fixations`` (B, 2): for each retinal pixel
    the (x, y) image coordinates it samples (the values ``make_xy2ret_grid_r`` returns).
    ``resolution`` evaluates the same warp on a coarser (or finer) regular grid (default n)."""
    ops = _ops()
    grid = regular_grid(resolution or output_size)
    batch = ops.shape(ops.convert_to_tensor(fixations))[0]
    grid = ops.broadcast_to(ops.convert_to_tensor(grid[None]), (batch,) + grid.shape)
    return retina_to_image(fixations, grid, image_size, output_size, density_ratio)


def crop_to_image(fixations, coords, image_size, output_size):
    """Image coordinates of crop coordinates: an n-pixel window at image resolution centred on the
    fixation (the Crop control: the fovea's sampling without the periphery)."""
    ops = _ops()
    _check_sizes(image_size, output_size)
    check_fixations_in_range(fixations)
    u = ops.convert_to_tensor(coords, dtype="float32")
    f = _expand_fixations(ops.convert_to_tensor(fixations, dtype="float32"), u)
    return f + u * ((output_size - 1) / (image_size - 1))


def bilinear_sample(images, grid):
    """Samples channels-last ``images`` (B, H, W, C) at ``grid`` (B, h, w, 2) of normalised (x, y):
    bilinear, ``align_corners=True`` (x = -1 is the first pixel's centre), zero outside the image
    (PyTorch's ``grid_sample(..., padding_mode='zeros', align_corners=True)``). Differentiable
    with respect to the images."""
    import tensorflow as tf

    images = tf.convert_to_tensor(images)
    grid = tf.cast(grid, images.dtype)
    shape = tf.shape(images)
    batch, height, width, channels = shape[0], shape[1], shape[2], shape[3]
    px = (grid[..., 0] + 1) / 2 * tf.cast(width - 1, images.dtype)
    py = (grid[..., 1] + 1) / 2 * tf.cast(height - 1, images.dtype)
    x0, y0 = tf.floor(px), tf.floor(py)
    flat = tf.reshape(images, (batch, -1, channels))
    out = 0.0
    for dx in (0.0, 1.0):
        for dy in (0.0, 1.0):
            xi, yi = x0 + dx, y0 + dy
            weight = (1 - tf.abs(px - xi)) * (1 - tf.abs(py - yi))
            inside = (xi >= 0) & (xi <= tf.cast(width - 1, xi.dtype)) & (yi >= 0) & (yi <= tf.cast(height - 1, yi.dtype))
            index = tf.cast(tf.clip_by_value(yi, 0, tf.cast(height - 1, yi.dtype)), tf.int32) * width + tf.cast(
                tf.clip_by_value(xi, 0, tf.cast(width - 1, xi.dtype)), tf.int32)
            index_shape = tf.shape(index)
            values = tf.gather(flat, tf.reshape(index, (batch, -1)), batch_dims=1)
            values = tf.reshape(values, tf.concat([index_shape, [channels]], 0))
            out += values * tf.expand_dims(weight * tf.cast(inside, weight.dtype), -1)
    return out


def gaussian_map(centres, sigmas, height, width):
    """(B, height, width) Gaussians over pixel indices (0 .. size-1) centred at
    (centre + 1) / 2 * size (the original's ``get_gaussian_kernel`` placement), divided by their
    maximum over the map. ``centres`` (B, 2) in [-1, 1], ``sigmas`` (B,) or a number, in pixels."""
    ops = _ops()
    c = ops.convert_to_tensor(centres, dtype="float32")
    s = ops.abs(ops.reshape(ops.convert_to_tensor(sigmas, dtype="float32"), (-1, 1, 1))) + 1e-6
    mx = ops.reshape((c[:, 0] + 1) / 2 * width, (-1, 1, 1))
    my = ops.reshape((c[:, 1] + 1) / 2 * height, (-1, 1, 1))
    xs = ops.reshape(ops.arange(width, dtype="float32"), (1, 1, -1))
    ys = ops.reshape(ops.arange(height, dtype="float32"), (1, -1, 1))
    g = ops.exp(-((xs - mx) ** 2 + (ys - my) ** 2) / (2 * s * s))
    return g / ops.max(g, axis=(1, 2), keepdims=True)


def blur_kernel(sigma, size=BLUR_KERNEL_SIZE):
    """The original's (size, size) blur kernel: a Gaussian over indices 0 .. size-1 centred at
    size / 2 (half a pixel off the middle, as ``get_gaussian_kernel`` places it), summing to 1."""
    idx = np.arange(size, dtype=np.float64)
    d2 = (idx[None, :] - size / 2) ** 2 + (idx[:, None] - size / 2) ** 2
    kernel = np.exp(-d2 / (2 * (abs(sigma) + 1e-6) ** 2))
    return (kernel / kernel.sum()).astype(np.float32)


def replicate_pad(x, pad):
    """Pads (B, H, W, C) by ``pad`` pixels on each side, repeating the edge pixels."""
    ops = _ops()
    if pad == 0:
        return x
    height, width = x.shape[1], x.shape[2]
    rows = np.clip(np.arange(-pad, height + pad), 0, height - 1)
    cols = np.clip(np.arange(-pad, width + pad), 0, width - 1)
    return ops.take(ops.take(x, rows, axis=1), cols, axis=2)


def foveal_blur(images, fixations, sigmas=FOVEA_SIGMAS, radii=FOVEA_RADII, kernel_size=BLUR_KERNEL_SIZE):
    """The foveal blur: the image blurred by Gaussians of ``sigmas`` (pixels, replicate padding),
    blended by max-normalised Gaussian masks of widths ``radii`` (fractions of the image side)
    centred on each fixation: I W0 + G1 (W1 - W0) + ... + G_k (1 - W_{k-1})."""
    ops = _ops()
    x = ops.convert_to_tensor(images)
    height, width, channels = x.shape[1], x.shape[2], x.shape[3]
    if height is None or width is None or channels is None:
        raise RSRNNError("foveal_blur needs images of known height, width and channels")
    pad = (kernel_size - 1) // 2
    padded = replicate_pad(x, pad)
    side = max(height, width)
    weights = [gaussian_map(fixations, r * side, height, width)[..., None] for r in radii]
    out = x * weights[0]
    for k, sigma in enumerate(sigmas):
        kernel = np.tile(blur_kernel(sigma, kernel_size)[:, :, None, None], (1, 1, channels, 1))
        blurred = ops.depthwise_conv(padded, kernel, strides=1, padding="valid")
        upper = weights[k + 1] if k + 1 < len(weights) else 1.0
        out = out + blurred * (upper - weights[k])
    return out
