"""Bad inputs to the BL library and SATBench's scripts: one-line errors naming the value or the
file, and nothing written (no model/ckpt, no half-written analysis)."""
import os
import runpy
import sys

import keras
import numpy as np
import pandas as pd
import pytest
import tensorflow as tf

from convrnn_bl import b_net, bl_net
from convrnn_bl.speed_accuracy import run_analysis
from convrnn_bl.training import train_bl
from convrnn_bl.weights import save_keras2_weights
from drc.core.datasets import load_fashion_mnist_subset
from drc.core.errors import UsageError

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), os.pardir, os.pardir))




MODEL_CASES = {
    "bl_net 32x32 input": (lambda: bl_net(keras.Input((32, 32, 3)), 16), ["(None, 32, 32, 3)", "64x64"]),
    "bl_net classes=0": (lambda: bl_net(keras.Input((64, 64, 3)), 0), ["classes=0"]),
    "bl_net n_timesteps=0": (lambda: bl_net(keras.Input((64, 64, 3)), 16, n_timesteps=0), ["n_timesteps=0"]),
    "bl_net width_multiplier=0": (lambda: bl_net(keras.Input((64, 64, 3)), 16, width_multiplier=0),
                                  ["width_multiplier=0"]),
    "bl_net 3-D input": (lambda: bl_net(keras.Input((64, 64)), 16), ["input_tensor", "4-D"]),
    "b_net 16x16 input": (lambda: b_net(keras.Input((16, 16, 3)), 16), ["(None, 16, 16, 3)", "64x64"]),
}


@pytest.mark.parametrize("case", sorted(MODEL_CASES))
def test_model_builders_refuse(refused, case, tmp_path, monkeypatch):
    call, needles = MODEL_CASES[case]
    monkeypatch.chdir(tmp_path)
    refused(call, ValueError, needles, tmp_path)


def _image_tree(root, classes=("bear", "cat"), per_class=3, empty=()):
    (x, _), _ = load_fashion_mnist_subset()
    for c, name in enumerate(classes):
        folder = os.path.join(root, name)
        os.makedirs(folder)
        for k in range(0 if name in empty else per_class):
            tf.io.write_file(os.path.join(folder, f"img{k}.png"), tf.io.encode_png(x[c * per_class + k]))


@pytest.fixture
def data_dir(tmp_path):
    root = tmp_path / "data"
    _image_tree(str(root / "train"))
    _image_tree(str(root / "val"))
    return str(root)


def _train(data, model_dir, **kw):
    args = dict(batch_size=2, epochs=1, pretrained=False, image_size=64, width_multiplier=0.05, n_timesteps=2,
                verbose=0)
    args.update(kw)
    return lambda: train_bl(data, str(model_dir), args.pop("tag", "color"), **args)


def test_train_refuses_a_class_folder_without_images_before_making_model_ckpt(refused, tmp_path):
    data = tmp_path / "data"
    _image_tree(str(data / "train"), empty=("cat",))
    _image_tree(str(data / "val"))
    model_dir = tmp_path / "model_dir"
    model_dir.mkdir()
    refused(_train(str(data), model_dir), UsageError, ["without images", "cat"], tmp_path)


def test_train_refuses_weights_of_another_model_before_making_model_ckpt(refused, data_dir, tmp_path):
    other = b_net(keras.Input((64, 64, 3)), 10, width_multiplier=0.05)
    weights = str(tmp_path / "b_net.h5")
    save_keras2_weights(other, weights)
    model_dir = tmp_path / "model_dir"
    model_dir.mkdir()
    refused(_train(data_dir, model_dir, pretrained=True, weights=weights), UsageError, ["b_net.h5"], tmp_path)


@pytest.mark.parametrize("kw, needles", [
    (dict(tag="noise"), ["tag='noise'", "noise-contrast-gray"]),
    (dict(batch_size=0), ["batch_size=0"]),
    (dict(epochs=-1), ["epochs=-1"]),
    (dict(image_size=2.5), ["image_size=2.5"]),
    (dict(width_multiplier=0.0), ["width_multiplier=0.0"]),
])
def test_train_refuses_bad_values(refused, kw, needles, data_dir, tmp_path):
    refused(_train(data_dir, tmp_path / "model_dir", **kw), ValueError, needles, tmp_path)


def test_train_refuses_a_model_dir_that_is_a_file(refused, data_dir, tmp_path):
    (tmp_path / "model_dir").write_text("x")
    refused(_train(data_dir, tmp_path / "model_dir"), UsageError, ["model_dir=", "not a folder"], tmp_path)


def _scores():
    rng = np.random.default_rng(0)
    p = rng.dirichlet(np.ones(4), size=(3, 20))
    return p, rng.integers(0, 4, 20)


@pytest.mark.parametrize("csv, needles", [
    (None, ["human.csv not found"]),
    ("reaction_time;accuracy\n500;0.5\n", ["needs columns reaction_time"]),
    ("reaction_time,accuracy\nfast,0.5\n", ["must be numbers"]),
    ('reaction_time,accuracy\n"500,0.5\n', ["not a readable CSV"]),
])
def test_speed_accuracy_refuses_human_data_before_writing(refused, csv, needles, tmp_path):
    human = tmp_path / "human.csv"
    if csv is not None:
        human.write_text(csv)
    p, labels = _scores()
    refused(lambda: run_analysis(p, labels, str(tmp_path / "out"), human_csv=str(human)), UsageError, needles,
            tmp_path)


