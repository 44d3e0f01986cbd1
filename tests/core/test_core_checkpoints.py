"""drc.core.checkpoints: atomic, verified backups; best checkpoints and logs that survive a resume."""
import json
import os

import numpy as np
import pytest

from drc.core import checkpoints
from drc.core.runs import StorageError, history_from_log


def _write_text(text):
    def write(path):
        with open(path, "w") as f:
            f.write(text)
    return write


def test_backup_is_complete_or_absent_and_verified(tmp_path):
    backup = str(tmp_path / "backup")
    folder = checkpoints.write_backup(backup, 3, {checkpoints.WEIGHTS: _write_text("w" * 100)}, {"x": 1})
    assert os.path.basename(folder) == "epoch-000003"
    record, reason = checkpoints.verify_backup(folder)
    assert reason is None and record["epoch"] == 3 and record["state"] == {"x": 1}
    assert record["files"][checkpoints.WEIGHTS]["size"] == 100
    assert [n for n in os.listdir(backup)] == ["epoch-000003"]


def test_a_failing_write_leaves_the_previous_backup_intact(tmp_path):
    backup = str(tmp_path / "backup")
    checkpoints.write_backup(backup, 1, {checkpoints.WEIGHTS: _write_text("one")}, {})

    def broken(path):
        with open(path, "w") as f:
            f.write("half")
        raise OSError(5, "Input/output error")

    with pytest.raises(OSError):
        checkpoints.write_backup(backup, 2, {checkpoints.WEIGHTS: broken}, {})
    assert os.listdir(backup) == ["epoch-000001"]
    folder, record = checkpoints.find_backup(backup, report=lambda line: None)
    assert record["epoch"] == 1


def test_bad_backups_are_set_aside_with_one_line_each(tmp_path):
    backup = str(tmp_path / "backup")
    checkpoints.write_backup(backup, 1, {checkpoints.WEIGHTS: _write_text("good" * 10)}, {}, keep=3)
    newest = checkpoints.write_backup(backup, 2, {checkpoints.WEIGHTS: _write_text("good" * 10)}, {}, keep=3)
    with open(os.path.join(newest, checkpoints.WEIGHTS), "r+") as f:
        f.truncate(7)
    os.makedirs(os.path.join(backup, ".partial-epoch-000003-99"))
    lines = []
    folder, record = checkpoints.find_backup(backup, report=lines.append)
    assert record["epoch"] == 1 and folder.endswith("epoch-000001")
    assert len(lines) == 2 and all("\n" not in line for line in lines)
    assert "unfinished" in lines[0]
    assert "truncated (7 of 40 bytes)" in lines[1] and "set aside as" in lines[1]
    assert os.listdir(backup) == ["epoch-000001"]
    assert os.listdir(backup + ".bad")[0].startswith("epoch-000002.")


def test_record_missing_or_keras_legacy_files_are_not_taken(tmp_path):
    backup = tmp_path / "backup"
    (backup / "epoch-000004").mkdir(parents=True)
    (backup / "epoch-000004" / checkpoints.WEIGHTS).write_text("no record")
    (backup / "latest.weights.h5").write_text("truncated keras backup")
    lines = []
    assert checkpoints.find_backup(str(backup), report=lines.append) == (None, None)
    assert any("no record.json" in line for line in lines)
    assert any("latest.weights.h5" in line and "without a verified epoch record" in line for line in lines)


def test_backup_refused_before_writing_when_the_disk_is_too_full(tmp_path):
    backup = str(tmp_path / "backup")
    with pytest.raises(StorageError) as err:
        checkpoints.write_backup(backup, 1, {checkpoints.WEIGHTS: _write_text("x")}, {}, needed=2 ** 62)
    message = str(err.value)
    assert "\n" not in message and backup in message and "MiB free" in message
    assert os.listdir(backup) == []


class _Interrupt(Exception):
    pass


def _fit(tmp_path, epochs, stop_at=None):
    """A small Dense model with dropout fitted with the resumable callbacks; interrupted by an
    exception at the start of epoch ``stop_at``."""
    import keras

    keras.utils.set_random_seed(7)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 6)).astype("float32")
    y = (x @ rng.normal(size=(6, 1))).astype("float32")
    model = keras.Sequential([keras.Input((6,)), keras.layers.Dense(8, activation="relu"),
                              keras.layers.Dropout(0.3), keras.layers.Dense(1)])
    model.compile(keras.optimizers.Adam(0.05), "mse")
    stopper = keras.callbacks.EarlyStopping(monitor="loss", patience=50, restore_best_weights=True)
    best = checkpoints.BestCheckpoint(str(tmp_path / "best.weights.h5"), monitor="loss")
    saved = []
    record = keras.callbacks.LambdaCallback(on_epoch_end=lambda e, logs: saved.append(e))

    class Stop(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            if epoch == stop_at:
                raise _Interrupt()

    callbacks = [stopper, best, checkpoints.EpochCSVLogger(str(tmp_path / "log.csv")),
                 checkpoints.BackupAndRestore(str(tmp_path / "backup"), tracked=[stopper, best],
                                              report=lambda line: None),
                 record, Stop()]
    model.fit(x, y, epochs=epochs, batch_size=16, shuffle=False, verbose=0, callbacks=callbacks)
    return model, best, stopper


def test_resumed_fit_equals_an_uninterrupted_one(tmp_path):
    whole, best_whole, _ = _fit(tmp_path / "a", 5)
    with pytest.raises(_Interrupt):
        _fit(tmp_path / "b", 5, stop_at=3)
    record = json.load(open(tmp_path / "b" / "backup" / "epoch-000003" / "record.json"))
    assert record["state"]["callbacks"][1]["best"] is not None
    resumed, best_resumed, stopper = _fit(tmp_path / "b", 5)
    a, b = history_from_log(str(tmp_path / "a" / "log.csv")), history_from_log(str(tmp_path / "b" / "log.csv"))
    assert len(a["loss"]) == len(b["loss"]) == 5
    np.testing.assert_allclose(b["loss"], a["loss"], rtol=1e-5)
    assert best_resumed.best == pytest.approx(min(a["loss"]), rel=1e-5)
    assert best_resumed.best_epoch == int(np.argmin(a["loss"]))
    for u, v in zip(whole.get_weights(), resumed.get_weights()):
        np.testing.assert_allclose(u, v, rtol=1e-4, atol=1e-6)
    assert not os.path.exists(tmp_path / "b" / "backup")


def test_module_import_loads_no_tensorflow():
    import subprocess
    import sys

    code = ("import sys, drc.core.checkpoints, drc.core.runs; "
            "print('tensorflow' in sys.modules or 'keras' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
