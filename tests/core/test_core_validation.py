"""drc.core.validation: every check names the argument and the value, on one line, and writes nothing."""
import subprocess
import sys
import zipfile

import numpy as np
import pytest

from drc.core import validation as v
from drc.core.errors import OutputExistsError




@pytest.mark.parametrize("value, error, needles", [
    (True, v.BadTypeError, ["res=True", "integer"]),
    (2.5, v.BadTypeError, ["res=2.5"]),
    ("8", v.BadTypeError, ["res='8'"]),
    (0, v.BadValueError, ["res=0", "between 1 and 256"]),
    (300, v.BadValueError, ["res=300", "between 1 and 256"]),
])
def test_check_int_refuses(refused, value, error, needles, tmp_path):
    refused(lambda: v.check_int(value, "res", minimum=1, maximum=256), error, needles, tmp_path)


def test_check_int_accepts_integers_of_any_kind():
    assert v.check_int(np.int64(3), "n") == 3 and v.check_int(4.0, "n") == 4
    assert v.check_int(None, "n", allow_none=True) is None


@pytest.mark.parametrize("value, needles", [
    (float("nan"), ["--noise nan", "finite"]), (float("inf"), ["--noise inf"]), (-0.5, ["--noise -0.5", ">= 0"]),
    (1.0, ["--noise 1.0", "< 1"]),
])
def test_check_number_refuses(refused, value, needles, tmp_path):
    refused(lambda: v.check_number(value, "--noise", minimum=0, below=1), v.BadValueError, needles, tmp_path)


def test_check_number_type_and_choice_and_bool(refused, tmp_path):
    refused(lambda: v.check_number("0.5", "noise"), v.BadTypeError, ["noise='0.5'", "number"], tmp_path)
    refused(lambda: v.check_choice("lstmx", "conv_rnn_type", ("gru", "lstm")), v.BadValueError,
            ["conv_rnn_type='lstmx'", "allowed: gru, lstm"], tmp_path)
    refused(lambda: v.check_choice([1], "--phases", (3, 4)), v.BadValueError, ["--phases [1]"], tmp_path)
    refused(lambda: v.check_bool(3, "add_coordinates"), v.BadValueError, ["add_coordinates=3", "True or False"],
            tmp_path)


def test_check_shape(refused, tmp_path):
    refused(lambda: v.check_shape(np.zeros((4, 32, 32)), "images", 4, what="(batch, height, width, channels)"),
            v.BadShapeError, ["images", "(4, 32, 32)", "4-D"], tmp_path)
    refused(lambda: v.check_shape(np.zeros((4, 5, 3)), "positions", 3, last=2), v.BadShapeError,
            ["positions", "(4, 5, 3)", "size 2"], tmp_path)
    assert v.check_shape(np.zeros((2, 5, 2)), "positions", 3, last=2) == (2, 5, 2)


def test_check_path_kinds(refused, tmp_path):
    (tmp_path / "a.txt").write_text("x")
    refused(lambda: v.check_path(tmp_path / "missing.keras", "--weights"), v.MissingFileError,
            ["--weights", "missing.keras", "no such file"], tmp_path)
    refused(lambda: v.check_path(tmp_path, "--weights"), v.MissingFileError, ["is a folder"], tmp_path)
    refused(lambda: v.check_path(tmp_path / "a.txt", "--data_dir", kind="dir"), v.MissingFileError,
            ["--data_dir", "a.txt", "not a folder"], tmp_path)
    refused(lambda: v.check_path(tmp_path / "a.txt", "--scores", suffixes=(".npz",)), v.BadValueError,
            ["a.txt", ".npz"], tmp_path)
    refused(lambda: v.check_path(3, "--scores"), v.BadTypeError, ["--scores 3"], tmp_path)


def _keras_like(path, members=("config.json", "model.weights.h5")):
    with zipfile.ZipFile(path, "w") as archive:
        for name in members:
            archive.writestr(name, "{}" * 200)
    return path


def test_check_model_file_refuses_truncated_foreign_and_incomplete_files(refused, tmp_path):
    whole = _keras_like(tmp_path / "model.keras")
    assert v.check_model_file(whole, "--student") == str(whole)
    data = whole.read_bytes()
    (tmp_path / "cut.keras").write_bytes(data[: len(data) // 2])
    refused(lambda: v.check_model_file(tmp_path / "cut.keras", "--student"), v.CorruptFileError,
            ["--student", "cut.keras", "truncated or corrupt"], tmp_path)
    _keras_like(tmp_path / "zip.keras", members=("notes.txt",))
    refused(lambda: v.check_model_file(tmp_path / "zip.keras", "--student"), v.CorruptFileError,
            ["zip.keras", "no config.json"], tmp_path)
    (tmp_path / "cut.h5").write_bytes(v.HDF5_SIGNATURE + b"\0" * 100)
    refused(lambda: v.check_model_file(tmp_path / "cut.h5", "--weights"), v.CorruptFileError,
            ["--weights", "cut.h5", "damaged HDF5"], tmp_path)


def test_outputs_are_never_replaced(refused, tmp_path):
    (tmp_path / "summary.json").write_text("{}")
    refused(lambda: v.check_new_output(tmp_path / "summary.json", "--out"), OutputExistsError,
            ["summary.json", "--overwrite"], tmp_path)
    assert v.check_new_output(tmp_path / "summary.json", "--out", overwrite=True)
    refused(lambda: v.check_out_folder(tmp_path / "summary.json", "--out"), v.BadValueError,
            ["--out", "summary.json", "not a folder"], tmp_path)
    refused(lambda: v.check_out_folder(tmp_path / "summary.json" / "sub", "--out"), v.BadValueError,
            ["cannot be created"], tmp_path)
    assert v.check_out_folder(tmp_path / "new" / "deeper", "--out") and not (tmp_path / "new").exists()


def test_corrupt_names_the_file():
    err = v.corrupt("/data/data_batch_1", "CIFAR batch", EOFError("Ran out of input"))
    assert isinstance(err, v.CorruptFileError) and isinstance(err, ValueError)
    assert str(err) == "/data/data_batch_1: not a readable CIFAR batch (truncated or corrupt: Ran out of input)"


def test_importing_validation_does_not_import_tensorflow():
    code = "import sys, drc.core.validation; print('tensorflow' in sys.modules, 'keras' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]
