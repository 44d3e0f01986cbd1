"""The log-Gabor bank, whitening filter, collicular map and pseudo-inverse against NumPy derivations."""
import os

import numpy as np
import pytest

from whatwhere.bank import log_gabor_bank, retina_inverse
from whatwhere.errors import WhatWhereError
from whatwhere.fourier import whitening_filter
from whatwhere.loggabor import colliculus_map, compute_log_gabor_bank, filter_parameters


def reference_filter(n, i_theta, i_az, i_ecc, i_phase, n_theta, n_az, n_ecc, rho):
    """One filter written out from WhereIsMyMNIST's local_filter and the LogGabor/SLIP formulas."""
    ecc = 0.8 * (1 / rho) ** (n_ecc - i_ecc)
    r = np.sqrt(n ** 2 + n ** 2) / 2 * ecc
    psi = (i_az + 1 * (i_ecc % 2) * .5) * np.pi * 2 / n_az
    theta = i_theta * np.pi / n_theta + psi
    sf_0 = min(0.5 * 0.03 / ecc, 0.45)
    b_sf, b_theta, phase = .4, np.pi / n_theta / 2, i_phase * np.pi / 2
    x, y = n / 2 + r * np.cos(psi), n / 2 + r * np.sin(psi)
    fx, fy = np.mgrid[-n // 2:n // 2, -n // 2:n // 2] / n
    f2 = fx ** 2 + fy ** 2
    f2[n // 2, n // 2] = 1e-12
    f = np.sqrt(f2)
    env = 1 / f * np.exp(-.5 * np.log(f / sf_0) ** 2 / b_sf ** 2) * np.exp(np.cos(np.arctan2(fy, fx) - theta) / b_theta ** 2)
    env = env * np.exp(-2j * np.pi * (x * fx + y * fy))
    mask = (1 - np.exp((f - .5) / (.5 * .07))) * (f < .5) * (1 - np.exp(-.5 * f ** 2 / (.5 / n) ** 2))
    env = env * mask
    env = env / np.sqrt(np.mean(np.abs(env) ** 2)) * np.sqrt(2)
    img = np.fft.ifft2(np.fft.ifftshift(env * np.exp(-1j * phase))).real
    img = img - np.median(img)
    return img / np.abs(img).max()


def test_each_filter_matches_the_numpy_derivation():
    counts = dict(N_theta=2, N_azimuth=4, N_eccentricity=3, N_phase=2)
    bank = compute_log_gabor_bank(N_pic=32, rho=1.41, dtype=np.float64, **counts)
    assert bank.shape == (2, 4, 3, 2, 32 * 32)
    for idx in np.ndindex(bank.shape[:4]):
        ref = reference_filter(32, *idx, 2, 4, 3, 1.41)
        np.testing.assert_allclose(bank[idx].reshape(32, 32), ref, atol=1e-10)


def test_bank_centres_and_frequencies():
    n = 64
    bank = compute_log_gabor_bank(N_pic=n, N_theta=3, N_azimuth=6, N_eccentricity=5, N_phase=2, dtype=np.float64)
    p = filter_parameters(n, 3, 6, 5, 2)
    np.testing.assert_allclose(p["sf_0"][0, 0, :, 0], np.minimum(0.015 / (0.8 * (1 / 1.41) ** (5 - np.arange(5))), .45))
    energy = (bank.reshape(3, 6, 5, 2, n, n) ** 2).sum(axis=3)  # quadrature pair -> local energy
    for i_theta, i_az, i_ecc in [(0, 0, 3), (1, 3, 3), (2, 5, 2), (0, 2, 2), (1, 1, 1)]:
        peak = np.unravel_index(energy[i_theta, i_az, i_ecc].argmax(), (n, n))
        centre = p["x"][i_theta, i_az, i_ecc, 0], p["y"][i_theta, i_az, i_ecc, 0]
        sf_0 = p["sf_0"][i_theta, i_az, i_ecc, 0]
        assert np.hypot(peak[0] - centre[0], peak[1] - centre[1]) < max(2.5, .15 / sf_0)  # broad filters: a fraction of a period
        spectrum = np.abs(np.fft.fftshift(np.fft.fft2(bank[i_theta, i_az, i_ecc, 0].reshape(n, n))))
        k = np.unravel_index(spectrum.argmax(), (n, n))
        radius = np.hypot(k[0] - n // 2, k[1] - n // 2) / n
        assert abs(radius - sf_0 * np.exp(-.4 ** 2)) < 1.5 / n  # log-normal x 1/f peaks at sf_0 e^(-B_sf^2)
        angle = np.arctan2(k[1] - n // 2, k[0] - n // 2)
        # a real filter's spectrum is symmetric: the orientation is known modulo pi
        assert abs(np.angle(np.exp(2j * (angle - p["theta"][i_theta, i_az, i_ecc, 0])))) / 2 < 1. / (radius * n) + .1  # grid quantisation


def test_whitening_filter_is_olshausens():
    n = 16
    k = whitening_filter(n)
    fx, fy = np.mgrid[-8:8, -8:8] / n
    f2 = fx ** 2 + fy ** 2
    f2[8, 8] = 1e-12
    f = np.sqrt(f2)
    ps = f ** (-2.8)
    ps = ps / ps.mean()
    ref = ps ** -.5 * np.exp(-(f / .4) ** 4)
    np.testing.assert_allclose(k, ref / ref.mean(), rtol=1e-12)
    assert k.shape == (n, n) and abs(k.mean() - 1) < 1e-12 and k[8, 8] < 1e-5
    np.testing.assert_allclose(k[1:, 1:], k[1:, 1:][::-1, ::-1])


def test_colliculus_cells_sum_to_one_and_pinv(small_retina):
    coll = small_retina.colliculus
    assert coll.shape == (8, 4, 64 * 64)
    np.testing.assert_allclose(coll.sum(axis=-1), 1., rtol=1e-5)
    bank64 = small_retina.bank.astype(np.float64)
    np.testing.assert_allclose(colliculus_map(bank64), (bank64 ** 2).sum((0, 3)) / (bank64 ** 2).sum((0, 3, 4))[..., None])
    inverse = retina_inverse(cache=small_retina.cache, **small_retina.config.__dict__)
    vec = small_retina.vector.astype(np.float64)
    assert inverse.shape == (64 * 64, vec.shape[0])
    np.testing.assert_allclose(vec @ inverse @ vec, vec, atol=2e-4)


def test_bank_cache_name_and_mismatch(tmp_path):
    bank = log_gabor_bank(16, 1, 2, 2, 1, 1.41, cache=str(tmp_path))
    name = "retina_1_2_2_1_1.41_16_transform.npz"
    assert os.listdir(tmp_path) == [name]
    np.testing.assert_array_equal(log_gabor_bank(16, 1, 2, 2, 1, 1.41, cache=str(tmp_path)), bank)
    os.replace(tmp_path / name, tmp_path / "other.npz")
    log_gabor_bank(16, 1, 2, 3, 1, 1.41, cache=str(tmp_path))
    os.replace(tmp_path / "retina_1_2_3_1_1.41_16_transform.npz", tmp_path / name)
    with pytest.raises(WhatWhereError, match="was built for .*N_eccentricity.: 3.*not"):
        log_gabor_bank(16, 1, 2, 2, 1, 1.41, cache=str(tmp_path))


@pytest.mark.parametrize("name", ["N_theta", "N_azimuth", "N_eccentricity", "N_phase"])
def test_bank_counts_of_zero_are_refused(name, tmp_path):
    kwargs = {"N_pic": 16, "N_theta": 1, "N_azimuth": 2, "N_eccentricity": 2, "N_phase": 1, name: 0}
    with pytest.raises(WhatWhereError, match=f"^{name}=0 must be an integer >= 1$"):
        log_gabor_bank(cache=str(tmp_path), **kwargs)
