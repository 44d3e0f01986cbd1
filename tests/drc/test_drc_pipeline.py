"""The DRC pipeline end to end on real Fashion-MNIST, and its pieces."""
import os
import shutil

import keras
import numpy as np
import pandas as pd
import pytest

from drc.core import datasets
from drc.distillation import Distiller, SensorModel, combine
from drc.drc_cli import parse_config
from drc.pipeline import config_key, make_run_folders, run_drc
from drc.core.preprocessing import Preprocessing
from drc.tf_data import trajectory_dataset
from tests.helpers import make_fashion_mnist_folder

SMALL_STUDENT = ["--rnn_layer1", "8", "--rnn_layer2", "16", "--student_block_size", "1", "--student_nl", "elu"]


@pytest.fixture(scope="module")
def small_teacher(tmp_path_factory):
    """A small v1 teacher trained briefly on the bundled real Fashion-MNIST subset."""
    from teachers.saving import save_teacher
    from teachers.training import build_teacher

    keras.utils.set_random_seed(0)
    (x, y), _ = datasets.load_fashion_mnist_subset()
    pre = Preprocessing.fit(x)
    teacher = build_teacher("default", (28, 28, 1), 10, dict(resblocks=1, last_layer_size=64))
    teacher.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["sparse_categorical_accuracy"])
    teacher.fit(pre.apply(x[:2000]), y[:2000], epochs=3, batch_size=64, verbose=0)
    path = str(tmp_path_factory.mktemp("teacher") / "v1_fmnist.keras")
    return save_teacher(teacher, pre, path)


def test_distiller_targets_are_the_teacher_front_end():
    images = np.random.default_rng(0).normal(size=(8, 28, 28, 1)).astype(np.float32)
    front_end = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Conv2D(4, 3, strides=4, padding="same")])
    frames, where = keras.Input((3, 7, 7, 1)), keras.Input((3, 2))
    out = keras.layers.Conv2D(4, 1)(keras.layers.Lambda(lambda f: f[:, -1])(frames))
    student = keras.Model([frames, where], out)
    distiller = Distiller(student, front_end)
    inputs, targets = distiller._with_targets({"images": images, "positions": np.full((8, 3, 2), 100, np.int32)})
    np.testing.assert_allclose(targets.numpy(), front_end(images).numpy(), atol=1e-6)
    assert front_end.trainable is False


def _drc_config(teacher, tmp_path, n_train, epochs, decoder_epochs):
    data_dir = make_fashion_mnist_folder(tmp_path / "fmnist", n_train=n_train, n_test=300)
    return parse_config(["--teacher_net", teacher, "--dataset", "fashion_mnist", "--data_dir", data_dir,
                         "--val_size", "300", "--res", "7", "--n_samples", "5", "--max_length", "5",
                         "--epochs", str(epochs), "--decoder_epochs", str(decoder_epochs), "--broadcast", "1",
                         "--val_set_mult", "1", "--verbose", "0", "--save_dir", str(tmp_path)] + SMALL_STUDENT)


@pytest.mark.slow  # about 55 s with its teacher; the fast suite runs the seed's v1 command line end to end
def test_end_to_end_run_lowers_mse_and_writes_every_artefact(small_teacher, tmp_path):
    keras.utils.set_random_seed(1)
    config = _drc_config(small_teacher, tmp_path, n_train=1500, epochs=2, decoder_epochs=1)
    given, key = dict(config), config_key(config)
    interrupted = make_run_folders(config, str(tmp_path))  # an earlier run of this configuration stopped here
    assert os.path.basename(interrupted.work) == key
    row = run_drc(config)
    assert config == given  # the results come back in the row, not in the configuration
    assert row["save_model_path"] == interrupted.folder  # the run found its work folder by config_key(config)
    mse = row["student_test_error"]
    assert len(mse) == 2 and mse[-1] < mse[0]
    assert 0.0 <= row["test_accuracy_mean"] <= 1.0 and len(row["test_accuracies"]) == 5
    assert row["teacher_val_accuracy"] > 0.7
    folder = row["save_model_path"]
    for name in ("student.keras", "backend_trained_model.keras", "fro_student_and_decoder_trained.keras",
                 "histories.csv", "student_history.csv", "decoder_history.csv", "config.json"):
        assert os.path.isfile(os.path.join(folder, name)), name
    histories = pd.read_csv(os.path.join(folder, "histories.csv"))
    assert set(histories["stage"]) == {"student", "decoder"}
    summary = pd.read_pickle(tmp_path / "summary_dataframe_DRC_training_data.pkl")
    assert len(summary) == 1 and summary["net_name"][0] == "student_3"
    assert os.path.isfile(tmp_path / "summary_dataframe_DRC_training_data.csv")
    full = keras.models.load_model(os.path.join(folder, "fro_student_and_decoder_trained.keras"))
    assert full.output_shape == (None, 10)
    assert not os.path.exists(interrupted.work)  # removed once the run completed


