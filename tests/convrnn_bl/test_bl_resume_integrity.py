"""A real BL fine-tuning process killed with SIGKILL mid-epoch and started again: the CSV log
(every epoch's values), returned history, final weights and best-loss checkpoint equal an
uninterrupted run's with the same seed (epoch e's shuffle, crops and flips depend on (seed, e)
alone), and the best-loss checkpoint keeps its best value across the restart (it is replaced
only by a better epoch, and holds the best epoch of all)."""
import json
import os
import re
import signal
import subprocess
import sys

import h5py
import numpy as np
import pandas as pd
import pytest

RUNNER = os.path.join(os.path.dirname(__file__), "bl_resume_runner.py")
pytestmark = pytest.mark.slow
EPOCHS = 3


def _run(*args, kill_at=None):
    env = {k: v for k, v in os.environ.items() if k != "DRC_KILL_AT"}
    if kill_at:
        env["DRC_KILL_AT"] = kill_at
    return subprocess.run([sys.executable, RUNNER, *map(str, args)], capture_output=True, text=True, env=env,
                          timeout=900)


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    root = tmp_path_factory.mktemp("bl_resume")
    assert _run("prepare", root).returncode == 0
    return root


def _log(model_dir):
    return pd.read_csv(os.path.join(model_dir, "model", "history_color.csv"))


def _final_weights(model_dir):
    with np.load(os.path.join(model_dir, "final.npz")) as arrays:
        return [arrays[f"arr_{i}"] for i in range(len(arrays.files))]


def _checkpoint_arrays(model_dir):
    arrays = {}
    with h5py.File(os.path.join(model_dir, "model", "ckpt", "pretrained_mp_noise_color_new.hdf5"), "r") as f:
        f.visititems(lambda name, item: arrays.__setitem__(name, item[()]) if isinstance(item, h5py.Dataset) else None)
    return arrays


def _checkpoint_lines(stdout):
    return re.findall(r"Epoch (\d+): loss (improved from|did not improve from) (\S+?)(?: to (\S+?))?[,\n]", stdout)


def test_killed_fine_tuning_resumes_with_its_best_loss(root):
    whole, parted = root / "whole", root / "parted"
    done = _run("train", root, whole, EPOCHS)
    assert done.returncode == 0, done.stderr[-2000:]
    killed = _run("train", root, parted, EPOCHS, kill_at="bl:1:1")
    assert killed.returncode == -signal.SIGKILL
    resumed = _run("train", root, parted, EPOCHS)
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert "resuming after epoch 1" in resumed.stdout

    log, reference = _log(parted), _log(whole)
    assert list(log["epoch"]) == list(reference["epoch"]) == list(range(EPOCHS))
    assert list(log.columns) == list(reference.columns)
    pd.testing.assert_frame_equal(log, reference, rtol=1e-5)  # the epochs after the kill too
    assert log["loss"].nunique() == EPOCHS
    for got, want in zip(_final_weights(parted), _final_weights(whole), strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    got, want = _checkpoint_arrays(parted), _checkpoint_arrays(whole)
    assert sorted(got) == sorted(want) and len(got) > 0
    for name in want:
        np.testing.assert_allclose(got[name], want[name], rtol=1e-5, atol=1e-6, err_msg=name)
    with open(parted / "history.json") as f:
        history = json.load(f)
    assert history["loss"] == pytest.approx(list(log["loss"]), rel=1e-6) and len(history["loss"]) == EPOCHS

    # The resumed run compares with the best loss before the kill, never with infinity.
    first = _checkpoint_lines(resumed.stdout)[0]
    assert first[0] == "2" and first[2] == f"{log['loss'][0]:.5f}"
    lines = _checkpoint_lines(killed.stdout + resumed.stdout)
    saves = [int(e) for e, kind, _, _ in lines if kind.startswith("improved")]
    assert saves[-1] == int(np.argmin(log["loss"])) + 1  # the checkpoint holds the best epoch of all
    running_min = np.minimum.accumulate(log["loss"].to_numpy())
    assert saves == [1] + [e + 1 for e in range(1, EPOCHS) if log["loss"][e] < running_min[e - 1]]
    assert not os.path.exists(parted / "model" / "backup" / "color")


def test_a_finished_log_is_not_restarted_and_an_unfinished_first_backup_is_discarded(root, tmp_path):
    model_dir = tmp_path / "M"
    (model_dir / "model").mkdir(parents=True)
    (model_dir / "model" / "history_color.csv").write_text("epoch,loss\n0,1.0\n")
    refused = _run("train", root, model_dir, EPOCHS)
    assert refused.returncode == 2
    assert "history_color.csv holds the log of an earlier, finished run" in refused.stderr.strip().splitlines()[-1]
    os.remove(model_dir / "model" / "history_color.csv")
    failed = _run("train", root, model_dir, EPOCHS, kill_at="bl:0:backup")  # killed in its first backup
    assert failed.returncode == -signal.SIGKILL
    again = _run("train", root, model_dir, 1)
    assert again.returncode == 0, again.stderr[-2000:]
    assert "removed an unfinished backup" in again.stdout
    assert list(_log(model_dir)["epoch"]) == [0]
