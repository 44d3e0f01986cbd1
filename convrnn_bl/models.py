"""The rcnn-sat model family in Keras 3: the recurrent BL network and the feedforward B controls.

Every layer carries the name the published weight files are keyed by, so Keras 2 HDF5 files
(``bl_imagenet.h5``, ``bl_ecoset.h5``) load by name or by topology (see ``convrnn_bl.weights``).

BL (Spoerer et al. 2020) has seven recurrent convolutional layers (RCLs). Layer ``n`` at time ``t``
sums a bottom-up convolution (of the image when ``n == 0``, else of the 2x2 max-pooled output of
layer ``n - 1`` at time ``t``) and a lateral convolution of its own output at ``t - 1`` (absent at
``t == 0``), then applies batch normalisation (a separate BatchNormalization layer per layer *and*
time step) and a ReLU. The image's bottom-up convolution is computed once and reused. Each time
step ends in a readout: global average pooling of the last layer, one Dense layer shared by all
steps, softmax. With ``cumulative_readout=True`` the pre-softmax readouts of steps ``0..t`` are
summed before the softmax of step ``t``.

``width_multiplier`` scales every layer's filter count (``round(filters * width_multiplier)``,
at least 1). The default 1.0 gives exactly the published architecture; small multipliers give
BLs that train in minutes on a CPU, with the same layer names and graph.
"""
import keras
from keras import layers

from drc.core.validation import BadShapeError, check_int, check_number, check_shape

# (filters, kernel size) of the seven layers: rcnn-sat's BL and B.
BL_LAYERS = ((96, 7), (128, 5), (192, 3), (256, 3), (512, 3), (1024, 3), (2048, 1))
# The parameter-matched feedforward controls: larger kernels (B-K), more filters (B-F).
B_K_LAYERS = ((96, 11), (128, 7), (192, 5), (256, 5), (512, 5), (1024, 5), (2048, 3))
B_F_LAYERS = ((192, 7), (256, 5), (384, 3), (512, 3), (1024, 3), (2048, 3), (4096, 1))
# B-D: each B layer doubled (the second copy without pooling).
B_D_LAYERS = tuple((f, k, pool) for f, k in BL_LAYERS for pool in (True, False))

L2_WEIGHT_DECAY = 1e-6


@keras.saving.register_keras_serializable(package="convrnn_bl")
class ConvSum(layers.Layer):
    """Element-wise sum of one or more tensors of the same shape.

    BL's ``RCL_{n}_ConvSum``: at ``t == 0`` it receives only the bottom-up convolution, later the
    bottom-up and lateral convolutions. (Keras' ``Add`` layer needs at least two inputs.)
    """

    def call(self, inputs):
        if not isinstance(inputs, (list, tuple)):
            return inputs
        total = inputs[0]
        for tensor in inputs[1:]:
            total = total + tensor
        return total

    def compute_output_shape(self, input_shape):
        if isinstance(input_shape, list) and input_shape and isinstance(input_shape[0], (list, tuple)):
            return tuple(input_shape[0])
        return tuple(input_shape)


def scaled_filters(filters, width_multiplier):
    """Filter count after the width multiplier: ``round(filters * width_multiplier)``, at least 1."""
    if width_multiplier <= 0:
        raise ValueError(f"width_multiplier must be > 0, got {width_multiplier!r}")
    return max(1, int(round(filters * width_multiplier)))


def _norm_axis():
    return -1 if keras.config.image_data_format() == "channels_last" else 1


def _conv(filters, kernel_size, name):
    return layers.Conv2D(
        filters, kernel_size, padding="same", use_bias=False,
        kernel_initializer="glorot_uniform",
        kernel_regularizer=keras.regularizers.L2(L2_WEIGHT_DECAY), name=name)


def _readout_dense(classes):
    return layers.Dense(
        classes, kernel_initializer="glorot_uniform",
        kernel_regularizer=keras.regularizers.L2(L2_WEIGHT_DECAY), name="ReadoutDense")


