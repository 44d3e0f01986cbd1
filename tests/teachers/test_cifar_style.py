"""scripts/cifar_style.py: its flags, the seed's three teacher command lines, one-line errors."""
import os
import subprocess
import sys

import numpy as np
import pytest

from tests.helpers import ROOT, make_tiny_cifar
from drc.core.datasets import load_dataset
from drc import teacher_cli as cli

SCRIPT = os.path.join(ROOT, "scripts", "cifar_style.py")
V1 = ("--stopping_patience 30 --learning_patience 10 --resblocks 5 --no-last_maxpool_en --nl elu "
      "--width_shift_range 0.15 --height_shift_range 0.15 --rotation_range 5")
V2 = ("--stopping_patience 30 --learning_patience 10 --resblocks8 3 --resblocks16 3 --no-last_maxpool_en --nl elu "
      "--width_shift_range 0.15 --height_shift_range 0.15 --rotation_range 5 --network_topology v2")
RESNET = ("--stopping_patience 30 --learning_patience 10 --width_shift_range 0.15 --height_shift_range 0.15 "
          "--rotation_range 5 --network_topology resnet50_on_imagenet")


def run_script(args, cwd, timeout=300):
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    return subprocess.run([sys.executable, SCRIPT, *args], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout)


def _conv_names(model):
    return [layer.name for layer in model.layers if layer.__class__.__name__ == "Conv2D"]


# ---------------------------------------------------------------- flags

def test_cifar_style_defaults_are_the_originals_with_the_readme_topology():
    d = vars(cli.teacher_parser().parse_args([]))
    assert (d["epochs"], d["nl"], d["resblocks"], d["stopping_patience"], d["learning_patience"]) == (
        200, "elu", 5, 30, 10)
    assert (d["rotation_range"], d["width_shift_range"], d["height_shift_range"]) == (5, 0.15, 0.15)
    assert d["last_maxpool_en"] is False and d["compile_on_spot"] is True and d["data_augmentation"] is True
    assert (d["resblocks16"], d["resblocks8"], d["n_classes"]) == (3, 3, 10)
    for name in ("layer_norm_res16", "layer_norm_res8", "skip_conn16", "skip_conn8", "layer_norm_res", "skip_conn"):
        assert d[name] is True
    assert d["network_topology"] == "default"  # the README's v1, not the code's resnet50_on_imagenet
    assert (d["val_size"], d["dataset"], d["data_dir"], d["resnet_weights"]) == (5000, None, None, None)
    d = vars(cli.teacher_parser().parse_args("--no-skip_conn16 --no-compile_on_spot --no-layer_norm_res8".split()))
    assert d["skip_conn16"] is False and d["compile_on_spot"] is False and d["layer_norm_res8"] is False


@pytest.mark.parametrize("argv,expected_res", [
    (V1.split(), None),                     # full resolution: the shared default --res 8 is the sensor's
    (V1.split() + ["--res", "8"], 8),       # typed: the teacher sees 8x8 images
    (V1.split() + ["--res=16"], 16),
    (V1.split() + ["--res", "-1"], None),   # the original's "full resolution"
])
def test_res_applies_only_when_typed(monkeypatch, argv, expected_res):
    import teachers.training

    seen = {}

    def fake_train_teacher(config, res=None, verbose="auto"):
        seen.update(config=config, res=res, verbose=verbose)

    monkeypatch.setattr(teachers.training, "train_teacher", fake_train_teacher)
    cli.main(argv)
    assert seen["res"] == expected_res
    assert seen["verbose"] == "auto" and seen["config"]["network_topology"] == "default"
    cli.main(argv + ["--verbose", "2"])
    assert seen["verbose"] == 2


# ---------------------------------------------------------------- errors

@pytest.mark.parametrize("extra,message", [
    (["--network_topology", "vgg16"], "argument --network_topology: invalid choice: 'vgg16'"),
    (["--n_classes", "7"], "--n_classes 7: CIFAR has 10 or 100 classes"),
    (["--dataset", "fashion_mnist", "--n_classes", "100"], "--dataset fashion_mnist has 10 classes, but --n_classes"),
    (["--resblocks", "five"], "argument --resblocks: invalid int value: 'five'"),
])
def test_bad_flags_give_one_line_and_exit_code_2(tmp_path, extra, message):
    result = run_script(V1.split() + extra, tmp_path, timeout=60)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("cifar_style.py: error: ")  # before TF
    assert message in result.stderr
    assert not os.path.exists(tmp_path / "pretrained_teachers")


def test_existing_teacher_is_never_overwritten(tmp_path, monkeypatch, capsys):
    from drc.core.cli import run_cli

    data = make_tiny_cifar(tmp_path / "data", 10, n_train=20, n_test=4)
    teacher = tmp_path / "pretrained_teachers" / "default_cifar10_teacher.keras"
    teacher.parent.mkdir()
    teacher.write_bytes(b"a teacher")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as exit_info:
        run_cli(cli.main, V1.split() + ["--epochs", "1", "--data_dir", data, "--val_size", "4"], prog="cifar_style.py")
    err = capsys.readouterr().err
    assert exit_info.value.code == 2 and err.count("\n") == 1 and err.startswith("cifar_style.py: error: ")
    assert "default_cifar10_teacher.keras exists; teachers are never overwritten" in err
    assert teacher.read_bytes() == b"a teacher"


