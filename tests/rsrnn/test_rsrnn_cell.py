"""The RS-RNN cell and the Base-Retina GRU against NumPy re-derivations of their equations."""
import numpy as np
import pytest

import rsrnn
from rsrnn.cell import VectorGRUCell
from rsrnn.errors import RSRNNError


def conv_replicate(x, kernel, bias):
    """'Same' convolution (cross-correlation) with replicate padding."""
    k = kernel.shape[0]
    pad = k // 2
    padded = np.pad(x, ((0, 0), (pad, pad), (pad, pad), (0, 0)), mode="edge")
    height, width = x.shape[1:3]
    out = np.zeros(x.shape[:3] + (kernel.shape[-1],))
    for i in range(k):
        for j in range(k):
            out += padded[:, i:i + height, j:j + width] @ kernel[i, j]
    return out + bias


def group_norm(x, groups, gamma, beta, eps=1e-5):
    b, h, w, c = x.shape
    g = x.reshape(b, h, w, groups, c // groups)
    mean = g.mean(axis=(1, 2, 4), keepdims=True)
    var = g.var(axis=(1, 2, 4), keepdims=True)
    return ((g - mean) / np.sqrt(var + eps)).reshape(b, h, w, c) * gamma + beta


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def set_random_weights(layer, rng):
    layer.set_weights([rng.normal(scale=0.4, size=w.shape).astype(np.float32) for w in layer.get_weights()])


@pytest.mark.parametrize("filters, cin, groups", [(8, 3, (2, 1)), (4, 5, (4, 2))])
def test_rsrnn_cell_matches_the_numpy_gru_equations(filters, cin, groups):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2, 6, 5, cin)).astype(np.float32)
    h = rng.normal(size=(2, 6, 5, filters)).astype(np.float32)
    cell = rsrnn.RSRNNCell(filters, gate_groups=groups[0], candidate_groups=groups[1])
    cell.build(x.shape)
    set_random_weights(cell, rng)
    ours = np.asarray(cell(x, h))
    gk, gb = cell.gate_conv.get_weights()
    gg, gbeta = cell.gate_norm.get_weights()
    ck, cb = cell.in_conv.get_weights()
    cg, cbeta = cell.in_norm.get_weights()
    gates = sigmoid(group_norm(conv_replicate(np.concatenate([x, h], -1), gk, gb), groups[0], gg, gbeta))
    z, r = gates[..., :filters], gates[..., filters:]
    n = np.tanh(group_norm(conv_replicate(np.concatenate([x, r * h], -1), ck, cb), groups[1], cg, cbeta))
    np.testing.assert_allclose(ours, (1 - z) * h + z * n, atol=2e-5)
    np.testing.assert_allclose(np.asarray(cell.initial_state(x)), np.broadcast_to(np.asarray(cell.init_hidden), h.shape))


def test_default_groups_keep_sixteen_channels_a_group_and_bad_groups_are_errors():
    cell = rsrnn.RSRNNCell(64)
    assert (cell.gate_groups, cell.candidate_groups) == (8, 4)
    assert rsrnn.RSRNNCell(512).gate_groups == 64 and rsrnn.RSRNNCell(512).candidate_groups == 32
    with pytest.raises(RSRNNError, match="gate_groups=3 must divide the 16 channels"):
        rsrnn.RSRNNCell(8, gate_groups=3)
    with pytest.raises(RSRNNError, match="kernel_size=2 must be a positive odd integer"):
        rsrnn.RSRNNCell(8, kernel_size=2)


def test_vector_gru_matches_pytorchs_gru_equations():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(3, 5)).astype(np.float32)
    cell = VectorGRUCell(4)
    h0 = np.asarray(cell.initial_state(x))
    set_random_weights(cell, rng)
    kernel, recurrent, bias = cell.gru.get_weights()
    init = np.asarray(cell.init_hidden)
    h = np.tanh(np.broadcast_to(init, (3, 4)))
    np.testing.assert_allclose(np.asarray(cell.initial_state(x)), h, atol=1e-6)
    assert h0.shape == (3, 4)
    gx = x @ kernel + bias[0]
    gh = h @ recurrent + bias[1]
    z = sigmoid(gx[:, :4] + gh[:, :4])
    r = sigmoid(gx[:, 4:8] + gh[:, 4:8])
    n = np.tanh(gx[:, 8:] + r * gh[:, 8:])
    np.testing.assert_allclose(np.asarray(cell(x, h.astype(np.float32))), (1 - z) * n + z * h, atol=1e-5)
