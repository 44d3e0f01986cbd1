"""Keras 2 HDF5 weight files: writing, loading by name and by topology, reports and errors."""
import h5py
import keras
import numpy as np
import pytest
from keras.src.legacy.saving import legacy_h5_format

from convrnn_bl import (MissingWeightsError, WeightFileError, b_net, bl_net, load_keras2_weights,
                        save_keras2_weights)
from convrnn_bl.weights import keras2_layer_names, read_keras2_weights

SIZE = 64
WIDTH = 1 / 16
STEPS = 3  # enough for every kind of layer; 8 steps only make the graph longer
N_WEIGHTED = 7 * 2 + 7 * STEPS + 1


def small_bl(classes=10, n_timesteps=STEPS, **kwargs):
    return bl_net(keras.Input((SIZE, SIZE, 3)), classes, n_timesteps=n_timesteps,
                  width_multiplier=WIDTH, **kwargs)


def randomise(model, seed):
    """Known random weights everywhere, batch-norm statistics included."""
    rng = np.random.default_rng(seed)
    for w in model.weights:
        value = rng.uniform(0.5, 1.5, w.shape) if "variance" in w.path else rng.normal(0, 0.3, w.shape)
        w.assign(value.astype("float32"))
    return model


@pytest.fixture(scope="module")
def images():
    return np.random.default_rng(7).uniform(-1, 1, (3, SIZE, SIZE, 3)).astype("float32")


@pytest.fixture(scope="module")
def source(tmp_path_factory, images):
    """A BL with known random weights, its outputs and its Keras 2 weight file."""
    model = randomise(small_bl(), seed=11)
    path = save_keras2_weights(model, str(tmp_path_factory.mktemp("w") / "bl.h5"))
    return model, [np.asarray(o) for o in model(images)], path


def outputs(model, images):
    return [np.asarray(o) for o in model(images)]


@pytest.mark.parametrize("by_name", [True, False])
def test_file_reproduces_the_outputs_exactly(source, images, by_name):
    _, expected, path = source
    model = small_bl()
    report = load_keras2_weights(model, path, by_name=by_name)
    assert report.complete and len(report.loaded) == N_WEIGHTED
    assert report.mode == ("by_name" if by_name else "topology") and not report.renamed
    for a, b in zip(outputs(model, images), expected):
        np.testing.assert_array_equal(a, b)


def test_written_file_has_the_keras2_layout(source):
    model, _, path = source
    with h5py.File(path, "r") as f:
        assert [n.decode() for n in f.attrs["layer_names"]] == [layer.name for layer in model.layers]
        assert f.attrs["backend"] in (b"tensorflow", "tensorflow")  # h5py may decode it
        assert [w.decode() for w in f["RCL_0_BConv"].attrs["weight_names"]] == ["RCL_0_BConv/kernel:0"]
        assert [w.decode() for w in f["ReadoutDense"].attrs["weight_names"]] == \
            ["ReadoutDense/kernel:0", "ReadoutDense/bias:0"]
        assert [w.decode() for w in f["BatchNorm_Layer_2_Time_2"].attrs["weight_names"]] == [
            f"BatchNorm_Layer_2_Time_2/{w}:0" for w in ("gamma", "beta", "moving_mean", "moving_variance")]
        assert len(f["ReLU_Layer_0_Time_0"].attrs["weight_names"]) == 0
        # datasets live at <layer>/<layer>/<weight>:0
        np.testing.assert_array_equal(f["RCL_3_LConv"]["RCL_3_LConv"]["kernel:0"][()],
                                      model.get_layer("RCL_3_LConv").kernel.numpy())


def test_keras3_legacy_h5_code_agrees_with_our_layout(source, images, tmp_path):
    """Independent check: Keras' own legacy (Keras 2 format) reader loads our file, and our
    reader loads what Keras' legacy writer produces (weights-only and full-model files)."""
    model, expected, path = source
    theirs = small_bl()
    theirs.load_weights(path)  # Keras 3 reads .h5 as the Keras 2 layout, by topology
    for a, b in zip(outputs(theirs, images), expected):
        np.testing.assert_array_equal(a, b)

    legacy_path = str(tmp_path / "legacy.h5")
    with h5py.File(legacy_path, "w") as f:
        legacy_h5_format.save_weights_to_hdf5_group(f, model)
    full_path = str(tmp_path / "full_model.h5")
    legacy_h5_format.save_model_to_hdf5(model, full_path)  # weights under model_weights/
    for file_path in (legacy_path, full_path):
        ours = small_bl()
        assert load_keras2_weights(ours, file_path, by_name=True).complete
        for a, b in zip(outputs(ours, images), expected):
            np.testing.assert_array_equal(a, b)


