"""An independent NumPy re-derivation of CordsNet's published equations, for tests.

Works on a PyTorch-layout state dict (NCHW maps, (out, in, kh, kw) kernels) and follows the
original's loop literally: for every step, areas depth-1 .. 0 in turn, each recomputing the
stem, with r_j <- (1 - a) r_j + a relu(W_rec r_j + b_j + W_ff input_j).
"""
import numpy as np

WN = ".parametrizations.weight.original"
STRIDES = [1, 1, 2, 1, 2, 1, 2, 1]


def wn_weight(state, name):
    g, v = state[name + WN + "0"].astype(np.float64), state[name + WN + "1"].astype(np.float64)
    norm = np.sqrt((v ** 2).reshape(v.shape[0], -1).sum(1)).reshape((-1,) + (1,) * (v.ndim - 1))
    return g * v / norm


def conv(x, w, stride, pad):
    """Cross-correlation of (N, C, H, W) with (O, C, kh, kw), zero padding ``pad``."""
    x = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    kh, kw = w.shape[2:]
    oh, ow = (x.shape[2] - kh) // stride + 1, (x.shape[3] - kw) // stride + 1
    out = np.zeros((x.shape[0], w.shape[0], oh, ow))
    for i in range(kh):
        for j in range(kw):
            patch = x[:, :, i:i + stride * oh:stride, j:j + stride * ow:stride]
            out += np.einsum("nchw,oc->nohw", patch, w[:, :, i, j])
    return out


def avg_pool(x):
    x = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
    oh, ow = (x.shape[2] - 3) // 2 + 1, (x.shape[3] - 3) // 2 + 1
    return sum(x[:, :, i:i + 2 * oh:2, j:j + 2 * ow:2] for i in range(3) for j in range(3)) / 9.0


def relu(x):
    return np.maximum(x, 0.0)


def forward(state, images_nhwc, depth, blank, image, alpha=0.2, after=0, slope=0.0):
    """(logits, trace) where trace[t][j] is area j's NHWC rates after step t."""
    img = np.asarray(images_nhwc, np.float64).transpose(0, 3, 1, 2)
    w = {k[: -len(WN) - 1]: wn_weight(state, k[: -len(WN) - 1]) for k in state if k.endswith(WN + "1")}
    bias = [state[f"conv_bias.{j}"].astype(np.float64) for j in range(depth)]
    r = [np.zeros((img.shape[0],) + b.shape) for b in bias]
    trace = []

    def phi(x):
        return np.where(x > 0, x, slope * x)

    for t in range(blank + image + after):
        x = img if blank <= t < blank + image else img * 0
        for j in range(depth - 1, -1, -1):
            stem = avg_pool(conv(x, w["inp_conv"], 2, 3))
            if j == 0:
                inp = stem
            elif j == 1:
                inp = relu(r[0]) + conv(stem, w["inp_skip"], 1, 1)
            elif j % 2 == 0:
                inp = relu(r[j - 1]) + relu(r[j - 2])
            else:
                inp = relu(r[j - 1]) + conv(relu(r[j - 2]), w[f"skip_area.{(j - 3) // 2}"], 2, 0)
            pre = conv(r[j], w[f"area_conv.{j}"], 1, 1) + bias[j] + conv(inp, w[f"area_area.{j}"], STRIDES[j], 1)
            r[j] = (1 - alpha) * r[j] + alpha * phi(pre)
        trace.append([s.transpose(0, 2, 3, 1) for s in r])
    pooled = (relu(r[-1]) + relu(r[-2])).mean(axis=(2, 3))
    logits = pooled @ w["out_fc"].T + state["out_fc.bias"]
    return logits, trace
