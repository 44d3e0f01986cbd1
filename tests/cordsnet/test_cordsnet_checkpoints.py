"""The original's .pth layout read and written without PyTorch, on committed fixtures."""
import zipfile

import numpy as np
import pytest

from cordsnet import CheckpointError, CordsNet, load_torch_checkpoint, read_pth, save_torch_checkpoint, write_pth
from cordsnet_numpy_reference import forward

TINY = {"r2": dict(depth=2, n_classes=10, channels=(4, 4)),
        "r8": dict(depth=8, n_classes=5, channels=(4, 4, 8, 8, 8, 8, 8, 8))}


@pytest.mark.parametrize("tag", ["r2", "r8"])
def test_fixture_logits_match_pytorch_and_the_rederivation(tag, expected, fixture_path):
    steps = dict(blank_steps=int(expected["blank_steps"]), image_steps=int(expected["image_steps"]))
    model = load_torch_checkpoint(CordsNet(**TINY[tag], **steps), fixture_path(tag))
    images = expected[f"{tag}_images"]
    logits = np.asarray(model(images))
    np.testing.assert_allclose(logits, expected[f"{tag}_logits"], atol=1e-5)
    state = {k.removeprefix("module."): v for k, v in read_pth(fixture_path(tag)).items()}
    reference, _ = forward(state, images, TINY[tag]["depth"], steps["blank_steps"], steps["image_steps"])
    np.testing.assert_allclose(logits, reference, atol=1e-5)
    trace = model.record(images, layers=[0])[0]
    np.testing.assert_allclose(trace, expected[f"{tag}_area0_trace"], atol=1e-5)


def test_r8_layout_keys_and_module_prefix(fixture_path):
    state = read_pth(fixture_path("r8"))
    assert all(k.startswith("module.") for k in state)
    assert "module.area_conv.7.parametrizations.weight.original0" in state
    assert state["module.area_conv.3.parametrizations.weight.original0"].shape == (8, 1, 1, 1)
    assert state["module.conv_bias.3"].shape == (8, 4, 4)
    assert state["module.skip_area.2.parametrizations.weight.original1"].shape == (8, 8, 1, 1)
    assert state["module.out_fc.parametrizations.weight.original0"].shape == (5, 1)


def test_unbuilt_model_is_built_for_the_checkpoints_image_size(fixture_path):
    model = load_torch_checkpoint(CordsNet(**TINY["r8"], blank_steps=1, image_steps=1), fixture_path("r8"))
    assert model.image_shape == (32, 32, 3) and model.sizes[0] == (8, 8)


@pytest.mark.parametrize("data_parallel", [False, True])
def test_save_then_read_round_trips(fixture_path, tmp_path, data_parallel):
    model = load_torch_checkpoint(CordsNet(**TINY["r2"]), fixture_path("r2"))
    path = save_torch_checkpoint(model, tmp_path / "out.pth", data_parallel=data_parallel)
    original, written = read_pth(fixture_path("r2")), read_pth(path)
    prefix = "module." if data_parallel else ""
    assert list(written) == [prefix + k for k in original]
    for key, value in original.items():
        np.testing.assert_array_equal(written[prefix + key], value)
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
    assert "out/data.pkl" in names and "out/version" in names and "out/data/0" in names


def test_arrays_of_other_dtypes_and_strides_survive(tmp_path):
    state = {"a": np.arange(6, dtype=np.int64).reshape(2, 3), "b": np.float64(2.5), "c": np.ones((2, 2), bool),
             "d": np.arange(12, dtype=np.float32).reshape(3, 4).T}
    back = read_pth(write_pth(tmp_path / "s.pth", state))
    for key, value in state.items():
        np.testing.assert_array_equal(back[key], value)
        assert back[key].dtype == np.asarray(value).dtype


def test_wrong_depth_names_the_first_mismatch(fixture_path):
    with pytest.raises(CheckpointError, match=r"holds area_conv\.2\.parametrizations\.weight\.original0, which "
                                              r"cords_net.* \(depth 2\) lacks"):
        load_torch_checkpoint(CordsNet(depth=2, n_classes=5, channels=(4, 4)), fixture_path("r8"))
    with pytest.raises(CheckpointError, match=r"lacks area_conv\.2\..*another model, depth or stage"):
        load_torch_checkpoint(CordsNet(depth=4, n_classes=10, channels=(4, 4, 8, 8)), fixture_path("r2"))


def test_wrong_width_names_key_and_shapes(fixture_path):
    model = CordsNet(depth=2, n_classes=10, channels=(8, 8))
    with pytest.raises(CheckpointError, match=r"inp_conv\.parametrizations\.weight\.original0 has shape \(4, 1, 1, 1\), "
                                              r".* needs \(8, 1, 1, 1\)"):
        load_torch_checkpoint(model, fixture_path("r2"))


def test_missing_corrupt_and_unsafe_files(tmp_path, fixture_path):
    model = CordsNet(**TINY["r2"])
    with pytest.raises(CheckpointError, match="does not exist"):
        load_torch_checkpoint(model, tmp_path / "cordsnetr8.pth")
    truncated = tmp_path / "truncated.pth"
    truncated.write_bytes(open(fixture_path("r2"), "rb").read()[:3000])
    with pytest.raises(CheckpointError, match="truncated.pth is not a zip-format PyTorch checkpoint \\(corrupt"):
        load_torch_checkpoint(model, truncated)
    garbled = tmp_path / "garbled.pth"
    with zipfile.ZipFile(garbled, "w") as archive:
        archive.writestr("garbled/data.pkl", b"\x80\x02not a pickle")
    with pytest.raises(CheckpointError, match="garbled.pth is corrupt or not a PyTorch checkpoint"):
        load_torch_checkpoint(model, garbled)
    other = tmp_path / "other.pth"
    with zipfile.ZipFile(other, "w") as archive:
        archive.writestr("x/data.pkl", b"\x80\x02cos\nsystem\n(X\x02\x00\x00\x00lst.")
    with pytest.raises(CheckpointError, match="holds os.system, which is not part of a plain state dict"):
        read_pth(other)
