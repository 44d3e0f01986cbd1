"""Bad inputs to drc's public functions and DRC_training.py: one-line errors naming the value,
raised before anything is written or traced."""
import gzip
import os
import runpy
import sys

import numpy as np
import pytest

from drc import movies, sensor, trajectories
from drc.core import datasets
from drc.core.errors import UsageError

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), os.pardir, os.pardir))
IMAGES = np.zeros((2, 32, 32, 3), np.float32)
POSITIONS = np.full((2, 5, 2), 100)




LIBRARY_CASES = {
    "sensor_frames 3-D images": (lambda: sensor.sensor_frames(IMAGES[..., 0], POSITIONS, 8), ValueError,
                                 ["images", "(2, 32, 32)", "4-D"]),
    "sensor_frames positions without time": (lambda: sensor.sensor_frames(IMAGES, POSITIONS[:, 0], 8), ValueError,
                                             ["positions", "(2, 2)", "3-D"]),
    "sensor_frames res=0": (lambda: sensor.sensor_frames(IMAGES, POSITIONS, 0), ValueError, ["res=0"]),
    "sensor_frames batch mismatch": (lambda: sensor.sensor_frames(IMAGES[:1], POSITIONS, 8), ValueError,
                                     ["1 images", "2 trajectories"]),
    "sensor_frames method": (lambda: sensor.sensor_frames(IMAGES, POSITIONS, 8, method="fast"), ValueError,
                             ["method='fast'", "auto"]),
    "DRCSensor res=-1": (lambda: sensor.DRCSensor(res=-1), ValueError, ["res=-1", ">= 1"]),
    "DRCSensor broadcast=2": (lambda: sensor.DRCSensor(broadcast=2), ValueError, ["broadcast=2", "0, 1"]),
    "position_inputs broadcast=3": (lambda: sensor.position_inputs(POSITIONS, 32, 8, 3), ValueError,
                                    ["broadcast=3"]),
    "generate_drc_images n_samples=0": (lambda: movies.generate_drc_images(IMAGES, 8, n_samples=0), ValueError,
                                        ["n_samples=0"]),
    "generate_drc_images broadcast=3": (lambda: movies.generate_drc_images(IMAGES, 8, broadcast=3), ValueError,
                                        ["broadcast=3", "allowed: 0, 1"]),
    "generate_drc_images res=0": (lambda: movies.generate_drc_images(IMAGES, 0), ValueError, ["res=0"]),
    "generate_drc_images no images": (lambda: movies.generate_drc_images(IMAGES[:0], 8), ValueError,
                                      ["(0, 32, 32, 3)", "at least one image"]),
    "generate_drc_images 2-D images": (lambda: movies.generate_drc_images(IMAGES[0, 0], 8), ValueError,
                                       ["images", "(32, 3)"]),
    "generate_drc_images n_trajectories=-2": (lambda: movies.generate_drc_images(IMAGES, 8, n_trajectories=-2),
                                              ValueError, ["n_trajectories=-2", ">= -1"]),
    "create_trajectory n_samples=-1": (lambda: trajectories.create_trajectory((100, 100), n_samples=-1),
                                       ValueError, ["n_samples=-1"]),
    "create_trajectory n_samples=2.5": (lambda: trajectories.create_trajectory((100, 100), n_samples=2.5),
                                        TypeError, ["n_samples=2.5", "integer"]),
    "create_trajectory style": (lambda: trajectories.create_trajectory((100, 100), style="wiggle"), ValueError,
                                ["'wiggle'", "valid styles"]),
    "create_trajectory noise=-1": (lambda: trajectories.create_trajectory((100, 100), noise=-1.0), ValueError,
                                   ["noise=-1.0", ">= 0"]),
    "create_trajectory start": (lambda: trajectories.create_trajectory((100, 100, 3)), ValueError,
                                ["starting_point", "(3,)"]),
    "sample_trajectories batch=-1": (lambda: trajectories.sample_trajectories(-1), ValueError, ["batch=-1"]),
}


@pytest.mark.parametrize("case", sorted(LIBRARY_CASES))
def test_library_refuses(refused, case, tmp_path):
    call, error, needles = LIBRARY_CASES[case]
    refused(call, error, needles, tmp_path)


