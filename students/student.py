"""The DRC student ``student3``: a stack of convolutional RNNs that turns a short movie of
low-resolution sensor frames (and the sensor's positions) into the feature map of a teacher
CNN's front end.

Architecture (as in the original ``student3``)::

    frames (T, res, res, channels)   positions (T, res, res, 2) or (T, 2)
      -> [concat positions as channels]          add_coordinates, coordinate_mode 1
      -> [TimeDistributed UpSampling2D(upsample)]
      -> block_size x ConvRNN(rnn_layer1)        named convLSTM1{i}
      -> block_size x ConvRNN(rnn_layer2)        named convLSTM2{i}
           [each gated by a GRU over positions]  add_coordinates, coordinate_mode 2
      -> block_size x ConvRNN(num_feature, activation)   named convLSTM3{i}
           [each followed by a 3x3 conv of 64]   dense_interface
      -> [average / max over time]               time_pool
      -> [LayerNormalization(axis=3)] [BatchNormalization]

All ConvRNNs are 3x3 'same'; ConvGRU2D for ``conv_rnn_type='gru'``, ConvLSTM2D for 'lstm'.
Every ConvRNN returns sequences except the very last one when there is no time pooling.
"""
import warnings

import keras

from students.arguments import check_choice, check_fraction, check_int
from students.conv_gru import ConvGRU2D, tf2_hard_sigmoid

__all__ = ["student3", "infer_upsample", "CONV_RNN_TYPES", "TIME_POOLS"]

CONV_RNN_TYPES = ("gru", "lstm")
TIME_POOLS = ("average_pool", "max_pool", "none (0, '0', False or None)")
_NO_TIME_POOL = (None, False, 0, "0", "", "none", "None", "False", "false")
_DENSE_INTERFACE_FILTERS = 64


def _spatial_shape(teacher_output_shape):
    """(rows, cols, channels) of a front-end output shape, with or without the batch axis."""
    shape = tuple(teacher_output_shape)
    if len(shape) == 4:
        shape = shape[1:]
    if len(shape) != 3 or any(not isinstance(d, int) or d < 1 for d in shape):
        raise ValueError(
            "teacher_output_shape must be (rows, cols, channels) or (batch, rows, cols, channels) "
            f"with known sizes; got {teacher_output_shape!r}"
        )
    return shape


