"""A real CordsNet training stage (scripts/cordsnet/main_training_1_compatibility.py, the
equivalent CNN: every stage trains through the same ``_fit`` and data pipeline) killed with
SIGKILL mid-epoch by drc.core's ``DRC_KILL_AT`` and started again with the same command: every
epoch is logged once, numbered 0..E-1, with an uninterrupted run's columns and values, and every
per-epoch .pth of the original's layout holds the uninterrupted run's weights (an epoch's order,
flips and CutMix/MixUp draws depend on (seed, epoch) alone, so CPU training is deterministic
across the restart); the resumed run leaves the files written before the kill as they were."""
import os
import signal

import numpy as np
import pandas as pd
import pytest

from tests.helpers import run_killable

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCRIPT = os.path.join(ROOT, "scripts", "cordsnet", "main_training_1_compatibility.py")
EPOCHS = 3
# Fashion-MNIST: flipped and mixed by the original's rules; 32 images = 2 batches an epoch.
TINY = ["--dataset", "fashionmnist_subset", "--depth", "2", "--channels", "4,4", "--image_size", "16",
        "--train_size", "32", "--batch_size", "16", "--epochs", str(EPOCHS), "--phases", "1",
        "--warmup_batches", "1", "--seed", "0", "--strategy", "default"]
pytestmark = pytest.mark.slow


def _train(results_dir, kill_at=None):
    return run_killable([SCRIPT, *TINY, "--results_dir", results_dir], kill_at)


def _folder(results_dir):
    return results_dir / "results_2_fashionmnist_subset"


def _pth(path):
    from cordsnet.pth import read_pth

    return {k: np.asarray(v) for k, v in read_pth(str(path)).items()}


def _assert_same_state(a, b):
    assert sorted(a) == sorted(b)
    for key in a:
        np.testing.assert_array_equal(a[key], b[key], err_msg=key)


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory):
    root = tmp_path_factory.mktemp("cordsnet_whole")
    done = _train(root)
    assert done.returncode == 0, done.stderr[-2000:]
    return _folder(root)


def test_killed_stage_resumes_with_every_epoch_logged_once(tmp_path, uninterrupted):
    folder = _folder(tmp_path)
    killed = _train(tmp_path, kill_at="compatibility:1:0")
    assert killed.returncode == -signal.SIGKILL
    assert list(pd.read_csv(folder / "1_compatibility_log.csv")["epoch"]) == [0]
    initial = os.stat(folder / "1_compatibility_0.pth").st_mtime_ns
    resumed = _train(tmp_path)
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert "compatibility: resuming after epoch 1" in resumed.stdout

    log, whole = pd.read_csv(folder / "1_compatibility_log.csv"), pd.read_csv(uninterrupted / "1_compatibility_log.csv")
    assert list(log["epoch"]) == list(whole["epoch"]) == list(range(EPOCHS))
    assert list(log.columns) == list(whole.columns) == ["epoch", "accuracy", "loss"]
    pd.testing.assert_frame_equal(log, whole, rtol=1e-6)
    assert np.isfinite(log["loss"]).all()

    names = ["1_compatibility_0.pth"] + [f"1_compatibility_1_{e}.pth" for e in range(1, EPOCHS + 1)]
    assert sorted(os.listdir(folder)) == sorted(names + ["1_compatibility_log.csv"])  # no backup left
    assert os.stat(folder / "1_compatibility_0.pth").st_mtime_ns == initial  # the resumed run keeps it
    for name in names:
        _assert_same_state(_pth(folder / name), _pth(uninterrupted / name))