def _tiny_cifar(root):
    folder = root / "cifar-10-batches-py"
    x = np.zeros((10, 32, 32, 3), np.uint8)
    datasets.write_cifar_folder(str(folder), x, np.arange(10), x[:4], np.arange(4), 10)
    return folder


def test_truncated_cifar_batch_names_the_file(refused, tmp_path):
    folder = _tiny_cifar(tmp_path)
    batch = folder / "data_batch_2"
    batch.write_bytes(batch.read_bytes()[:500])
    refused(lambda: datasets.load_dataset("cifar10", str(tmp_path)), UsageError,
            [str(batch), "not a readable CIFAR batch", "truncated"], tmp_path)


def test_truncated_idx_file_names_the_file(refused, tmp_path):
    path = tmp_path / "t10k-images-idx3-ubyte.gz"
    header = bytes([0, 0, 8, 3]) + (10).to_bytes(4, "big") + (28).to_bytes(4, "big") * 2
    path.write_bytes(gzip.compress(header + bytes(28 * 28 * 3))[:-9])  # a cut download
    (tmp_path / "t10k-labels-idx1-ubyte.gz").write_bytes(gzip.compress(bytes([0, 0, 8, 1]) + (10).to_bytes(4, "big")
                                                                      + bytes(10)))
    refused(lambda: datasets.load_mnist_test(str(tmp_path)), UsageError, [str(path), "gzipped IDX"], tmp_path)


def run_script(path, argv, capsys, monkeypatch):
    """Runs a script as ``__main__`` in this process; returns (exit code, stderr)."""
    monkeypatch.setattr(sys, "argv", [os.path.basename(path), *argv])
    with pytest.raises(SystemExit) as exit_info:
        runpy.run_path(os.path.join(ROOT, path), run_name="__main__")
    return exit_info.value.code, capsys.readouterr().err


CLI_CASES = {
    "--time_pool sum": (["--time_pool", "sum"], ["--time_pool sum", "average_pool"]),
    "--dropout 1.5": (["--dropout", "1.5"], ["--dropout 1.5", "< 1"]),
    "--trajectories_num -2": (["--trajectories_num", "-2"], ["--trajectories_num -2", ">= -1"]),
    "--conv_rnn_type rnn": (["--conv_rnn_type", "rnn"], ["--conv_rnn_type rnn", "gru, lstm"]),
    "--verbose 5": (["--verbose", "5"], ["--verbose 5", "0, 1, 2"]),
    "--val_size 0": (["--val_size", "0"], ["--val_size 0"]),
    "--n_samples 0": (["--n_samples", "0"], ["--n_samples 0"]),
    "--broadcast 3": (["--broadcast", "3"], ["--broadcast 3"]),
    "--style wiggle": (["--style", "wiggle"], ["'wiggle'"]),
    "--noise -1": (["--noise", "-1"], ["--noise -1.0"]),
    "--rnn_layer1 0": (["--rnn_layer1", "0"], ["--rnn_layer1 0"]),
    "--upsample -2": (["--upsample", "-2"], ["--upsample -2"]),
    "--seed -1": (["--seed", "-1"], ["--seed -1"]),  # was a traceback from Keras after the run folder
    "--learning_patience -1": (["--learning_patience", "-1"], ["--learning_patience -1"]),
    "--res x": (["--res", "x"], ["--res", "'x'"]),
    "--pretrained_student_path missing": (["--pretrained_student_path", "nowhere/student.keras"],
                                          ["--pretrained_student_path", "nowhere/student.keras", "no such file"]),
}


@pytest.mark.parametrize("case", sorted(CLI_CASES))
def test_drc_training_refuses_before_any_work(case, tmp_path, capsys, monkeypatch):
    argv, needles = CLI_CASES[case]
    monkeypatch.chdir(tmp_path)
    code, err = run_script("scripts/DRC_training.py", argv + ["--save_dir", str(tmp_path)], capsys, monkeypatch)
    assert code == 2 and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    for needle in needles:
        assert needle in err, err
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("content", [b"not a model at all", b"PK\x03\x04 truncated zip"])
def test_drc_training_refuses_a_corrupt_teacher_before_making_the_run_folder(content, tmp_path, capsys,
                                                                            monkeypatch):
    teacher = tmp_path / "teacher.keras"
    teacher.write_bytes(content)
    monkeypatch.chdir(tmp_path)
    argv = ["--teacher_net", str(teacher), "--dataset", "fashion_mnist_subset", "--val_size", "500",
            "--save_dir", str(tmp_path)]
    code, err = run_script("scripts/DRC_training.py", argv, capsys, monkeypatch)
    assert code == 2 and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert str(teacher) in err
    assert os.listdir(tmp_path) == ["teacher.keras"]  # no saved_models/, no summary