def test_speed_accuracy_never_replaces_an_earlier_analysis(refused, tmp_path):
    p, labels = _scores()
    run_analysis(p, labels, str(tmp_path / "out"))
    stamps = {f: os.path.getmtime(tmp_path / "out" / f) for f in os.listdir(tmp_path / "out")}
    refused(lambda: run_analysis(p, labels, str(tmp_path / "out")), UsageError,
            ["already holds an analysis", "speed_accuracy_curve.csv"], tmp_path)
    assert {f: os.path.getmtime(tmp_path / "out" / f) for f in stamps} == stamps
    refused(lambda: run_analysis(p, labels[:5], str(tmp_path / "out2")), UsageError, ["labels has shape (5,)"],
            tmp_path)


def test_speed_accuracy_script_refuses_a_corrupt_scores_file(tmp_path, capsys, monkeypatch):
    scores = tmp_path / "scores_color.npz"
    scores.write_bytes(b"PK\x03\x04 cut short")
    monkeypatch.setattr(sys, "argv", ["speed_accuracy.py", "--scores", str(scores), "--out_dir", str(tmp_path / "o")])
    monkeypatch.syspath_prepend(os.path.join(ROOT, "scripts", "convrnn"))
    with pytest.raises(SystemExit) as exit_info:
        runpy.run_path(os.path.join(ROOT, "scripts", "convrnn", "speed_accuracy.py"), run_name="__main__")
    err = capsys.readouterr().err
    assert exit_info.value.code == 2 and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert str(scores) in err and os.listdir(tmp_path) == ["scores_color.npz"]


def _stamps(folder):
    return sorted((os.path.relpath(os.path.join(d, f), folder), os.path.getmtime(os.path.join(d, f)))
                  for d, _, files in os.walk(folder) for f in files)


@pytest.fixture
def tested_model_dir(tmp_path):
    """A --model_dir holding a BL checkpoint of the tag color and an earlier test.py run's outputs,
    and a --test_data_dir with a color/ folder."""
    from convrnn_bl import layout

    _image_tree(str(tmp_path / "test" / "color"))
    model_dir = tmp_path / "M"
    checkpoint = layout.checkpoint_path(str(model_dir), "color")
    os.makedirs(os.path.dirname(checkpoint))
    save_keras2_weights(bl_net(keras.Input((64, 64, 3)), 2, width_multiplier=0.05, n_timesteps=2), checkpoint)
    for path in (layout.predictions_path(str(model_dir), "color"), layout.scores_path(str(model_dir), "color")):
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write("earlier results\n")
    return str(tmp_path / "test"), str(model_dir)


@pytest.mark.parametrize("extra", [[], ["--save_scores"]])
def test_a_second_test_run_is_refused_naming_the_file_and_overwrite(tested_model_dir, extra, cli_refused):
    from convrnn_bl.commands import predict_main

    test_dir, model_dir = tested_model_dir
    before = _stamps(model_dir)
    cli_refused(predict_main, ["--test_data_dir", test_dir, "--model_dir", model_dir, "--tag", "color",
                               "--image_size", "64", "--width_multiplier", "0.05", *extra], "test.py",
                [os.path.join(model_dir, "model", "results", "predictions_color.csv"), "--overwrite"], model_dir)
    assert _stamps(model_dir) == before


def test_earlier_scores_are_refused_with_save_scores_only(tested_model_dir):
    from convrnn_bl import layout
    from convrnn_bl.layout import check_new_predictions
    from drc.core.errors import OutputExistsError

    _, model_dir = tested_model_dir
    os.remove(layout.predictions_path(model_dir, "color"))
    check_new_predictions(model_dir, "color", save_scores=False, overwrite=False)
    with pytest.raises(OutputExistsError, match="scores_color.npz holds an earlier run's results; pass --overwrite"):
        check_new_predictions(model_dir, "color", save_scores=True, overwrite=False)
    check_new_predictions(model_dir, "color", save_scores=True, overwrite=True)


def test_predict_bl_refuses_earlier_predictions_and_replaces_them_whole_with_overwrite(tested_model_dir):
    from convrnn_bl import layout
    from convrnn_bl.training import predict_bl
    from drc.core.errors import OutputExistsError

    test_dir, model_dir = tested_model_dir
    csv = layout.predictions_path(model_dir, "color")
    with pytest.raises(OutputExistsError, match="predictions_color.csv holds an earlier run's results"):
        predict_bl(test_dir, model_dir, "color", image_size=64, width_multiplier=0.05, n_timesteps=2, verbose=0)
    assert open(csv).read() == "earlier results\n"
    out = predict_bl(test_dir, model_dir, "color", image_size=64, width_multiplier=0.05, n_timesteps=2,
                     overwrite=True, verbose=0)
    frame = pd.read_csv(csv, index_col=0)
    assert list(frame.columns) == ["file_paths", "file_names", "labels", "predictions_exit0", "predictions_exit1"]
    assert len(frame) == len(out["frame"]) > 0
    assert not [n for n in os.listdir(os.path.dirname(csv)) if "partial" in n]


def test_bl_speed_accuracy_refuses_a_negative_seed_before_making_out(tmp_path, cli_refused):
    from convrnn_bl.commands import bl_speed_accuracy_main

    # was a traceback from Keras' seed after --out was made
    cli_refused(bl_speed_accuracy_main, ["--quick", "--seed", "-1", "--out", str(tmp_path / "out")],
                "bl_speed_accuracy.py", ["--seed -1", "between 0 and"], tmp_path)
