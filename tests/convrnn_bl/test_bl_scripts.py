"""The four SATBench convrnn scripts on real Fashion-MNIST JPEG trees, run as subprocesses."""
import json
import os

import h5py
import keras
import numpy as np
import pandas as pd
import pytest

from tests.helpers import CLASSES, fake_human_experiment, fake_imagenet, run_script, write_class_tree
from convrnn_bl import bl_net, load_keras2_weights, save_keras2_weights
from drc.core.cli import str2bool

SMALL = ["--image_size", "64", "--width_multiplier", "0.0625"]


@pytest.fixture(scope="module")
def trees(tmp_path_factory, fmnist_subset):
    """Real-image trees: fake ImageNet + mapping, human experiment, 16-class train/val folders,
    and a bl_imagenet.h5 in the Keras 2 layout (1000 classes, the small BL used by the tests)."""
    (x, y), (xt, yt) = fmnist_subset
    root = tmp_path_factory.mktemp("bl_scripts")
    dataset_root, experiment_root, mapping = fake_imagenet(str(root), x, y)
    human = fake_human_experiment(str(root), xt, yt)
    data = root / "data"
    write_class_tree(str(data / "train_16classes"), x, y, per_class=3, color=True)
    write_class_tree(str(data / "val_16classes"), xt, yt, per_class=1, color=True, offset=20)
    model_dir = root / "M"
    model_dir.mkdir()
    pretrained = bl_net(keras.Input((64, 64, 3)), 1000, width_multiplier=0.0625)
    save_keras2_weights(pretrained, str(model_dir / "bl_imagenet.h5"))
    return {"root": root, "dataset_root": dataset_root, "experiment_root": experiment_root,
            "mapping": mapping, "human": human, "data": str(data), "model_dir": str(model_dir),
            "pretrained": pretrained}


def assert_one_line_error(result, *fragments):
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr and " error: " in lines[0]
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


# ----------------------------------------------------------------------------- create_subset


def test_create_subset_image_directories(trees):
    new_root, split_root = trees["root"] / "subset", trees["root"] / "split"
    args = ["--dataset_root", trees["dataset_root"], "--experiment_root", trees["experiment_root"],
            "--new_dataset_root", new_root, "--split_idxs_root", split_root]
    result = run_script("create_subset_image_directories.py", *args)
    assert result.returncode == 0, result.stderr
    assert "Copying images: 160/160 (100%)" in result.stdout  # progress bar
    with open(split_root / "0.1-0_val_test_split.json") as f:
        split = json.load(f)
    assert list(split) == ["test", "val", "train"] and split["test"] == []
    # 10 images per class (2 WordNet ids x 5) in sorted order; the first 10% of a class -> val
    assert split["val"] == list(range(0, 160, 10))
    assert sorted(split["train"] + split["val"]) == list(range(160))
    for cls in CLASSES:
        val = os.listdir(new_root / "val" / cls)
        train = sorted(os.listdir(new_root / "train" / cls))
        wnid = min(w for w, c in trees["mapping"].items() if c == cls)
        assert val == [f"{wnid}_0.JPEG"] and len(train) == 9
        assert all(name[:9] in trees["mapping"] for name in train)
        source = os.path.join(trees["dataset_root"], "train", wnid, f"{wnid}_0.JPEG")
        assert open(new_root / "val" / cls / val[0], "rb").read() == open(source, "rb").read()
    assert sorted(os.listdir(new_root / "train")) == sorted(CLASSES)  # n09999999 is not mapped

    again = run_script("create_subset_image_directories.py", *args)
    assert again.returncode == 0 and "Loading split locs from" in again.stdout

    with open(split_root / "0.1-0_val_test_split.json", "w") as f:
        json.dump({"test": [], "val": [0, 999], "train": [1]}, f)
    assert_one_line_error(run_script("create_subset_image_directories.py", *args),
                          "does not fit this dataset", "delete it")


def test_create_subset_argument_errors(trees, tmp_path):
    assert_one_line_error(run_script("create_subset_image_directories.py", "--dataset_root", "x"),
                          "the following arguments are required", "--experiment_root")
    args = ["--dataset_root", trees["dataset_root"], "--experiment_root", tmp_path,
            "--new_dataset_root", tmp_path / "n", "--split_idxs_root", tmp_path / "s"]
    assert_one_line_error(run_script("create_subset_image_directories.py", *args), "image_names")


# ----------------------------------------------------------------------------- reformat


