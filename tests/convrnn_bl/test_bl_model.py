"""BL and the B controls: layer names, weight names and shapes, semantics, preprocessing, FLOPs."""
import h5py
import keras
import numpy as np
import pytest
import tensorflow as tf

from convrnn_bl import b_d_net, b_f_net, b_k_net, b_net, bl_net, preprocess_image, save_keras2_weights
from convrnn_bl.speed_accuracy import flops_per_exit, macs_per_exit

# The spec's table (bl.md), written out here independently of convrnn_bl.models.
SPEC_FILTERS = [96, 128, 192, 256, 512, 1024, 2048]
SPEC_KERNELS = [7, 5, 3, 3, 3, 3, 1]
BN_WEIGHTS = ["gamma", "beta", "moving_mean", "moving_variance"]


def expected_bl_weights(classes, n_timesteps=8, channels=3, filters=SPEC_FILTERS):
    """{weight path: shape} of BL from the spec: B and L conv per layer (no bias), a BatchNorm
    per layer per time step, one ReadoutDense."""
    expected, previous = {}, channels
    for n, (f, k) in enumerate(zip(filters, SPEC_KERNELS)):
        expected[f"RCL_{n}_BConv/kernel"] = (k, k, previous, f)
        expected[f"RCL_{n}_LConv/kernel"] = (k, k, f, f)
        for t in range(n_timesteps):
            for w in BN_WEIGHTS:
                expected[f"BatchNorm_Layer_{n}_Time_{t}/{w}"] = (f,)
        previous = f
    expected["ReadoutDense/kernel"] = (filters[-1], classes)
    expected["ReadoutDense/bias"] = (classes,)
    return expected


def weight_shapes(model):
    return {w.path: tuple(w.shape) for w in model.weights}


@pytest.mark.parametrize("classes", [1000, 16])
def test_bl_weight_names_and_shapes_match_the_spec(classes):
    model = bl_net(keras.Input((128, 128, 3)), classes)
    shapes = weight_shapes(model)
    assert shapes == expected_bl_weights(classes)
    assert len(shapes) == 7 * 2 + 7 * 8 * 4 + 2
    assert model.count_params() == sum(int(np.prod(s)) for s in expected_bl_weights(classes).values())


def test_keras2_file_of_bl_has_the_published_weight_names(tmp_path):
    """The file written from a 1000-class BL has bl_imagenet.h5's layout and weight names."""
    model = bl_net(keras.Input((128, 128, 3)), 1000)
    path = save_keras2_weights(model, str(tmp_path / "bl.h5"))
    expected = expected_bl_weights(1000)
    with h5py.File(path, "r") as f:
        layer_names = [n.decode() for n in f.attrs["layer_names"]]
        assert layer_names == [layer.name for layer in model.layers]
        found = {}
        for name in layer_names:
            for weight_name in (w.decode() for w in f[name].attrs["weight_names"]):
                found[weight_name] = f[name][weight_name].shape
    assert found == {f"{path_}:0": shape for path_, shape in expected.items()}
    assert "RCL_0_BConv/kernel:0" in found and "BatchNorm_Layer_6_Time_7/moving_variance:0" in found


