"""student3: shapes against teacher front ends, every option, errors, training and saving."""
import keras
import numpy as np
import pytest

from students import ConvGRU2D, infer_upsample, student3, tf2_hard_sigmoid

V1_FE = (None, 8, 8, 64)  # v1/v2 teacher front end at full resolution (two 2x2 pools of 32x32)
RESNET_FE = (None, 56, 56, 64)  # ResNet50 front end after pool1_pool


def tiny(**overrides):
    """Small filter counts: these tests are about wiring, not capacity."""
    args = dict(sample=3, res=4, num_feature=3, rnn_layer1=2, rnn_layer2=3, conv_rnn_type="gru",
                block_size=1, time_pool="average_pool")
    args.update(overrides)
    return student3(**args)


def inputs_for(model, batch=2, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.normal(0, 1, (batch,) + tuple(t.shape[1:])).astype("float32") for t in model.inputs]


def run(model, x):
    """Inference by a direct call (much cheaper than tracing predict for one small batch)."""
    return np.asarray(model(x, training=False))


# ---------------------------------------------------------------- the two published settings
def test_v1_setting_matches_v1_front_end():
    # DRC command for v1/v2 teachers: gru, 10 steps, block 2, broadcast 0, average_pool, 64/128, elu.
    model = student3(sample=10, res=8, activation="elu", num_feature=64, conv_rnn_type="gru", block_size=2,
                     add_coordinates=0, time_pool="average_pool", rnn_layer1=64, rnn_layer2=128,
                     layer_norm=True, teacher_output_shape=V1_FE)
    assert model.name == "student_3"
    assert model.output_shape == V1_FE
    assert [t.shape for t in model.inputs] == [(None, 10, 8, 8, 3), (None, 10, 2)]
    assert [layer.name for layer in model.layers if layer.weights] == [
        "convLSTM10", "convLSTM11", "convLSTM20", "convLSTM21", "convLSTM30", "convLSTM31", "layer_normalization"]
    assert "upsample" not in [layer.name for layer in model.layers]  # 8x8 sensor -> 8x8 features
    filters = [model.get_layer(f"convLSTM{b}{i}").filters for b in (1, 2, 3) for i in (0, 1)]
    assert filters == [64, 64, 128, 128, 64, 64]
    # --student_nl applies to the whole last block; the others keep ConvGRU2D's tanh.
    assert [model.get_layer(f"convLSTM3{i}").activation for i in (0, 1)] == [keras.activations.elu] * 2
    assert model.get_layer("convLSTM21").activation is keras.activations.tanh

    x = inputs_for(model, batch=1)
    out = run(model, x)
    assert out.shape == (1, 8, 8, 64)
    pooled = run(keras.Model(model.inputs, model.get_layer("squeeze_time").output), x)
    mean, var = pooled.mean(-1, keepdims=True), pooled.var(-1, keepdims=True)
    eps = model.get_layer("layer_normalization").epsilon
    np.testing.assert_allclose(out, (pooled - mean) / np.sqrt(var + eps), atol=1e-4)  # normalised over channels


def test_resnet_setting_upsamples_by_seven():
    # DRC command for the ResNet50 teacher: gru, 5 steps, block 2, broadcast 1, relu, upsample 7.
    model = student3(sample=5, res=8, activation="relu", num_feature=64, conv_rnn_type="gru", block_size=2,
                     add_coordinates=1, time_pool="average_pool", rnn_layer1=32, rnn_layer2=64,
                     layer_norm=True, teacher_output_shape=RESNET_FE)
    assert model.output_shape == RESNET_FE
    assert [t.shape for t in model.inputs] == [(None, 5, 8, 8, 3), (None, 5, 8, 8, 2)]
    assert model.get_layer("upsample").layer.size == (7, 7)
    assert model.get_layer("concat_positions").output.shape == (None, 5, 8, 8, 5)
    assert model.get_layer("convLSTM10").input.shape == (None, 5, 56, 56, 5)
    # Giving the same factor explicitly (the DRC flag --upsample 7) is accepted.
    assert tiny(res=8, upsample=7, num_feature=64, teacher_output_shape=RESNET_FE).output_shape == RESNET_FE


