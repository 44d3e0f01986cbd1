"""Eigenvalues and the top eigenvector of convolutions, with convolution calls only.

A stride-1 convolution on (H, W, C) maps is a linear operator on n = H W C numbers; its matrix
is far too big to form for a CordsNet area (n = 200,704 for area 0 at 224 px), but Arnoldi
iteration only needs operator-vector products, i.e. one convolution call each:

- :func:`arnoldi`: k steps of Arnoldi with modified Gram-Schmidt (each new direction is
  orthogonalised against every earlier one in turn), giving an orthonormal basis V and the
  (k+1) x k Hessenberg matrix H with A V_k = V_{k+1} H.
- :func:`hessenberg_eigenvalues`: the QR iteration (A <- R Q) on the square part of H, then
  its eigenvalues, the Ritz values; the outer ones converge first, so the spectral radius is
  reliable long before k reaches n.
- :func:`top_eigenvector`: power iteration from several random starts at once (a batch of one
  convolution call). A real top eigenvector is only defined up to sign: starts converging to
  +v and -v are aligned to the first start before averaging (the original averaged them
  directly, which can cancel them).
- :func:`dense_matrix`: the explicit matrix from one-hot inputs, the reference for small maps.

For the dynamics ``T dr/dt = -r + phi(W r + b + u)`` the linearisation at rates ``r*`` is
``-I + D W`` with D = phi'(pre-activation): a fixed point is stable when every eigenvalue of
``D W`` has real part below 1 (:func:`area_operator` gives W, or D W at a state).
"""
import numpy as np

import tensorflow as tf


def conv_operator(kernel, padding=1):
    """x (N, H, W, C) -> conv(x) with a fixed (kh, kw, C, C) ``kernel``, stride 1, symmetric zero
    ``padding``, in float64."""
    kernel = tf.constant(np.asarray(kernel, np.float64))
    pads = [[0, 0], [padding, padding], [padding, padding], [0, 0]]

    def apply(x):
        return tf.nn.conv2d(tf.constant(x, tf.float64), kernel, 1, pads).numpy()

    return apply


def area_operator(model, area, state=None):
    """The recurrent operator of ``model``'s ``area`` (its ``area_conv``), or, given the rates
    of every area ``state`` (a list, batch of one), D W linearised at that state. Returns
    (operator, (H, W, C))."""
    kernel = np.asarray(model.area_conv[area].kernel(), np.float64)
    shape = model.state_shapes()[area]
    conv = conv_operator(kernel)
    if state is None:
        return conv, shape
    pre = _pre_activation(model, [tf.convert_to_tensor(s) for s in state], area)
    slope = float(np.asarray(model.prelu))
    gain = np.where(pre > 0, 1.0, slope)
    return (lambda x: gain * conv(x)), shape


def _pre_activation(model, states, area):
    """Pre-activation of ``area`` at ``states`` with a blank image (the spontaneous regime)."""
    return model.pre_activations(states, None, None, model._kernels())[area].numpy()[0]


def dense_matrix(operator, shape):
    """The n x n matrix of ``operator`` on maps of ``shape`` (column i = operator(e_i))."""
    n = int(np.prod(shape))
    eye = np.eye(n).reshape((n, *shape))
    return operator(eye).reshape(n, n).T


def arnoldi(operator, shape, iterations=300, seed=0):
    """(V, H): ``iterations`` Arnoldi steps with modified Gram-Schmidt from a random start; stops
    early at an invariant subspace (then H is square)."""
    n = int(np.prod(shape))
    k_max = min(int(iterations), n)
    rng = np.random.default_rng(seed)
    v = rng.random(n)
    basis = [v / np.linalg.norm(v)]
    h = np.zeros((k_max + 1, k_max))
    for k in range(k_max):
        w = operator(basis[k].reshape((1, *shape))).reshape(n)
        for i, q in enumerate(basis):
            h[i, k] = q @ w
            w = w - h[i, k] * q
        h[k + 1, k] = np.linalg.norm(w)
        if h[k + 1, k] < 1e-10 * max(1.0, np.abs(h[: k + 1, k]).max()):
            return np.array(basis), h[: k + 1, : k + 1]
        basis.append(w / h[k + 1, k])
    return np.array(basis), h


def hessenberg_eigenvalues(h, qr_iterations=5000):
    """Eigenvalues of the square part of Hessenberg ``h`` after ``qr_iterations`` of the
    unshifted QR iteration, ordered by decreasing modulus."""
    a = np.array(h[: h.shape[1], : h.shape[1]], dtype=np.float64)
    for _ in range(int(qr_iterations)):
        q, r = np.linalg.qr(a)
        a = r @ q
    values = np.linalg.eigvals(a)
    return values[np.argsort(-np.abs(values), kind="stable")]


def eigenvalues(operator, shape, iterations=300, qr_iterations=5000, seed=0):
    """Ritz values of ``operator`` (Arnoldi + QR), ordered by decreasing modulus."""
    _, h = arnoldi(operator, shape, iterations, seed)
    return hessenberg_eigenvalues(h, qr_iterations)


def spectral_radius(operator, shape, iterations=300, qr_iterations=100, seed=0):
    """The largest modulus among the Ritz values."""
    return float(np.abs(eigenvalues(operator, shape, iterations, qr_iterations, seed)[0]))


def top_eigenvector(operator, shape, iterations=10000, trials=10, seed=0):
    """Power iteration from ``trials`` Gaussian starts at once.

    Returns ``(vector, eigenvalue, agreement)``: the unit top eigenvector (shape ``shape``), its
    Rayleigh quotient, and the smallest |cosine| between a start's result and the first start's
    (near 1 when all converged to one eigenvector up to sign; low values mean no spectral gap or
    a complex top pair, and the vector is not to be trusted).
    """
    rng = np.random.default_rng(seed)
    n = int(np.prod(shape))
    x = rng.standard_normal((int(trials), n))
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    for _ in range(int(iterations)):
        x = operator(x.reshape((-1, *shape))).reshape(len(x), n)
        x /= np.linalg.norm(x, axis=1, keepdims=True)
    cos = x @ x[0]
    aligned = x * np.where(cos < 0, -1.0, 1.0)[:, None]
    vector = aligned.mean(axis=0)
    vector /= np.linalg.norm(vector)
    value = float(vector @ operator(vector.reshape((1, *shape))).reshape(n))
    return vector.reshape(shape), value, float(np.abs(cos).min())


def area_spectra(model, iterations=300, qr_iterations=100, seed=0, state=None):
    """``{area: Ritz values}`` of every area's recurrent operator (linearised at ``state`` when
    given, e.g. the spontaneous state)."""
    return {j: eigenvalues(*area_operator(model, j, state), iterations, qr_iterations, seed)
            for j in range(model.depth)}
