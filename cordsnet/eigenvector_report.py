"""``compute_eigenvector.py``: the top eigenvector of convolutions by power iteration.

With a checkpoint, every area's recurrent convolution (``area_conv``) of it; without one, the
original's demonstration: a random 10-channel 3x3 convolution on 10x10 maps, its power-iteration
eigenvector compared with the top eigenvector of its dense matrix (up to sign). Power iteration
converges only when the top eigenvalue is real and well separated, so the spectral gap is
reported alongside.
"""
import os

import numpy as np

from drc.core.errors import DatasetNotFoundError
from drc.core.runs import check_out_dir, write_json_atomic


def demo(channels=10, size=10, iterations=10000, trials=10, seed=0):
    """The original's example. Returns a dict: ``cosine`` (|cos| between the power-iteration and
    the dense top eigenvector), ``gap`` (1 - |lambda_2| / |lambda_1|), ``top_is_real``,
    ``agreement`` (of the trials) and both eigenvalues."""
    from cordsnet.spectral import conv_operator, dense_matrix, top_eigenvector

    rng = np.random.default_rng(seed)
    bound = 1.0 / np.sqrt(9 * channels)
    kernel = rng.uniform(-bound, bound, (3, 3, channels, channels))
    op, shape = conv_operator(kernel), (size, size, channels)
    values, vectors = np.linalg.eig(dense_matrix(op, shape))
    order = np.argsort(-np.abs(values))
    dense = np.real(vectors[:, order[0]])
    dense /= np.linalg.norm(dense)
    vector, value, agreement = top_eigenvector(op, shape, iterations, trials, seed)
    return {"cosine": float(abs(vector.reshape(-1) @ dense)),
            "gap": float(1 - abs(values[order[1]]) / abs(values[order[0]])),
            "top_is_real": bool(abs(values[order[0]].imag) < 1e-9), "agreement": agreement,
            "power_eigenvalue": value, "dense_eigenvalue": complex(values[order[0]])}


def checkpoint_eigenvectors(checkpoint, iterations=10000, trials=10, seed=0):
    """``{area: (vector (H, W, C), eigenvalue, agreement)}`` of every ``area_conv`` of a checkpoint."""
    from cordsnet.imagenet import load_checkpoint
    from cordsnet.spectral import area_operator, top_eigenvector

    model = load_checkpoint(checkpoint, 0.2)
    return {j: top_eigenvector(*area_operator(model, j), iterations, trials, seed) for j in range(model.depth)}


def run(checkpoint=None, iterations=10000, trials=10, seed=0, out="eigenvectors", overwrite=False):
    """The script: the demonstration (printed) without ``checkpoint``, else eigenvectors.npz
    (``area_<j>``: (H, W, C)) and eigenvalues.json in ``out``."""
    if checkpoint is None:
        r = demo(iterations=iterations, trials=trials, seed=seed)
        print(f"|cos(power iteration, dense eigenvector)| = {r['cosine']:.6f} (1 = equal up to sign); "
              f"spectral gap {r['gap']:.4f}, top eigenvalue {'real' if r['top_is_real'] else 'complex'}, "
              f"trial agreement {r['agreement']:.6f}")
        return r
    if not os.path.isfile(checkpoint):
        raise DatasetNotFoundError(f"--checkpoint {checkpoint}: no such file (a .pth or .keras CordsNet)")
    check_out_dir(out, ("eigenvectors.npz", "eigenvalues.json"), overwrite, create=False)
    found = checkpoint_eigenvectors(checkpoint, iterations, trials, seed)
    check_out_dir(out, ("eigenvectors.npz", "eigenvalues.json"), overwrite)  # the inputs are good: now the folder
    np.savez(os.path.join(out, "eigenvectors.npz"), **{f"area_{j}": v for j, (v, _, _) in found.items()})
    write_json_atomic(os.path.join(out, "eigenvalues.json"),
                      {str(j): {"eigenvalue": val, "agreement": agr} for j, (_, val, agr) in found.items()})
    for j, (_, val, agr) in found.items():
        print(f"area {j}: top eigenvalue {val:.6f}, trial agreement {agr:.6f}")
    return found
