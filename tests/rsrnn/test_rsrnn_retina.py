"""The retina against independent NumPy re-derivations: the warp (closed form), its inverse,
bilinear sampling with align_corners=True (and SciPy's map_coordinates), the foveal blur."""
import math

import numpy as np
import pytest
from scipy import ndimage

import rsrnn
from rsrnn import retina
from rsrnn.errors import RSRNNError

FIXATIONS = np.array([[0.0, 0.0], [0.5, -0.3], [1.0, 1.0], [-1.0, 0.2], [0.999, -0.999], [-0.05, 0.9]],
                     np.float32)


def numpy_warp(fixations, m, n, d, points):
    """Image coordinates of retinal points, from the formulas simplified by hand: with
    rp = n / m, b/sqrt(pi)/(1 - e^(a/2)) = 1/(1 - sqrt(d)), so r(r') = (d^(r'/(2 rp)) - 1)/(sqrt(d) - 1)
    and xy2ret(x) = 2 rp / ln(d) * ln(1 + (sqrt(d) - 1) x)."""
    rp = n / m
    f = fixations.astype(np.float64)
    shift = np.sign(f) * (rp - 2 * rp / math.log(d) * np.log1p((math.sqrt(d) - 1) * (1 - np.abs(f))))
    v = points.astype(np.float64) * rp - shift[:, None, :]
    radius_p = np.linalg.norm(v, axis=-1, keepdims=True)
    radius = (d ** (radius_p / (2 * rp)) - 1) / (math.sqrt(d) - 1)
    unit = np.divide(v, radius_p, out=np.zeros_like(v), where=radius_p > 0)
    return f[:, None, :] + radius * unit


@pytest.mark.parametrize("m, n, d", [(96, 32, 15.0), (224, 112, 15.0), (64, 64, 2.5), (50, 17, 4.0), (33, 8, 1.5)])
def test_retina_grid_matches_the_numpy_re_derivation(m, n, d):
    ticks = np.linspace(-1, 1, n)
    xs, ys = np.meshgrid(ticks, ticks)
    points = np.broadcast_to(np.stack([xs, ys], -1).reshape(1, -1, 2), (len(FIXATIONS), n * n, 2))
    expected = numpy_warp(FIXATIONS, m, n, d, points).reshape(len(FIXATIONS), n, n, 2)
    grid = np.asarray(rsrnn.retina_grid(FIXATIONS, m, n, d))
    assert grid.shape == (len(FIXATIONS), n, n, 2)
    np.testing.assert_allclose(grid, expected, atol=2e-5 * max(1.0, np.abs(expected).max()))


def test_warp_landmarks():
    m, n, d = 96, 32, 15.0
    centre = np.zeros((1, 2), np.float32)
    ends = np.array([[[1.0, 0.0], [-1.0, 0.0], [0.0, 1.0], [0.0, 0.0]]], np.float32)
    np.testing.assert_allclose(np.asarray(retina.retina_to_image(centre, ends, m, n, d)), ends, atol=1e-6)
    # at a fixation on the border the retina's own border position looks at the fixation
    border = np.array([[1.0, -1.0]], np.float32)
    np.testing.assert_allclose(np.asarray(retina.retina_to_image(border, np.array([[[1.0, -1.0]]]), m, n, d)),
                               [[[1.0, -1.0]]], atol=1e-6)
    # the fovea is magnified sqrt(d) times more than the periphery
    rp = n / m
    small = 1e-3
    fovea = np.asarray(retina.retina_to_image(centre, np.array([[[small, 0.0]]]), m, n, d))[0, 0, 0]
    edge = np.asarray(retina.retina_to_image(centre, np.array([[[1.0, 0.0], [1 - small, 0.0]]]), m, n, d))[0, :, 0]
    assert (edge[0] - edge[1]) / fovea == pytest.approx(math.sqrt(d), rel=2e-2)
    assert rp == pytest.approx(1 / 3)