# ---------------------------------------------------------------- option grid
@pytest.mark.parametrize("conv_rnn_type", ["gru", "lstm"])
@pytest.mark.parametrize("channels", [1, 3])
@pytest.mark.parametrize("broadcast", [0, 1])
@pytest.mark.parametrize("time_pool", ["average_pool", "max_pool", 0])
def test_shapes_over_options(conv_rnn_type, channels, broadcast, time_pool):
    model = tiny(conv_rnn_type=conv_rnn_type, channels=channels, add_coordinates=broadcast, time_pool=time_pool,
                 block_size=2, teacher_output_shape=(8, 8, 3))  # res 4 -> upsample 2
    assert model.output_shape == (None, 8, 8, 3)
    position_shape = (None, 3, 4, 4, 2) if broadcast else (None, 3, 2)
    assert [t.shape for t in model.inputs] == [(None, 3, 4, 4, channels), position_shape]
    names = [layer.name for layer in model.layers]
    assert ("concat_positions" in names) == bool(broadcast)
    assert model.get_layer("convLSTM10").input.shape == (None, 3, 8, 8, channels + 2 * broadcast)
    rnn_class = ConvGRU2D if conv_rnn_type == "gru" else keras.layers.ConvLSTM2D
    rnns = [layer for layer in model.layers if layer.name.startswith("convLSTM")]
    assert len(rnns) == 6 and all(type(layer) is rnn_class for layer in rnns)
    assert all(layer.recurrent_activation is tf2_hard_sigmoid for layer in rnns)
    # Only the very last ConvRNN drops the time axis, and only without time pooling.
    assert [layer.return_sequences for layer in rnns] == [True] * 5 + [bool(time_pool)]
    if time_pool:
        expected = keras.layers.AveragePooling3D if time_pool == "average_pool" else keras.layers.MaxPooling3D
        assert type(model.get_layer("time_pool")) is expected
    else:
        assert "time_pool" not in names


def test_time_pooling_values():
    pooled = tiny(time_pool="average_pool")
    x = inputs_for(pooled)
    steps = run(keras.Model(pooled.inputs, pooled.get_layer("convLSTM30").output), x)
    assert steps.shape == (2, 3, 4, 4, 3)
    assert np.ptp(steps, axis=1).max() > 1e-3  # the steps do differ, so the choice matters
    np.testing.assert_allclose(run(pooled, x), steps.mean(axis=1), atol=1e-5)
    for time_pool, want in [("max_pool", steps.max(axis=1)), (0, steps[:, -1])]:
        model = tiny(time_pool=time_pool)
        model.set_weights(pooled.get_weights())  # same layers, same names, same shapes
        np.testing.assert_allclose(run(model, x), want, atol=1e-5)


@pytest.mark.parametrize("time_pool", [0, "0", False, None, "none"])
def test_spellings_of_no_time_pool(time_pool):
    model = tiny(time_pool=time_pool, block_size=2)
    assert "time_pool" not in [layer.name for layer in model.layers]
    assert model.get_layer("convLSTM30").return_sequences and not model.get_layer("convLSTM31").return_sequences
    assert model.output_shape == (None, 4, 4, 3)


def test_positions_reach_the_output_only_when_added():
    rng = np.random.default_rng(3)
    for add, mode in [(False, 1), (True, 1), (True, 2)]:
        model = tiny(add_coordinates=add, coordinate_mode=mode, attention_net_size=5, attention_net_depth=2)
        frames, positions = inputs_for(model)
        other = rng.uniform(0, 1, positions.shape).astype("float32")
        a, b = run(model, [frames, positions]), run(model, [frames, other])
        if add:
            assert np.abs(a - b).max() > 1e-4, (add, mode)
        else:
            np.testing.assert_array_equal(a, b)


def test_coordinate_mode_2_gates_the_second_block():
    model = tiny(add_coordinates=True, coordinate_mode=2, block_size=2, attention_net_size=6, attention_net_depth=2)
    assert model.inputs[1].shape == (None, 3, 2)
    names = [layer.name for layer in model.layers]
    assert {"position_gru0", "position_gru1", "position_gain0", "position_gain1",
            "position_gating0", "position_gating1"} <= set(names)
    assert "position_gru2" not in names and "concat_positions" not in names
    assert model.get_layer("position_gru1").units == 6
    assert model.get_layer("position_gain0").output.shape == (None, 3, 3)  # rnn_layer2 gains per step
    assert model.get_layer("position_gating1").output.shape == (None, 3, 4, 4, 3)


def test_dense_interface_norms_and_dropout():
    model = tiny(dense_interface=True, block_size=2, time_pool=0, batch_norm=True, layer_norm=True,
                 dropout=0.1, rnn_dropout=0.2, num_feature=5, teacher_output_shape=(4, 4, 64))
    assert model.output_shape == (None, 4, 4, 64)
    assert model.get_layer("anti_sparse_steps0").output.shape == (None, 3, 4, 4, 64)  # between the last two
    assert model.get_layer("anti_sparse").output.shape == (None, 4, 4, 64)
    assert model.get_layer("convLSTM31").input.shape == (None, 3, 4, 4, 64)
    names = [layer.name for layer in model.layers if layer.name != "positions"]  # positions unused here
    assert names[-2:] == ["layer_normalization", "batch_normalization"]
    assert model.get_layer("layer_normalization").axis == [3]
    rnn = model.get_layer("convLSTM20")
    assert (rnn.dropout, rnn.recurrent_dropout) == (0.1, 0.2)