def infer_upsample(res, teacher_output_shape):
    """The spatial upsampling that takes a res x res sensor frame to the teacher's output size.

    ``teacher_output_shape`` is the front end's output shape, e.g. ``fe.output_shape``
    (``(None, 56, 56, 64)`` for the ResNet50 teacher, ``(None, 8, 8, 64)`` for v1/v2 teachers).
    Returns an int, or a pair ``(rows, cols)`` when the two factors differ; 1 means none.
    Raises ValueError when the teacher's output is not an integer multiple of ``res``.
    """
    rows, cols, _ = _spatial_shape(teacher_output_shape)
    factors = []
    for size in (rows, cols):
        if size % res:
            raise ValueError(
                f"the teacher front end's output is {rows}x{cols}, which is not an integer multiple "
                f"of the sensor resolution res={res}: the student cannot match it by upsampling "
                f"(teacher_output_shape={tuple(teacher_output_shape)})"
            )
        factors.append(size // res)
    return factors[0] if factors[0] == factors[1] else tuple(factors)


def _normalise_time_pool(time_pool):
    if isinstance(time_pool, str) and time_pool in TIME_POOLS[:2]:
        return time_pool
    if time_pool in _NO_TIME_POOL:
        return None
    raise ValueError(f"unknown time_pool {time_pool!r}; allowed: {', '.join(TIME_POOLS)}")


def _upsample_size(upsample):
    """An upsampling factor (int or pair) as a (rows, cols) pair."""
    return (upsample, upsample) if isinstance(upsample, int) else tuple(upsample)


def _check_arguments(**positive):
    """Each keyword must be an integer >= 1 (a ValueError / TypeError naming it otherwise)."""
    for name, value in positive.items():
        check_int(value, name, minimum=1)


def student3(
    sample=10,
    res=8,
    activation="tanh",
    dropout=0.0,
    rnn_dropout=0.0,
    upsample=None,
    num_feature=1,
    layer_norm=False,
    batch_norm=False,
    n_layers=3,
    conv_rnn_type="lstm",
    block_size=1,
    add_coordinates=False,
    time_pool=False,
    coordinate_mode=1,
    attention_net_size=64,
    attention_net_depth=1,
    rnn_layer1=32,
    rnn_layer2=64,
    dense_interface=False,
    loss="mean_squared_error",
    *,
    channels=3,
    teacher_output_shape=None,
    unroll=False,
    jit_compile="auto",
    **kwargs,
):
    """Builds and compiles the DRC student (the original's ``student3``, same arguments).

    Args:
        sample: time steps of the input movie (the DRC's ``max_length``).
        res: the sensor's resolution; frames are ``res x res``.
        activation: activation of the last block (``--student_nl``).
        dropout, rnn_dropout: input and recurrent dropout of every ConvRNN.
        upsample: spatial upsampling factor applied to the input (0 or 1: none). ``None``
            (default): derived from ``teacher_output_shape`` (teacher size // res), or none
            when that is not given. An explicit value is checked against
            ``teacher_output_shape`` when both are given.
        num_feature: filters of the last block (the teacher front end's channels).
        layer_norm: LayerNormalization over channels at the end.
        batch_norm: BatchNormalization at the end.
        n_layers: accepted and unused, as in the original.
        conv_rnn_type: ``'gru'`` (ConvGRU2D) or ``'lstm'`` (ConvLSTM2D).
        block_size: ConvRNN layers per block (three blocks).
        add_coordinates: feed the positions to the network (DRC's ``--broadcast``).
        time_pool: ``'average_pool'`` or ``'max_pool'`` over all steps of the last layer's
            sequence; ``0``/``'0'``/``False``/``None``: no pooling, the last layer returns its
            last state only.
        coordinate_mode: 1: positions are ``(sample, res, res, 2)`` maps concatenated to the
            frames as channels; 2: positions are ``(sample, 2)``, a GRU over them (of
            ``attention_net_size`` units, ``attention_net_depth`` layers) produces per-step
            channel gains (Dense, tanh) that multiply the second block's outputs.
        attention_net_size, attention_net_depth: the position GRU of coordinate_mode 2.
        rnn_layer1, rnn_layer2: filters of the first and second blocks.
        dense_interface: after every last-block layer, a 3x3 'same' conv of 64 filters
            (named ``anti_sparse``).
        loss: the distillation loss (default MSE).
        channels: colour channels of the frames (an addition; the original fixes 3).
        teacher_output_shape: the teacher front end's output shape (an addition), used to derive
            and check ``upsample`` and to check the output channels.
        unroll: unroll the ConvRNN time loops (an addition; faster for 5-10 steps).
        jit_compile: passed to ``Model.compile``.
        **kwargs: ignored with a warning (the original silently accepted extra arguments).

    Returns:
        A compiled ``keras.Model`` named ``student_3`` with inputs ``[frames, positions]``
        and output ``(batch, res * upsample, res * upsample, num_feature)`` (64 channels with
        ``dense_interface``).
    """
    if kwargs:
        warnings.warn(f"student3 ignores the arguments {sorted(kwargs)}", stacklevel=2)
    _check_arguments(sample=sample, res=res, num_feature=num_feature, rnn_layer1=rnn_layer1, rnn_layer2=rnn_layer2,
                     block_size=block_size, channels=channels, attention_net_size=attention_net_size,
                     attention_net_depth=attention_net_depth)
    if not isinstance(upsample, (tuple, list)):
        check_int(upsample, "upsample", minimum=0, allow_none=True)
    check_fraction(dropout, "dropout")
    check_fraction(rnn_dropout, "rnn_dropout")
    check_choice(add_coordinates, "add_coordinates", (0, 1))
    if conv_rnn_type not in CONV_RNN_TYPES:
        raise ValueError(f"unknown conv_rnn_type {conv_rnn_type!r}; allowed: {', '.join(CONV_RNN_TYPES)}")
    time_pool = _normalise_time_pool(time_pool)
    if add_coordinates and coordinate_mode not in (1, 2):
        raise ValueError(f"unknown coordinate_mode {coordinate_mode!r}; allowed: 1 (broadcast), 2 (GRU gating)")
    if int(block_size) < 1:
        raise ValueError(f"block_size must be at least 1; got {block_size!r}")

    out_channels = _DENSE_INTERFACE_FILTERS if dense_interface else num_feature
    if teacher_output_shape is not None:
        rows, cols, teacher_channels = _spatial_shape(teacher_output_shape)
        derived = infer_upsample(res, teacher_output_shape)
        if upsample is None:
            upsample = derived
        else:
            factor = _upsample_size(upsample if upsample else 1)
            if (res * factor[0], res * factor[1]) != (rows, cols):
                raise ValueError(
                    f"upsample={upsample!r} makes the student's output {res * factor[0]}x{res * factor[1]} "
                    f"(sensor res={res}) but the teacher front end's output is {rows}x{cols}; "
                    f"use upsample={derived!r} or leave it None to derive it"
                )
        if out_channels != teacher_channels:
            raise ValueError(
                f"the student's output has {out_channels} channels "
                f"({'dense_interface' if dense_interface else 'num_feature'}) but the teacher front "
                f"end's output has {teacher_channels}; set num_feature={teacher_channels}"
            )
    if upsample is None:
        upsample = 0

    frames = keras.Input((sample, res, res, channels), name="frames")
    broadcast = bool(add_coordinates) and coordinate_mode == 1
    position_shape = (sample, res, res, 2) if broadcast else (sample, 2)
    positions = keras.Input(position_shape, name="positions")

    x = frames
    position_code = None
    if broadcast:
        x = keras.layers.Concatenate(axis=-1, name="concat_positions")([frames, positions])
    elif add_coordinates:  # coordinate_mode 2
        position_code = positions
        for i in range(max(1, attention_net_depth)):
            position_code = keras.layers.GRU(
                attention_net_size, return_sequences=True, unroll=unroll, name=f"position_gru{i}"
            )(position_code)

    size = _upsample_size(upsample)
    if max(size) > 1:
        x = keras.layers.TimeDistributed(keras.layers.UpSampling2D(size), name="upsample")(x)

    def conv_rnn(filters, name, return_sequences, **extra):
        common = dict(padding="same", return_sequences=return_sequences, dropout=dropout,
                      recurrent_dropout=rnn_dropout, unroll=unroll, name=name, **extra)
        if conv_rnn_type == "gru":
            return ConvGRU2D(filters, (3, 3), **common)
        # tf.keras 2's ConvLSTM2D (what the original used) defaulted to TF 2's hard sigmoid.
        return keras.layers.ConvLSTM2D(filters, (3, 3), recurrent_activation=tf2_hard_sigmoid, **common)

    for i in range(block_size):
        x = conv_rnn(rnn_layer1, f"convLSTM1{i}", True)(x)
    for i in range(block_size):
        x = conv_rnn(rnn_layer2, f"convLSTM2{i}", True)(x)
        if position_code is not None:
            gain = keras.layers.TimeDistributed(
                keras.layers.Dense(rnn_layer2, activation="tanh"), name=f"position_gain{i}"
            )(position_code)
            gain = keras.layers.Reshape((sample, 1, 1, rnn_layer2), name=f"position_gain_map{i}")(gain)
            x = keras.layers.Multiply(name=f"position_gating{i}")([x, gain])
    for i in range(block_size):
        return_sequences = i < block_size - 1 or time_pool is not None
        x = conv_rnn(num_feature, f"convLSTM3{i}", return_sequences, activation=activation)(x)
        if dense_interface:
            interface = keras.layers.Conv2D(_DENSE_INTERFACE_FILTERS, (3, 3), padding="same", name="anti_sparse")
            if return_sequences:
                interface = keras.layers.TimeDistributed(interface, name=f"anti_sparse_steps{i}")
            x = interface(x)

    if time_pool is not None:
        pool = keras.layers.AveragePooling3D if time_pool == "average_pool" else keras.layers.MaxPooling3D
        x = pool(pool_size=(sample, 1, 1), name="time_pool")(x)
        x = keras.layers.Reshape(tuple(x.shape[2:]), name="squeeze_time")(x)
    if layer_norm:
        x = keras.layers.LayerNormalization(axis=3, name="layer_normalization")(x)
    if batch_norm:
        x = keras.layers.BatchNormalization(name="batch_normalization")(x)

    model = keras.Model(inputs=[frames, positions], outputs=x, name="student_3")
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=1e-3),
        loss=loss,
        metrics=[
            keras.metrics.MeanSquaredError(name="mean_squared_error"),
            keras.metrics.MeanAbsoluteError(name="mean_absolute_error"),
            keras.metrics.CosineSimilarity(name="cosine_similarity"),
        ],
        jit_compile=jit_compile,
    )
    return model