def test_bl_layer_names_and_graph_structure():
    model = bl_net(keras.Input((64, 64, 3)), 10, n_timesteps=3, cumulative_readout=True,
                   width_multiplier=1 / 16)
    names = {layer.name for layer in model.layers}
    for n in range(7):
        assert {f"RCL_{n}_BConv", f"RCL_{n}_LConv", f"RCL_{n}_ConvSum"} <= names
        for t in range(3):
            assert {f"BatchNorm_Layer_{n}_Time_{t}", f"ReLU_Layer_{n}_Time_{t}"} <= names
            assert (f"MaxPool_Layer_{n}_Time_{t}" in names) == (n > 0)
    for t in range(3):
        assert {f"GlobalAvgPool_Time_{t}", f"Sotfmax_Time_{t}"} <= names
        assert (f"CumulativeReadout_Time_{t}" in names) == (t > 0)
    assert [o._keras_history[0].name for o in model.outputs] == [f"Sotfmax_Time_{t}" for t in range(3)]
    # The image's bottom-up conv runs once; later layers' bottom-up convs once per step;
    # lateral convs from t = 1; one shared readout.
    assert len(model.get_layer("RCL_0_BConv")._inbound_nodes) == 1
    assert len(model.get_layer("RCL_3_BConv")._inbound_nodes) == 3
    assert len(model.get_layer("RCL_0_LConv")._inbound_nodes) == 2
    assert len(model.get_layer("ReadoutDense")._inbound_nodes) == 3
    assert model.name == "bl_net"


def test_width_multiplier_scales_filters_only():
    model = bl_net(keras.Input((64, 64, 3)), 16, width_multiplier=0.25)
    assert weight_shapes(model) == expected_bl_weights(16, filters=[24, 32, 48, 64, 128, 256, 512])
    with pytest.raises(ValueError, match="width_multiplier"):
        bl_net(keras.Input((64, 64, 3)), 16, width_multiplier=0)


def _randomise(model, seed=0):
    rng = np.random.default_rng(seed)
    for w in model.weights:
        value = rng.normal(0, 0.2, w.shape)
        if "variance" in w.path:
            value = rng.uniform(0.5, 1.5, w.shape)
        w.assign(value.astype("float32"))


def test_cumulative_readout_sums_the_presoftmax_readouts():
    """Cumulative output t = softmax(sum_{s<=t} logits_s) = softmax(sum_{s<=t} log p_s(instant))."""
    instant = bl_net(keras.Input((64, 64, 3)), 5, n_timesteps=4, width_multiplier=1 / 16)
    cumulative = bl_net(keras.Input((64, 64, 3)), 5, n_timesteps=4, cumulative_readout=True,
                        width_multiplier=1 / 16)
    _randomise(instant)
    cumulative.set_weights(instant.get_weights())
    x = np.random.default_rng(1).uniform(-1, 1, (3, 64, 64, 3)).astype("float32")
    p_instant = np.stack([np.asarray(o, np.float64) for o in instant(x)])
    p_cumulative = np.stack([np.asarray(o, np.float64) for o in cumulative(x)])
    summed = np.cumsum(np.log(p_instant), axis=0)
    expected = np.exp(summed - summed.max(-1, keepdims=True))
    expected /= expected.sum(-1, keepdims=True)
    np.testing.assert_allclose(p_cumulative, expected, atol=2e-5)
    np.testing.assert_allclose(p_cumulative[0], p_instant[0], atol=1e-6)
    assert not np.allclose(p_cumulative[-1], p_instant[-1], atol=1e-3)


def test_first_step_is_feedforward_and_lateral_input_changes_later_steps():
    """At t = 0 no lateral conv contributes: zeroing every LConv leaves step 0 unchanged only."""
    model = bl_net(keras.Input((64, 64, 3)), 5, n_timesteps=3, width_multiplier=1 / 16)
    _randomise(model, seed=3)
    x = np.random.default_rng(2).uniform(-1, 1, (2, 64, 64, 3)).astype("float32")
    before = [np.asarray(o) for o in model(x)]
    for n in range(7):
        lateral = model.get_layer(f"RCL_{n}_LConv")
        lateral.kernel.assign(np.zeros(lateral.kernel.shape, "float32"))
    after = [np.asarray(o) for o in model(x)]
    np.testing.assert_allclose(after[0], before[0], atol=1e-6)
    assert not np.allclose(after[2], before[2], atol=1e-4)
    # Without lateral input the steps differ only by their own BatchNorms: copying time 0's
    # BatchNorm parameters to every step makes all outputs equal.
    for n in range(7):
        source = model.get_layer(f"BatchNorm_Layer_{n}_Time_0")
        for t in (1, 2):
            target = model.get_layer(f"BatchNorm_Layer_{n}_Time_{t}")
            for name in BN_WEIGHTS:
                getattr(target, name).assign(getattr(source, name))
    same = [np.asarray(o) for o in model(x)]
    np.testing.assert_allclose(same[1], same[0], atol=1e-6)
    np.testing.assert_allclose(same[2], same[0], atol=1e-6)


