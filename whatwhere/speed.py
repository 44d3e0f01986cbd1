"""Speed of the canvas generator and of the retina code: one matmul for a batch against the
original's per-image matrix-vector product and a per-filter loop, side by side in one run."""
import time

import numpy as np

from whatwhere.canvas import CanvasConfig, MotionCloudTextures, what_canvases, WhatCanvasConfig, where_canvases


def _rate(fn, n, repeat=1):
    best = np.inf
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return n / best


def measure(images, retina, n_canvas=200, n_codes=200, n_loop=5):
    """A dict of rates (per second) and the dense bank's memory; ``images`` (N, 28, 28[, 1]) uint8."""
    images = images[:max(n_canvas, n_codes)]
    textures128, textures28 = MotionCloudTextures(retina.config.N_pic), MotionCloudTextures(28)
    n = retina.config.N_pic
    cfg = CanvasConfig(N_pic=n, offset_max=min(34., n / 2 - 14))
    seeds = np.arange(n_canvas)
    out = {"where_canvases_per_s": _rate(lambda: where_canvases(images[:n_canvas], seeds, cfg, textures128), n_canvas),
           "what_canvases_per_s": _rate(lambda: what_canvases(images[:n_canvas], seeds, WhatCanvasConfig(),
                                                               textures28), n_canvas)}
    full = where_canvases(images[:n_codes], np.arange(n_codes), cfg, textures128)["fullfield"]
    white = retina.whiten(full).astype(np.float32)
    flat = white.reshape(n_codes, -1)
    vector = retina.vector
    out["whiten_per_s"] = _rate(lambda: retina.whiten(full), n_codes, 3)
    out["codes_matmul_per_s"] = _rate(lambda: flat @ vector.T, n_codes, 3)
    out["codes_per_image_matvec_per_s"] = _rate(lambda: [vector @ v for v in flat], n_codes, 3)

    def per_filter():
        for v in flat[:n_loop]:
            np.array([np.dot(f, v) for f in vector])
    out["codes_per_filter_loop_per_s"] = _rate(per_filter, n_loop, 2)
    out["matmul_vs_matvec"] = out["codes_matmul_per_s"] / out["codes_per_image_matvec_per_s"]
    out["matmul_vs_per_filter_loop"] = out["codes_matmul_per_s"] / out["codes_per_filter_loop_per_s"]
    out["bank_shape"] = list(vector.shape)
    out["bank_MB_float32"] = vector.nbytes / 2 ** 20
    out["bank_MB_float64_original"] = vector.size * 8 / 2 ** 20
    np.testing.assert_allclose(flat[:3] @ vector.T, np.stack([vector @ v for v in flat[:3]]), rtol=1e-4, atol=1e-3)
    return out
