"""Bad inputs to the teachers: unreadable or foreign model files and impossible training options
give one line naming the file or the value, before anything is loaded or written."""
import os
import runpy
import sys

import keras
import pytest

import teachers
from drc.core.errors import UsageError

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), os.pardir, os.pardir))




def _plain_model(path):
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3), keras.layers.Dense(2)])
    model.save(path)
    return path


def test_load_teacher_refuses_a_truncated_archive(refused, tmp_path):
    path = _plain_model(str(tmp_path / "whole.keras"))
    data = open(path, "rb").read()
    cut = tmp_path / "cut.keras"
    cut.write_bytes(data[: len(data) - 200])
    refused(lambda: teachers.load_teacher(str(cut)), UsageError, ["cut.keras"], tmp_path)


def test_load_teacher_refuses_random_bytes_and_a_truncated_hdf5(refused, tmp_path):
    (tmp_path / "noise.keras").write_bytes(os.urandom(512))
    refused(lambda: teachers.load_teacher(str(tmp_path / "noise.keras")), UsageError, ["noise.keras"], tmp_path)
    (tmp_path / "cut.h5").write_bytes(b"\x89HDF\r\n\x1a\n" + bytes(64))
    refused(lambda: teachers.load_teacher(str(tmp_path / "cut.h5")), UsageError, ["cut.h5", "HDF5"], tmp_path)


def test_load_teacher_refuses_a_model_that_is_not_a_teacher(refused, tmp_path):
    path = _plain_model(str(tmp_path / "dense.keras"))
    refused(lambda: teachers.load_teacher(path), UsageError, ["dense.keras", "not a DRC teacher", "2 layers"],
            tmp_path)


@pytest.mark.parametrize("option, value, needles", [
    ("epochs", 0, ["--epochs 0", ">= 1"]),
    ("n_classes", 0, ["--n_classes 0"]),
    ("stopping_patience", -1, ["--stopping_patience -1"]),
    ("learning_patience", 1.5, ["--learning_patience 1.5", "integer"]),
    ("resblocks", -2, ["--resblocks -2"]),
    ("dropout1", 1.0, ["--dropout1 1.0", "< 1"]),
    ("rotation_range", -5.0, ["--rotation_range -5.0"]),
    ("nl", "wiggle", ["--nl wiggle", "activation"]),
    ("val_size", 0, ["--val_size 0"]),
])
def test_train_teacher_refuses_impossible_options_before_loading_anything(refused, option, value, needles, tmp_path,
                                                                         monkeypatch):
    monkeypatch.chdir(tmp_path)
    config = {"dataset": "fashion_mnist_subset", "network_topology": "default", option: value}
    refused(lambda: teachers.train_teacher(config, path=str(tmp_path / "t.keras"), verbose=0), UsageError, needles,
            tmp_path)


@pytest.mark.parametrize("argv, needles", [
    (["--epochs", "0"], ["--epochs 0"]),
    (["--network_topology", "vgg"], ["vgg"]),
    (["--dropout2", "2"], ["--dropout2 2.0"]),
    (["--res", "0"], ["--res 0", ">= 1"]),  # was a ZeroDivisionError traceback
])
def test_cifar_style_refuses_with_exit_code_2(argv, needles, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "argv", ["cifar_style.py", "--dataset", "fashion_mnist_subset", *argv])
    with pytest.raises(SystemExit) as exit_info:
        runpy.run_path(os.path.join(ROOT, "scripts", "cifar_style.py"), run_name="__main__")
    err = capsys.readouterr().err
    assert exit_info.value.code == 2 and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    for needle in needles:
        assert needle in err, err
    assert os.listdir(tmp_path) == []
