"""The seed's DRC_training.py command lines, unchanged but for the allowed small-run flags."""
import os
import subprocess
import sys

import pandas as pd
import pytest

from tests.helpers import DRC_RESNET, DRC_V1, ROOT, SMALL, TEACHER_RESNET, TEACHER_V1, make_tiny_cifar



def run(script, args, cwd, timeout=900):
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2")
    return subprocess.run([sys.executable, os.path.join(ROOT, "scripts", script)] + args, cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=timeout)


def train_teacher_cli(flags, tmp_path, extra=()):
    data = make_tiny_cifar(tmp_path / "data", 10, n_train=60, n_test=20)
    done = run("cifar_style.py", flags + ["--epochs", "1", "--data_dir", data, "--val_size", "20", *extra], tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    teachers = [f for f in os.listdir(tmp_path / "pretrained_teachers") if f.endswith(".keras")]
    assert len(teachers) == 1
    return data, os.path.join("pretrained_teachers", teachers[0])


def check_run(tmp_path, done):
    assert done.returncode == 0, done.stderr[-3000:]
    runs = [d for d in os.listdir(tmp_path / "saved_models") if not d.startswith(".")]
    assert len(runs) == 1
    folder = tmp_path / "saved_models" / runs[0]
    for name in ("student.keras", "backend_trained_model.keras", "fro_student_and_decoder_trained.keras",
                 "histories.csv", "config.json"):
        assert (folder / name).is_file(), name
    summary = pd.read_csv(tmp_path / "summary_dataframe_DRC_training_data.csv")
    assert len(summary) == 1 and 0.0 <= summary["test_accuracy_mean"][0] <= 1.0
    assert "test accuracy over 5 runs" in done.stdout
    return summary


def test_seed_v1_command_line(tmp_path):
    data, teacher = train_teacher_cli(TEACHER_V1, tmp_path)
    done = run("DRC_training.py", DRC_V1.format(teacher=teacher).split() + SMALL + ["--data_dir", data], tmp_path)
    summary = check_run(tmp_path, done)
    assert summary["preprocessing_mode"][0] == "mean_norm"  # the v1 teacher's, despite resnet_mode's default
    assert summary["student_upsample"][0] == 1  # derived from the 8x8 front end, not the flag's default 7


@pytest.mark.slow
def test_seed_resnet_command_line(tmp_path):
    data, teacher = train_teacher_cli(TEACHER_RESNET, tmp_path, extra=("--resnet_weights", "none"))
    done = run("DRC_training.py", DRC_RESNET.format(teacher=teacher).split() + SMALL + ["--data_dir", data], tmp_path)
    check_run(tmp_path, done)


def test_bad_arguments_are_one_line_errors(tmp_path):
    for args, message in ((["--style", "wiggle"], "valid styles"), (["--epochs", "x"], "invalid int value"),
                          (["--decoder_optimizer", "RMS"], "allowed: Adam, SGD"),
                          (["--dataset", "cifar100"], "--n_classes is 10")):
        done = run("DRC_training.py", args + ["--save_dir", str(tmp_path)], tmp_path, timeout=300)
        assert done.returncode == 2, done.stderr[-2000:]
        lines = [line for line in done.stderr.strip().splitlines() if "error" in line]
        assert len(lines) == 1 and "Traceback" not in done.stderr
        if message:
            assert message in lines[0]
