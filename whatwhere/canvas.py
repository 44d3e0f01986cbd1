"""The original's noisy canvases, in NumPy: a digit shifted by a polar (or, 28x28, Cartesian)
offset, at a given contrast, opaquely mixed into a MotionClouds background; on the 128x128 canvas
also the circular mask and SLIP's whitening.

Every image draws its offsets (and a flexible contrast) from ``RandomState(seed)`` as the
original's ``np.random.seed(index)``; its background texture is seeded by the Python hash of the
contrast-scaled canvas, ``hash(tuple(pixels)) % (2**31 - 1)``, as in the original, so a canvas
depends only on the digit, its seed and the configuration.
"""
import dataclasses

import numpy as np

from whatwhere.errors import check_contrast, check_count, WhatWhereError
from whatwhere.fourier import ft_filter, whitening_filter

MAX_SEED = 2 ** 31 - 1


@dataclasses.dataclass(frozen=True)
class CanvasConfig:
    """One canvas set-up; defaults are the original's parameter file (2019-06-13_param.json).

    N_pic: canvas side (pixels).  w: digit side.  offset_std, offset_max: the polar offset's
    radius is ``min(|N(0, 1)| offset_std, offset_max)`` (truncated to integer offsets).
    radius: a fixed radius instead (the benchmark's eccentricity).  noise: background amplitude.
    contrast: digit contrast in (0, 1]; flexible: draw it from U[contrast, 0.7] per image
    (int-lab-book's training).  sf_0, B_sf: MotionClouds spatial frequency and bandwidth.
    do_mask: the circular mask.  seed_offset: added to the image index to seed it.
    """
    N_pic: int = 128
    w: int = 28
    offset_std: float = 30.
    offset_max: float = 34.
    radius: float = None
    noise: float = 0.75
    contrast: float = 0.7
    flexible: bool = False
    sf_0: float = 0.1
    B_sf: float = 0.1
    do_mask: bool = True
    seed_offset: int = 0

    def __post_init__(self):
        check_count("N_pic", self.N_pic, 2)
        check_count("w", self.w, 1)
        check_contrast(self.contrast)
        border = self.N_pic / 2 - self.w / 2
        for name in ("offset_max", "radius"):
            value = getattr(self, name)
            if value is not None and not 0 <= value <= border:
                raise WhatWhereError(f"{name}={value!r} puts the digit beyond the {self.N_pic}-pixel canvas; "
                                     f"allowed: 0 .. {border:g}")
        if self.offset_std < 0:
            raise WhatWhereError(f"offset_std={self.offset_std!r} must be >= 0")

    def replace(self, **changes):
        return dataclasses.replace(self, **changes)


@dataclasses.dataclass(frozen=True)
class WhatCanvasConfig:
    """The 28x28 shifted set-up: integer shifts ``int(clip(N(0, 1) what_offset_std, +-what_offset_max))``
    per axis, contrast (None: U[0.3, 0.7] per image), MotionClouds background, uint8 quantisation."""
    w: int = 28
    what_offset_std: float = 15.
    what_offset_max: float = 25.
    noise: float = 0.75
    contrast: float = 0.7
    sf_0: float = 0.1
    B_sf: float = 0.1
    seed_offset: int = 0

    def __post_init__(self):
        check_count("w", self.w, 1)
        if self.contrast is not None:
            check_contrast(self.contrast)
        if not 0 <= self.what_offset_max < self.w:
            raise WhatWhereError(f"what_offset_max={self.what_offset_max!r} puts the digit beyond the "
                                 f"{self.w}-pixel canvas; allowed: 0 .. {self.w - 1}")

    def replace(self, **changes):
        return dataclasses.replace(self, **changes)


def minmax(value, border):
    """The original's clip to [-border, border]."""
    return min(max(value, -border), border)


def where_offset(rng, offset_std, offset_max, radius=None, theta=None):
    """(i_offset, j_offset): theta ~ U[0, 2 pi), radius = minmax(|N(0,1)| offset_std, offset_max), truncated."""
    if theta is None:
        theta = rng.rand() * 2 * np.pi
    if radius is None:
        radius = minmax(np.abs(rng.randn()) * offset_std, offset_max)
    return int(radius * np.cos(theta)), int(radius * np.sin(theta))


