"""A real scripts/rsrnn/train.py process killed with SIGKILL mid-epoch, and one killed while
writing its backup (drc.core's ``DRC_KILL_AT``), started again with the same command: the CSV
log and ``model_weights.keras`` (the original's only model file, the last epoch's) equal an
uninterrupted run's with the same seed. CPU training is deterministic here: the fixations come
from seed generators saved with the backup, and Keras' array shuffling draws the same order in
every process; only the validation pass differs in the last float digits (threaded reductions),
so values are compared to rtol 1e-5."""
import os
import signal

import numpy as np
import pandas as pd
import pytest

from tests.helpers import run_killable

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TRAIN = os.path.join(ROOT, "scripts", "rsrnn", "train.py")
EPOCHS = 3
TINY = ["--n_train", "64", "--n_test", "32", "--width", "4", "--grid_size", "16", "--canvas_size", "32",
        "--batch_size", "16", "--n_steps", "2", "--strategy", "default", "--epochs", str(EPOCHS)]
pytestmark = pytest.mark.slow


def _train(out, kill_at=None):
    return run_killable([TRAIN, *TINY, "--out", out], kill_at)


def _weights(out):
    import keras

    import rsrnn.models  # noqa: F401 - registers the model class

    return keras.models.load_model(out / "model_weights.keras").get_weights()


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory):
    out = tmp_path_factory.mktemp("rsrnn_whole")
    done = _train(out)
    assert done.returncode == 0, done.stderr[-2000:]
    return pd.read_csv(out / "training_log.csv"), _weights(out)


def _assert_same_run(out, uninterrupted):
    log, weights = uninterrupted
    got = pd.read_csv(out / "training_log.csv")
    assert list(got["epoch"]) == list(range(EPOCHS)) and list(got.columns) == list(log.columns)
    pd.testing.assert_frame_equal(got, log, rtol=1e-5)
    for a, b in zip(_weights(out), weights):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    assert not (out / "backup").exists()


def test_killed_mid_epoch_resumes_to_the_uninterrupted_run(tmp_path, uninterrupted):
    killed = _train(tmp_path, kill_at="rsrnn:1:1")
    assert killed.returncode == -signal.SIGKILL
    assert list(pd.read_csv(tmp_path / "training_log.csv")["epoch"]) == [0]
    resumed = _train(tmp_path)
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert "rsrnn: resuming after epoch 1" in resumed.stdout
    _assert_same_run(tmp_path, uninterrupted)


def test_killed_while_writing_a_backup_resumes_from_the_last_complete_one(tmp_path, uninterrupted):
    killed = _train(tmp_path, kill_at="rsrnn:1:backup")  # epoch 2 logged and saved, its backup unfinished
    assert killed.returncode == -signal.SIGKILL
    assert list(pd.read_csv(tmp_path / "training_log.csv")["epoch"]) == [0, 1]
    assert any(n.startswith(".partial-") for n in os.listdir(tmp_path / "backup"))
    resumed = _train(tmp_path)
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert "removed an unfinished backup" in resumed.stdout and "rsrnn: resuming after epoch 1" in resumed.stdout
    _assert_same_run(tmp_path, uninterrupted)  # epoch 2 redone once: one row, the same weights


def test_a_run_started_over_keeps_the_later_model_until_it_has_trained_as_far(tmp_path, uninterrupted):
    assert _train(tmp_path, kill_at="rsrnn:2:0").returncode == -signal.SIGKILL
    model = tmp_path / "model_weights.keras"
    saved = model.read_bytes()  # epoch 2's model
    weights = tmp_path / "backup" / "epoch-000002" / "state.weights.h5"
    with open(weights, "r+b") as f:
        f.truncate(os.path.getsize(weights) // 2)
    again = _train(tmp_path, kill_at="rsrnn:1:0")  # starts over; killed in its epoch 2
    assert again.returncode == -signal.SIGKILL
    lines = [line for line in again.stdout.splitlines() if "unusable" in line]
    assert len(lines) == 1 and "state.weights.h5 is truncated" in lines[0] and "resuming" not in again.stdout
    assert list(pd.read_csv(tmp_path / "training_log.csv")["epoch"]) == [0]
    assert model.read_bytes() == saved  # not replaced by the new run's epoch 1
    last = _train(tmp_path)
    assert last.returncode == 0, last.stderr[-2000:]
    assert "rsrnn: resuming after epoch 1" in last.stdout
    _assert_same_run(tmp_path, uninterrupted)
