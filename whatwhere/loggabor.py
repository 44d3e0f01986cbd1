"""The log-polar bank of log-Gabor filters of the Where pathway and its collicular map.

Every filter follows WhereIsMyMNIST's ``Retina.local_filter`` with the envelope of the
``LogGabor`` package (re-derived here, see FAITHFULNESS.md):

- eccentricity ``ecc = 0.8 (1/rho)**(N_eccentricity - i_eccentricity)``, radius
  ``r = sqrt(2) N_pic / 2 * ecc``, azimuth ``psi = (i_azimuth + (i_eccentricity mod 2) / 2) 2 pi / N_azimuth``,
  centre ``(N_pic/2 + r cos psi, N_pic/2 + r sin psi)`` (row, column);
- orientation ``i_theta pi / N_theta + psi``, ``sf_0 = min(0.015 / ecc, 0.45)``, ``B_sf = 0.4``,
  ``B_theta = pi / N_theta / 2``, phase ``i_phase pi / 2``;
- envelope ``1/f exp(-log(f/sf_0)**2 / (2 B_sf**2)) * exp(cos(angle - theta) / B_theta**2)``, shifted
  to the centre, times SLIP's retina envelope, energy-normalised (times sqrt 2); the filter is the
  real inverse FFT of ``envelope * exp(-i phase)``, minus its median, divided by its largest |value|.
"""
import numpy as np

from whatwhere.errors import check_count, WhatWhereError
from whatwhere.fourier import fourier_grid, frequency_angle, frequency_radius, retina_envelope

ECC_MAX = 0.8
SF_0_R = 0.03
SF_0_MAX = 0.45
B_SF = 0.4


def loggabor_envelope(x_pos, y_pos, sf_0, B_sf, theta, B_theta, N_X, N_Y=None, preprocess=True):
    """The LogGabor package's ``loggabor``: complex Fourier envelopes, one per broadcast parameter.

    Parameters broadcast to a shape S; the result has shape S + (N_X, N_Y).  ``B_sf`` or
    ``B_theta`` infinite give a flat radial (1/f) or angular envelope as the package does.
    """
    N_Y = N_X if N_Y is None else N_Y
    f = frequency_radius(N_X, N_Y)
    f_x, f_y = fourier_grid(N_X, N_Y)
    angle = frequency_angle(N_X, N_Y)
    x_pos, y_pos, sf_0, B_sf, theta, B_theta = (np.asarray(v, dtype=float)[..., None, None]
                                                for v in np.broadcast_arrays(x_pos, y_pos, sf_0, B_sf, theta, B_theta))
    with np.errstate(divide="ignore", invalid="ignore"):
        band = np.where(sf_0 == 0, 1., 1. / f * np.exp(-.5 * np.log(f / np.where(sf_0 == 0, 1., sf_0)) ** 2 / B_sf ** 2))
        orientation = np.where(np.isinf(B_theta), 1., np.exp(np.cos(angle - theta) / B_theta ** 2))
    env = (band * orientation).astype(complex)
    shifted = (x_pos != 0) & (y_pos != 0)
    env = np.where(shifted, env * np.exp(-1j * 2 * np.pi * (x_pos * f_x + y_pos * f_y)), env)
    if preprocess:
        env = env * retina_envelope(N_X, N_Y)
    env = env / np.sqrt((np.abs(env) ** 2).mean(axis=(-2, -1), keepdims=True))
    return env * np.sqrt(2.)


def normalize(images):
    """SLIP's ``normalize``: minus the median, divided by the largest absolute value (per image)."""
    flat = images.reshape(images.shape[:-2] + (-1,))
    flat = flat - np.median(flat, axis=-1, keepdims=True)
    peak = np.abs(flat).max(axis=-1, keepdims=True)
    return (flat / np.where(peak > 0, peak, 1.)).reshape(images.shape)


def loggabor_filter(x_pos, y_pos, sf_0, B_sf, theta, B_theta, phase, N_X, N_Y=None):
    """``normalize(invert(loggabor(...) * exp(-i phase)))``: real spatial filters, shape S + (N_X, N_Y)."""
    env = loggabor_envelope(x_pos, y_pos, sf_0, B_sf, theta, B_theta, N_X, N_Y)
    env = env * np.exp(-1j * np.asarray(phase, dtype=float))[..., None, None]
    spatial = np.fft.ifft2(np.fft.ifftshift(env, axes=(-2, -1))).real
    return normalize(spatial)


def filter_parameters(N_pic=128, N_theta=6, N_azimuth=24, N_eccentricity=10, N_phase=2, rho=1.41):
    """Per-filter parameters of the bank, each an array of shape
    (N_theta, N_azimuth, N_eccentricity, N_phase): x, y (centre, row/column), sf_0, theta, B_theta, phase."""
    N_pic = check_count("N_pic", N_pic, 2)
    counts = {name: check_count(name, value) for name, value in
              (("N_theta", N_theta), ("N_azimuth", N_azimuth), ("N_eccentricity", N_eccentricity),
               ("N_phase", N_phase))}
    if not float(rho) > 0:
        raise WhatWhereError(f"rho={rho!r} must be > 0")
    i_theta, i_azimuth, i_ecc, i_phase = np.meshgrid(*(np.arange(n) for n in counts.values()), indexing="ij")
    ecc = ECC_MAX * (1 / rho) ** (counts["N_eccentricity"] - i_ecc)
    radius = np.sqrt(2. * N_pic ** 2) / 2 * ecc
    psi = (i_azimuth + (i_ecc % 2) * .5) * np.pi * 2 / counts["N_azimuth"]
    return {"x": N_pic / 2 + radius * np.cos(psi), "y": N_pic / 2 + radius * np.sin(psi),
            "sf_0": np.minimum(.5 * SF_0_R / ecc, SF_0_MAX), "B_sf": np.full(ecc.shape, B_SF),
            "theta": i_theta * np.pi / counts["N_theta"] + psi,
            "B_theta": np.full(ecc.shape, np.pi / counts["N_theta"] / 2), "phase": i_phase * np.pi / 2,
            "eccentricity": ecc, "radius": radius, "psi": psi}


def compute_log_gabor_bank(N_pic=128, N_theta=6, N_azimuth=24, N_eccentricity=10, N_phase=2, rho=1.41,
                           chunk=256, dtype=np.float32):
    """Builds the bank (no cache): shape (N_theta, N_azimuth, N_eccentricity, N_phase, N_pic**2)."""
    p = filter_parameters(N_pic, N_theta, N_azimuth, N_eccentricity, N_phase, rho)
    shape = p["x"].shape
    names = ("x", "y", "sf_0", "B_sf", "theta", "B_theta", "phase")
    flat = {k: p[k].ravel() for k in names}
    bank = np.empty((flat["x"].size, int(N_pic) ** 2), dtype=dtype)
    for start in range(0, bank.shape[0], chunk):
        part = slice(start, start + chunk)
        bank[part] = loggabor_filter(*(flat[k][part] for k in names), N_X=int(N_pic)).reshape(-1, int(N_pic) ** 2)
    return bank.reshape(shape + (int(N_pic) ** 2,))


def colliculus_map(bank):
    """The collicular map: squared filters summed over orientation and phase, each of the
    (N_azimuth, N_eccentricity) cells normalised to sum 1 over the pixels."""
    coll = (np.asarray(bank, dtype=np.float64) ** 2).sum(axis=(0, 3))
    return coll / coll.sum(axis=-1, keepdims=True)
