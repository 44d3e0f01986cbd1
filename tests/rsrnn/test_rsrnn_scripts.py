"""scripts/rsrnn/: one-line errors with exit code 2 before any work; the slow tests train,
resume after a kill, and attack through the command lines."""
import os
import signal
import subprocess
import sys
import time

import pandas as pd
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TRAIN = os.path.join(ROOT, "scripts", "rsrnn", "train.py")
ATTACK = os.path.join(ROOT, "scripts", "rsrnn", "adv_attack.py")
TINY = ["--n_train", "64", "--n_test", "32", "--width", "4", "--grid_size", "16", "--canvas_size", "32",
        "--batch_size", "16", "--n_steps", "2", "--strategy", "default"]


def run(script, *args, timeout=120):
    return subprocess.run([sys.executable, script, *args], capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})


@pytest.mark.parametrize("script, args, message", [
    (TRAIN, ["--model", "dram"], "argument --model: invalid choice: 'dram'"),
    (TRAIN, ["--grid_size", "128"], "the image (96 px) is smaller than the retina's output (128 px)"),
    (TRAIN, ["--epochs", "0"], "--epochs 0 must be a positive integer"),
    (ATTACK, ["--checkpoint_path", "/nonexistent/model_weights.keras"],
     "--checkpoint_path /nonexistent/model_weights.keras: no such checkpoint"),
    (ATTACK, ["--checkpoint_path", "x.keras", "--eps", "-0.01"], "--eps -0.01 must be >= 0"),
    (ATTACK, ["--checkpoint_path", "x.keras", "--eval_steps", "2"], "--eval_steps 2 must be >= --attack_steps 4"),
])
def test_bad_command_lines_are_one_line_errors_with_exit_code_2(script, args, message):
    result = run(script, *args)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_flags_parse_without_importing_tensorflow():
    code = ("import sys; sys.path.insert(0, %r); from rsrnn.cli import train_parser, attack_parser; "
            "train_parser().parse_args([]); attack_parser().parse_args(['--checkpoint_path', 'x']); "
            "print('tensorflow' in sys.modules, 'keras' in sys.modules)" % ROOT)
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout.split() == \
        ["False", "False"]


@pytest.mark.slow
def test_train_resumes_after_a_kill_and_attack_writes_per_step_csv(tmp_path):
    out = str(tmp_path / "run")
    proc = subprocess.Popen([sys.executable, TRAIN, *TINY, "--epochs", "6", "--out", out], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
    log = os.path.join(out, "training_log.csv")
    deadline = time.time() + 1500
    while time.time() < deadline and proc.poll() is None:
        if os.path.isfile(log) and len(open(log).read().strip().splitlines()) >= 3:
            break
        time.sleep(0.5)
    assert proc.poll() is None, "training ended before it could be interrupted"
    assert os.path.isfile(log), "no epoch finished before the deadline"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    done = len(pd.read_csv(log))
    assert 2 <= done < 6 and os.path.isdir(os.path.join(out, "backup"))
    resumed = run(TRAIN, *TINY, "--epochs", "6", "--out", out, timeout=600)
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    epochs = pd.read_csv(log).epoch.tolist()
    assert epochs == list(range(6))
    again = run(TRAIN, *TINY, "--epochs", "6", "--out", out)
    assert again.returncode == 2 and "--overwrite" in again.stderr
    attacked = run(ATTACK, "--checkpoint_path", out, "--eps", "0.01", "0.1", "--n_images", "16", "--eval_steps", "6",
                   "--batch_size", "16", timeout=600)
    assert attacked.returncode == 0, attacked.stderr[-2000:]
    table = pd.read_csv(os.path.join(out, "adv_accuracy_per_step.csv"))
    assert list(table.columns) == ["model", "eps", "step", "accuracy", "n", "attack_steps"]
    assert sorted(set(table.eps)) == [0.0, 0.01, 0.1] and set(table.step) == set(range(1, 7))
    assert table.accuracy.between(0, 1).all()