def test_demo_refuses_an_out_that_is_a_file(tmp_path, capsys, monkeypatch):
    out = tmp_path / "results.txt"
    out.write_text("earlier notes")
    code, err = run_script("scripts/demo.py", ["--out", str(out)], capsys, monkeypatch)
    assert code == 2 and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert f"--out {out}: is a file" in err and out.read_text() == "earlier notes"
    assert os.listdir(tmp_path) == ["results.txt"]


@pytest.mark.parametrize("argv, needles", [
    (["--quick", "--phases", "2"], ["starting phases", "at least 3", "got 2"]),
    (["--directions", "0"], ["directions", "got 0"]),
    (["--student", "STUDENT"], ["--student", "student.keras", "neither a .keras archive nor an HDF5 file"]),
])
def test_drc_selectivity_refuses_before_creating_out(argv, needles, tmp_path, capsys, monkeypatch):
    (tmp_path / "student.keras").write_bytes(b"half a model")
    argv = [str(tmp_path / "student.keras") if a == "STUDENT" else a for a in argv]
    monkeypatch.syspath_prepend(os.path.join(ROOT, "scripts", "experiments"))
    code, err = run_script("scripts/experiments/drc_selectivity.py", argv + ["--out", str(tmp_path / "out")],
                           capsys, monkeypatch)
    assert code == 2 and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    for needle in needles:
        assert needle in err, err
    assert os.listdir(tmp_path) == ["student.keras"]  # no --out folder


def _two_part_model(input_shape, classes):
    """A model of two models (front end, back end) as DRC teachers are, untrained."""
    import keras

    front = keras.Sequential([keras.Input(input_shape), keras.layers.Conv2D(2, 3, strides=2)], name="frontend")
    back = keras.Sequential([keras.Input(front.output_shape[1:]), keras.layers.Flatten(), keras.layers.Dense(classes)],
                            name="backend")
    return keras.Sequential([keras.Input(input_shape), front, back])


def _write_wrong_kind(kind, path):
    import h5py
    import keras

    if kind == "dense model":
        keras.Sequential([keras.Input((5,)), keras.layers.Dense(2)]).save(path)
    elif kind == "weights-only HDF5":
        keras.Sequential([keras.Input((5,)), keras.layers.Dense(2)]).save_weights(path)
    elif kind == "HDF5 of other data":
        with h5py.File(path, "w") as f:
            f["images"] = np.zeros((3, 4))
    else:
        _two_part_model((32, 32, 3), 10).save(path)


WRONG_TEACHERS = {  # kind: (file name, what it holds, flags, needles)
    "dense model": ("teacher.keras", "dense model", [], ["not a DRC teacher", "model of 2 models", "1 layers"]),
    "weights-only HDF5": ("teacher.weights.h5", "weights-only HDF5", [], ["not a saved Keras model", "weights-only"]),
    "HDF5 of other data": ("teacher.h5", "HDF5 of other data", [], ["not a saved Keras model"]),
    "teacher of CIFAR images": ("teacher.keras", "CIFAR teacher", [],
                                ["takes inputs (32, 32, 3)", "the data are (28, 28, 1)"]),
    "teacher of 10 classes for CIFAR-100": ("teacher.keras", "CIFAR teacher", ["--dataset", "cifar100", "--n_classes",
                                                                               "100"],
                                            ["ends in 10 classes", "the data have 100"]),
}


