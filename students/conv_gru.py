"""A 2D convolutional GRU layer for Keras 3 (the recurrent unit of the DRC student).

The layer follows the convolutional GRU that the DRC code used (the Van Valen lab's
``ConvGRU2D`` for tf.keras 2): its gate equations, weight layout, defaults and argument
names, so that a layer config written by that code loads here.  The structure follows Keras 3's
``ConvLSTM2D``: :class:`ConvGRU2DCell` computes one time step, :class:`ConvGRU2D` is a thin
:class:`keras.layers.RNN` around it.

One step, with ``*`` a 2D convolution, ``.`` an elementwise product, ``x`` the input and ``h``
the previous state::

    z  = recurrent_activation(Wz * x + bz + Uz * h)        update gate
    r  = recurrent_activation(Wr * x + br + Ur * h)        reset gate
    h~ = activation(Wh * x + bh + Uh * (r . h))            candidate (reset before the conv)
    h' = (1 - z) . h + z . h~

``z`` weighs the candidate (Keras' own GRU uses the opposite convention).  The input
convolutions use the layer's strides, padding and dilation and carry the bias; the recurrent
convolutions use stride 1, ``'same'`` padding and no bias.
"""
import keras
from keras import activations, constraints, initializers, ops, regularizers
from keras.src.layers.rnn.dropout_rnn_cell import DropoutRNNCell

from students.arguments import check_int

__all__ = ["ConvGRU2D", "ConvGRU2DCell", "tf2_hard_sigmoid"]

_GATES = 3  # [z | r | h] along the last axis of kernel, recurrent_kernel and bias


@keras.saving.register_keras_serializable(package="students")
def tf2_hard_sigmoid(x):
    """The hard sigmoid of TensorFlow 2.x / tf.keras 2: ``clip(0.2 * x + 0.5, 0, 1)``.

    Keras 3's ``"hard_sigmoid"`` is a different function (``relu6(x + 3) / 6``, slope 1/6).
    Configs written by tf.keras 2 that name ``"hard_sigmoid"`` mean this one.
    """
    x = ops.convert_to_tensor(x)
    return ops.clip(0.2 * x + 0.5, 0.0, 1.0)


def _activation(identifier):
    """``keras.activations.get`` that reads ``"hard_sigmoid"`` the way tf.keras 2 wrote it."""
    if identifier == "hard_sigmoid":
        return tf2_hard_sigmoid
    if isinstance(identifier, dict) and identifier.get("config") == "hard_sigmoid":
        return tf2_hard_sigmoid
    return activations.get(identifier)


def _data_format(value):
    value = keras.config.image_data_format() if value is None else str(value).lower()
    if value not in ("channels_last", "channels_first"):
        raise ValueError(f"`data_format` must be 'channels_last' or 'channels_first'; got {value!r}")
    return value


def _pair(value, name):
    """An int or a sequence of two ints -> a tuple of two positive ints."""
    pair = (int(value),) * 2 if isinstance(value, int) else tuple(int(v) for v in value)
    if len(pair) != 2 or min(pair) < 1:
        raise ValueError(f"`{name}` must be a positive int or a pair of them; got {value!r}")
    return pair