@pytest.mark.parametrize("builder, name, layers, pooled", [
    (b_net, "b_net", 7, [1, 2, 3, 4, 5, 6]),
    (b_k_net, "b_k_net", 7, [1, 2, 3, 4, 5, 6]),
    (b_f_net, "b_f_net", 7, [1, 2, 3, 4, 5, 6]),
    (b_d_net, "b_d_net", 14, [2, 4, 6, 8, 10, 12]),
])
def test_feedforward_controls_names_and_pooling(builder, name, layers, pooled):
    model = builder(keras.Input((64, 64, 3)), 10, width_multiplier=1 / 16)
    names = [layer.name for layer in model.layers]
    assert model.name == name
    for i in range(layers):
        assert {f"Conv_Layer_{i}", f"BatchNorm_Layer_{i}", f"ReLU_Layer_{i}"} <= set(names)
    assert sorted(int(n.rsplit("_", 1)[1]) for n in names if n.startswith("MaxPool_Layer_")) == pooled
    assert names[-3:] == ["GlobalAvgPool", "ReadoutDense", "Softmax"]
    assert model.get_layer("Conv_Layer_0").use_bias is False


def test_feedforward_kernel_sizes_and_filters_follow_the_originals():
    kernels = {b_net: [7, 5, 3, 3, 3, 3, 1], b_k_net: [11, 7, 5, 5, 5, 5, 3], b_f_net: [7, 5, 3, 3, 3, 3, 1]}
    filters = {b_net: SPEC_FILTERS, b_k_net: SPEC_FILTERS,
               b_f_net: [192, 256, 384, 512, 1024, 2048, 4096]}
    for builder in kernels:
        model = builder(keras.Input((64, 64, 3)), 10)
        shapes = [tuple(model.get_layer(f"Conv_Layer_{i}").kernel.shape) for i in range(7)]
        assert [s[0] for s in shapes] == kernels[builder]
        assert [s[3] for s in shapes] == filters[builder]
    d = b_d_net(keras.Input((64, 64, 3)), 10, width_multiplier=0.5)
    assert [d.get_layer(f"Conv_Layer_{i}").kernel.shape[3] for i in range(14)] == \
        [f // 2 for f in SPEC_FILTERS for _ in range(2)]


def test_bl_model_saves_and_reloads_as_keras_file(tmp_path):
    model = bl_net(keras.Input((64, 64, 3)), 4, n_timesteps=2, width_multiplier=1 / 16)
    _randomise(model, seed=5)
    x = np.random.default_rng(0).uniform(-1, 1, (2, 64, 64, 3)).astype("float32")
    path = str(tmp_path / "bl.keras")
    model.save(path)
    again = keras.models.load_model(path)
    for a, b in zip(model(x), again(x)):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    assert [layer.name for layer in again.layers] == [layer.name for layer in model.layers]


def test_preprocess_image_scales_uint8_and_rejects_everything_else():
    image = np.array([[[[0, 127, 255]]]], dtype=np.uint8)
    np.testing.assert_allclose(preprocess_image(image), [[[[-1.0, 127 / 127.5 - 1, 1.0]]]])
    tensor = preprocess_image(tf.constant(image))
    assert tensor.dtype == tf.float32
    np.testing.assert_allclose(tensor.numpy(), [[[[-1.0, 127 / 127.5 - 1, 1.0]]]], atol=1e-7)
    with pytest.raises(TypeError, match="uint8"):
        preprocess_image(image.astype(np.float32))
    with pytest.raises(TypeError, match="uint8"):
        preprocess_image(image.astype(np.int64))
    with pytest.raises(TypeError, match="uint8"):
        preprocess_image(tf.constant(image, tf.float32))
    with pytest.raises(TypeError, match="tf.Tensor or np.ndarray"):
        preprocess_image([[0, 1]])


def test_flops_per_exit_count_conv_and_dense_macs_cumulatively():
    """Expected MACs derived from the architecture: per step every layer's bottom-up conv
    (layer 0's only at t = 0) and, from t = 1, every lateral conv, plus the readout."""
    size, classes, steps = 64, 10, 4
    filters = [6, 8, 12, 16, 32, 64, 128]  # spec filters / 16
    model = bl_net(keras.Input((size, size, 3)), classes, n_timesteps=steps, width_multiplier=1 / 16)
    sides = [size // 2 ** n for n in range(7)]
    inputs = [3] + filters[:-1]
    bottom_up = [sides[n] ** 2 * SPEC_KERNELS[n] ** 2 * inputs[n] * filters[n] for n in range(7)]
    lateral = [sides[n] ** 2 * SPEC_KERNELS[n] ** 2 * filters[n] ** 2 for n in range(7)]
    readout = filters[-1] * classes
    per_step = [sum(bottom_up) + readout] + [sum(bottom_up[1:]) + sum(lateral) + readout] * (steps - 1)
    np.testing.assert_array_equal(macs_per_exit(model), np.cumsum(per_step))
    np.testing.assert_array_equal(flops_per_exit(model), 2 * np.cumsum(per_step))
    ff = b_net(keras.Input((size, size, 3)), classes, width_multiplier=1 / 16)
    assert macs_per_exit(ff).tolist() == [sum(bottom_up) + readout]


@pytest.mark.parametrize("cumulative", [False, True])
def test_fused_inference_matches_the_keras_model(cumulative):
    from convrnn_bl.fused import fused_bl_inference

    model = bl_net(keras.Input((64, 64, 3)), 7, n_timesteps=3, cumulative_readout=cumulative,
                   width_multiplier=1 / 16)
    _randomise(model, seed=9)
    x = np.random.default_rng(4).uniform(-1, 1, (2, 64, 64, 3)).astype("float32")
    expected = [np.asarray(o) for o in model(x)]
    fused = fused_bl_inference(model)(x)
    assert len(fused) == 3
    for a, b in zip(fused, expected):
        np.testing.assert_allclose(a.numpy(), b, atol=1e-5)
    with pytest.raises(ValueError, match="not a BL"):
        fused_bl_inference(b_net(keras.Input((64, 64, 3)), 7, width_multiplier=1 / 16))


def test_recalibrate_batch_norm_averages_batch_statistics():
    from convrnn_bl.models import recalibrate_batch_norm

    model = b_net(keras.Input((64, 64, 3)), 5, width_multiplier=1 / 16)
    images = np.random.default_rng(0).uniform(-1, 1, (40, 64, 64, 3)).astype("float32")
    conv = keras.Model(model.input, model.get_layer("Conv_Layer_0").output)
    before = np.asarray(conv(images)).reshape(2, 20, -1, 6)  # two batches of 20
    recalibrate_batch_norm(model, images, batch_size=20)
    norm = model.get_layer("BatchNorm_Layer_0")
    np.testing.assert_allclose(norm.moving_mean.numpy(), before.mean(axis=(1, 2)).mean(0), atol=1e-5)
    np.testing.assert_allclose(norm.moving_variance.numpy(), before.var(axis=(1, 2)).mean(0), rtol=1e-4)
    assert norm.momentum == 0.99
    np.testing.assert_array_equal(np.asarray(conv(images)).reshape(2, 20, -1, 6), before)  # weights kept