@pytest.mark.parametrize("kind", sorted(WRONG_TEACHERS))
def test_drc_training_refuses_a_teacher_of_the_wrong_kind_before_making_the_run_folder(kind, tmp_path, capsys,
                                                                                      monkeypatch):
    name, content, extra, needles = WRONG_TEACHERS[kind]
    _write_wrong_kind(content, str(tmp_path / name))
    monkeypatch.chdir(tmp_path)
    argv = ["--teacher_net", str(tmp_path / name), *(extra or ["--dataset", "fashion_mnist_subset"]),
            "--val_size", "500", "--save_dir", str(tmp_path)]
    code, err = run_script("scripts/DRC_training.py", argv, capsys, monkeypatch)
    assert code == 2 and len(err.strip().splitlines()) == 1 and "Traceback" not in err, err
    for needle in [f"--teacher_net {tmp_path / name}", *needles]:
        assert needle in err, err
    assert os.listdir(tmp_path) == [name]  # no saved_models/, no summary


def test_drc_training_refuses_a_weights_only_pretrained_student_before_making_the_run_folder(tmp_path, capsys,
                                                                                            monkeypatch):
    _write_wrong_kind("weights-only HDF5", str(tmp_path / "student.weights.h5"))
    monkeypatch.chdir(tmp_path)
    argv = ["--pretrained_student_path", str(tmp_path / "student.weights.h5"), "--dataset", "fashion_mnist_subset",
            "--teacher_net", str(tmp_path / "none.keras"), "--network_topology", "default", "--save_dir", str(tmp_path)]
    code, err = run_script("scripts/DRC_training.py", argv, capsys, monkeypatch)
    assert code == 2 and len(err.strip().splitlines()) == 1 and "Traceback" not in err, err
    assert f"--pretrained_student_path {tmp_path / 'student.weights.h5'}" in err and "not a saved Keras model" in err
    assert os.listdir(tmp_path) == ["student.weights.h5"]


@pytest.mark.parametrize("name", ["teacher.keras", "teacher.h5"])
def test_the_teacher_check_accepts_real_teachers_saved_either_way(name, tmp_path):
    from drc.pipeline import check_input_files
    from teachers.training import build_teacher

    path = str(tmp_path / name)
    build_teacher("default", (28, 28, 1), 10, dict(resblocks=1, last_layer_size=16)).save(path)
    check_input_files({"teacher_net": path}, (28, 28, 1), 10)
    with pytest.raises(UsageError, match=r"takes inputs \(28, 28, 1\), the data are \(32, 32, 3\)"):
        check_input_files({"teacher_net": path}, (32, 32, 3), 10)


EXPERIMENT_CASES = {  # (main, flags, needles); --out is OUT, which must not appear
    "visuals --runs without runs": ("visuals", ["--runs", "NOWHERE"], ["--runs", "no run folder"]),
    "visuals --noise -1": ("visuals", ["--noise", "-1"], ["--noise -1.0", ">= 0"]),
    "visuals --seed -1": ("visuals", ["--seed", "-1"], ["--seed -1"]),
    "selectivity corrupt --teacher": ("selectivity", ["--teacher", "GARBAGE"],
                                      ["--teacher", "garbage.keras", "neither a .keras archive"]),
    "selectivity --seed -1": ("selectivity", ["--seed", "-1"], ["--seed -1"]),
    "selectivity --skip -1": ("selectivity", ["--skip", "-1"], ["--skip -1", ">= 0"]),
    "table1 --verbose 9": ("table1", ["--quick", "--verbose", "9"], ["--verbose 9", "0, 1, 2"]),
    "table1 missing --data_dir": ("table1", ["--dataset", "cifar10", "--data_dir", "NOWHERE"],
                                  ["--data_dir", "nowhere", "no such folder"]),
    "table1 corrupt --resnet_weights": ("table1", ["--quick", "--resnet_weights", "GARBAGE"],
                                        ["--resnet_weights", "garbage.keras"]),
    "demo --seed -1": ("demo", ["--sensor_only", "--seed", "-1"], ["--seed -1"]),
}


@pytest.mark.parametrize("case", sorted(EXPERIMENT_CASES))
def test_experiment_scripts_refuse_before_making_out(case, tmp_path, cli_refused):
    from drc import demo_cli
    from drc.experiments import cli

    mains = {"visuals": cli.visuals_main, "selectivity": cli.selectivity_main, "table1": cli.table1_main,
             "demo": demo_cli.main}
    name, flags, needles = EXPERIMENT_CASES[case]
    (tmp_path / "garbage.keras").write_bytes(b"not a model" * 8)
    names = {"GARBAGE": str(tmp_path / "garbage.keras"), "NOWHERE": str(tmp_path / "nowhere")}
    argv = [names.get(a, a) for a in flags] + ["--out", str(tmp_path / "out")]
    cli_refused(mains[name], argv, name, needles, tmp_path)