# ---------------------------------------------------------------- upsampling and errors
def test_infer_upsample():
    assert infer_upsample(8, RESNET_FE) == 7
    assert infer_upsample(8, V1_FE) == 1
    assert infer_upsample(7, (56, 56, 64)) == 8
    assert infer_upsample(4, (8, 4, 3)) == (2, 1)
    with pytest.raises(ValueError, match=r"10x10.*res=8"):
        infer_upsample(8, (None, 10, 10, 64))
    with pytest.raises(ValueError, match=r"4x4.*res=8"):
        infer_upsample(8, (4, 4, 64))
    with pytest.raises(ValueError, match="teacher_output_shape"):
        infer_upsample(8, (None, None, 64))


def test_upsample_defaults_and_checks():
    assert tiny(upsample=None).output_shape == (None, 4, 4, 3)  # nothing to follow: no upsampling
    assert tiny(upsample=3).output_shape == (None, 12, 12, 3)  # explicit, as in the original
    with pytest.raises(ValueError, match=r"upsample=7 .* 56x56 .* res=8.* 8x8.* upsample=1"):
        tiny(res=8, upsample=7, num_feature=64, teacher_output_shape=V1_FE)
    with pytest.raises(ValueError, match=r"14x14.*not an integer multiple.*res=8"):
        tiny(res=8, num_feature=64, teacher_output_shape=(14, 14, 64))
    with pytest.raises(ValueError, match=r"3 channels .* 64; set num_feature=64"):
        tiny(res=8, teacher_output_shape=V1_FE)


def test_unknown_choices_name_the_allowed_values():
    with pytest.raises(ValueError, match=r"'rnn'.*gru, lstm"):
        tiny(conv_rnn_type="rnn")
    with pytest.raises(ValueError, match=r"'sum_pool'.*average_pool, max_pool"):
        tiny(time_pool="sum_pool")
    with pytest.raises(ValueError, match="coordinate_mode"):
        tiny(add_coordinates=True, coordinate_mode=3)
    with pytest.warns(UserWarning, match="bogus"):
        tiny(bogus=1)


# ---------------------------------------------------------------- training, unrolling, saving
def test_compiled_like_the_original():
    model = tiny(layer_norm=True)
    assert isinstance(model.optimizer, keras.optimizers.Adam)
    assert np.isclose(float(model.optimizer.learning_rate), 1e-3)
    x = inputs_for(model, batch=4, seed=1)
    y = np.random.default_rng(2).normal(0, 1, (4, 4, 4, 3)).astype("float32")
    got = model.evaluate(x, y, batch_size=4, verbose=0, return_dict=True)
    p = run(model, x).astype("float64")
    cos = np.sum(p * y, -1) / (np.linalg.norm(p, axis=-1) * np.linalg.norm(y, axis=-1))
    want = {"loss": np.mean((p - y) ** 2), "mean_squared_error": np.mean((p - y) ** 2),
            "mean_absolute_error": np.mean(np.abs(p - y)), "cosine_similarity": np.mean(cos)}
    assert set(got) == set(want)
    for name, value in want.items():
        assert abs(got[name] - value) < 1e-4, name


@pytest.mark.slow
def test_fit_reduces_the_distillation_loss():
    model = tiny(layer_norm=False)
    x = inputs_for(model, batch=32, seed=1)
    y = np.random.default_rng(2).normal(0, 0.3, (32, 4, 4, 3)).astype("float32")
    history = model.fit(x, y, batch_size=8, epochs=4, verbose=0)
    assert {"loss", "mean_squared_error", "mean_absolute_error", "cosine_similarity"} <= set(history.history)
    np.testing.assert_allclose(history.history["loss"], history.history["mean_squared_error"], rtol=1e-5)
    assert history.history["loss"][-1] < history.history["loss"][0]


def test_unroll_gives_the_same_function():
    looped = tiny(block_size=2, time_pool=0)
    unrolled = tiny(block_size=2, time_pool=0, unroll=True)
    assert all(layer.unroll for layer in unrolled.layers if layer.name.startswith("convLSTM"))
    unrolled.set_weights(looped.get_weights())
    x = inputs_for(looped)
    np.testing.assert_allclose(run(unrolled, x), run(looped, x), atol=1e-5)


@pytest.mark.filterwarnings("ignore:Skipping variable loading for optimizer")  # never trained: no slots
def test_student_keras_round_trip(tmp_path):
    model = tiny(add_coordinates=1, layer_norm=True, conv_rnn_type="gru")
    x = inputs_for(model)
    before = run(model, x)
    model.save(tmp_path / "student.keras")
    loaded = keras.models.load_model(tmp_path / "student.keras")
    np.testing.assert_array_equal(run(loaded, x), before)
    assert [layer.name for layer in loaded.layers] == [layer.name for layer in model.layers]