def what_offset(rng, offset_std, offset_max):
    """(i_offset, j_offset): each ``int(minmax(N(0, 1) offset_std, offset_max))``."""
    i = int(minmax(rng.randn() * offset_std, offset_max))
    return i, int(minmax(rng.randn() * offset_std, offset_max))


def shift_images(images, i_offset, j_offset, baseline=0.):
    """out[b, r, c] = images[b, r - i_offset[b], c - j_offset[b]], ``baseline`` where that is outside."""
    images = np.asarray(images)
    n_b, n_r, n_c = images.shape
    rows = np.arange(n_r)[None, :] - np.asarray(i_offset).reshape(-1, 1)
    cols = np.arange(n_c)[None, :] - np.asarray(j_offset).reshape(-1, 1)
    valid = ((rows >= 0) & (rows < n_r))[:, :, None] & ((cols >= 0) & (cols < n_c))[:, None, :]
    out = images[np.arange(n_b)[:, None, None], np.clip(rows, 0, n_r - 1)[:, :, None],
                 np.clip(cols, 0, n_c - 1)[:, None, :]]
    return np.where(valid, out, np.asarray(baseline, dtype=out.dtype if out.dtype.kind == "f" else float))


def fill_center(patches, N_pic, baseline=0.):
    """Places (B, w, w) patches at the centre of (B, N_pic, N_pic) canvases (the original's RetinaFill)."""
    patches = np.asarray(patches, dtype=np.float64)
    w = patches.shape[-1]
    out = np.full((patches.shape[0], N_pic, N_pic), float(baseline))
    start = N_pic // 2 - w // 2
    out[:, start:start + w, start:start + w] = patches
    return out


def content_seed(image):
    """The original's per-image texture seed: ``hash(tuple(image.flatten())) % (2**31 - 1)``."""
    return hash(tuple(np.asarray(image, dtype=np.float64).ravel().tolist())) % MAX_SEED


class MotionCloudTextures:
    """MotionClouds ``envelope_gabor`` textures (B_theta inf, no motion, alpha 0), Michelson-rectified to [0, 1]."""

    def __init__(self, N_pic, sf_0=0.1, B_sf=0.1, alpha=0.):
        import MotionClouds as mc
        self._mc = mc
        fx, fy, ft = mc.get_grids(N_pic, N_pic, 1)
        self.N_pic = N_pic
        self.envelope = mc.envelope_gabor(fx, fy, ft, sf_0=sf_0, B_sf=B_sf, B_theta=np.inf, V_X=0., V_Y=0.,
                                          B_V=0, alpha=alpha)

    def __call__(self, seed):
        state = np.random.get_state()  # MotionClouds reseeds NumPy's global generator
        try:
            z = self._mc.random_cloud(self.envelope, seed=seed)
        finally:
            np.random.set_state(state)
        return self._mc.rectif(z, contrast=1., method="Michelson").reshape(self.N_pic, self.N_pic)


def scale_contrast(canvases, contrasts):
    """Each canvas to [0, 1] by its min/max, then to 0.5 +- contrast/2; a constant canvas becomes zeros."""
    lo = canvases.min(axis=(1, 2), keepdims=True)
    hi = canvases.max(axis=(1, 2), keepdims=True)
    flat = hi == lo
    unit = (canvases - lo) / np.where(flat, 1., hi - lo)
    scaled = (2 * unit - 1) * np.asarray(contrasts, dtype=np.float64).reshape(-1, 1, 1) / 2 + .5
    return np.where(flat, 0., scaled)


def opaque_mix(digits, textures, noise):
    """Digit pixels <= 0.5 are transparent; elsewhere max(digit, background); clipped to [0, 1]."""
    background = noise * (2 * textures - 1) / 2 + .5
    return np.clip(np.maximum(np.where(digits <= .5, -np.inf, digits), background), 0., 1.)


