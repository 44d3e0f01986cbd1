"""The original's CIFAR-style teacher CNNs (``pretrained_teachers/style_nets.py``) for any input.

Every net takes ``input_shape`` (default the original's fixed 32x32x3) and ``n_classes`` (default
10, which the original hard-codes). Layer names are the original's, so weights and code that
refer to ``cnn1`` ... ``fc1``, ``final`` keep working.

- ``parametric_net_befe`` (v1, ``--network_topology default``) and ``parametric_net_befe_v2``
  (v2) return a ``keras.Sequential`` of two models: ``layers[0]`` the front end ("frontend"),
  ``layers[1]`` the back end ("backend"). The DRC student replaces the front end.
- ``baseline_net``, ``baseline_net_with_skips``, ``baseline_net_with_skips_deeper``,
  ``baseline_net_with_skips_deeper_laynorm`` and ``parametric_net`` are single functional models,
  as in the original (``teachers.split_model(net, 'max_pool2')`` splits one if needed).
"""
import keras

L = keras.layers
DEFAULT_INPUT_SHAPE = (32, 32, 3)


def _conv(x, filters, name, nl="relu"):
    """3x3 'same' convolution: every conv of the style nets."""
    return L.Conv2D(filters, (3, 3), activation=nl, padding="same", name=name)(x)


def _residual_blocks(x, n_blocks, names, nl, pre_layer=None, skip=True):
    """n_blocks x [pre_layer, conv128, conv128, conv64, + input]; ``names`` are the three conv
    name prefixes (block index appended). ``pre_layer()`` makes the layer opening each block
    (LayerNormalization or Dropout) or is None."""
    for i in range(n_blocks):
        block_input = x
        if pre_layer is not None:
            x = pre_layer()(x)
        x = _conv(x, 128, f"{names[0]}{i}", nl)
        x = _conv(x, 128, f"{names[1]}{i}", nl)
        x = _conv(x, 64, f"{names[2]}{i}", nl)
        if skip:
            x = L.add([x, block_input])
    return x


def _layer_norm():
    return L.LayerNormalization(axis=3)


def _classifier(x, n_classes, nl="relu", last_layer_size=128, dropout2=None):
    """Flatten, fc1, [Dropout(dropout2)], final softmax."""
    x = L.Flatten()(x)
    x = L.Dense(last_layer_size, activation=nl, name="fc1")(x)
    if dropout2 is not None:
        x = L.Dropout(dropout2)(x)
    return L.Dense(n_classes, activation="softmax", name="final")(x)


def _stem(inputs, nl="relu", dropout1=0.2, second_width=32):
    """cnn1, cnn12, max_pool1, Dropout: the opening shared by all style nets."""
    x = _conv(inputs, 32, "cnn1", nl)
    x = _conv(x, second_width, "cnn12", nl)
    x = L.MaxPooling2D((2, 2), name="max_pool1")(x)
    return L.Dropout(dropout1)(x)


def _second_stage(x, nl="relu"):
    """cnn2, cnn22, max_pool2."""
    x = _conv(x, 64, "cnn2", nl)
    x = _conv(x, 64, "cnn22", nl)
    return L.MaxPooling2D((2, 2), name="max_pool2")(x)


def _last_pool(x, enabled):
    # The original keeps a 1x1 "pooling" when disabled so that the layer name max_pool3 exists.
    return L.MaxPooling2D((2, 2) if enabled else (1, 1), name="max_pool3")(x)


def baseline_net(*args, input_shape=DEFAULT_INPUT_SHAPE, n_classes=10):
    """Three conv pairs (32, 64, 128), each pooled and followed by Dropout(0.2); fc1 128."""
    inputs = keras.Input(shape=input_shape)
    x = _stem(inputs)
    x = L.Dropout(0.2)(_second_stage(x))
    x = _conv(x, 128, "cnn3")
    x = _conv(x, 128, "cnn32")
    x = L.Dropout(0.2)(L.MaxPooling2D((2, 2), name="max_pool3")(x))
    return keras.Model(inputs, _classifier(x, n_classes), name="baseline_net")