def _conv_length(length, kernel, stride, dilation, padding):
    """Output length of a convolution along one axis (None stays None)."""
    if length is None:
        return None
    if padding == "same":
        return -(-length // stride)
    return (length - (kernel - 1) * dilation - 1) // stride + 1


class ConvGRU2DCell(keras.layers.Layer, DropoutRNNCell):
    """One step of :class:`ConvGRU2D`.

    Arguments are those of :class:`ConvGRU2D` that concern a single step (all but
    ``activity_regularizer``, ``return_sequences``, ``return_state``, ``go_backwards``,
    ``stateful`` and ``unroll``).

    Call arguments:
        inputs: the step's input, ``(batch, rows, cols, channels)`` (channels_last).
        states: a one-element list holding the previous state ``h``.
        training: apply dropout (only then).

    Returns ``(h, [h])``.
    """

    def __init__(
        self,
        filters,
        kernel_size,
        strides=1,
        padding="valid",
        data_format=None,
        dilation_rate=1,
        activation="tanh",
        recurrent_activation=tf2_hard_sigmoid,
        use_bias=True,
        kernel_initializer="glorot_uniform",
        recurrent_initializer="orthogonal",
        bias_initializer="zeros",
        kernel_regularizer=None,
        recurrent_regularizer=None,
        bias_regularizer=None,
        kernel_constraint=None,
        recurrent_constraint=None,
        bias_constraint=None,
        dropout=0.0,
        recurrent_dropout=0.0,
        seed=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.filters = check_int(filters, "filters", minimum=1)
        self.kernel_size = _pair(kernel_size, "kernel_size")
        self.strides = _pair(strides, "strides")
        self.padding = str(padding).lower()
        if self.padding not in ("valid", "same"):
            raise ValueError(f"`padding` must be 'valid' or 'same'; got {padding!r}")
        self.data_format = _data_format(data_format)
        self.dilation_rate = _pair(dilation_rate, "dilation_rate")
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise ValueError(
                "strides > 1 cannot be combined with dilation_rate > 1; got "
                f"strides={self.strides}, dilation_rate={self.dilation_rate}"
            )
        self.activation = _activation(activation)
        self.recurrent_activation = _activation(recurrent_activation)
        self.use_bias = use_bias

        self.kernel_initializer = initializers.get(kernel_initializer)
        self.recurrent_initializer = initializers.get(recurrent_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.recurrent_regularizer = regularizers.get(recurrent_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.recurrent_constraint = constraints.get(recurrent_constraint)
        self.bias_constraint = constraints.get(bias_constraint)

        self.dropout = min(1.0, max(0.0, float(dropout)))
        self.recurrent_dropout = min(1.0, max(0.0, float(recurrent_dropout)))
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed=seed)
        self.dropout_mask_count = _GATES  # one input mask and one recurrent mask per gate
        self.input_spec = keras.layers.InputSpec(ndim=4)
        self.state_size = -1  # the state is a feature map; see get_initial_state

    @property
    def _channel_axis(self):
        return -1 if self.data_format == "channels_last" else 1

    def build(self, inputs_shape, states_shape=None):
        if self.data_format == "channels_last":
            self.spatial_dims = tuple(inputs_shape[1:-1])
        else:
            self.spatial_dims = tuple(inputs_shape[2:])
        if None in self.spatial_dims:
            raise ValueError(
                "ConvGRU2D needs static rows and cols; got input shape " f"{tuple(inputs_shape)}"
            )
        input_dim = inputs_shape[self._channel_axis]
        if input_dim is None:
            raise ValueError(
                "The channel dimension of ConvGRU2D's input must be defined; got input shape "
                f"{tuple(inputs_shape)}"
            )
        self.input_dim = int(input_dim)
        self.input_spec = keras.layers.InputSpec(ndim=4, shape=(None,) + tuple(inputs_shape[1:]))
        self.kernel = self.add_weight(
            name="kernel",
            shape=self.kernel_size + (self.input_dim, _GATES * self.filters),
            initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
        )
        self.recurrent_kernel = self.add_weight(
            name="recurrent_kernel",
            shape=self.kernel_size + (self.filters, _GATES * self.filters),
            initializer=self.recurrent_initializer,
            regularizer=self.recurrent_regularizer,
            constraint=self.recurrent_constraint,
        )
        if self.use_bias:
            self.bias = self.add_weight(
                name="bias",
                shape=(_GATES * self.filters,),
                initializer=self.bias_initializer,
                regularizer=self.bias_regularizer,
                constraint=self.bias_constraint,
            )
        else:
            self.bias = None

    def input_conv(self, x, kernel, bias=None):
        """Input-to-gate convolution: the layer's strides, padding and dilation, plus bias."""
        out = ops.conv(
            x,
            kernel,
            strides=self.strides,
            padding=self.padding,
            data_format=self.data_format,
            dilation_rate=self.dilation_rate,
        )
        if bias is not None:
            n = kernel.shape[-1]
            shape = (1, 1, 1, n) if self.data_format == "channels_last" else (1, n, 1, 1)
            out = out + ops.reshape(bias, shape)
        return out

    def recurrent_conv(self, h, kernel):
        """State-to-gate convolution: stride 1, 'same' padding, no bias."""
        return ops.conv(h, kernel, strides=1, padding="same", data_format=self.data_format)

    def call(self, inputs, states, training=False):
        h_prev = states[0] if isinstance(states, (list, tuple)) else states
        f = self.filters
        kernel_parts = ops.split(self.kernel, _GATES, axis=-1)
        recurrent_parts = ops.split(self.recurrent_kernel, _GATES, axis=-1)
        bias_parts = ops.split(self.bias, _GATES) if self.use_bias else (None,) * _GATES

        # Input side.  Without dropout the three gates share one input, so one conv serves all.
        if training and 0.0 < self.dropout < 1.0:
            masks = self.get_dropout_mask(inputs)
            x_z, x_r, x_h = (
                self.input_conv(inputs * m, k, b) for m, k, b in zip(masks, kernel_parts, bias_parts)
            )
        else:
            x_all = self.input_conv(inputs, self.kernel, self.bias)
            x_z, x_r, x_h = ops.split(x_all, _GATES, axis=self._channel_axis)

        # Recurrent side.  The candidate's conv needs the reset gate first.
        if training and 0.0 < self.recurrent_dropout < 1.0:
            rec_masks = self.get_recurrent_dropout_mask(h_prev)
            h_z, h_r, h_h = (h_prev * m for m in rec_masks)
            u_z = self.recurrent_conv(h_z, recurrent_parts[0])
            u_r = self.recurrent_conv(h_r, recurrent_parts[1])
        else:
            h_h = h_prev
            u_zr = self.recurrent_conv(h_prev, ops.split(self.recurrent_kernel, [2 * f], axis=-1)[0])
            u_z, u_r = ops.split(u_zr, 2, axis=self._channel_axis)

        z = self.recurrent_activation(x_z + u_z)
        r = self.recurrent_activation(x_r + u_r)
        candidate = self.activation(x_h + self.recurrent_conv(r * h_h, recurrent_parts[2]))
        h = (1.0 - z) * h_prev + z * candidate
        return h, [h]

    def compute_output_shape(self, inputs_shape, states_shape=None):
        if self.data_format == "channels_last":
            batch, spatial = inputs_shape[0], inputs_shape[1:-1]
        else:
            batch, spatial = inputs_shape[0], inputs_shape[2:]
        out_spatial = tuple(
            _conv_length(n, k, s, d, self.padding)
            for n, k, s, d in zip(spatial, self.kernel_size, self.strides, self.dilation_rate)
        )
        if self.data_format == "channels_last":
            out = (batch,) + out_spatial + (self.filters,)
        else:
            out = (batch, self.filters) + out_spatial
        return out, [out]

    def get_initial_state(self, batch_size=None):
        if self.data_format == "channels_last":
            shape = (batch_size,) + self.spatial_dims + (self.input_dim,)
        else:
            shape = (batch_size, self.input_dim) + self.spatial_dims
        state_shape = self.compute_output_shape(shape)[0]
        return [ops.zeros(state_shape, dtype=self.compute_dtype)]

    def get_config(self):
        config = {
            "filters": self.filters,
            "kernel_size": self.kernel_size,
            "strides": self.strides,
            "padding": self.padding,
            "data_format": self.data_format,
            "dilation_rate": self.dilation_rate,
            "activation": activations.serialize(self.activation),
            "recurrent_activation": activations.serialize(self.recurrent_activation),
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "recurrent_initializer": initializers.serialize(self.recurrent_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "recurrent_regularizer": regularizers.serialize(self.recurrent_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "recurrent_constraint": constraints.serialize(self.recurrent_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
            "dropout": self.dropout,
            "recurrent_dropout": self.recurrent_dropout,
            "seed": self.seed,
        }
        return {**super().get_config(), **config}


@keras.saving.register_keras_serializable(package="students")
class ConvGRU2D(keras.layers.RNN):
    """2D convolutional GRU (the DRC student's recurrent layer).

    Like ``keras.layers.ConvLSTM2D`` but with a GRU step (see the module docstring for the
    equations).  Weights: ``kernel`` ``(kh, kw, in_channels, 3 * filters)``,
    ``recurrent_kernel`` ``(kh, kw, filters, 3 * filters)``, ``bias`` ``(3 * filters,)``,
    each split along its last axis as ``[z | r | h]``.

    Args:
        filters: int, number of output feature maps.
        kernel_size: int or pair, size of the input and the recurrent convolution windows.
        strides: int or pair, strides of the input convolution (the recurrent one uses 1).
        padding: ``"valid"`` or ``"same"`` for the input convolution (the recurrent one is
            always ``"same"``).
        data_format: ``"channels_last"`` (inputs ``(batch, time, rows, cols, channels)``) or
            ``"channels_first"`` (``(batch, time, channels, rows, cols)``); default from the
            Keras config.
        dilation_rate: int or pair, dilation of the input convolution; not together with
            strides > 1.
        activation: activation of the candidate state. Default ``"tanh"``.
        recurrent_activation: activation of the update and reset gates. Default: TF 2.x's hard
            sigmoid :func:`tf2_hard_sigmoid`; the string ``"hard_sigmoid"`` also means it
            here (as it did in the configs of the original), not Keras 3's function.
        use_bias: whether the input convolutions add a bias.
        kernel_initializer: initializer of ``kernel``. Default ``"glorot_uniform"``.
        recurrent_initializer: initializer of ``recurrent_kernel``. Default ``"orthogonal"``.
        bias_initializer: initializer of ``bias``. Default ``"zeros"``.
        kernel_regularizer, recurrent_regularizer, bias_regularizer: weight regularizers.
        activity_regularizer: regularizer of the layer's output.
        kernel_constraint, recurrent_constraint, bias_constraint: weight constraints.
        return_sequences: return every step's state (``(batch, time, rows', cols', filters)``)
            instead of the last one.
        return_state: also return the last state.
        go_backwards: process the sequence from its last step to its first (with
            ``return_sequences`` the output is in processing order, as in Keras).
        stateful: carry the last state of each batch row into the next batch.
        dropout: fraction of input units dropped before the input convolutions; one mask per
            gate, drawn once per call and kept for every step; training only.
        recurrent_dropout: the same for the state before the recurrent convolutions.
        seed: seed of the dropout masks (an addition; the original has none).
        unroll: unroll the time loop (faster for short sequences of 5-10 steps, more memory).
        **kwargs: other ``keras.layers.RNN`` / ``Layer`` arguments (``name``, ``dtype``,
            ``trainable``, ``zero_output_for_mask``).
    """

    def __init__(
        self,
        filters,
        kernel_size,
        strides=1,
        padding="valid",
        data_format=None,
        dilation_rate=1,
        activation="tanh",
        recurrent_activation=tf2_hard_sigmoid,
        use_bias=True,
        kernel_initializer="glorot_uniform",
        recurrent_initializer="orthogonal",
        bias_initializer="zeros",
        kernel_regularizer=None,
        recurrent_regularizer=None,
        bias_regularizer=None,
        activity_regularizer=None,
        kernel_constraint=None,
        recurrent_constraint=None,
        bias_constraint=None,
        return_sequences=False,
        return_state=False,
        go_backwards=False,
        stateful=False,
        dropout=0.0,
        recurrent_dropout=0.0,
        seed=None,
        unroll=False,
        **kwargs,
    ):
        cell = ConvGRU2DCell(
            filters=filters,
            kernel_size=kernel_size,
            strides=strides,
            padding=padding,
            data_format=data_format,
            dilation_rate=dilation_rate,
            activation=activation,
            recurrent_activation=recurrent_activation,
            use_bias=use_bias,
            kernel_initializer=kernel_initializer,
            recurrent_initializer=recurrent_initializer,
            bias_initializer=bias_initializer,
            kernel_regularizer=kernel_regularizer,
            recurrent_regularizer=recurrent_regularizer,
            bias_regularizer=bias_regularizer,
            kernel_constraint=kernel_constraint,
            recurrent_constraint=recurrent_constraint,
            bias_constraint=bias_constraint,
            dropout=dropout,
            recurrent_dropout=recurrent_dropout,
            seed=seed,
            name="conv_gru_cell",
            dtype=kwargs.get("dtype"),
        )
        super().__init__(
            cell,
            return_sequences=return_sequences,
            return_state=return_state,
            go_backwards=go_backwards,
            stateful=stateful,
            unroll=unroll,
            activity_regularizer=activity_regularizer,
            **kwargs,
        )
        self.input_spec = keras.layers.InputSpec(ndim=5)

    def call(self, sequences, initial_state=None, mask=None, training=False):
        return super().call(sequences, initial_state=initial_state, mask=mask, training=training)

    def compute_output_shape(self, sequences_shape, initial_state_shape=None):
        batch, steps = sequences_shape[0], sequences_shape[1]
        step_shape = (batch,) + tuple(sequences_shape[2:])
        state_shape = self.cell.compute_output_shape(step_shape)[0][1:]
        output_shape = (batch, steps) + state_shape if self.return_sequences else (batch,) + state_shape
        if self.return_state:
            return output_shape, (batch,) + state_shape
        return output_shape

    def compute_mask(self, _, mask):
        mask = keras.tree.flatten(mask)[0] if mask is not None else None
        output_mask = mask if self.return_sequences else None
        return [output_mask, None] if self.return_state else output_mask

    # Read-only views of the cell's arguments, as on Keras' ConvLSTM2D.
    filters = property(lambda self: self.cell.filters)
    kernel_size = property(lambda self: self.cell.kernel_size)
    strides = property(lambda self: self.cell.strides)
    padding = property(lambda self: self.cell.padding)
    data_format = property(lambda self: self.cell.data_format)
    dilation_rate = property(lambda self: self.cell.dilation_rate)
    activation = property(lambda self: self.cell.activation)
    recurrent_activation = property(lambda self: self.cell.recurrent_activation)
    use_bias = property(lambda self: self.cell.use_bias)
    kernel_initializer = property(lambda self: self.cell.kernel_initializer)
    recurrent_initializer = property(lambda self: self.cell.recurrent_initializer)
    bias_initializer = property(lambda self: self.cell.bias_initializer)
    kernel_regularizer = property(lambda self: self.cell.kernel_regularizer)
    recurrent_regularizer = property(lambda self: self.cell.recurrent_regularizer)
    bias_regularizer = property(lambda self: self.cell.bias_regularizer)
    kernel_constraint = property(lambda self: self.cell.kernel_constraint)
    recurrent_constraint = property(lambda self: self.cell.recurrent_constraint)
    bias_constraint = property(lambda self: self.cell.bias_constraint)
    dropout = property(lambda self: self.cell.dropout)
    recurrent_dropout = property(lambda self: self.cell.recurrent_dropout)

    def get_config(self):
        config = {
            "filters": self.filters,
            "kernel_size": self.kernel_size,
            "strides": self.strides,
            "padding": self.padding,
            "data_format": self.data_format,
            "dilation_rate": self.dilation_rate,
            "activation": activations.serialize(self.activation),
            "recurrent_activation": activations.serialize(self.recurrent_activation),
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "recurrent_initializer": initializers.serialize(self.recurrent_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "recurrent_regularizer": regularizers.serialize(self.recurrent_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "recurrent_constraint": constraints.serialize(self.recurrent_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
            "dropout": self.dropout,
            "recurrent_dropout": self.recurrent_dropout,
            "seed": self.cell.seed,
        }
        base = super().get_config()
        del base["cell"]
        return {**base, **config}

    @classmethod
    def from_config(cls, config):
        """Builds the layer from its config, also from one written by tf.keras 2.

        tf.keras 2 configs carry ``time_major`` (always False for this layer) and may carry
        ``batch_input_shape`` (dropped) and a ``Policy`` dict as ``dtype`` (read as its name).
        """
        config = dict(config)
        config.pop("cell", None)
        if config.pop("time_major", False):
            raise ValueError("ConvGRU2D does not support time_major=True")
        # The shape the original recorded on a model's first layer: the layer is built from
        # the input it is called on, and models record their inputs themselves.
        config.pop("batch_input_shape", None)
        dtype = config.get("dtype")
        if isinstance(dtype, dict) and dtype.get("class_name") == "Policy":
            config["dtype"] = dtype["config"]["name"]
        return cls(**config)