@pytest.mark.parametrize("script, argv, needles", [
    ("make_fashion_mnist_subset.py", ["--per_class_train", "0"], ["--per_class_train 0", "between 1 and"]),
    ("make_fashion_mnist_subset.py", ["--seed", "-1"], ["--seed -1"]),
    ("make_fashion_mnist_subset.py", [], ["fashion_mnist_subset.npz exists", "--overwrite"]),
    ("make_mnist_subset.py", ["--mnist_dir", "NOWHERE"], ["--mnist_dir", "no such folder"]),
    ("make_mnist_subset.py", ["--mnist_dir", "TMP", "--per_class_test", "0"], ["--per_class_test 0"]),
    ("make_mnist_subset.py", ["--mnist_dir", "TMP"], ["mnist_subset.npz exists", "--overwrite"]),
])
def test_subset_scripts_never_replace_the_bundled_files_silently(script, argv, needles, tmp_path, capsys,
                                                                 monkeypatch):
    bundled = {name: os.path.getmtime(path) for name, path in (("fashion", datasets.BUNDLED_SUBSET),
                                                              ("mnist", datasets.MNIST_SUBSET))}
    argv = [{"NOWHERE": str(tmp_path / "nowhere"), "TMP": str(tmp_path)}.get(a, a) for a in argv]
    code, err = run_script(f"scripts/{script}", argv, capsys, monkeypatch)
    assert code == 2 and len(err.strip().splitlines()) == 1 and "Traceback" not in err, err
    for needle in needles:
        assert needle in err, err
    assert {name: os.path.getmtime(path) for name, path in (("fashion", datasets.BUNDLED_SUBSET),
                                                           ("mnist", datasets.MNIST_SUBSET))} == bundled


@pytest.mark.parametrize("flags, needles", [
    (["--nl", "nope"], ["--nl nope", "not a Keras activation"]),
    (["--dropout1", "2"], ["--dropout1 2.0"]),
    (["--last_layer_size", "0"], ["--last_layer_size 0"]),
    (["--network_topology", "resnet50_on_imagenet", "--resnet_weights", "NOWHERE"], ["nowhere.h5"]),
])
def test_drc_training_checks_the_teacher_it_would_train_before_making_the_run_folder(flags, needles, tmp_path,
                                                                                    capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    flags = [str(tmp_path / "nowhere.h5") if a == "NOWHERE" else a for a in flags]
    argv = ["--dataset", "fashion_mnist_subset", "--val_size", "500", "--teacher_net", str(tmp_path / "none.keras"),
            "--network_topology", "default", *flags, "--save_dir", str(tmp_path)]
    code, err = run_script("scripts/DRC_training.py", argv, capsys, monkeypatch)
    assert code == 2 and len(err.strip().splitlines()) == 1 and "Traceback" not in err, err
    for needle in needles:
        assert needle in err, err
    assert os.listdir(tmp_path) == []  # no saved_models/: the teacher would have been trained in the run


def test_drc_training_fetches_a_resnet_teacher_s_imagenet_weights_before_making_the_run_folder(tmp_path, capsys,
                                                                                             monkeypatch):
    """Uncached ImageNet weights and no way to download them (a closed local port): one line
    naming the origin before the run folder is made, not a failure after it."""
    from teachers import resnet

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    monkeypatch.delenv("DRC_RESNET_WEIGHTS", raising=False)
    monkeypatch.setattr(resnet, "IMAGENET_NOTOP_URL", "http://127.0.0.1:9/" + resnet.IMAGENET_NOTOP_FILE)
    argv = ["--dataset", "fashion_mnist_subset", "--val_size", "500", "--teacher_net", str(tmp_path / "none.keras"),
            "--network_topology", "resnet50_on_imagenet", "--save_dir", str(tmp_path / "out")]
    code, err = run_script("scripts/DRC_training.py", argv, capsys, monkeypatch)
    assert code == 2 and len(err.strip().splitlines()) == 1 and "Traceback" not in err, err
    assert "could not be downloaded from http://127.0.0.1:9/" in err and "--resnet_weights none" in err
    assert sorted(os.listdir(tmp_path)) == []