def test_summary_is_appended_not_overwritten(tmp_path):
    from drc.results import append_summary

    net = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)], name="student_3")
    hist = {"mean_squared_error": [0.5, 0.4], "val_mean_squared_error": [0.6, 0.45]}
    dec = {"sparse_categorical_accuracy": [0.5], "val_sparse_categorical_accuracy": [0.55]}
    for run in range(2):
        row = append_summary({"run_index": run, "explicit": ["x"]}, net, hist, dec, [0.5, 0.7], str(tmp_path), "t")
    table = pd.read_pickle(tmp_path / "summary_dataframe_t.pkl")
    assert list(table["run_index"]) == [0, 1]
    assert row["student_min_test_error"] == 0.45 and row["decoder_max_test_error"] == 0.55
    assert row["test_accuracy_mean"] == pytest.approx(0.6)
    assert len(pd.read_csv(tmp_path / "summary_dataframe_t.csv")) == 2


@pytest.mark.slow
def test_drc_accuracy_well_above_chance(small_teacher, tmp_path):
    keras.utils.set_random_seed(2)
    row = run_drc(_drc_config(small_teacher, tmp_path, n_train=5000, epochs=4, decoder_epochs=3))
    assert row["student_test_error"][-1] < row["student_test_error"][0]
    assert row["test_accuracy_mean"] > 0.5  # chance is 0.1


def test_run_folders_are_reused_only_by_an_interrupted_run(tmp_path):
    config = parse_config(["--save_dir", str(tmp_path)])
    a = make_run_folders(dict(config), str(tmp_path))
    b = make_run_folders(dict(config), str(tmp_path))  # the first one never completed
    assert (b.folder, b.work) == (a.folder, a.work)
    shutil.rmtree(a.work)  # what a completed run does
    c = make_run_folders(dict(config), str(tmp_path))
    assert c.folder != a.folder and os.path.isdir(a.folder) and os.path.isdir(c.folder)


def test_sensor_model_roundtrip(tmp_path):
    frames, where = keras.Input((3, 7, 7, 1)), keras.Input((3, 2))
    x = keras.layers.Flatten()(keras.layers.Lambda(lambda f: f[:, -1])(frames))
    inner = keras.Model([frames, where], keras.layers.Dense(3)(x))
    back = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    model = SensorModel(combine(inner, back))
    images = np.random.default_rng(0).normal(size=(4, 28, 28, 1)).astype(np.float32)
    batch = {"images": images, "positions": np.full((4, 3, 2), 100, np.int32)}
    expected = model(batch).numpy()
    model.save(tmp_path / "m.keras")
    loaded = keras.models.load_model(tmp_path / "m.keras", safe_mode=False)
    np.testing.assert_allclose(loaded(batch).numpy(), expected, atol=1e-6)


def test_trajectory_dataset_cardinality_and_fixed_validation():
    images = np.zeros((70, 28, 28, 1), np.float32)
    ds = trajectory_dataset(images, np.arange(70), batch_size=32, n_samples=4)
    assert int(ds.cardinality()) == 3
    shapes = [b["positions"].shape[0] for b in ds]
    assert shapes == [32, 32, 6]
    val = trajectory_dataset(images, batch_size=32, n_samples=4, fixed_trajectories=True, shuffle=False, repeat=2,
                             seed=0)
    first = np.concatenate([b["positions"].numpy() for b in val])
    again = np.concatenate([b["positions"].numpy() for b in val])
    assert first.shape == (140, 4, 2)
    np.testing.assert_array_equal(first, again)


def test_bad_flags_are_one_line_errors():
    from drc.core.errors import UsageError

    with pytest.raises(UsageError, match="valid styles"):
        parse_config(["--style", "wiggle"])
    with pytest.raises(UsageError, match="--n_samples 0"):
        parse_config(["--n_samples", "0"])