class _RecurrentConv:
    """The two convolutions and the sum of one RCL (a group of Keras layers, not a layer).

    Remembers the last bottom-up convolution so that the image's is computed only once.
    """

    def __init__(self, filters, kernel_size, prefix):
        self.bottom_up = _conv(filters, kernel_size, f"{prefix}_BConv")
        self.lateral = _conv(filters, kernel_size, f"{prefix}_LConv")
        self.conv_sum = ConvSum(name=f"{prefix}_ConvSum")
        self.last_bottom_up = None

    def __call__(self, bottom_up_input=None, lateral_input=None):
        if bottom_up_input is not None:
            self.last_bottom_up = self.bottom_up(bottom_up_input)
        elif self.last_bottom_up is None:
            raise ValueError("the bottom-up input must be given on the first time step")
        terms = [self.last_bottom_up]
        if lateral_input is not None:
            terms.append(self.lateral(lateral_input))
        return self.conv_sum(terms)


def bl_net(input_tensor, classes, n_timesteps=8, cumulative_readout=False, width_multiplier=1.0,
           layer_specs=BL_LAYERS):
    """Builds the BL network: a Keras Model with one softmax output per time step.

    Args:
        input_tensor: Keras tensor (``keras.Input((H, W, 3))``) used as the image input.
        classes: number of output classes.
        n_timesteps: number of time steps (readouts) to unroll.
        cumulative_readout: if True, the output at step ``t`` is the softmax of the sum of the
            pre-softmax readouts of steps ``0..t``; if False, of step ``t``'s readout alone.
        width_multiplier: scales the filter count of every layer (1.0: the published BL).
        layer_specs: ``(filters, kernel_size)`` per layer; the default is the published BL.

    Returns:
        ``keras.Model`` named ``bl_net`` with outputs ``Sotfmax_Time_0 .. Sotfmax_Time_{T-1}``.
    """
    check_int(n_timesteps, "n_timesteps", minimum=1)
    check_model_arguments(input_tensor, classes, width_multiplier, n_pools=len(layer_specs) - 1)
    norm_axis = _norm_axis()
    rcls = [_RecurrentConv(scaled_filters(f, width_multiplier), k, f"RCL_{n}")
            for n, (f, k) in enumerate(layer_specs)]
    readout_dense = _readout_dense(classes)

    previous = [None] * len(rcls)  # activations of every layer at t - 1
    readouts, outputs = [], []
    for t in range(n_timesteps):
        current = []
        for n, rcl in enumerate(rcls):
            if n == 0:
                bottom_up = input_tensor if t == 0 else None
            else:
                bottom_up = layers.MaxPool2D((2, 2), name=f"MaxPool_Layer_{n}_Time_{t}")(current[n - 1])
            x = rcl(bottom_up, previous[n] if t > 0 else None)
            x = layers.BatchNormalization(norm_axis, name=f"BatchNorm_Layer_{n}_Time_{t}")(x)
            current.append(layers.Activation("relu", name=f"ReLU_Layer_{n}_Time_{t}")(x))
        previous = current

        pooled = layers.GlobalAveragePooling2D(name=f"GlobalAvgPool_Time_{t}")(current[-1])
        readouts.append(readout_dense(pooled))
        if cumulative_readout and t > 0:
            logits = layers.Add(name=f"CumulativeReadout_Time_{t}")(readouts[: t + 1])
        else:
            logits = readouts[t]
        # "Sotfmax" (sic): the published weight files and activations use this spelling.
        outputs.append(layers.Activation("softmax", name=f"Sotfmax_Time_{t}")(logits))

    return keras.Model(inputs=input_tensor, outputs=outputs, name="bl_net")


def _b_layer(x, filters, kernel_size, index, pooling):
    if pooling:
        x = layers.MaxPool2D((2, 2), name=f"MaxPool_Layer_{index}")(x)
    x = _conv(filters, kernel_size, f"Conv_Layer_{index}")(x)
    x = layers.BatchNormalization(_norm_axis(), name=f"BatchNorm_Layer_{index}")(x)
    return layers.Activation("relu", name=f"ReLU_Layer_{index}")(x)


