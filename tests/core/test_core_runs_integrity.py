"""drc.core.runs: continued logs, histories read back, checked and locked summaries, disk-full
errors and the cleanup of failed runs."""
import errno
import os
import subprocess
import sys
import textwrap

import pandas as pd
import pytest

from drc.core import runs
from drc.core.errors import UsageError
from tests.helpers import needs_root, small_disk


def _log(path, rows):
    pd.DataFrame(rows, columns=["epoch", "loss"]).to_csv(path, index=False)


def test_continued_log_keeps_one_row_per_epoch_before_the_resume(tmp_path):
    path = str(tmp_path / "log.csv")
    _log(path, [(0, 1.0), (1, 0.9), (2, 0.8), (2, 0.85)])  # epoch 2 logged, then killed before its backup
    kept = runs.continue_csv_log(path, 2)
    assert list(kept["epoch"]) == [0, 1]
    assert list(pd.read_csv(path)["epoch"]) == [0, 1]
    assert runs.continue_csv_log(str(tmp_path / "none.csv"), 0) is None


def test_history_from_log_is_deduplicated_and_ordered(tmp_path):
    path = str(tmp_path / "log.csv")
    _log(path, [(1, 0.9), (0, 1.0), (1, 0.7)])
    assert runs.history_from_log(path) == {"loss": [1.0, 0.7]}
    assert runs.history_from_log(str(tmp_path / "absent.csv")) == {}


def test_corrupt_summary_is_refused_in_one_line(tmp_path):
    bad = tmp_path / "summary_dataframe_x.pkl"
    bad.write_bytes(b"\x80\x04not a pickle at all")
    with pytest.raises(UsageError) as err:
        runs.check_appendable(str(bad), str(tmp_path / "summary_dataframe_x.csv"))
    assert "\n" not in str(err.value) and str(bad) in str(err.value) and "move it aside" in str(err.value)
    good = tmp_path / "ok.pkl"
    pd.DataFrame([{"a": 1}]).to_pickle(good)
    runs.check_appendable(str(good), str(tmp_path / "absent.pkl"))


def test_concurrent_appends_keep_every_row(tmp_path):
    pkl, csv = str(tmp_path / "summary.pkl"), str(tmp_path / "summary.csv")
    code = textwrap.dedent(f"""
        import sys
        from drc.core.runs import append_rows_locked
        for i in range(15):
            append_rows_locked({pkl!r}, [{{"writer": sys.argv[1], "i": i}}], {csv!r})
    """)
    procs = [subprocess.Popen([sys.executable, "-c", code, name]) for name in ("a", "b")]
    assert [p.wait(timeout=120) for p in procs] == [0, 0]
    table = pd.read_pickle(pkl)
    assert len(table) == 30
    assert sorted(table.groupby("writer")["i"].apply(sorted).tolist()) == [list(range(15))] * 2
    assert len(pd.read_csv(csv)) == 30


def test_full_disk_is_one_line_naming_path_and_free_space(tmp_path):
    path = str(tmp_path / "x.bin")
    with pytest.raises(runs.StorageError) as err:
        with runs.storage_guard(path):
            raise OSError(errno.ENOSPC, "No space left on device")
    assert isinstance(err.value, OSError) and isinstance(err.value, UsageError)
    assert path in str(err.value) and "MiB free" in str(err.value) and "\n" not in str(err.value)
    with pytest.raises(PermissionError):
        with runs.storage_guard(path):
            raise PermissionError(errno.EACCES, "denied")
    with pytest.raises(runs.StorageError):
        runs.ensure_space(path, 2 ** 62)
    runs.ensure_space(path, 1)


@needs_root
def test_writes_on_a_really_full_tmpfs(tmp_path):
    mount = tmp_path / "small"
    with small_disk(mount, "256k"):
        with pytest.raises(runs.StorageError) as err:
            with runs.storage_guard(str(mount / "big.bin")), open(mount / "big.bin", "wb") as f:
                f.write(b"\0" * (1 << 20))
                f.flush()
        assert str(mount / "big.bin") in str(err.value)


def test_log_of_a_finished_run_is_never_restarted(tmp_path):
    log, backup = tmp_path / "t.csv", tmp_path / "t.backup"
    _log(log, [(0, 1.0)])
    with pytest.raises(UsageError) as err:
        runs.check_log_continuable(str(log), str(backup))
    assert str(log) in str(err.value)
    backup.mkdir()
    runs.check_log_continuable(str(log), str(backup))  # a run in progress continues its log


def test_cleanup_removes_only_what_never_trained(tmp_path):
    progress = tmp_path / "saved_models" / ".in_progress"
    untrained, trained = progress / "k1", progress / "k2"
    (untrained / "student_backup").mkdir(parents=True)
    (untrained / "run_folder.txt").write_text("run_a")
    (trained / "student_backup" / "epoch-000001").mkdir(parents=True)
    (trained / "student_backup" / "epoch-000001" / "record.json").write_text("{}")
    empty_run, full_run = tmp_path / "saved_models" / "run_a", tmp_path / "saved_models" / "run_b"
    (empty_run / "sub").mkdir(parents=True)
    full_run.mkdir()
    (full_run / "student_history.csv").write_text("epoch\n0\n")
    assert runs.cleanup_failed_run(str(empty_run), str(untrained)) == [str(untrained), str(empty_run)]
    assert runs.cleanup_failed_run(str(full_run), str(trained)) == []
    assert sorted(os.listdir(tmp_path / "saved_models")) == [".in_progress", "run_b"]
