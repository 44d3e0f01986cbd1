"""A real teacher-training process (augmentation on) killed with SIGKILL (or stopped by a full
disk) and started again: its CSV log (every epoch's values), returned history and final weights
are those of an uninterrupted run with the same seed (epoch e's shuffle and augmentation depend on
(seed, e) alone, the model's random generators are restored with the backup), bad backups are set
aside, a full disk is one line, and failed runs leave nothing behind."""
import json
import os
import signal
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from tests.helpers import needs_root, small_disk

RUNNER = os.path.join(os.path.dirname(__file__), "teacher_resume_runner.py")
EPOCHS = 3
pytestmark = pytest.mark.slow


def _train(path, kill_at=None):
    env = {k: v for k, v in os.environ.items() if k != "DRC_KILL_AT"}
    if kill_at:
        env["DRC_KILL_AT"] = kill_at
    return subprocess.run([sys.executable, RUNNER, str(path), str(EPOCHS)], capture_output=True, text=True,
                          env=env, timeout=600)


def _log(path):
    return pd.read_csv(os.path.splitext(str(path))[0] + ".csv")


def _history(path):
    with open(os.path.splitext(str(path))[0] + ".history.json") as f:
        return json.load(f)


def _final_weights(path):
    with np.load(os.path.splitext(str(path))[0] + ".final.npz") as arrays:
        return [arrays[f"arr_{i}"] for i in range(len(arrays.files))]


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory):
    path = tmp_path_factory.mktemp("whole") / "teacher.keras"
    done = _train(path)
    assert done.returncode == 0, done.stderr[-2000:]
    return path


def _same_as_uninterrupted(path, whole):
    """Every epoch's row of the log (rtol 1e-5) and the final weights equal the uninterrupted run's."""
    log, reference = _log(path), _log(whole)
    assert list(log["epoch"]) == list(reference["epoch"]) == list(range(EPOCHS))
    assert list(log.columns) == list(reference.columns)
    pd.testing.assert_frame_equal(log, reference, rtol=1e-5)
    got, want = _final_weights(path), _final_weights(whole)
    assert len(got) == len(want) > 0
    for a, b in zip(got, want):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_killed_mid_epoch_resumes_with_a_complete_log_and_history(tmp_path, uninterrupted):
    path = tmp_path / "teacher.keras"
    killed = _train(path, kill_at="teacher:1:0")  # after the first of epoch 1's two batches
    assert killed.returncode == -signal.SIGKILL
    assert list(_log(path)["epoch"]) == [0]
    resumed = _train(path)
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert "resuming after epoch 1" in resumed.stdout
    _same_as_uninterrupted(path, uninterrupted)  # the epochs after the kill too
    log = _log(path)
    history = _history(path)
    assert history["val_loss"] == pytest.approx(list(log["val_loss"]), rel=1e-6)
    assert not os.path.exists(tmp_path / "teacher.backup")


def test_unfinished_and_corrupt_backups_are_never_taken(tmp_path, uninterrupted):
    path = tmp_path / "teacher.keras"
    backup = tmp_path / "teacher.backup"
    assert _train(path, kill_at="teacher:1:backup").returncode == -signal.SIGKILL  # while writing epoch 2's
    assert any(n.startswith(".partial-") for n in os.listdir(backup))
    again = _train(path, kill_at="teacher:2:0")
    assert again.returncode == -signal.SIGKILL
    assert "removed an unfinished backup" in again.stdout and "resuming after epoch 1" in again.stdout
    assert os.listdir(backup) == ["epoch-000002"]
    weights = backup / "epoch-000002" / "state.weights.h5"
    with open(weights, "r+b") as f:
        f.truncate(os.path.getsize(weights) // 2)
    last = _train(path)
    assert last.returncode == 0, last.stderr[-2000:]
    lines = [line for line in last.stdout.splitlines() if "unusable" in line]
    assert len(lines) == 1 and "state.weights.h5 is truncated" in lines[0] and "set aside as" in lines[0]
    assert os.listdir(str(backup) + ".bad")[0].startswith("epoch-000002.")
    _same_as_uninterrupted(path, uninterrupted)  # started over


def test_log_of_a_finished_teacher_is_not_restarted(tmp_path):
    path = tmp_path / "teacher.keras"
    assert _train(path).returncode == 0
    os.rename(path, tmp_path / "moved.keras")  # the "teacher exists" advice, followed for the .keras only
    refused = _train(path)
    assert refused.returncode == 2
    assert refused.stderr.strip().splitlines()[-1].startswith("teacher_resume_runner: ")
    assert f"{tmp_path / 'teacher.csv'} holds the log of an earlier, finished run" in refused.stderr
    assert len(_log(path)) == EPOCHS


@needs_root
def test_full_disk_is_one_line_leaves_no_partial_backup_and_resumes(tmp_path, uninterrupted):
    mount = tmp_path / "disk"
    with small_disk(mount, "3m") as resize:
        path = mount / "teacher.keras"
        first = _train(path)  # no room for even the first backup
        assert first.returncode == 2 and "Traceback" not in first.stderr
        line = first.stderr.strip().splitlines()[-1]
        assert "not enough disk space to write" in line and str(mount / "teacher.backup") in line
        assert "MiB free" in line
        assert os.listdir(mount) == []  # no litter: no backup folder, no log of redone epochs
        resize("11m")
        second = _train(path)  # room for epoch 1's backup, not for epoch 2's beside it
        assert second.returncode == 2 and "not enough disk space" in second.stderr.strip().splitlines()[-1]
        assert os.listdir(mount / "teacher.backup") == ["epoch-000001"]
        resize("64m")
        third = _train(path)
        assert third.returncode == 0, third.stderr[-2000:]
        assert "resuming after epoch 1" in third.stdout
        _same_as_uninterrupted(path, uninterrupted)
