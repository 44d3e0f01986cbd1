"""Shared fixtures of the What/Where tests: a small filter bank in a temporary cache, real MNIST digits."""
import numpy as np
import pytest

from drc.core.datasets import load_dataset

SMALL = {"N_pic": 64, "N_theta": 2, "N_azimuth": 8, "N_eccentricity": 4, "N_phase": 2, "rho": 1.41}


@pytest.fixture(scope="session")
def bank_cache(tmp_path_factory):
    return str(tmp_path_factory.mktemp("whatwhere_cache"))


@pytest.fixture(scope="session")
def small_retina(bank_cache):
    from whatwhere.retina import Retina, RetinaConfig
    return Retina(RetinaConfig(**SMALL), cache=bank_cache)


@pytest.fixture(scope="session")
def mnist():
    (x, y), (xt, yt) = load_dataset("mnist_subset")
    return x[:64], y[:64], xt[:32], yt[:32]