def test_missing_and_extra_layers_are_skipped_and_reported(tmp_path, images):
    """A 2-step file into a 4-step BL: BatchNorms of steps 2, 3 are missing; an extra layer and
    a mismatching readout (1000 classes) in the file are reported, everything else loads."""
    short = randomise(small_bl(classes=1000, n_timesteps=2), seed=3)
    path = save_keras2_weights(short, str(tmp_path / "short.h5"))
    with h5py.File(path, "a") as f:  # an extra layer the model does not have
        group = f.create_group("Extra_Layer")
        group.attrs["weight_names"] = np.asarray([b"Extra_Layer/kernel:0"])
        group.create_dataset("Extra_Layer/kernel:0", data=np.ones((2, 2), "float32"))
        f.attrs["layer_names"] = np.concatenate([f.attrs["layer_names"], [b"Extra_Layer"]])

    model = small_bl(classes=16, n_timesteps=4)
    untouched = model.get_layer("BatchNorm_Layer_0_Time_3").gamma.numpy().copy()
    with pytest.raises(WeightFileError, match="ReadoutDense.*shape mismatch.*skip_mismatch"):
        load_keras2_weights(model, path, by_name=True)
    report = load_keras2_weights(model, path, by_name=True, skip_mismatch=True)
    assert set(report.skipped) == {"ReadoutDense"}
    assert "file (128, 1000), model (128, 16)" in report.skipped["ReadoutDense"]
    assert sorted(report.missing) == sorted(f"BatchNorm_Layer_{n}_Time_{t}" for n in range(7)
                                            for t in range(2, 4))
    assert report.unused == ["Extra_Layer"]
    assert len(report.loaded) == 14 + 7 * 2 and not report.complete
    np.testing.assert_array_equal(model.get_layer("RCL_5_LConv").kernel.numpy(),
                                  short.get_layer("RCL_5_LConv").kernel.numpy())
    np.testing.assert_array_equal(model.get_layer("BatchNorm_Layer_0_Time_3").gamma.numpy(), untouched)
    text = str(report)
    assert "28 layers loaded, 1 skipped, 14 missing from the file, 1 unused" in text
    assert "skipped ReadoutDense: shape mismatch" in text and "unused  Extra_Layer" in text


def test_topology_loading_rejects_another_layer_count(source):
    model = small_bl(n_timesteps=2)
    with pytest.raises(WeightFileError, match=f"layer count mismatch.*29 layers with weights.*{N_WEIGHTED}"):
        load_keras2_weights(model, source[2])


def test_topology_loading_skips_mismatching_shapes_when_asked(tmp_path, source):
    other = small_bl(classes=1000)
    path = save_keras2_weights(other, str(tmp_path / "other_classes.h5"))
    model = small_bl(classes=10)
    report = load_keras2_weights(model, path, skip_mismatch=True)
    assert list(report.skipped) == ["ReadoutDense"] and len(report.loaded) == N_WEIGHTED - 1


def test_a_failed_load_leaves_the_model_unchanged(tmp_path):
    donor = randomise(small_bl(classes=1000), seed=1)
    path = save_keras2_weights(donor, str(tmp_path / "imagenet_like.h5"))
    model = small_bl(classes=10)
    before = [w.numpy().copy() for w in model.weights]
    with pytest.raises(WeightFileError):
        load_keras2_weights(model, path, by_name=True)  # ReadoutDense mismatches, no skipping
    for w, value in zip(model.weights, before):
        np.testing.assert_array_equal(w.numpy(), value)