@pytest.mark.parametrize("m, n, d", [(96, 32, 15.0), (64, 16, 2.5), (40, 40, 3.0)])
def test_inverse_map_inverts_the_forward_map(m, n, d):
    rng = np.random.default_rng(1)
    coords = rng.uniform(-1, 1, size=(len(FIXATIONS), 50, 2)).astype(np.float32)
    image_points = retina.retina_to_image(FIXATIONS, coords, m, n, d)
    np.testing.assert_allclose(np.asarray(retina.image_to_retina(FIXATIONS, image_points, m, n, d)), coords, atol=2e-4)
    points = rng.uniform(-1, 1, size=(len(FIXATIONS), 50, 2)).astype(np.float32)
    back = retina.retina_to_image(FIXATIONS, retina.image_to_retina(FIXATIONS, points, m, n, d), m, n, d)
    np.testing.assert_allclose(np.asarray(back), points, atol=2e-4)


def numpy_bilinear(images, grid):
    """Bilinear sampling with align_corners=True, zero outside: a loop over output pixels."""
    batch, height, width, channels = images.shape
    out = np.zeros(grid.shape[:3] + (channels,))
    for b in range(batch):
        for i in range(grid.shape[1]):
            for j in range(grid.shape[2]):
                px = (grid[b, i, j, 0] + 1) / 2 * (width - 1)
                py = (grid[b, i, j, 1] + 1) / 2 * (height - 1)
                x0, y0 = math.floor(px), math.floor(py)
                for xi, wx in ((x0, 1 - (px - x0)), (x0 + 1, px - x0)):
                    for yi, wy in ((y0, 1 - (py - y0)), (y0 + 1, py - y0)):
                        if 0 <= xi < width and 0 <= yi < height:
                            out[b, i, j] += wx * wy * images[b, yi, xi]
    return out


def test_bilinear_sampling_matches_numpy_and_scipy_with_zero_padding():
    rng = np.random.default_rng(2)
    images = rng.uniform(size=(3, 9, 9, 2)).astype(np.float32)
    grid = rng.uniform(-1.3, 1.3, size=(3, 7, 5, 2)).astype(np.float32)
    grid[0, 0, 0] = [-1.0, -1.0]
    grid[0, 0, 1] = [1.0, 1.0]
    grid[0, 0, 2] = [1.0 + 2 / 8, 0.0]  # a whole pixel beyond the last centre
    ours = np.asarray(retina.bilinear_sample(images, grid))
    np.testing.assert_allclose(ours, numpy_bilinear(images, grid), atol=1e-5)
    np.testing.assert_allclose(ours[0, 0, 0], images[0, 0, 0], atol=1e-6)
    np.testing.assert_allclose(ours[0, 0, 1], images[0, -1, -1], atol=1e-6)
    np.testing.assert_allclose(ours[0, 0, 2], 0.0, atol=1e-6)
    for b in range(3):
        rows = (grid[b, ..., 1] + 1) / 2 * 8
        cols = (grid[b, ..., 0] + 1) / 2 * 8
        for c in range(2):
            ref = ndimage.map_coordinates(images[b, ..., c].astype(np.float64), [rows, cols], order=1,
                                          mode="grid-constant", cval=0.0)
            np.testing.assert_allclose(ours[b, ..., c], ref, atol=1e-5)


def test_sampler_without_blur_is_bilinear_sampling_at_the_warp_grid():
    rng = np.random.default_rng(3)
    images = rng.uniform(size=(len(FIXATIONS), 24, 24, 1)).astype(np.float32)
    sampler = rsrnn.RetinalSampler(8, density_ratio=4.0, blur=False)
    ticks = np.linspace(-1, 1, 8)
    xs, ys = np.meshgrid(ticks, ticks)
    points = np.broadcast_to(np.stack([xs, ys], -1).reshape(1, -1, 2), (len(FIXATIONS), 64, 2))
    grid = numpy_warp(FIXATIONS, 24, 8, 4.0, points).reshape(len(FIXATIONS), 8, 8, 2)
    np.testing.assert_allclose(np.asarray(sampler(images, FIXATIONS)), numpy_bilinear(images, grid), atol=1e-5)
    # each image of a batch is sampled at its own fixation
    single = np.asarray(sampler(images[2:3], FIXATIONS[2:3]))
    np.testing.assert_allclose(np.asarray(sampler(images, FIXATIONS))[2:3], single, atol=1e-6)