def baseline_net_with_skips(*args, input_shape=DEFAULT_INPUT_SHAPE, n_classes=10):
    """baseline_net whose third stage (cnn3, cnn32, cnn33) is one residual block."""
    inputs = keras.Input(shape=input_shape)
    x = _second_stage(_stem(inputs))
    block_input = x
    x = L.Dropout(0.2)(x)
    x = _conv(x, 128, "cnn3")
    x = _conv(x, 128, "cnn32")
    x = L.add([_conv(x, 64, "cnn33"), block_input])
    x = L.Dropout(0.2)(L.MaxPooling2D((2, 2), name="max_pool3")(x))
    return keras.Model(inputs, _classifier(x, n_classes), name="baseline_net_with_skips")


def baseline_net_with_skips_deeper(*args, input_shape=DEFAULT_INPUT_SHAPE, n_classes=10):
    """Three residual blocks, each opened by Dropout(0.2)."""
    inputs = keras.Input(shape=input_shape)
    x = _second_stage(_stem(inputs))
    x = _residual_blocks(x, 3, ("cnn3_", "cnn32_", "cnn33_"), "relu", pre_layer=lambda: L.Dropout(0.2))
    x = L.Dropout(0.2)(L.MaxPooling2D((2, 2), name="max_pool3")(x))
    return keras.Model(inputs, _classifier(x, n_classes), name="baseline_net_with_skips_deeper")


def baseline_net_with_skips_deeper_laynorm(*args, input_shape=DEFAULT_INPUT_SHAPE, n_classes=10):
    """Three residual blocks, each opened by LayerNormalization; LayerNormalization after pooling."""
    inputs = keras.Input(shape=input_shape)
    x = _second_stage(_stem(inputs))
    x = _residual_blocks(x, 3, ("cnn3_", "cnn32_", "cnn33_"), "relu", pre_layer=_layer_norm)
    x = _layer_norm()(L.MaxPooling2D((2, 2), name="max_pool3")(x))
    return keras.Model(inputs, _classifier(x, n_classes), name="baseline_net_with_skips_deeper_laynorm")


def parametric_net(dropout1=0.2, dropout2=0.0, resblocks=3, layer_norm_res=True, layer_norm_2=True,
                   skip_conn=True, last_maxpool_en=True, nl="relu", last_layer_size=128,
                   input_shape=DEFAULT_INPUT_SHAPE, n_classes=10):
    """v1's layers as one model (no front-end/back-end split, no LayerNorm between them)."""
    inputs = keras.Input(shape=input_shape)
    x = _second_stage(_stem(inputs, nl, dropout1), nl)
    x = _residual_blocks(x, resblocks, ("cnn3_", "cnn32_", "cnn33_"), nl,
                         pre_layer=_layer_norm if layer_norm_res else None, skip=skip_conn)
    x = _last_pool(x, last_maxpool_en)
    if layer_norm_2:
        x = _layer_norm()(x)
    return keras.Model(inputs, _classifier(x, n_classes, nl, last_layer_size, dropout2), name="parametric_net")


def _front_end(inputs, x, dense_interface, layer_norm):
    """The front end's tail ([anti_sparse], [LayerNorm]) and the front-end model."""
    if dense_interface:
        x = L.Conv2D(64, (3, 3), padding="same", name="anti_sparse")(x)
    if layer_norm:
        x = _layer_norm()(x)
    return keras.Model(inputs, x, name="frontend")