def circular_mask(N_pic):
    """1 inside the disc R < 1 on the original's ``mgrid[-1:1:N_pic j]`` grid, else 0."""
    x, y = np.mgrid[-1:1:1j * N_pic, -1:1:1j * N_pic]
    return (np.sqrt(x ** 2 + y ** 2) < 1).astype(np.float64)


def retina_mask(canvases):
    """The original's RetinaMask: per canvas to [0, 1] by min/max, then 0.5 + (x - 0.5) * mask."""
    lo = canvases.min(axis=(1, 2), keepdims=True)
    hi = canvases.max(axis=(1, 2), keepdims=True)
    unit = np.where(hi == lo, 0., (canvases - lo) / np.where(hi == lo, 1., hi - lo))
    return (unit - .5) * circular_mask(canvases.shape[-1]) + .5


def whiten(canvases, kernel=None):
    """SLIP whitening of each canvas (``FTfilter`` with ``whitening_filt``), + 0.5, clipped to [0, 1]."""
    kernel = whitening_filter(canvases.shape[-1]) if kernel is None else kernel
    return np.clip(ft_filter(canvases, kernel) + .5, 0., 1.)


def _draws(config, seeds, draw):
    offsets, contrasts = [], []
    for seed in seeds:
        rng = np.random.RandomState(int(seed) + config.seed_offset)
        offsets.append(draw(rng))
        contrast = config.contrast
        if getattr(config, "flexible", False):
            contrast = rng.uniform(low=config.contrast, high=0.7)
        elif contrast is None:
            contrast = rng.uniform(low=0.3, high=0.7)
        contrasts.append(contrast)
    offsets = np.asarray(offsets, dtype=np.int64).reshape(-1, 2)
    return offsets[:, 0], offsets[:, 1], np.asarray(contrasts, dtype=np.float64)


def where_canvases(digits, seeds, config=CanvasConfig(), textures=None):
    """The 128x128 canvases of ``digits`` (B, w, w[, 1]) with per-image ``seeds``.

    Returns a dict: ``fullfield`` (B, N_pic, N_pic) float32 in [0, 1] (masked, what What and the
    transformers see), ``i_offset``, ``j_offset`` (the digit's shift, rows/columns) and ``contrast``.
    """
    digits = np.asarray(digits, dtype=np.float64).reshape(len(digits), config.w, config.w)
    textures = textures or MotionCloudTextures(config.N_pic, config.sf_0, config.B_sf)
    i_off, j_off, contrasts = _draws(config, seeds, lambda rng: where_offset(
        rng, config.offset_std, config.offset_max, radius=config.radius))
    canvas = scale_contrast(shift_images(fill_center(digits, config.N_pic), i_off, j_off), contrasts)
    background = np.stack([textures(content_seed(c)) for c in canvas])
    canvas = opaque_mix(canvas, background, config.noise)
    if config.do_mask:
        canvas = retina_mask(canvas)
    return {"fullfield": canvas.astype(np.float32), "i_offset": i_off, "j_offset": j_off, "contrast": contrasts}


def what_canvases(digits, seeds, config=WhatCanvasConfig(), textures=None, offsets=None):
    """The 28x28 shifted canvases (B, w, w, 1) float32 in [0, 1] (uint8-quantised as the original),
    and the (i_offset, j_offset) of each digit; ``offsets`` (B, 2) fixes the shifts (no draw)."""
    digits = np.asarray(digits).reshape(len(digits), config.w, config.w).astype(np.uint8)
    textures = textures or MotionCloudTextures(config.w, config.sf_0, config.B_sf)
    fixed = None if offsets is None else iter(np.asarray(offsets, dtype=int).tolist())
    i_off, j_off, contrasts = _draws(config, seeds, lambda rng: what_offset(
        rng, config.what_offset_std, config.what_offset_max) if fixed is None else next(fixed))
    shifted = shift_images(digits.astype(np.float64), i_off, j_off, 0.)
    canvas = scale_contrast(shifted, contrasts)
    background = np.stack([textures(content_seed(c)) for c in canvas])
    canvas = opaque_mix(canvas, background, config.noise)
    quantised = (canvas * 255).astype(np.uint8)
    return quantised[..., None].astype(np.float32) / 255., i_off, j_off