def test_file_for_another_model_gets_a_clear_error(tmp_path):
    path = save_keras2_weights(b_net(keras.Input((SIZE, SIZE, 3)), 10, width_multiplier=WIDTH),
                               str(tmp_path / "b_net.h5"))
    model = small_bl()
    # b_net shares only the name ReadoutDense with BL
    with pytest.raises(WeightFileError, match=f"only 1 of model 'bl_net''s {N_WEIGHTED} layers .* is in .*another model"):
        load_keras2_weights(model, path, by_name=True, skip_mismatch=True)
    with pytest.raises(WeightFileError, match="layer count mismatch"):
        load_keras2_weights(model, path)
    narrow = save_keras2_weights(bl_net(keras.Input((SIZE, SIZE, 3)), 10, width_multiplier=1 / 32),
                                 str(tmp_path / "narrow.h5"))
    with pytest.raises(WeightFileError, match="no layer could be loaded.*shape mismatch"):
        load_keras2_weights(model, narrow, by_name=True, skip_mismatch=True)


def test_missing_corrupt_and_non_keras2_files(tmp_path, source):
    model = small_bl()
    with pytest.raises(MissingWeightsError, match="not found: .*nowhere.h5"):
        load_keras2_weights(model, str(tmp_path / "nowhere.h5"))
    truncated = tmp_path / "truncated.h5"
    truncated.write_bytes(open(source[2], "rb").read()[:5000])
    with pytest.raises(WeightFileError, match="not a readable HDF5 file|is corrupt"):
        load_keras2_weights(model, str(truncated), by_name=True)
    text = tmp_path / "text.h5"
    text.write_text("not hdf5")
    with pytest.raises(WeightFileError, match="not a readable HDF5 file"):
        load_keras2_weights(model, str(text))
    keras3 = str(tmp_path / "model.weights.h5")
    model.save_weights(keras3)
    with pytest.raises(WeightFileError, match="not a Keras 2 weights file.*Keras 3"):
        load_keras2_weights(model, keras3)
    broken = str(tmp_path / "broken.h5")
    with h5py.File(broken, "w") as f:
        f.attrs["layer_names"] = np.asarray([b"RCL_0_BConv"])  # the group itself is absent
    with pytest.raises(WeightFileError, match="corrupt: layer 'RCL_0_BConv'"):
        keras2_layer_names(broken)


def test_chunked_layer_names_attribute_is_read(tmp_path):
    """Keras 2 splits attributes over 64 KB into layer_names0, layer_names1, ..."""
    path = str(tmp_path / "chunked.h5")
    names = [f"Layer_{i:05d}_" + "x" * 60 for i in range(1500)] + ["ReadoutDense"]
    with h5py.File(path, "w") as f:
        half = len(names) // 2
        f.attrs["layer_names0"] = np.asarray([n.encode() for n in names[:half]])
        f.attrs["layer_names1"] = np.asarray([n.encode() for n in names[half:]])
        for name in names[:-1]:
            f.create_group(name).attrs["weight_names"] = np.asarray([])
        group = f.create_group("ReadoutDense")
        group.attrs["weight_names"] = np.asarray([b"ReadoutDense/kernel:0", b"ReadoutDense/bias:0"])
        group.create_dataset("ReadoutDense/kernel:0", data=np.full((128, 10), 0.5, "float32"))
        group.create_dataset("ReadoutDense/bias:0", data=np.arange(10, dtype="float32"))
    layer_names, layers = read_keras2_weights(path)
    assert layer_names == names and list(layers) == ["ReadoutDense"]
    model = small_bl()
    report = load_keras2_weights(model, path, by_name=True)
    assert report.loaded == ["ReadoutDense"] and len(report.missing) == N_WEIGHTED - 1
    np.testing.assert_array_equal(model.get_layer("ReadoutDense").bias.numpy(), np.arange(10))


def test_writer_splits_long_attributes_like_keras2(tmp_path, monkeypatch):
    import convrnn_bl.weights as weights

    monkeypatch.setattr(weights, "HDF5_OBJECT_HEADER_LIMIT", 500)
    model = small_bl(n_timesteps=2)
    path = save_keras2_weights(model, str(tmp_path / "split.h5"))
    with h5py.File(path, "r") as f:
        assert "layer_names" not in f.attrs and "layer_names1" in f.attrs
    assert load_keras2_weights(small_bl(n_timesteps=2), path).complete
