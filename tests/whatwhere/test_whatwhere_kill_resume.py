"""Real train_what.py and train_transformer.py processes killed with SIGKILL mid-epoch (drc.core's
``DRC_KILL_AT``) and started again with the same command: the CSV log and the saved model equal
an uninterrupted run's with the same seed, value for value (a sample's canvas depends only on
its image, index and the epoch's curriculum stage, and the shuffling generator is advanced to
the resumed epoch). A full disk is one line, leaves nothing behind, and the next run resumes."""
import os
import signal

import numpy as np
import pandas as pd
import pytest

from tests.helpers import needs_root, run_killable, small_disk

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCRIPTS = os.path.join(ROOT, "scripts", "whatwhere")
TINY = ["--n_train", "40", "--n_val", "20", "--batch_size", "20", "--epochs_per_stage", "1", "--max_stages", "3"]
EPOCHS = 3
COMMANDS = {"what": ["train_what.py"], "stn_28x28": ["train_transformer.py", "--model", "stn_28x28"]}
pytestmark = pytest.mark.slow


def _train(model, out, kill_at=None):
    script, *flags = COMMANDS[model]
    return run_killable([os.path.join(SCRIPTS, script), *flags, "--out", out, *TINY], kill_at)


def _weights(path):
    from whatwhere.models import load_model

    return load_model(path).get_weights()


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory):
    runs = {}
    for model in COMMANDS:
        out = tmp_path_factory.mktemp(f"whole_{model}")
        done = _train(model, out)
        assert done.returncode == 0, done.stderr[-2000:]
        runs[model] = (pd.read_csv(out / "training.log"), _weights(out / f"{model}.keras"))
    return runs


def _assert_same_run(out, model, uninterrupted):
    log, weights = uninterrupted[model]
    got = pd.read_csv(out / "training.log")
    assert list(got["epoch"]) == list(range(EPOCHS)) and list(got.columns) == list(log.columns)
    pd.testing.assert_frame_equal(got, log, rtol=1e-6)
    for a, b in zip(_weights(out / f"{model}.keras"), weights):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("model", list(COMMANDS))
def test_killed_mid_epoch_resumes_to_the_uninterrupted_run(tmp_path, uninterrupted, model):
    killed = _train(model, tmp_path, kill_at=f"{model}:1:0")
    assert killed.returncode == -signal.SIGKILL
    assert list(pd.read_csv(tmp_path / "training.log")["epoch"]) == [0]
    assert not (tmp_path / f"{model}.keras").exists()
    resumed = _train(model, tmp_path)
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert f"{model}: resuming after epoch 1" in resumed.stdout
    _assert_same_run(tmp_path, model, uninterrupted)
    assert sorted(os.listdir(tmp_path)) == sorted(["run_info.json", "training.log", f"{model}.keras"])


@needs_root
def test_full_disk_is_one_line_leaves_nothing_and_the_next_run_resumes(tmp_path, uninterrupted):
    mount = tmp_path / "disk"
    with small_disk(mount, "3m") as resize:
        out = mount / "what"
        first = _train("what", out)  # no room for the first backup (weights + Adam's moments)
        assert first.returncode == 2 and "Traceback" not in first.stderr
        line = first.stderr.strip().splitlines()[-1]
        assert "not enough disk space to write" in line and str(out / "backup") in line and "MiB free" in line
        assert os.listdir(out) == []  # no backup folder, no log of a redone epoch, no run_info.json
        resize("10m")
        second = _train("what", out)  # room for epoch 1's backup, not for epoch 2's beside it
        assert second.returncode == 2 and "not enough disk space" in second.stderr.strip().splitlines()[-1]
        assert os.listdir(out / "backup") == ["epoch-000001"]
        resize("64m")
        third = _train("what", out)
        assert third.returncode == 0, third.stderr[-2000:]
        assert "what: resuming after epoch 1" in third.stdout
        _assert_same_run(out, "what", uninterrupted)