def test_reformat_test_data_dir(trees):
    new_dir = trees["root"] / "test_data"
    result = run_script("reformat_test_data_dir.py", "--old_dir", trees["human"], "--new_dir", new_dir)
    assert result.returncode == 0, result.stderr
    assert sorted(os.listdir(new_dir)) == ["blur_color", "color", "grayscale", "noise_grayscale"]
    for condition, mode in (("color", "_c_"), ("grayscale", "_g_"), ("blur_color", ""),
                            ("noise_grayscale", "")):
        assert sorted(os.listdir(new_dir / condition)) == sorted(CLASSES)
        for cls in CLASSES:
            names = sorted(os.listdir(new_dir / condition / cls))
            assert names == [f"0{mode or '_'}{cls}_{b}_exit{b}.JPEG" for b in range(5)]
    source = os.path.join(trees["human"], "BlurSplit_color", "3", "0_dog_3.JPEG")
    assert open(new_dir / "blur_color" / "dog" / "0_dog_3_exit3.JPEG", "rb").read() == \
        open(source, "rb").read()
    assert "notes.txt" in result.stdout and "name no class" in result.stdout  # reported, not copied
    assert_one_line_error(run_script("reformat_test_data_dir.py", "--old_dir", new_dir / "none",
                                     "--new_dir", new_dir), "is not a folder")
    assert_one_line_error(run_script("reformat_test_data_dir.py", "--old_dir", "x"),
                          "required", "--new_dir")


# ----------------------------------------------------------------------------- train + test


def test_train_then_test_write_the_original_outputs(trees):
    model_dir, tag = trees["model_dir"], "noise-contrast-gray"
    result = run_script("train.py", "--data_dir", trees["data"], "--model_dir", model_dir,
                        "--tag", tag, "--batch_size", "16", "--epochs", "2", *SMALL)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "16 classes: airplane, bear" in result.stdout
    assert "skipped ReadoutDense: shape mismatch for kernel: file (128, 1000), model (128, 16)" \
        in result.stdout
    checkpoint = os.path.join(model_dir, "model", "ckpt", f"pretrained_mp_noise_{tag}_new.hdf5")
    with h5py.File(checkpoint, "r") as f:  # Keras 2 layout under the original name
        assert "RCL_0_BConv" in [n.decode() for n in f.attrs["layer_names"]]
    saved = [f for f in os.listdir(os.path.join(model_dir, "model")) if f.endswith(".keras")]
    assert len(saved) == 1 and saved[0].startswith(tag + "_")

    # Only the readout was trained: every other weight is still the pretrained one.
    trained = bl_net(keras.Input((64, 64, 3)), 16, width_multiplier=0.0625)
    assert load_keras2_weights(trained, checkpoint, by_name=True).complete
    pretrained = trees["pretrained"]
    for layer in trained.layers:
        if layer.weights and layer.name != "ReadoutDense":
            for a, b in zip(layer.weights, pretrained.get_layer(layer.name).weights):
                np.testing.assert_array_equal(a.numpy(), b.numpy())
    assert np.abs(trained.get_layer("ReadoutDense").bias.numpy()).max() > 0

    test_dir = trees["root"] / "test_data"
    if not test_dir.exists():
        run_script("reformat_test_data_dir.py", "--old_dir", trees["human"], "--new_dir", test_dir)
    result = run_script("test.py", "--test_data_dir", test_dir, "--model_dir", model_dir, "--tag", tag,
                        "--batch_size", "32", "--save_scores", *SMALL)
    assert result.returncode == 0, result.stderr[-3000:]
    csv = os.path.join(model_dir, "model", "results", f"predictions_{tag}.csv")
    frame = pd.read_csv(csv, index_col=0)
    assert list(frame.columns) == ["file_paths", "file_names", "labels"] + [
        f"predictions_exit{t}" for t in range(8)]
    assert len(frame) == 80 and frame.index.tolist() == list(range(80))
    folders = frame["file_paths"].map(lambda p: os.path.basename(os.path.dirname(p)))
    assert (folders.map(CLASSES.index) == frame["labels"]).all()
    assert (frame["file_names"] == frame["file_paths"].map(os.path.basename)).all()
    assert frame["file_paths"].str.contains(os.sep + "noise_grayscale" + os.sep).all()
    predictions = frame[[f"predictions_exit{t}" for t in range(8)]].to_numpy()
    assert predictions.min() >= 0 and predictions.max() < 16

    # a checkpoint that does not fit the requested BL: one line after TensorFlow started, too
    mismatch = run_script("test.py", "--test_data_dir", test_dir, "--model_dir", model_dir, "--tag", tag,
                          "--image_size", "64", "--width_multiplier", "0.125", "--overwrite")
    assert_one_line_error(mismatch, "no layer could be loaded", "shape mismatch")

    scores = np.load(os.path.join(model_dir, "model", "results", f"scores_{tag}.npz"))
    assert scores["probabilities"].shape == (8, 80, 16)
    np.testing.assert_array_equal(scores["probabilities"].argmax(-1), predictions.T)
    assert np.all(np.diff(scores["flops"]) > 0)

    out = trees["root"] / "analysis"
    result = run_script("speed_accuracy.py", "--scores",
                        os.path.join(model_dir, "model", "results", f"scores_{tag}.npz"), "--out_dir", out)
    assert result.returncode == 0, result.stderr
    curve = pd.read_csv(out / "speed_accuracy_curve.csv")
    assert curve["mean_rt"].between(1, 8).all() and len(curve) == 41
    assert open(out / "speed_accuracy.png", "rb").read(4) == b"\x89PNG"


