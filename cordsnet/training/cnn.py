"""The equivalent CNN of stage 1, its batch-norm-folded form, and the exact folding.

Area block of the CNN: ``x_j = relu(BN2(W_rec(BN1(W_ff input_j))))`` (no ReLU between the two
convolutions); inputs wired as in CordsNet with the CNN activities in place of relu(r) and a
BN after each skip projection; stem ``avgpool(BN(conv7x7(img)))``; readout on the pooled
``x_last + x_second_last``. Folding replaces each BN by a scale on the conv's magnitude g and a
bias; the stem's and skips' BN biases pass through zero-padded convolutions and the
count-include-pad average pool, so the folded biases are per-neuron (H, W, C) maps.
"""
import numpy as np

import keras
from keras import ops

from cordsnet import architecture as arch
from cordsnet.layers import PACKAGE, WeightNormConv2D, WeightNormDense, avg_pool_3x3_s2, conv2d

BN_EPSILON = 1e-5


def _bn(name):
    return keras.layers.BatchNormalization(momentum=0.9, epsilon=BN_EPSILON, name=name)


class _Wiring(keras.Model):
    """Layers shared by the CNN forms (names as the original's modules, ``prefix`` first)."""

    TORCH_ORDER = ("inp_conv", "inp_norm", "inp_skip", "area_conv", "area_bias", "conv_bias", "area_norm",
                   "area_nrm2", "area_area", "skip_area", "skip_norm", "out_fc")

    def _make(self, depth, n_classes, channels, prefix):
        self.depth = arch.check_depth(depth)
        self.channels = arch.area_channels(depth, channels)
        self.n_classes = int(n_classes)
        self.prefix = prefix
        c, p = self.channels, prefix
        self.inp_conv = WeightNormConv2D(c[0], 7, 2, 3, name=f"{p}inp_conv")
        self.inp_skip = WeightNormConv2D(c[0], 3, 1, 1, name=f"{p}inp_skip")
        self.area_conv = [WeightNormConv2D(c[j], 3, 1, 1, name=f"{p}area_conv_{j}") for j in range(depth)]
        self.area_area = [WeightNormConv2D(c[j], 3, arch.STRIDES[j], 1, name=f"{p}area_area_{j}")
                          for j in range(depth)]
        self.skip_area = [WeightNormConv2D(c[2 * k + 3], 1, 2, 0, name=f"{p}skip_area_{k}")
                          for k in range(arch.n_skips(depth))]
        self.out_fc = WeightNormDense(self.n_classes, name=f"{p}out_fc") if not prefix else None

    def _build_wiring(self, input_shape):
        _, height, width, in_channels = input_shape
        self.sizes = arch.area_sizes(self.depth, int(height), int(width))
        self.image_shape = (int(height), int(width), int(in_channels))
        c = self.channels
        self.stem_hw = (arch.stem_size(int(height)), arch.stem_size(int(width)))
        self.conv_hw = (arch.conv_out(int(height), 7, 2, 3), arch.conv_out(int(width), 7, 2, 3))
        self.inp_conv.build((None, height, width, in_channels))
        self.inp_skip.build((None, *self.stem_hw, c[0]))
        for j in range(self.depth):
            self.area_conv[j].build((None, *self.sizes[j], c[j]))
            self.area_area[j].build((None, *(self.stem_hw if j == 0 else self.sizes[j - 1]), c[max(j - 1, 0)]))
        for k, layer in enumerate(self.skip_area):
            layer.build((None, *self.sizes[2 * k + 1], c[2 * k + 1]))
        if self.out_fc is not None:
            self.out_fc.build((None, c[-1]))

    def _maps(self, name, initializer="zeros", trainable=True):
        return [self.add_weight(name=f"{self.prefix}{name}_{j}", shape=(*self.sizes[j], self.channels[j]),
                                initializer=initializer, trainable=trainable) for j in range(self.depth)]

    def area_input(self, j, x, stem, skip):
        """Input of area ``j`` from the activities ``x`` of the areas below, the stem's output
        and ``skip(k, activity)`` (the k-th skip projection)."""
        if j == 0:
            return stem
        if j == 1:
            return x[0] + self.inp_skip(stem)
        k = arch.skip_index(j)
        return x[j - 1] + (x[j - 2] if k is None else skip(k, x[j - 2]))

    def activities(self, images, training=False):
        raise NotImplementedError

    def call(self, images, training=None):
        x = self.activities(images, training)
        return self.out_fc(ops.mean(x[-1] + x[-2], axis=(1, 2)))

    def get_config(self):
        return {**super().get_config(), "depth": self.depth, "n_classes": self.n_classes,
                "channels": list(self.channels)}


