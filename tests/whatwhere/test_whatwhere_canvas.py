"""The noisy-canvas generator against a literal re-statement of the originals' transforms, its
statistics against the formulas, and the Keras data sources."""
import numpy as np
import pytest

from whatwhere.canvas import (CanvasConfig, circular_mask, what_canvases, WhatCanvasConfig, where_canvases,
                              where_offset, whiten)
from whatwhere.data import CanvasDataset, Curriculum, to_tf_dataset
from whatwhere.errors import WhatWhereError
from whatwhere.fourier import whitening_filter


def motion_cloud(n, seed):
    import MotionClouds as mc
    fx, fy, ft = mc.get_grids(n, n, 1)
    env = mc.envelope_gabor(fx, fy, ft, sf_0=.1, B_sf=.1, B_theta=np.inf, V_X=0., V_Y=0., B_V=0, alpha=0.)
    return mc.rectif(mc.random_cloud(env, seed=seed), contrast=1., method="Michelson").reshape(n, n)


def original_where_canvas(digit, index, n=128, std=30., cap=34., contrast=.7, noise=.75):
    """RetinaFill -> WhereShift -> RetinaBackground -> RetinaMask, one image, global RNG as the original."""
    full = np.zeros((n, n))
    full[n // 2 - 14:n // 2 + 14, n // 2 - 14:n // 2 + 14] = digit
    np.random.seed(index)
    theta = np.random.rand() * 2 * np.pi
    radius = min(max(np.abs(np.random.randn()) * std, -cap), cap)
    i, j = int(radius * np.cos(theta)), int(radius * np.sin(theta))
    out = np.zeros((n, n))
    out[max(0, i):min(n, n + i), max(0, j):min(n, n + j)] = full[max(0, -i):min(n, n - i), max(0, -j):min(n, n - j)]
    f = (out - out.min()) / (out.max() - out.min())
    f = (2 * f - 1) * contrast / 2 + .5
    z = motion_cloud(n, hash(tuple(f.flatten())) % (2 ** 31 - 1))
    f[f <= .5] = -np.inf
    f = np.clip(np.max((f, noise * (2 * z - 1) / 2 + .5), axis=0), 0, 1)
    f = (f - f.min()) / (f.max() - f.min()) - .5
    x, y = np.mgrid[-1:1:1j * n, -1:1:1j * n]
    return f * (np.sqrt(x ** 2 + y ** 2) < 1) + .5, i, j


def test_where_canvases_equal_the_original_pipeline(mnist):
    x = mnist[0][:3, ..., 0]
    out = where_canvases(x, [0, 1, 2])
    for k in range(3):
        ref, i, j = original_where_canvas(x[k].astype(float), k)
        assert (out["i_offset"][k], out["j_offset"][k]) == (i, j)
        np.testing.assert_allclose(out["fullfield"][k], ref, atol=1e-6)


def test_what_canvases_equal_the_original_pipeline(mnist):
    x = mnist[0][:3, ..., 0]
    cfg = WhatCanvasConfig(what_offset_std=7., contrast=None)
    canvases, i_off, j_off = what_canvases(x, [5, 6, 7], cfg)
    for k, index in enumerate([5, 6, 7]):
        np.random.seed(index)
        i = int(min(max(np.random.randn() * 7, -25), 25))
        j = int(min(max(np.random.randn() * 7, -25), 25))
        c = np.random.uniform(low=0.3, high=0.7)
        d = np.zeros((28, 28))
        d[max(0, i):min(28, 28 + i), max(0, j):min(28, 28 + j)] = x[k][max(0, -i):min(28, 28 - i), max(0, -j):min(28, 28 - j)]
        d = d.astype("B").astype(float)
        d = ((2 * (d - d.min()) / (d.max() - d.min()) - 1) * c) / 2 + .5
        z = motion_cloud(28, hash(tuple(d.flatten())) % (2 ** 31 - 1))
        d[d <= .5] = -np.inf
        ref = (np.clip(np.max((d, .75 * (2 * z - 1) / 2 + .5), axis=0), 0, 1) * 255).astype("B") / 255.
        assert (i_off[k], j_off[k]) == (i, j)
        np.testing.assert_allclose(canvases[k, ..., 0], ref, atol=1e-6)


def test_offset_statistics_follow_the_formulas():
    offsets, radii, thetas = [], [], []
    for seed in range(4000):
        rng = np.random.RandomState(seed)
        i, j = where_offset(rng, 30., 34.)
        offsets.append((i, j))
    offsets = np.asarray(offsets, float)
    r = np.hypot(offsets[:, 0], offsets[:, 1])
    assert r.max() <= 34.
    # P(|N(0,1)| 30 > 34) = erfc(34 / 30 / sqrt 2) ~ 0.257 of the radii sit at the cap (truncation moves them < 1.5 px)
    from math import erfc, sqrt
    assert abs((r > 32.5).mean() - erfc(34 / 30 / sqrt(2))) < 0.03
    angle = np.arctan2(offsets[:, 1], offsets[:, 0])[r > 10]
    hist = np.histogram(angle, bins=8, range=(-np.pi, np.pi))[0] / (r > 10).sum()
    assert np.abs(hist - 1 / 8).max() < 0.03


def test_canvas_contrast_mask_and_range(mnist):
    x = mnist[0][:8, ..., 0]
    out = where_canvases(x, np.arange(8), CanvasConfig(radius=0., noise=0., contrast=.5))
    full = out["fullfield"]
    assert full.min() >= 0 and full.max() <= 1 and full.dtype == np.float32
    outside = circular_mask(128) == 0
    np.testing.assert_array_equal(full[:, outside], .5)
    assert (out["i_offset"] == 0).all() and (out["j_offset"] == 0).all()
    # without background and after the min/max renormalisation the digit spans [0, 1]
    assert np.allclose(full[:, 50:78, 50:78].max(axis=(1, 2)), 1.)
    white = whiten(full.astype(float))
    ref = np.clip(np.fft.ifft2(np.fft.ifftshift(np.fft.fftshift(np.fft.fft2(full[0])) * whitening_filter(128))).real + .5, 0, 1)
    np.testing.assert_allclose(white[0], ref, atol=1e-6)


@pytest.mark.parametrize("changes, message", [
    ({"contrast": 0.}, r"^contrast=0.0 is outside \(0, 1\]$"),
    ({"contrast": 1.5}, r"^contrast=1.5 is outside \(0, 1\]$"),
    ({"radius": 60.}, r"^radius=60.0 puts the digit beyond the 128-pixel canvas; allowed: 0 .. 50$"),
])
def test_bad_canvas_configs_are_refused(changes, message):
    with pytest.raises(WhatWhereError, match=message):
        CanvasConfig(**changes)


def test_datasets_are_fixed_and_follow_the_curriculum(mnist):
    x, y = mnist[0][:6], mnist[1][:6]
    cfg = WhatCanvasConfig(what_offset_std=0.)
    a = CanvasDataset(x, y, cfg, "what", batch_size=3, shuffle=False)
    b = CanvasDataset(x, y, cfg, "what", batch_size=3, shuffle=True, seed=1)
    xa, ya = a[0]
    assert xa.shape == (3, 28, 28, 1) and len(a) == 2
    np.testing.assert_array_equal(ya, y[:3])
    order = np.sort(b._order[:3])
    np.testing.assert_array_equal(b[0][0], np.concatenate([a[0][0], a[1][0]])[order])
    curriculum = Curriculum([a], cfg, [(2, {"what_offset_std": 0.}), (2, {"what_offset_std": 9.})])
    curriculum.on_epoch_begin(3)
    assert a.config.what_offset_std == 9.
    assert not np.array_equal(a[0][0], xa)
    batches = list(to_tf_dataset(a).as_numpy_iterator())
    np.testing.assert_array_equal(batches[0][0], a[0][0])
    with pytest.raises(WhatWhereError, match="kind='where' needs a retina"):
        CanvasDataset(x, y, CanvasConfig(), "where")
