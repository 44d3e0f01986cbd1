"""Weight-normalised convolution and dense layers (PyTorch's ``weight_norm`` parametrisation).

The weight is ``g * v / |v|`` with the norm taken over every axis but the output one, so the
magnitude ``g`` (one per output unit) and the direction ``v`` train separately. Weights are
initialised as PyTorch's ``Conv2d`` / ``Linear`` defaults (uniform in +-1/sqrt(fan_in)) with
``g = |v|``, so that a fresh layer computes what the unnormalised default layer would.
Convolutions pad with zeros symmetrically (PyTorch's ``padding=p``; TensorFlow's "same" pads
stride-2 maps unevenly) and have no bias.
"""
import math

import keras
from keras import ops

import tensorflow as tf

PACKAGE = "cordsnet"


def _fan_in_uniform(fan_in):
    bound = 1.0 / math.sqrt(fan_in)
    return keras.initializers.RandomUniform(-bound, bound)


def weight_norm(g, v, axes):
    """``g * v / |v|``: ``g`` of shape (out,), ``v`` with the output units on its last axis."""
    return v * (g / ops.sqrt(ops.sum(ops.square(v), axis=axes)))


def conv2d(x, kernel, stride=1, padding=0):
    """NHWC convolution with PyTorch's symmetric zero padding (``kernel``: (kh, kw, in, out))."""
    pads = [[0, 0], [padding, padding], [padding, padding], [0, 0]] if padding else "VALID"
    return tf.nn.conv2d(x, kernel, strides=stride, padding=pads)


def avg_pool_3x3_s2(x):
    """3x3 average pool, stride 2, one pixel of zero padding counted in every mean."""
    x = ops.pad(x, [[0, 0], [1, 1], [1, 1], [0, 0]])
    return tf.nn.avg_pool2d(x, 3, 2, "VALID")


@keras.saving.register_keras_serializable(package=PACKAGE)
class WeightNormConv2D(keras.layers.Layer):
    """Bias-free 2D convolution with weight normalisation.

    Args:
        filters: output channels.
        kernel_size: side of the square kernel.
        strides: stride in both directions.
        padding: zero pixels added on every side (PyTorch's ``padding``).
    """

    def __init__(self, filters, kernel_size, strides=1, padding=0, **kwargs):
        super().__init__(**kwargs)
        self.filters = int(filters)
        self.kernel_size = int(kernel_size)
        self.strides = int(strides)
        self.padding = int(padding)

    def build(self, input_shape):
        in_channels = int(input_shape[-1])
        k = self.kernel_size
        self.v = self.add_weight(name="v", shape=(k, k, in_channels, self.filters),
                                 initializer=_fan_in_uniform(in_channels * k * k))
        self.g = self.add_weight(name="g", shape=(self.filters,),
                                 initializer=lambda shape, dtype=None: ops.sqrt(
                                     ops.sum(ops.square(self.v), axis=(0, 1, 2))))

    def kernel(self):
        """The effective kernel ``g * v / |v|`` of shape (k, k, in, out)."""
        return weight_norm(self.g, self.v, (0, 1, 2))

    def convolve(self, x, kernel):
        """Applies this layer's geometry with a precomputed ``kernel`` (one kernel per call,
        reused at every time step)."""
        return conv2d(x, kernel, self.strides, self.padding)

    def call(self, x):
        return self.convolve(x, self.kernel())

    def compute_output_shape(self, input_shape):
        def out(n):
            return None if n is None else (n + 2 * self.padding - self.kernel_size) // self.strides + 1

        return (input_shape[0], out(input_shape[1]), out(input_shape[2]), self.filters)

    def get_config(self):
        return {**super().get_config(), "filters": self.filters, "kernel_size": self.kernel_size,
                "strides": self.strides, "padding": self.padding}


@keras.saving.register_keras_serializable(package=PACKAGE)
class WeightNormDense(keras.layers.Layer):
    """Dense layer with a weight-normalised kernel and a plain bias (PyTorch's ``Linear``).

    Args:
        units: output units.
    """

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = int(units)

    def build(self, input_shape):
        fan_in = int(input_shape[-1])
        self.v = self.add_weight(name="v", shape=(fan_in, self.units), initializer=_fan_in_uniform(fan_in))
        self.g = self.add_weight(name="g", shape=(self.units,),
                                 initializer=lambda shape, dtype=None: ops.sqrt(ops.sum(ops.square(self.v), axis=0)))
        self.bias = self.add_weight(name="bias", shape=(self.units,), initializer=_fan_in_uniform(fan_in))

    def kernel(self):
        return weight_norm(self.g, self.v, (0,))

    def call(self, x):
        return ops.matmul(x, self.kernel()) + self.bias

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.units,)

    def get_config(self):
        return {**super().get_config(), "units": self.units}