def test_missing_dataset_is_a_one_line_error(tmp_path, monkeypatch, capsys):
    import keras

    from drc.core.cli import run_cli

    def offline():
        raise Exception("URL fetch failure: [Errno -2] Name or service not known")

    monkeypatch.setattr(keras.datasets.cifar100, "load_data", offline)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    monkeypatch.delenv("DRC_DATA_DIR", raising=False)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as exit_info:
        run_cli(cli.main, V1.split() + ["--n_classes", "100", "--data_dir", str(tmp_path)], prog="cifar_style.py")
    err = capsys.readouterr().err
    assert exit_info.value.code == 2 and err.count("\n") == 1
    assert err.startswith("cifar_style.py: error: cifar100 not found locally") and "--data_dir" in err


def test_missing_resnet_weights_file_is_a_one_line_error(tmp_path, monkeypatch, capsys):
    from drc.core.cli import run_cli

    data = make_tiny_cifar(tmp_path / "data", 10, n_train=20, n_test=4)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as exit_info:
        run_cli(cli.main, RESNET.split() + ["--epochs", "1", "--data_dir", data, "--val_size", "4",
                                            "--resnet_weights", str(tmp_path / "nope.h5")], prog="cifar_style.py")
    err = capsys.readouterr().err
    assert exit_info.value.code == 2 and err.count("\n") == 1 and err.startswith("cifar_style.py: error: ")
    assert "--resnet_weights" in err and "no such file; expected imagenet, none or the path of" in err
    assert not os.path.exists(tmp_path / "pretrained_teachers")


# ---------------------------------------------------------------- the seed's command lines

def _check_run(result, path):
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Traceback" not in result.stderr
    assert os.path.isfile(path)
    assert "test accuracy" in result.stdout and f"saved: pretrained_teachers/{path.name}" in result.stdout


def test_v1_command_line(tmp_path):
    data = make_tiny_cifar(tmp_path / "data", 10, n_train=40, n_test=10)  # 32 train, 8 validate
    result = run_script(V1.split() + ["--epochs", "1", "--data_dir", data, "--val_size", "8"], tmp_path)
    path = tmp_path / "pretrained_teachers" / "default_cifar10_teacher.keras"
    _check_run(result, path)
    import teachers

    teacher, record = teachers.load_teacher(tmp_path / "pretrained_teachers" / "default_cifar10_teacher.hdf")
    fe, be = teacher.layers
    assert tuple(fe.input.shape) == (None, 32, 32, 3) and tuple(fe.output.shape) == (None, 8, 8, 64)
    assert _conv_names(be)[-3:] == ["cnn3_4", "cnn32_4", "cnn33_4"]  # --resblocks 5
    assert be.get_layer("max_pool3").pool_size == (1, 1)  # --no-last_maxpool_en
    assert fe.get_layer("cnn1").activation.__name__ == "elu"  # --nl elu
    (x_train, _), (x_test, _) = load_dataset("cifar10", data)
    assert record.mode == "mean_norm" and record.res is None
    np.testing.assert_allclose(record.mean_image, x_train[:-8].mean(axis=0), atol=1e-4)
    assert np.asarray(teacher(record.apply(x_test))).shape == (10, 10)
    assert os.path.isfile(tmp_path / "pretrained_teachers" / "default_cifar10_teacher.csv")


def test_v2_command_line(tmp_path):
    data = make_tiny_cifar(tmp_path / "data", 10, n_train=40, n_test=10)
    result = run_script(V2.split() + ["--epochs", "1", "--data_dir", data, "--val_size", "8"], tmp_path)
    path = tmp_path / "pretrained_teachers" / "v2_cifar10_teacher.keras"
    _check_run(result, path)
    import teachers

    teacher, record = teachers.load_teacher(path)
    fe, be = teacher.layers
    assert [n for n in _conv_names(fe) if n.startswith("cnn2")] == [
        f"{p}_{i}" for i in range(3) for p in ("cnn21", "cnn22", "cnn23")]  # --resblocks16 3
    assert _conv_names(be) == [f"{p}_{i}" for i in range(3) for p in ("cnn3", "cnn32", "cnn33")]  # --resblocks8 3
    assert "anti_sparse" not in _conv_names(fe)  # cifar_style's dense_interface=False
    assert tuple(fe.output.shape) == (None, 8, 8, 64) and record.mode == "mean_norm"


@pytest.mark.slow
def test_resnet50_command_line(tmp_path):
    data = make_tiny_cifar(tmp_path / "data", 10, n_train=40, n_test=8)
    result = run_script(RESNET.split() + ["--epochs", "1", "--data_dir", data, "--val_size", "8",
                                          "--resnet_weights", "none"], tmp_path, timeout=600)
    path = tmp_path / "pretrained_teachers" / "resnet50_on_imagenet_cifar10_teacher.keras"
    _check_run(result, path)
    import teachers

    teacher, record = teachers.load_teacher(path)
    fe, be = teacher.layers
    assert tuple(fe.output.shape) == (None, 56, 56, 64) and be.get_layer("classification").units == 10
    assert record.mode == "resnet" and record.mean_image is None
    assert "preprocessing: ResNet50 caffe" in result.stdout
