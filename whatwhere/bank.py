"""The filter bank and its pseudo-inverse, built once and cached on disk under names that encode
their parameters (in ``$WHATWHERE_CACHE``, else ``~/.cache/recurrent-vision/whatwhere``; never /tmp)."""
import json
import os
import tempfile

import numpy as np

from whatwhere.errors import WhatWhereError
from whatwhere.loggabor import compute_log_gabor_bank

CACHE_ENV = "WHATWHERE_CACHE"


def cache_dir(folder=None):
    """The cache folder: ``folder``, else $WHATWHERE_CACHE, else ~/.cache/recurrent-vision/whatwhere."""
    folder = folder or os.environ.get(CACHE_ENV) or os.path.join(
        os.path.expanduser("~"), ".cache", "recurrent-vision", "whatwhere")
    os.makedirs(folder, exist_ok=True)
    return folder


def bank_params(N_pic=128, N_theta=6, N_azimuth=24, N_eccentricity=10, N_phase=2, rho=1.41):
    """The parameters that define a bank, as stored next to it."""
    return {"N_pic": int(N_pic), "N_theta": int(N_theta), "N_azimuth": int(N_azimuth),
            "N_eccentricity": int(N_eccentricity), "N_phase": int(N_phase), "rho": float(rho)}


def bank_suffix(params):
    """The original's file suffix ``_{N_theta}_{N_azimuth}_{N_eccentricity}_{N_phase}_{rho}_{N_pic}``."""
    return "_{N_theta}_{N_azimuth}_{N_eccentricity}_{N_phase}_{rho}_{N_pic}".format(**params)


def _save(path, array, params):
    folder = os.path.dirname(path)
    fd, tmp = tempfile.mkstemp(dir=folder, suffix=".npz")
    os.close(fd)
    try:
        np.savez(tmp, array=array, params=json.dumps(params, sort_keys=True))
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def load_cached(path, params):
    """Loads an array saved by this module; WhatWhereError when it was built for other parameters."""
    with np.load(path) as stored:
        found = json.loads(str(stored["params"]))
        if found != params:
            raise WhatWhereError(f"the cached bank {path} was built for {found}, not {params}; "
                                 f"delete it or choose another cache folder (${CACHE_ENV})")
        return stored["array"]


def _cached(name, params, build, folder):
    path = os.path.join(cache_dir(folder), name)
    if os.path.exists(path):
        return load_cached(path, params)
    array = build()
    _save(path, array, params)
    return array


def log_gabor_bank(N_pic=128, N_theta=6, N_azimuth=24, N_eccentricity=10, N_phase=2, rho=1.41, cache=None):
    """The log-polar log-Gabor bank, (N_theta, N_azimuth, N_eccentricity, N_phase, N_pic**2) float32.

    Built on first use (see ``whatwhere.loggabor``) and cached as
    ``retina_<suffix>_transform.npz`` in ``cache_dir(cache)``.
    """
    params = bank_params(N_pic, N_theta, N_azimuth, N_eccentricity, N_phase, rho)
    return _cached(f"retina{bank_suffix(params)}_transform.npz", params,
                   lambda: compute_log_gabor_bank(**params), cache)


def retina_inverse(N_pic=128, N_theta=6, N_azimuth=24, N_eccentricity=10, N_phase=2, rho=1.41, cache=None):
    """The pseudo-inverse of the bank as a (N_pic**2, n_filters) matrix (cached), for pictures."""
    params = bank_params(N_pic, N_theta, N_azimuth, N_eccentricity, N_phase, rho)
    bank = log_gabor_bank(cache=cache, **params)

    def build():  # pinv(V) = V^T (V V^T)^+, through the small Gram matrix (singular values > 1e-6 max)
        v = bank.reshape(-1, params["N_pic"] ** 2).astype(np.float64)
        w, u = np.linalg.eigh(v @ v.T)
        keep = w > w.max() * 1e-12
        return (v.T @ ((u[:, keep] / w[keep]) @ u[:, keep].T)).astype(np.float32)
    return _cached(f"retina{bank_suffix(params)}_inverse_transform.npz", params, build, cache)