def numpy_foveal_blur(images, fixations, sigmas, radii, k):
    batch, height, width, channels = images.shape
    pad = (k - 1) // 2
    padded = np.pad(images, ((0, 0), (pad, pad), (pad, pad), (0, 0)), mode="edge")
    idx = np.arange(k)
    blurred = []
    for sigma in sigmas:
        kernel = np.exp(-((idx[None] - k / 2) ** 2 + (idx[:, None] - k / 2) ** 2) / (2 * (sigma + 1e-6) ** 2))
        kernel /= kernel.sum()
        out = np.zeros_like(images, dtype=np.float64)
        for di in range(k):
            for dj in range(k):
                out += kernel[di, dj] * padded[:, di:di + height, dj:dj + width]
        blurred.append(out)
    masks = []
    for r in radii:
        s = r * max(height, width)
        cx = (fixations[:, 0] + 1) / 2 * width
        cy = (fixations[:, 1] + 1) / 2 * height
        g = np.exp(-((np.arange(width)[None, None] - cx[:, None, None]) ** 2
                     + (np.arange(height)[None, :, None] - cy[:, None, None]) ** 2) / (2 * (s + 1e-6) ** 2))
        masks.append((g / g.max(axis=(1, 2), keepdims=True))[..., None])
    result = images * masks[0]
    for i, b in enumerate(blurred):
        upper = masks[i + 1] if i + 1 < len(masks) else 1.0
        result = result + b * (upper - masks[i])
    return result


@pytest.mark.parametrize("size, k", [(20, 7), (15, 5)])
def test_foveal_blur_matches_the_numpy_re_derivation(size, k):
    rng = np.random.default_rng(4)
    images = rng.uniform(size=(3, size, size, 2)).astype(np.float32)
    fixations = FIXATIONS[:3]
    ours = np.asarray(retina.foveal_blur(images, fixations, (1.0, 2.0, 3.0), (0.2, 0.35, 0.5), k))
    np.testing.assert_allclose(ours, numpy_foveal_blur(images, fixations, (1.0, 2.0, 3.0), (0.2, 0.35, 0.5), k),
                               atol=1e-5)
    # the fixated pixel keeps (nearly) its value; far away the image is blurred
    flat = np.full((1, size, size, 1), 0.5, np.float32)
    np.testing.assert_allclose(np.asarray(retina.foveal_blur(flat, fixations[:1])), 0.5, atol=1e-6)


def test_the_sampler_is_differentiable_with_respect_to_the_image():
    import tensorflow as tf

    images = tf.Variable(np.random.default_rng(5).uniform(size=(2, 24, 24, 1)).astype(np.float32))
    sampler = rsrnn.RetinalSampler(8, density_ratio=15.0)
    with tf.GradientTape() as tape:
        total = tf.reduce_sum(sampler(images, FIXATIONS[:2]))
    grad = tape.gradient(total, images).numpy()
    assert grad.shape == (2, 24, 24, 1) and np.all(np.isfinite(grad)) and (grad > 0).mean() > 0.3


def test_sampler_round_trips_its_config():
    sampler = rsrnn.RetinalSampler(16, density_ratio=2.5, blur_sigmas=(1, 3, 5))
    again = rsrnn.RetinalSampler.from_config(sampler.get_config())
    assert (again.output_size, again.density_ratio, again.blur_sigmas) == (16, 2.5, (1.0, 3.0, 5.0))


@pytest.mark.parametrize("call, message", [
    (lambda: rsrnn.retina_grid(np.array([[1.2, 0.0]]), 96, 32, 15.0), r"fixation 1.2\d* is outside \[-1, 1\]"),
    (lambda: rsrnn.retina_grid(np.zeros((1, 2)), 16, 32, 15.0),
     r"the image \(16 px\) is smaller than the retina's output \(32 px\)"),
    (lambda: rsrnn.retina_grid(np.zeros((1, 2)), 96, 32, 1.0), "density_ratio=1.0 must be > 1"),
    (lambda: rsrnn.RetinalSampler(32)(np.zeros((1, 16, 16, 1), np.float32), np.zeros((1, 2), np.float32)),
     r"the image \(16 px\) is smaller than the retina's output \(32 px\)"),
    (lambda: rsrnn.RetinalSampler(8)(np.zeros((1, 16, 16, 1), np.float32), np.array([[0.0, -1.5]], np.float32)),
     r"fixation -1.5 is outside \[-1, 1\]"),
])
def test_bad_retina_inputs_are_one_line_errors(call, message):
    with pytest.raises(RSRNNError, match=message):
        call()