def check_model_arguments(input_tensor, classes, width_multiplier, n_pools):
    """Validates a builder's arguments: a 4-D image input large enough for ``n_pools`` 2x2
    poolings (each halves the size; the last layer needs at least one pixel), ``classes`` >= 1,
    ``width_multiplier`` > 0."""
    check_int(classes, "classes", minimum=1)
    check_number(width_multiplier, "width_multiplier", minimum=1e-6)
    shape = check_shape(input_tensor, "input_tensor", 4, what="(batch, height, width, channels)")
    smallest = 2 ** n_pools
    for size in (shape or ())[1:3]:
        if size is not None and size < smallest:
            raise BadShapeError(f"input_tensor has shape {shape}: its {n_pools} 2x2 poolings need images of at "
                                f"least {smallest}x{smallest} pixels")


def _feedforward(input_tensor, classes, specs, name, width_multiplier):
    n_pools = sum(bool(spec[2]) if len(spec) > 2 else index > 0 for index, spec in enumerate(specs) if index)
    check_model_arguments(input_tensor, classes, width_multiplier, n_pools)
    x = input_tensor
    for index, spec in enumerate(specs):
        filters, kernel_size = spec[0], spec[1]
        pooling = spec[2] if len(spec) > 2 else index > 0
        if index == 0:
            pooling = False
        x = _b_layer(x, scaled_filters(filters, width_multiplier), kernel_size, index, pooling)
    x = layers.GlobalAveragePooling2D(name="GlobalAvgPool")(x)
    x = _readout_dense(classes)(x)
    output = layers.Activation("softmax", name="Softmax")(x)
    return keras.Model(inputs=input_tensor, outputs=output, name=name)


def b_net(input_tensor, classes, width_multiplier=1.0, layer_specs=BL_LAYERS):
    """B: the feedforward network with BL's layers (no lateral connections, one readout).

    ``layer_specs`` as in :func:`bl_net` (e.g. ``BL_LAYERS[:6]`` for B matching a shallower BL).
    """
    return _feedforward(input_tensor, classes, layer_specs, "b_net", width_multiplier)


def b_k_net(input_tensor, classes, width_multiplier=1.0):
    """B-K: B with larger kernels, parameter-matched to BL."""
    return _feedforward(input_tensor, classes, B_K_LAYERS, "b_k_net", width_multiplier)


def b_f_net(input_tensor, classes, width_multiplier=1.0):
    """B-F: B with more filters per layer, parameter-matched to BL."""
    return _feedforward(input_tensor, classes, B_F_LAYERS, "b_f_net", width_multiplier)


def b_d_net(input_tensor, classes, width_multiplier=1.0):
    """B-D: B with every layer doubled (14 layers; pooling before the first copy only)."""
    return _feedforward(input_tensor, classes, B_D_LAYERS, "b_d_net", width_multiplier)


def readout_layer_names(model):
    """Names of the layers SATBench fine-tunes: ReadoutDense and the per-step softmax layers."""
    return [layer.name for layer in model.layers
            if layer.name == "ReadoutDense" or layer.name.startswith(("Sotfmax_Time_", "Softmax"))]


def freeze_all_but_readout(model):
    """Makes only ReadoutDense (and the weightless softmax layers) trainable, as SATBench does."""
    trainable = set(readout_layer_names(model))
    for layer in model.layers:
        layer.trainable = layer.name in trainable
    return model


def recalibrate_batch_norm(model, images, batch_size=250):
    """Sets every BatchNormalization layer's moving statistics to their average over ``images``.

    After brief training the moving averages (momentum 0.99) lag behind the weights, and
    inference accuracy with them is far below accuracy with batch statistics. This runs the
    model in training mode over ``images`` (no weight update) with the momentum of batch ``k``
    set to ``(k - 1) / k``, so the moving mean and variance become the mean over batches of the
    batch statistics ("precise BN"). Momenta are restored afterwards.
    """
    norms = [layer for layer in model.layers if isinstance(layer, layers.BatchNormalization)]
    momenta = [layer.momentum for layer in norms]
    try:
        for k, start in enumerate(range(0, len(images), batch_size), start=1):
            for layer in norms:
                layer.momentum = (k - 1) / k
            model(images[start:start + batch_size], training=True)
    finally:
        for layer, momentum in zip(norms, momenta):
            layer.momentum = momentum
    return model
