"""ConvGRU2D against an independent numpy derivation of its equations, its dropout, saving and
loading of configs written by the original tf.keras 2 layer."""
import math

import keras
import numpy as np
import pytest

from students import ConvGRU2D, tf2_hard_sigmoid


# ---------------------------------------------------------------- numpy reference
def np_conv2d(x, w, strides=(1, 1), padding="valid", dilation=(1, 1)):
    """NHWC x HWIO convolution with TensorFlow's padding rules, by summing shifted patches."""
    _, rows, cols, _ = x.shape
    kh, kw = w.shape[:2]
    (sr, sc), (dr, dc) = strides, dilation
    span_r, span_c = (kh - 1) * dr + 1, (kw - 1) * dc + 1
    if padding == "same":
        out_r, out_c = math.ceil(rows / sr), math.ceil(cols / sc)
        pad_r = max((out_r - 1) * sr + span_r - rows, 0)
        pad_c = max((out_c - 1) * sc + span_c - cols, 0)
        x = np.pad(x, ((0, 0), (pad_r // 2, pad_r - pad_r // 2), (pad_c // 2, pad_c - pad_c // 2), (0, 0)))
    else:
        out_r, out_c = (rows - span_r) // sr + 1, (cols - span_c) // sc + 1
    out = np.zeros((x.shape[0], out_r, out_c, w.shape[3]))
    for i in range(kh):
        for j in range(kw):
            patch = x[:, i * dr: i * dr + (out_r - 1) * sr + 1: sr, j * dc: j * dc + (out_c - 1) * sc + 1: sc, :]
            out += np.einsum("bhwc,cf->bhwf", patch, w[i, j])
    return out


def np_hard_sigmoid_tf2(x):
    return np.clip(0.2 * x + 0.5, 0.0, 1.0)


def np_hard_sigmoid_keras3(x):
    return np.clip(x / 6.0 + 0.5, 0.0, 1.0)


def np_conv_gru(xs, kernel, recurrent_kernel, bias, strides=(1, 1), padding="valid", dilation=(1, 1),
                act=np.tanh, rec_act=np_hard_sigmoid_tf2, go_backwards=False, h0=None):
    """Returns (states after each processed step, in processing order; last state)."""
    f = recurrent_kernel.shape[2]
    kz, kr, kh = kernel[..., :f], kernel[..., f:2 * f], kernel[..., 2 * f:]
    uz, ur, uh = recurrent_kernel[..., :f], recurrent_kernel[..., f:2 * f], recurrent_kernel[..., 2 * f:]
    bz, br, bh = bias[:f], bias[f:2 * f], bias[2 * f:]
    steps = range(xs.shape[1] - 1, -1, -1) if go_backwards else range(xs.shape[1])
    h = h0
    outputs = []
    for t in steps:
        x = xs[:, t].astype(np.float64)
        xz = np_conv2d(x, kz, strides, padding, dilation) + bz
        xr = np_conv2d(x, kr, strides, padding, dilation) + br
        xh = np_conv2d(x, kh, strides, padding, dilation) + bh
        if h is None:
            h = np.zeros(xz.shape)
        z = rec_act(xz + np_conv2d(h, uz, padding="same"))
        r = rec_act(xr + np_conv2d(h, ur, padding="same"))
        candidate = act(xh + np_conv2d(r * h, uh, padding="same"))
        h = (1 - z) * h + z * candidate
        outputs.append(h)
    return np.stack(outputs, axis=1), h


def random_weights(rng, kernel_size, cin, filters, scale=0.6):
    kernel = rng.normal(0, scale, kernel_size + (cin, 3 * filters)).astype("float32")
    recurrent = rng.normal(0, scale, kernel_size + (filters, 3 * filters)).astype("float32")
    bias = rng.normal(0, scale, (3 * filters,)).astype("float32")
    return kernel, recurrent, bias


# ---------------------------------------------------------------- equations
@pytest.mark.parametrize(
    "padding, strides, dilation, kernel_size, go_backwards",
    [
        ("same", (1, 1), (1, 1), (3, 3), False),
        ("valid", (1, 1), (1, 1), (3, 3), False),
        ("same", (2, 2), (1, 1), (3, 3), False),
        ("valid", (2, 2), (1, 1), (3, 2), True),
        ("same", (1, 1), (2, 2), (3, 3), True),
    ],
)
def test_matches_numpy_equations(padding, strides, dilation, kernel_size, go_backwards):
    rng = np.random.default_rng(0)
    batch, steps, rows, cols, cin, filters = 2, 4, 8, 7, 3, 5
    xs = rng.normal(0, 1, (batch, steps, rows, cols, cin)).astype("float32")
    weights = random_weights(rng, kernel_size, cin, filters)
    layer = ConvGRU2D(filters, kernel_size, strides=strides, padding=padding, dilation_rate=dilation,
                      return_sequences=True, return_state=True, go_backwards=go_backwards)
    layer.build(xs.shape)
    layer.set_weights(weights)
    seq, state = (np.asarray(t) for t in layer(xs))

    want_seq, want_state = np_conv_gru(xs, *weights, strides=strides, padding=padding, dilation=dilation,
                                       go_backwards=go_backwards)
    assert seq.shape == want_seq.shape
    np.testing.assert_allclose(seq, want_seq, atol=2e-5)
    np.testing.assert_allclose(state, want_state, atol=2e-5)
    # The gates really were in their linear range somewhere (the test is not vacuous).
    assert 0.05 < np.mean(np.abs(want_state) > 0.1)


def test_last_output_and_unroll_agree_with_sequence():
    rng = np.random.default_rng(1)
    xs = rng.normal(0, 1, (2, 6, 6, 6, 2)).astype("float32")
    weights = random_weights(rng, (3, 3), 2, 3)
    seq_layer = ConvGRU2D(3, 3, padding="same", return_sequences=True)
    last_layer = ConvGRU2D(3, 3, padding="same", unroll=True)
    for layer in (seq_layer, last_layer):
        layer.build(xs.shape)
        layer.set_weights(weights)
    seq, last = np.asarray(seq_layer(xs)), np.asarray(last_layer(xs))
    assert last.shape == (2, 6, 6, 3)
    np.testing.assert_allclose(last, seq[:, -1], atol=1e-6)
    np.testing.assert_allclose(last, np_conv_gru(xs, *weights, padding="same")[1], atol=2e-5)


def test_weight_layout_and_defaults():
    layer = ConvGRU2D(4, (3, 2), padding="same")
    layer.build((None, 5, 6, 6, 3))
    names = [w.path.split("/")[-1] for w in layer.weights]
    assert names == ["kernel", "recurrent_kernel", "bias"]
    assert [tuple(w.shape) for w in layer.weights] == [(3, 2, 3, 12), (3, 2, 4, 12), (12,)]
    assert layer.recurrent_activation is tf2_hard_sigmoid
    assert layer.activation is keras.activations.tanh
    assert isinstance(layer.kernel_initializer, keras.initializers.GlorotUniform)
    assert isinstance(layer.recurrent_initializer, keras.initializers.Orthogonal)
    assert np.all(layer.get_weights()[2] == 0)
    assert layer.compute_output_shape((None, 5, 6, 6, 3)) == (None, 6, 6, 4)
    assert ConvGRU2D(4, 3, strides=2).compute_output_shape((None, 5, 7, 8, 3)) == (None, 3, 3, 4)


def test_tf2_hard_sigmoid_is_not_keras3_hard_sigmoid():
    x = np.array([-3.0, -2.5, -1.0, 0.0, 1.0, 2.5, 3.0], "float32")
    np.testing.assert_allclose(np.asarray(tf2_hard_sigmoid(x)), [0, 0, 0.3, 0.5, 0.7, 1, 1], atol=1e-7)
    keras3 = np.asarray(keras.activations.hard_sigmoid(x))
    assert abs(keras3[4] - 4 / 6) < 1e-6  # Keras 3: slope 1/6, so the two disagree
    # A user asking for 'hard_sigmoid' by name gets the TF 2 function (as configs of the original mean it).
    assert ConvGRU2D(2, 3, recurrent_activation="hard_sigmoid").recurrent_activation is tf2_hard_sigmoid


# ---------------------------------------------------------------- dropout
def _identity_1x1(c):
    return np.eye(c, dtype="float32")[None, None]


def test_input_dropout_mask_fixed_over_time_and_training_only():
    c, p = 2, 0.5
    layer = ConvGRU2D(c, 1, padding="same", activation="linear", dropout=p, return_sequences=True, seed=3)
    xs = np.ones((2, 5, 6, 6, c), "float32")
    layer.build(xs.shape)
    kernel = np.zeros((1, 1, c, 3 * c), "float32")
    kernel[..., 2 * c:] = _identity_1x1(c)  # candidate = the dropped input itself
    bias = np.zeros(3 * c, "float32")
    bias[:c] = 10.0  # z = 1: the state is the candidate of the current step only
    layer.set_weights([kernel, np.zeros((1, 1, c, 3 * c), "float32"), bias])

    out = np.asarray(layer(xs, training=True))  # (batch, time, rows, cols, c) == the h-gate's mask
    for t in range(1, out.shape[1]):
        np.testing.assert_array_equal(out[:, t], out[:, 0])
    assert set(np.unique(out).round(5)) == {0.0, 2.0}  # inverted dropout at rate 0.5
    assert 0.3 < np.mean(out[:, 0] == 0) < 0.7
    other_call = np.asarray(layer(xs, training=True))
    assert not np.array_equal(other_call[:, 0], out[:, 0])  # a fresh mask per call (per batch)
    np.testing.assert_array_equal(np.asarray(layer(xs, training=False)), np.ones_like(out))
    np.testing.assert_array_equal(np.asarray(layer(xs)), np.ones_like(out))


def test_recurrent_dropout_mask_fixed_over_time():
    c = 2
    layer = ConvGRU2D(c, 1, padding="same", activation="linear", recurrent_dropout=0.5,
                      return_sequences=True, seed=5)
    xs = np.zeros((2, 4, 5, 5, c), "float32")
    layer.build(xs.shape)
    bias = np.zeros(3 * c, "float32")
    bias[: 2 * c] = 10.0  # z = r = 1
    recurrent = np.zeros((1, 1, c, 3 * c), "float32")
    recurrent[..., 2 * c:] = _identity_1x1(c)  # h_t = mask . h_{t-1}
    layer.set_weights([np.zeros((1, 1, c, 3 * c), "float32"), recurrent, bias])
    h0 = np.ones((2, 5, 5, c), "float32")

    out = np.asarray(layer(xs, initial_state=[h0], training=True))
    kept = out[:, 0] > 0
    assert 0.2 < kept.mean() < 0.8
    for t in range(out.shape[1]):  # the same mask at every step: h_t = 2**(t+1) where kept, else 0
        np.testing.assert_allclose(out[:, t], np.where(kept, 2.0 ** (t + 1), 0.0), rtol=1e-6)
    np.testing.assert_array_equal(np.asarray(layer(xs, initial_state=[h0])), np.ones_like(out))


# ---------------------------------------------------------------- saving and original configs
def test_keras_file_round_trip(tmp_path):
    rng = np.random.default_rng(2)
    inp = keras.Input((4, 6, 6, 3))
    out = ConvGRU2D(5, 3, padding="same", strides=2, return_sequences=True, dropout=0.1,
                    kernel_regularizer=keras.regularizers.L2(1e-4), name="gru_a")(inp)
    out = ConvGRU2D(2, 3, padding="valid", activation="relu", name="gru_b")(out)
    model = keras.Model(inp, out)
    for layer in model.layers[1:]:
        layer.set_weights(random_weights(rng, (3, 3), layer.weights[0].shape[2], layer.filters))
    xs = rng.normal(0, 1, (3, 4, 6, 6, 3)).astype("float32")
    before = model.predict(xs, verbose=0)
    path = tmp_path / "convgru.keras"
    model.save(path)
    loaded = keras.models.load_model(path)
    np.testing.assert_array_equal(loaded.predict(xs, verbose=0), before)
    gru_a = loaded.get_layer("gru_a")
    assert isinstance(gru_a, ConvGRU2D)
    assert gru_a.recurrent_activation is tf2_hard_sigmoid
    assert (gru_a.strides, gru_a.padding, gru_a.dropout) == ((2, 2), "same", 0.1)
    assert loaded.get_layer("gru_b").activation is keras.activations.relu


def original_style_config(**overrides):
    """A layer config as the original tf.keras 2 ConvGRU2D wrote it (JSON, so tuples are lists)."""
    config = {
        "name": "convLSTM10", "trainable": True, "dtype": "float32",
        "return_sequences": True, "return_state": False, "go_backwards": False, "stateful": False,
        "unroll": False, "time_major": False,
        "filters": 4, "kernel_size": [3, 3], "strides": [1, 1], "padding": "same",
        "data_format": "channels_last", "dilation_rate": [1, 1],
        "activation": "tanh", "recurrent_activation": "hard_sigmoid", "use_bias": True,
        "kernel_initializer": {"class_name": "GlorotUniform", "config": {"seed": None}},
        "recurrent_initializer": {"class_name": "Orthogonal", "config": {"gain": 1.0, "seed": None}},
        "bias_initializer": {"class_name": "Zeros", "config": {}},
        "kernel_regularizer": None, "recurrent_regularizer": None, "bias_regularizer": None,
        "activity_regularizer": None, "kernel_constraint": None, "recurrent_constraint": None,
        "bias_constraint": None, "dropout": 0.0, "recurrent_dropout": 0.0,
    }
    config.update(overrides)
    return config


def test_original_config_loads_with_tf2_hard_sigmoid():
    layer = keras.layers.deserialize({"class_name": "ConvGRU2D", "config": original_style_config()},
                                     custom_objects={"ConvGRU2D": ConvGRU2D})
    assert isinstance(layer, ConvGRU2D)
    assert (layer.name, layer.filters, layer.kernel_size, layer.padding) == ("convLSTM10", 4, (3, 3), "same")
    assert layer.return_sequences and layer.recurrent_activation is tf2_hard_sigmoid

    rng = np.random.default_rng(4)
    xs = rng.normal(0, 1, (2, 3, 6, 6, 3)).astype("float32")
    weights = random_weights(rng, (3, 3), 3, 4, scale=1.0)
    layer.build(xs.shape)
    layer.set_weights(weights)
    got = np.asarray(layer(xs))
    tf2, _ = np_conv_gru(xs, *weights, padding="same", rec_act=np_hard_sigmoid_tf2)
    keras3, _ = np_conv_gru(xs, *weights, padding="same", rec_act=np_hard_sigmoid_keras3)
    np.testing.assert_allclose(got, tf2, atol=2e-5)
    assert np.max(np.abs(got - keras3)) > 1e-2  # Keras 3's hard_sigmoid would give other numbers


def test_original_config_variants():
    # The first layer of a tf.keras 2 model also records batch_input_shape; newer tf.keras writes
    # the dtype as a Policy dict and activations as dicts.
    config = original_style_config(
        batch_input_shape=[None, 5, 8, 8, 3],
        dtype={"class_name": "Policy", "config": {"name": "float32"}},
        recurrent_activation={"module": "keras.activations", "class_name": "function",
                              "config": "hard_sigmoid", "registered_name": None},
        return_sequences=False,
    )
    layer = ConvGRU2D.from_config(config)
    assert layer.recurrent_activation is tf2_hard_sigmoid
    assert layer.dtype == "float32" and not layer.return_sequences
    with pytest.raises(ValueError, match="time_major"):
        ConvGRU2D.from_config(original_style_config(time_major=True))