def _back_end_fn(resblocks, layer_norm_res, skip_conn, last_maxpool_en, layer_norm_2, n_classes, nl,
                 last_layer_size, dropout2):
    """The back end of v1 and v2: residual blocks at 1/4 resolution, pooling and classifier."""

    def back_end(x):
        x = _residual_blocks(x, resblocks, ("cnn3_", "cnn32_", "cnn33_"), nl,
                             pre_layer=_layer_norm if layer_norm_res else None, skip=skip_conn)
        x = _last_pool(x, last_maxpool_en)
        if layer_norm_2:
            x = _layer_norm()(x)
        return _classifier(x, n_classes, nl, last_layer_size, dropout2)

    return back_end


def _two_part_teacher(front_end, back_end_fn, name):
    """keras.Sequential([front end, back end]) with the back end built on the front end's output."""
    be_inputs = keras.Input(shape=front_end.output.shape[1:])
    back_end = keras.Model(be_inputs, back_end_fn(be_inputs), name="backend")
    teacher = keras.Sequential([keras.Input(shape=front_end.input.shape[1:]), front_end, back_end], name=name)
    return teacher


def parametric_net_befe(dropout1=0.2, dropout2=0.0, resblocks=3, layer_norm_res=True, layer_norm_2=True,
                        skip_conn=True, last_maxpool_en=True, nl="relu", last_layer_size=128,
                        dense_interface=False, input_shape=DEFAULT_INPUT_SHAPE, n_classes=10):
    """Teacher v1 (``--network_topology default``): Sequential(front end, back end).

    Front end: cnn1, cnn12 (32), max_pool1, Dropout(dropout1), cnn2, cnn22 (64), max_pool2,
    [anti_sparse: linear conv64 if dense_interface], [LayerNormalization if layer_norm_res]:
    (H/4, W/4, 64). Back end: ``resblocks`` x ([LayerNorm], cnn3_i, cnn32_i (128), cnn33_i (64),
    [+ skip]), max_pool3 (2x2 if last_maxpool_en, else 1x1), [LayerNorm], fc1, Dropout, final.
    """
    inputs = keras.Input(shape=input_shape)
    x = _second_stage(_stem(inputs, nl, dropout1), nl)
    front_end = _front_end(inputs, x, dense_interface, layer_norm_res)
    back_end = _back_end_fn(resblocks, layer_norm_res, skip_conn, last_maxpool_en, layer_norm_2, n_classes, nl,
                            last_layer_size, dropout2)
    return _two_part_teacher(front_end, back_end, "parametric_net_befe")


def parametric_net_befe_v2(dropout1=0.2, dropout2=0.0, resblocks16=3, resblocks8=3, layer_norm_res16=True,
                           layer_norm_res8=True, layer_norm_2=True, skip_conn16=True, skip_conn8=True,
                           dense_interface=True, last_maxpool_en=True, nl="relu", last_layer_size=128,
                           input_shape=DEFAULT_INPUT_SHAPE, n_classes=10):
    """Teacher v2 (``--network_topology v2``): v1 with residual blocks at the half resolution.

    Front end: cnn1 (32), cnn12 (64), max_pool1, Dropout(dropout1), ``resblocks16`` x
    ([LayerNorm], cnn21_i, cnn22_i (128), cnn23_i (64), [+ skip]), max_pool2, [anti_sparse],
    [LayerNorm if layer_norm_res8]: (H/4, W/4, 64). Back end as v1's with ``resblocks8`` blocks.
    """
    inputs = keras.Input(shape=input_shape)
    x = _stem(inputs, nl, dropout1, second_width=64)
    x = _residual_blocks(x, resblocks16, ("cnn21_", "cnn22_", "cnn23_"), nl,
                         pre_layer=_layer_norm if layer_norm_res16 else None, skip=skip_conn16)
    x = L.MaxPooling2D((2, 2), name="max_pool2")(x)
    front_end = _front_end(inputs, x, dense_interface, layer_norm_res8)
    back_end = _back_end_fn(resblocks8, layer_norm_res8, skip_conn8, last_maxpool_en, layer_norm_2, n_classes, nl,
                            last_layer_size, dropout2)
    return _two_part_teacher(front_end, back_end, "parametric_net_befe_v2")
