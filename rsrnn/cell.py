"""The recurrent cells of RS-RNN: one step's math each.

``RSRNNCell`` is the convolutional GRU of the author's ConvRNN (``ConvGRU.py``):

    z, r = split(sigmoid(GroupNorm(conv([x, h]))))       # update and reset gates
    n    = tanh(GroupNorm(conv([x, r * h])))              # candidate
    h'   = (1 - z) * h + z * n

with replicate padding and a learned initial state. ``VectorGRUCell`` is the Base-Retina
control's 1-D GRU (PyTorch's ``nn.GRU`` form, Keras' ``reset_after=True``) on pooled features,
with the original's learned initial state ``tanh(init_hidden)``.
"""
import keras
from keras import ops

from rsrnn.errors import RSRNNError
from rsrnn.retina import replicate_pad

GROUP_SIZE = 16
"""Channels per GroupNorm group: the original's GroupNorm(64) over 1024 gate channels and
GroupNorm(32) over 512 candidate channels both have 16."""


def default_groups(channels):
    """GroupNorm groups for ``channels`` (16 channels a group, at least one group)."""
    return max(1, channels // GROUP_SIZE)


@keras.saving.register_keras_serializable(package="rsrnn")
class RSRNNCell(keras.layers.Layer):
    """One step of the RS-RNN convolutional GRU on (B, H, W, C) inputs.

    Args:
        filters: channels of the hidden state.
        kernel_size: side of the square gate and candidate kernels (odd).
        gate_groups: GroupNorm groups of the 2 * filters gate channels (default 2 * filters / 16).
        candidate_groups: GroupNorm groups of the candidate's filters channels (default filters / 16).
        epsilon: GroupNorm's epsilon (PyTorch's default).
    """

    def __init__(self, filters, kernel_size=3, gate_groups=None, candidate_groups=None, epsilon=1e-5, **kwargs):
        super().__init__(**kwargs)
        if kernel_size % 2 == 0 or kernel_size < 1:
            raise RSRNNError(f"kernel_size={kernel_size!r} must be a positive odd integer")
        self.filters = int(filters)
        self.kernel_size = int(kernel_size)
        self.gate_groups = int(gate_groups or default_groups(2 * self.filters))
        self.candidate_groups = int(candidate_groups or default_groups(self.filters))
        for name, groups, channels in (("gate_groups", self.gate_groups, 2 * self.filters),
                                       ("candidate_groups", self.candidate_groups, self.filters)):
            if channels % groups:
                raise RSRNNError(f"{name}={groups} must divide the {channels} channels it normalises")
        self.epsilon = float(epsilon)
        self.gate_conv = keras.layers.Conv2D(2 * self.filters, self.kernel_size, name="gate_conv")
        self.gate_norm = keras.layers.GroupNormalization(self.gate_groups, epsilon=self.epsilon, name="gate_norm")
        self.in_conv = keras.layers.Conv2D(self.filters, self.kernel_size, name="in_conv")
        self.in_norm = keras.layers.GroupNormalization(self.candidate_groups, epsilon=self.epsilon, name="in_norm")

    def build(self, input_shape):
        height, width, channels = input_shape[1], input_shape[2], input_shape[3]
        pad = self.kernel_size - 1
        joint = (None, height + pad, width + pad, channels + self.filters)
        self.gate_conv.build(joint)
        self.gate_norm.build((None, height, width, 2 * self.filters))
        self.in_conv.build(joint)
        self.in_norm.build((None, height, width, self.filters))
        self.init_hidden = self.add_weight(shape=(height, width, self.filters), initializer="zeros",
                                           name="init_hidden")

    def initial_state(self, inputs):
        """The learned initial state repeated over the batch of ``inputs`` (builds the cell)."""
        if not self.built:
            self.build(inputs.shape)
        return ops.broadcast_to(self.init_hidden[None], (ops.shape(inputs)[0],) + tuple(self.init_hidden.shape))

    def call(self, inputs, state):
        pad = self.kernel_size // 2
        gates = self.gate_norm(self.gate_conv(replicate_pad(ops.concatenate([inputs, state], -1), pad)))
        update, reset = ops.split(ops.sigmoid(gates), 2, axis=-1)
        candidate = self.in_norm(self.in_conv(replicate_pad(ops.concatenate([inputs, reset * state], -1), pad)))
        return (1 - update) * state + update * ops.tanh(candidate)

    def get_config(self):
        config = super().get_config()
        config.update(filters=self.filters, kernel_size=self.kernel_size, gate_groups=self.gate_groups,
                      candidate_groups=self.candidate_groups, epsilon=self.epsilon)
        return config


@keras.saving.register_keras_serializable(package="rsrnn")
class VectorGRUCell(keras.layers.Layer):
    """The Base-Retina control's GRU step on (B, C) pooled features.

    Args:
        units: size of the hidden state.
    """

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = int(units)
        self.gru = keras.layers.GRUCell(self.units, reset_after=True, name="gru")

    def build(self, input_shape):
        self.gru.build(input_shape)
        self.init_hidden = self.add_weight(shape=(self.units,), initializer=keras.initializers.RandomNormal(stddev=1.0),
                                           name="init_hidden")

    def initial_state(self, inputs):
        """tanh of the learned initial state repeated over the batch of ``inputs`` (builds the cell)."""
        if not self.built:
            self.build(inputs.shape)
        return ops.broadcast_to(ops.tanh(self.init_hidden)[None], (ops.shape(inputs)[0], self.units))

    def call(self, inputs, state):
        out, _ = self.gru(inputs, [state])
        return out

    def get_config(self):
        return {**super().get_config(), "units": self.units}
