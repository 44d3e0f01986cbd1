"""affine_grid / grid_sample against a NumPy bilinear reference (align_corners=False, zero padding)."""
import numpy as np

from whatwhere.sampler import affine_grid, AttentionTheta, grid_sample


def reference_sample(image, theta, h_out, w_out):
    h, w, c = image.shape
    out = np.zeros((h_out, w_out, c))
    for r in range(h_out):
        for q in range(w_out):
            xn, yn = (2 * q + 1) / w_out - 1, (2 * r + 1) / h_out - 1
            gx, gy = theta @ np.array([xn, yn, 1.])
            x, y = ((gx + 1) * w - 1) / 2, ((gy + 1) * h - 1) / 2
            x0, y0 = int(np.floor(x)), int(np.floor(y))
            for yy in (y0, y0 + 1):
                for xx in (x0, x0 + 1):
                    if 0 <= yy < h and 0 <= xx < w:
                        out[r, q] += image[yy, xx] * (1 - abs(x - xx)) * (1 - abs(y - yy))
    return out


def test_grid_sample_matches_the_reference():
    rng = np.random.RandomState(0)
    images = rng.rand(3, 11, 9, 2).astype(np.float32)
    theta = np.stack([np.array([[1, 0, 0], [0, 1, 0]]) + rng.randn(2, 3) * .4 for _ in range(3)]).astype(np.float32)
    out = grid_sample(images, affine_grid(theta, 7, 5)).numpy()
    for b in range(3):
        np.testing.assert_allclose(out[b], reference_sample(images[b], theta[b].astype(float), 7, 5), atol=1e-5)


def test_identity_returns_the_input_and_attention_theta():
    images = np.random.RandomState(1).rand(2, 16, 16, 1).astype(np.float32)
    eye = np.tile(np.array([[1., 0, 0], [0, 1, 0]], np.float32), (2, 1, 1))
    np.testing.assert_allclose(grid_sample(images, affine_grid(eye, 16, 16)).numpy(), images, atol=1e-6)
    theta = AttentionTheta()(np.array([[.2, .1, -.3]], np.float32)).numpy()
    np.testing.assert_allclose(theta[0], [[.2, 0, .1], [0, .2, -.3]])
    fixed = AttentionTheta(scale=.2)(np.array([[.5, .25]], np.float32)).numpy()
    np.testing.assert_allclose(fixed[0], [[.2, 0, .5], [0, .2, .25]])
    # a glimpse at scale 28/128 centred on pixel-centre (0, 0) of the normalised frame is the centre crop
    big = np.random.RandomState(2).rand(1, 128, 128, 1).astype(np.float32)
    crop = grid_sample(big, affine_grid(np.array([[[28 / 128, 0, 0], [0, 28 / 128, 0]]], np.float32), 28, 28)).numpy()
    np.testing.assert_allclose(crop[0], big[0, 50:78, 50:78], atol=1e-5)


def test_the_sample_s_gradient_in_theta_matches_finite_differences_of_the_reference():
    import tensorflow as tf
    rng = np.random.RandomState(3)
    image = rng.rand(1, 9, 8, 1).astype(np.float64)
    theta = (np.array([[.7, .1, .05], [-.08, .6, -.1]]) + rng.randn(2, 3) * .05)[None]
    weights = rng.rand(5, 6, 1)
    variable = tf.Variable(theta)
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(grid_sample(tf.constant(image), affine_grid(variable, 5, 6)) * weights)
    gradient = tape.gradient(loss, variable).numpy()[0]
    numeric = np.zeros((2, 3))
    for k in np.ndindex(2, 3):
        step = np.zeros((2, 3))
        step[k] = 1e-6
        numeric[k] = ((reference_sample(image[0], theta[0] + step, 5, 6) -
                       reference_sample(image[0], theta[0] - step, 5, 6)) * weights).sum() / 2e-6
    assert np.abs(numeric).max() > .1
    np.testing.assert_allclose(gradient, numeric, rtol=1e-4, atol=1e-6)
