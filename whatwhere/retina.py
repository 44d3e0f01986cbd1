"""The Where pathway's sensor: whitening, the log-Gabor retina code (one matmul), the collicular
map, its inverse, and the Where targets (the What accuracy map seen through the colliculus)."""
import dataclasses

import numpy as np

from whatwhere.bank import bank_params, log_gabor_bank, retina_inverse
from whatwhere.canvas import fill_center, shift_images, whiten
from whatwhere.fourier import whitening_filter
from whatwhere.loggabor import colliculus_map


@dataclasses.dataclass(frozen=True)
class RetinaConfig:
    """The bank's counts and size (the original's defaults: 6 x 24 x 10 x 2 = 2880 filters on 128 px)."""
    N_pic: int = 128
    N_theta: int = 6
    N_azimuth: int = 24
    N_eccentricity: int = 10
    N_phase: int = 2
    rho: float = 1.41

    @property
    def n_features(self):
        return self.N_theta * self.N_azimuth * self.N_eccentricity * self.N_phase


class Retina:
    """The bank as a dense (n_filters, N_pic**2) operator plus the collicular map.

    ``code(canvases)`` whitens (+0.5, clip, as the original's RetinaWhiten) and applies the bank by one
    matmul; ``code_loop`` is the original's per-image ``retina_transform_vector @ ravel`` (benchmark).
    """

    def __init__(self, config=RetinaConfig(), cache=None):
        self.config = config
        self.cache = cache
        bank = log_gabor_bank(cache=cache, **bank_params(**dataclasses.asdict(config)))
        self.bank = bank
        self.vector = bank.reshape(-1, config.N_pic ** 2)
        self.colliculus = colliculus_map(bank).astype(np.float32)
        self.colliculus_vector = self.colliculus.reshape(-1, config.N_pic ** 2)
        self.whitening = whitening_filter(config.N_pic)
        self._coll_inverse = None
        # the pixel each collicular cell saccades to (the argmax of its filter), relative to the centre
        peak = self.colliculus_vector.argmax(axis=1)
        self.cell_targets = np.stack([peak // config.N_pic, peak % config.N_pic], axis=1) - config.N_pic // 2

    def whiten(self, canvases):
        return whiten(np.asarray(canvases, dtype=np.float64), self.whitening)

    def code(self, canvases, whitened=False):
        """Retina codes (B, n_filters) float32 of canvases (B, N_pic, N_pic)."""
        white = canvases if whitened else self.whiten(canvases)
        return np.asarray(white, dtype=np.float32).reshape(len(white), -1) @ self.vector.T

    def code_loop(self, canvases):
        """The original's way: one matrix-vector product per image (whitening included)."""
        return np.stack([self.vector @ np.ravel(self.whiten(c[None])[0]).astype(np.float32) for c in canvases])

    def invert(self, codes):
        """Canvases back from retina codes through the bank's pseudo-inverse (cached)."""
        inverse = retina_inverse(cache=self.cache, **bank_params(**dataclasses.asdict(self.config)))
        n = self.config.N_pic
        return (np.asarray(codes, dtype=np.float32) @ inverse.T).reshape(-1, n, n)

    def accuracy_invert(self, coll):
        """Full-field accuracy maps (B, N_pic, N_pic) from collicular vectors, the original's pinv."""
        if self._coll_inverse is None:
            self._coll_inverse = np.linalg.pinv(self.colliculus_vector.astype(np.float64)).astype(np.float32)
        n = self.config.N_pic
        return (np.asarray(coll, dtype=np.float32) @ self._coll_inverse.T).reshape(-1, n, n)

    def where_target(self, accuracy_map, i_offset, j_offset, baseline=0.1):
        """The Where target: the What accuracy map centred on the digit (``baseline`` elsewhere),
        summed through each collicular cell -> (B, N_azimuth * N_eccentricity)."""
        i_offset = np.atleast_1d(i_offset)
        full = fill_center(np.broadcast_to(accuracy_map, (len(i_offset),) + np.shape(accuracy_map)),
                           self.config.N_pic, baseline)
        full = shift_images(full, i_offset, np.atleast_1d(j_offset), baseline)
        return (full.reshape(len(full), -1).astype(np.float32) @ self.colliculus_vector.T)
