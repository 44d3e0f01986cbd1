"""Real DRC_training.py processes killed with SIGKILL in either stage and started again: the
run's histories.csv, CSV logs and summary row equal an uninterrupted run's with the same seed
(the DRC's data depend only on seed and epoch, so every value is compared); a corrupt summary is
refused before training; two runs finishing into one folder both keep their rows; a run that
fails on a full disk leaves nothing behind and the next run trains."""
import glob
import os
import signal
import subprocess
import sys

import pandas as pd
import pytest

from tests.helpers import make_fashion_mnist_folder, needs_root, small_disk

HERE = os.path.dirname(__file__)
SCRIPT = os.path.join(HERE, "..", "..", "scripts", "DRC_training.py")
SUMMARY = "summary_dataframe_DRC_training_data"
pytestmark = pytest.mark.slow


def _flags(root, save_dir):
    return ["--teacher_net", str(root / "teacher.keras"), "--dataset", "fashion_mnist", "--data_dir",
            str(root / "fmnist"), "--val_size", "32", "--res", "7", "--n_samples", "5", "--max_length", "5",
            "--epochs", "3", "--decoder_epochs", "2", "--broadcast", "1", "--val_set_mult", "1", "--verbose", "0",
            "--save_dir", str(save_dir), "--seed", "0", "--rnn_layer1", "8", "--rnn_layer2", "16",
            "--student_block_size", "1", "--student_nl", "elu"]


def _start(root, folder, kill_at=None, extra=()):
    """DRC_training.py with its outputs and summary in ``folder`` (also its working folder)."""
    env = {k: v for k, v in os.environ.items() if k != "DRC_KILL_AT"}
    env.update(TF_CPP_MIN_LOG_LEVEL="3", TF_DETERMINISTIC_OPS="1")
    if kill_at:
        env["DRC_KILL_AT"] = kill_at
    os.makedirs(folder, exist_ok=True)
    return subprocess.Popen([sys.executable, SCRIPT, *_flags(root, folder), *extra], cwd=folder, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _run(root, folder, kill_at=None):
    proc = _start(root, folder, kill_at)
    out, err = proc.communicate(timeout=900)
    return proc.returncode, out, err


def _run_folder(folder):
    (run,) = glob.glob(os.path.join(folder, "saved_models", "DRC_training_*"))
    return run


@pytest.fixture(scope="module")
def prepared(tmp_path_factory):
    root = tmp_path_factory.mktemp("drc_resume")
    make_fashion_mnist_folder(root / "fmnist", n_train=160, n_test=64)
    subprocess.run([sys.executable, os.path.join(HERE, "drc_resume_runner.py"), str(root)], check=True,
                   capture_output=True)
    rc, out, err = _run(root, root / "whole")
    assert rc == 0, err[-3000:]
    return root


def _tables(folder):
    run = _run_folder(folder)
    return (pd.read_csv(os.path.join(run, "histories.csv")), pd.read_csv(os.path.join(run, "student_history.csv")),
            pd.read_csv(os.path.join(run, "decoder_history.csv")))


ROW_CURVES = ("student_train_error", "student_test_error", "decoder_train_error", "decoder_test_error")
ROW_VALUES = ("student_min_test_error", "student_min_train_error", "decoder_max_test_error",
              "decoder_max_train_error", "pre_training_decoder_accur", "test_accuracy_mean")


def _assert_same_run(folder, reference):
    for got, want in zip(_tables(folder), _tables(reference)):
        pd.testing.assert_frame_equal(got, want, rtol=1e-5)
    histories = _tables(folder)[0]
    assert list(histories["epoch"]) == [1, 2, 3, 1, 2] and list(histories["stage"]) == ["student"] * 3 + ["decoder"] * 2
    row, want = pd.read_pickle(folder / f"{SUMMARY}.pkl").iloc[-1], pd.read_pickle(reference / f"{SUMMARY}.pkl").iloc[0]
    for key in ROW_CURVES:
        assert len(row[key]) == len(want[key]) and row[key] == pytest.approx(want[key], rel=1e-5), key
    for key in ROW_VALUES:
        assert row[key] == pytest.approx(want[key], rel=1e-5), key


def test_kills_in_both_stages_resume_to_the_uninterrupted_run(prepared):
    folder = prepared / "parted"
    rc, out, _ = _run(prepared, folder, kill_at="student:1:2")
    assert rc == -signal.SIGKILL
    rc, out, _ = _run(prepared, folder, kill_at="decoder:1:1")
    assert rc == -signal.SIGKILL and "resuming after epoch 1" in out
    rc, out, err = _run(prepared, folder)
    assert rc == 0, err[-3000:]
    assert "distilled student found" in out and "resuming after epoch 1" in out
    _assert_same_run(folder, prepared / "whole")
    assert os.listdir(folder / "saved_models") == [os.path.basename(_run_folder(folder))]  # .in_progress removed


def test_corrupt_summary_is_refused_before_training(prepared):
    folder = prepared / "corrupt"
    folder.mkdir()
    (folder / f"{SUMMARY}.pkl").write_bytes(b"\x80\x04truncated")
    rc, out, err = _run(prepared, folder)
    assert rc == 2 and "Traceback" not in err
    line = err.strip().splitlines()[-1]
    assert f"{folder / SUMMARY}.pkl cannot be read" in line and "move it aside" in line
    assert "run folder" not in out and not os.path.exists(folder / "saved_models")


def test_two_runs_finishing_into_one_folder_keep_both_rows(prepared):
    shared = prepared / "shared"
    procs = [_start(prepared, shared, extra=["--run_index", str(i)]) for i in (1, 2)]  # at the same time
    for proc in procs:
        _, err = proc.communicate(timeout=900)
        assert proc.returncode == 0, err[-3000:]
    summary = pd.read_pickle(shared / f"{SUMMARY}.pkl")
    assert sorted(summary["run_index"]) == [1, 2] and summary["this_run_name"].nunique() == 2
    assert len(pd.read_csv(shared / f"{SUMMARY}.csv")) == 2
    assert sorted(os.listdir(shared)) == ["saved_models", f"{SUMMARY}.csv", f"{SUMMARY}.pkl"]  # no lock, no partial
    assert len(os.listdir(shared / "saved_models")) == 2


@needs_root
def test_full_disk_run_leaves_no_litter_and_the_next_run_trains(prepared, tmp_path):
    disk = tmp_path / "disk"
    with small_disk(disk, "1m") as resize:
        rc, out, err = _run(prepared, disk)
        assert rc == 2 and "Traceback" not in err
        line = err.strip().splitlines()[-1]
        assert "not enough disk space to write" in line and "student_backup" in line and "MiB free" in line
        assert os.listdir(disk / "saved_models") == []  # neither the run folder nor its .in_progress entry
        resize("64m")
        rc, out, err = _run(prepared, disk)
        assert rc == 0, err[-3000:]
        _assert_same_run(disk, prepared / "whole")