@keras.saving.register_keras_serializable(package=PACKAGE)
class EquivalentCNN(_Wiring):
    """Stage 1's CNN (``step1cordsnet``): the CordsNet wiring without time, with batch norms.

    Args:
        depth, n_classes, channels: as :class:`cordsnet.CordsNet`.
    """

    def __init__(self, depth=8, n_classes=1000, channels=None, **kwargs):
        super().__init__(**kwargs)
        self._make(depth, n_classes, channels, "")
        self.inp_norm = _bn("inp_norm")
        self.area_norm = [_bn(f"area_norm_{j}") for j in range(depth)]
        self.area_nrm2 = [_bn(f"area_nrm2_{j}") for j in range(depth)]
        self.skip_norm = [_bn(f"skip_norm_{k}") for k in range(arch.n_skips(depth))]

    def build(self, input_shape):
        self._build_wiring(input_shape)
        c = self.channels
        self.inp_norm.build((None, *self.conv_hw, c[0]))
        for j in range(self.depth):
            self.area_norm[j].build((None, *self.sizes[j], c[j]))
            self.area_nrm2[j].build((None, *self.sizes[j], c[j]))
        for k, layer in enumerate(self.skip_norm):
            layer.build((None, *self.sizes[2 * k + 3], c[2 * k + 3]))
        self.area_bias = self._maps("area_bias", keras.initializers.RandomNormal(0.0, 1.0), trainable=False)
        self.built = True

    def activities(self, images, training=False):
        stem = avg_pool_3x3_s2(self.inp_norm(self.inp_conv(images), training=training))

        def skip(k, a):
            return self.skip_norm[k](self.skip_area[k](a), training=training)

        x = []
        for j in range(self.depth):
            h = self.area_norm[j](self.area_area[j](self.area_input(j, x, stem, skip)), training=training)
            x.append(ops.relu(self.area_nrm2[j](self.area_conv[j](h), training=training)))
        return x


@keras.saving.register_keras_serializable(package=PACKAGE)
class FoldedCNN(_Wiring):
    """The CNN with batch norms folded (``step1cordsnetfolded``): per area
    ``x_j = relu(W_rec(W_ff input_j + area_bias_j) + conv_bias_j)``.

    Args:
        depth, n_classes, channels: as :class:`cordsnet.CordsNet`.
        prefix: prefix of every layer and weight name (``target_`` inside stage 2's model,
            which then has no readout).
    """

    def __init__(self, depth=8, n_classes=1000, channels=None, prefix="", **kwargs):
        super().__init__(**kwargs)
        self._make(depth, n_classes, channels, prefix)

    def build(self, input_shape):
        self._build_wiring(input_shape)
        self.area_bias = self._maps("area_bias")
        self.conv_bias = self._maps("conv_bias")
        self.built = True

    def stem(self, images):
        return avg_pool_3x3_s2(self.inp_conv(images))

    def activities(self, images, training=False):
        stem = self.stem(images)
        x = []
        for j in range(self.depth):
            h = self.area_area[j](self.area_input(j, x, stem, lambda k, a: self.skip_area[k](a))) + self.area_bias[j]
            x.append(ops.relu(self.area_conv[j](h) + self.conv_bias[j]))
        return x

    def get_config(self):
        return {**super().get_config(), "prefix": self.prefix}


def _bn_scale_shift(bn):
    gamma, beta = np.asarray(bn.gamma, np.float64), np.asarray(bn.beta, np.float64)
    mean, var = np.asarray(bn.moving_mean, np.float64), np.asarray(bn.moving_variance, np.float64)
    scale = gamma / np.sqrt(var + BN_EPSILON)
    return scale, beta - mean * scale


def _fold_conv(src, dst, bn=None):
    """dst <- src with the BN scale in g and v normalised; returns the BN's shift (or None)."""
    v = np.asarray(src.v, np.float64)
    v = v / np.sqrt((v ** 2).sum(axis=(0, 1, 2)))
    g = np.asarray(src.g, np.float64)
    shift = None
    if bn is not None:
        scale, shift = _bn_scale_shift(bn)
        g = g * scale
    dst.v.assign(v.astype("float32"))
    dst.g.assign(g.astype("float32"))
    return shift


def _apply(layer, x):
    return np.asarray(conv2d(np.asarray(x, np.float32)[None], np.asarray(layer.kernel()), layer.strides,
                             layer.padding))[0]


def fold_batchnorm(cnn):
    """The :class:`FoldedCNN` computing what ``cnn`` (an :class:`EquivalentCNN`) computes in
    inference (its BN running statistics), with every BN folded into weights and bias maps."""
    folded = FoldedCNN(cnn.depth, cnn.n_classes, cnn.channels)
    folded.build((None, *cnn.image_shape))
    stem_shift = _fold_conv(cnn.inp_conv, folded.inp_conv, cnn.inp_norm)
    _fold_conv(cnn.inp_skip, folded.inp_skip)
    area_bias = [np.zeros(b.shape) for b in folded.area_bias]
    conv_bias = [np.zeros(b.shape) for b in folded.conv_bias]
    for j in range(cnn.depth):
        area_bias[j] += _fold_conv(cnn.area_area[j], folded.area_area[j], cnn.area_norm[j])
        conv_bias[j] += _fold_conv(cnn.area_conv[j], folded.area_conv[j], cnn.area_nrm2[j])
    for k in range(len(cnn.skip_area)):
        shift = _fold_conv(cnn.skip_area[k], folded.skip_area[k], cnn.skip_norm[k])
        j = 2 * k + 3
        skip_map = np.broadcast_to(shift, (*folded.sizes[j - 1], len(shift)))
        area_bias[j] += _apply(folded.area_area[j], skip_map)
    stem_map = np.broadcast_to(stem_shift, (*folded.conv_hw, len(stem_shift))).astype(np.float32)
    stem_map = np.asarray(avg_pool_3x3_s2(stem_map[None]))[0]
    area_bias[0] += _apply(folded.area_area[0], stem_map)
    area_bias[1] += _apply(folded.area_area[1], _apply(folded.inp_skip, stem_map))
    for var, value in zip(folded.area_bias + folded.conv_bias, area_bias + conv_bias):
        var.assign(value.astype("float32"))
    for name in ("bias", "g", "v"):
        getattr(folded.out_fc, name).assign(getattr(cnn.out_fc, name))
    return folded

