"""POLO: int-lab-book's log-polar code of a Laplacian pyramid (``src/POLO/PYramid2.py``), as one
dense linear operator (canvas pixels -> coefficients).

The pyramid halves the image ``n_levels - 1`` times with PyTorch's bilinear ``interpolate``
(align_corners=False), keeps the centre ``width`` x ``width`` crop of every residual (image minus
its down-up-sampled copy) and of the last low-pass level, and codes each crop with a bank of
log-Gabor filters (``get_K``: eccentricities between r_min and r_max on a log-density grid of
ratio 2, azimuths, orientations, phases; radial bandwidth infinite, B_theta = pi / 12).  The code is
laid out as the original's ``LogGaborReshape``: (n_theta * n_phase, n_levels * n_eccentricity, n_azimuth).
"""
import dataclasses

import numpy as np

from whatwhere.errors import check_count, WhatWhereError
from whatwhere.loggabor import loggabor_filter


@dataclasses.dataclass(frozen=True)
class PoloConfig:
    """The POLO-ATN code: 3 levels x 2 eccentricities x 16 azimuths x 8 orientations x 1 phase = 768."""
    N_pic: int = 128
    width: int = 32
    n_levels: int = 3
    base_levels: int = 2
    n_eccentricity: int = 2
    n_azimuth: int = 16
    n_theta: int = 8
    n_phase: int = 1
    log_density_ratio: float = 2.
    B_theta: float = np.pi / 12

    def __post_init__(self):
        for name in ("N_pic", "width", "n_levels", "n_eccentricity", "n_azimuth", "n_theta", "n_phase"):
            check_count(name, getattr(self, name))
        if self.base_levels != 2:
            raise WhatWhereError(f"base_levels={self.base_levels!r}: only 2 (the original's) is supported")

    @property
    def code_shape(self):
        return (self.n_theta * self.n_phase, self.n_levels * self.n_eccentricity, self.n_azimuth)


def interpolation_matrix(n_in, n_out):
    """PyTorch's 1-D bilinear ``interpolate`` (align_corners=False) from n_in to n_out samples, as a matrix."""
    src = np.maximum((np.arange(n_out) + .5) * (n_in / n_out) - .5, 0.)
    lo = np.minimum(np.floor(src).astype(int), n_in - 1)
    hi = np.minimum(lo + 1, n_in - 1)
    frac = src - lo
    out = np.zeros((n_out, n_in))
    np.add.at(out, (np.arange(n_out), lo), 1 - frac)
    np.add.at(out, (np.arange(n_out), hi), frac)
    return out


def crop_matrix(n, width):
    """The original's centre crop of an n-sample axis into ``width`` samples (zero-padded if n <= width)."""
    out = np.zeros((width, n))
    if n > width:
        start = max(n // 2 - width // 2, 0)
        out[np.arange(width), start + np.arange(width)] = 1.
    else:
        start = width // 2 - n // 2
        out[start + np.arange(n), np.arange(n)] = 1.
    return out


def polo_filters(config=PoloConfig()):
    """``get_K``: filters (n_eccentricity, n_azimuth, n_theta, n_phase, width, width)."""
    w = config.width
    r_min, r_max = w / 4, w / 2
    b = np.log(config.log_density_ratio) / (r_max - r_min)
    a = (r_max - r_min) / (np.exp(b * (r_max - r_min)) - 1)
    i_sub, i_az, i_theta, i_phase = np.meshgrid(*(np.arange(n) for n in (
        config.n_eccentricity, config.n_azimuth, config.n_theta, config.n_phase)), indexing="ij")
    r_ref = r_min + i_sub * (r_max - r_min) / config.n_eccentricity
    radius = a * np.exp(b * (r_ref - r_min)) + r_min - a
    sf_0 = 1 / (4 * w / 32 * a * b * np.exp(b * (r_ref - r_min)))
    azimuth = (i_az + (i_sub % 2) / 2) * 2 * np.pi / config.n_azimuth
    return loggabor_filter(w // 2 + radius * np.cos(azimuth), w // 2 + radius * np.sin(azimuth), sf_0, np.inf,
                           i_theta * np.pi / config.n_theta + azimuth, config.B_theta,
                           i_phase * np.pi / config.n_phase, N_X=w)


def pyramid_operators(config=PoloConfig()):
    """Per level the pair (A, B) of (width, N_pic) matrices with ``crop_l = A X A^T - B X B^T``
    (B is None on the last, low-pass level)."""
    n, ops, down = config.N_pic, [], np.eye(config.N_pic)
    for _ in range(config.n_levels - 1):
        d = interpolation_matrix(n, n // 2)
        u = interpolation_matrix(n // 2, n)
        crop = crop_matrix(n, config.width)
        ops.append((crop @ down, crop @ u @ d @ down))
        down, n = d @ down, n // 2
    ops.append((crop_matrix(n, config.width) @ down, None))
    return ops


def polo_operator(config=PoloConfig()):
    """The POLO code as a (n_coefficients, N_pic**2) float32 matrix, rows in the original's layout."""
    k = polo_filters(config)
    k = k.reshape((-1, config.width, config.width))
    rows = []
    for a, b in pyramid_operators(config):
        level = a.T @ k @ a
        if b is not None:
            level -= b.T @ k @ b
        rows.append(level.reshape(config.n_eccentricity, config.n_azimuth, config.n_theta, config.n_phase, -1))
    op = np.stack(rows)  # (level, ecc, az, theta, phase, pixels)
    op = op.transpose(3, 4, 0, 1, 2, 5)  # (theta, phase, level, ecc, az, pixels)
    return op.reshape(-1, config.N_pic ** 2).astype(np.float32)


def polo_code(canvases, operator, config=PoloConfig()):
    """POLO codes (B,) + config.code_shape of canvases (B, N_pic, N_pic)."""
    flat = np.asarray(canvases, dtype=np.float32).reshape(len(canvases), -1)
    return (flat @ operator.T).reshape((len(canvases),) + config.code_shape)