# ----------------------------------------------------------------------------- errors


def test_pretrained_flag_parsing():
    assert str2bool("True") is True and str2bool("true") is True and str2bool("1") is True
    assert str2bool("False") is False and str2bool("false") is False and str2bool("0") is False
    assert str2bool("") is False  # as the original's type=bool
    with pytest.raises(Exception, match="expected True or False"):
        str2bool("maybe")


def test_train_argument_and_file_errors(trees, tmp_path):
    base = ["--data_dir", trees["data"], "--model_dir", tmp_path]
    assert_one_line_error(run_script("train.py", "--data_dir", "d"), "required", "--model_dir", "--tag")
    assert_one_line_error(run_script("train.py", *base, "--tag", "sepia"), "invalid choice: 'sepia'")
    assert_one_line_error(run_script("train.py", *base, "--tag", "color", "--pretrained", "maybe"),
                          "--pretrained", "expected True or False")
    assert_one_line_error(run_script("train.py", *base, "--tag", "color", "--batch_size", "x"),
                          "--batch_size", "invalid int value")
    assert_one_line_error(run_script("train.py", *base, "--tag", "color", "--image_size", "32"),
                          "--image_size", ">= 64")
    # no bl_imagenet.h5 in the model dir: say what to pass
    assert_one_line_error(run_script("train.py", *base, "--tag", "color"),
                          "bl_imagenet.h5", "--weights", "--pretrained False")
    corrupt = tmp_path / "bl_imagenet.h5"
    corrupt.write_bytes(b"\x89HDF\r\n\x1a\n" + b"\0" * 100)
    assert_one_line_error(run_script("train.py", *base, "--tag", "color"), "not a readable HDF5 file")
    from convrnn_bl import b_net

    other = save_keras2_weights(b_net(keras.Input((64, 64, 3)), 10, width_multiplier=0.0625),
                                str(tmp_path / "b.h5"))
    assert_one_line_error(run_script("train.py", *base, "--tag", "color", "--weights", other),
                          "another model")
    assert_one_line_error(run_script("train.py", "--data_dir", tmp_path, "--model_dir", tmp_path,
                                     "--tag", "color", "--pretrained", "False"),
                          "neither train_16classes")


def test_test_script_errors(trees, tmp_path):
    (tmp_path / "color").mkdir()
    assert_one_line_error(run_script("test.py", "--test_data_dir", tmp_path, "--model_dir", tmp_path,
                                     "--tag", "color"), "no trained checkpoint", "--weights")
    assert_one_line_error(run_script("test.py", "--test_data_dir", tmp_path, "--model_dir", tmp_path,
                                     "--tag", "grayscale"), "test folder", "reformat_test_data_dir.py")
    assert_one_line_error(run_script("test.py", "--test_data_dir", tmp_path, "--tag", "color"),
                          "required", "--model_dir")


@pytest.mark.slow
def test_train_from_scratch_with_pretrained_false(trees, tmp_path):
    """--pretrained False (which the original's type=bool read as True) trains every layer."""
    result = run_script("train.py", "--data_dir", trees["data"], "--model_dir", tmp_path,
                        "--tag", "blur-color", "--pretrained", "False", "--batch_size", "16",
                        "--epochs", "1", *SMALL)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "skipped" not in result.stdout  # nothing loaded
    checkpoint = tmp_path / "model" / "ckpt" / "pretrained_mp_noise_blur-color_new.hdf5"
    model = bl_net(keras.Input((64, 64, 3)), 16, width_multiplier=0.0625)
    initial = {w.path: w.numpy().copy() for w in model.weights}
    assert load_keras2_weights(model, str(checkpoint), by_name=True).complete
    changed = [w.path for w in model.weights if not np.array_equal(w.numpy(), initial[w.path])]
    assert "RCL_0_BConv/kernel" in changed and "RCL_6_LConv/kernel" in changed
