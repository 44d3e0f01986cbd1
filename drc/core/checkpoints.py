"""Training state that survives a kill, a full disk or a corrupt file (no TensorFlow at import).

A backup is one folder ``<backup_dir>/epoch-NNNNNN`` holding the weights (model and optimizer),
the random generators' states, the best weights of early stopping, and ``record.json``: the
epoch, the states of the tracked callbacks (best values, patience counters) and the size and
SHA-256 of every file. It is written under a temporary name, fsynced and renamed in one step,
so a backup folder either holds a complete record or does not exist. Before resuming, the newest
backup is verified; one that fails (truncated, unreadable, no record) is reported in one line
and set aside in ``<backup_dir>.bad/``, and the previous good one, or a fresh start, is used.

- :func:`write_backup`, :func:`find_backup`, :func:`verify_backup`: the file side.
- ``BackupAndRestore``, ``BestCheckpoint``, ``EpochCSVLogger``: Keras callbacks (defined on
  first use, when Keras is imported).
- :func:`kill_switch`: tests' ``DRC_KILL_AT=stage:epoch:batch`` (or ``stage:epoch:backup``)
  kills the process with SIGKILL at that point; nothing happens without the variable.
"""
import hashlib
import json
import os
import shutil
import signal
import time

from drc.core.runs import ensure_space, fsync_dir, storage_guard

RECORD = "record.json"
WEIGHTS = "state.weights.h5"
RNG = "rng.npz"
BEST_WEIGHTS = "best_weights.npz"
PREFIX = "epoch-"
PARTIAL = ".partial-"
KILL_ENV = "DRC_KILL_AT"
TRACKED_ATTRIBUTES = ("best", "best_epoch", "wait", "cooldown_counter", "stopped_epoch")
_CALLBACKS = ("BackupAndRestore", "BestCheckpoint", "EpochCSVLogger", "KillSwitch")


def _sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _fsync_file(path):
    with open(path, "rb+") as f:
        os.fsync(f.fileno())


_ARMED = {}  # the stage of the running KillSwitch, for kills inside a backup of any callback


def _maybe_kill(stage, epoch, point):
    """SIGKILL this process when ``DRC_KILL_AT`` names (stage, epoch, point); tests only."""
    spec = os.environ.get(KILL_ENV)
    if spec and spec == f"{stage or _ARMED.get('stage')}:{epoch}:{point}":
        os.kill(os.getpid(), signal.SIGKILL)


def backup_name(epoch):
    return f"{PREFIX}{int(epoch):06d}"


def write_backup(backup_dir, epoch, writers, state, needed=0, stage="", keep=1):
    """Writes the backup of ``epoch`` (epochs completed) atomically; returns its folder.

    ``writers`` maps file names to functions writing that file at a given path; ``state`` is
    the JSON-able record of the callbacks. ``needed`` bytes are checked to be free first (a
    full disk is a one-line :class:`drc.core.runs.StorageError`, the previous backup intact).
    The ``keep`` newest backups stay; older ones are removed once the new one is in place."""
    os.makedirs(backup_dir, exist_ok=True)
    ensure_space(backup_dir, needed)
    final = os.path.join(backup_dir, backup_name(epoch))
    tmp = os.path.join(backup_dir, f"{PARTIAL}{backup_name(epoch)}-{os.getpid()}")
    try:
        with storage_guard(tmp):
            shutil.rmtree(tmp, ignore_errors=True)
            os.makedirs(tmp)
            files = {}
            for name, write in writers.items():
                path = os.path.join(tmp, name)
                write(path)
                _fsync_file(path)
                files[name] = {"size": os.path.getsize(path), "sha256": _sha256(path)}
                _maybe_kill(stage, epoch - 1, "backup")
            record = {"epoch": int(epoch), "files": files, "state": state, "time": time.time()}
            with open(os.path.join(tmp, RECORD), "w", encoding="utf8") as f:
                json.dump(record, f)
                f.flush()
                os.fsync(f.fileno())
            fsync_dir(tmp)
            if os.path.exists(final):
                shutil.rmtree(final)
            os.rename(tmp, final)
            fsync_dir(backup_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    for old in _backups(backup_dir)[keep:]:
        shutil.rmtree(os.path.join(backup_dir, old), ignore_errors=True)
    return final


def _backups(backup_dir):
    """Backup folder names, newest epoch first."""
    if not os.path.isdir(backup_dir):
        return []
    names = [n for n in os.listdir(backup_dir) if n.startswith(PREFIX) and n[len(PREFIX):].isdigit()]
    return sorted(names, reverse=True)


def verify_backup(folder):
    """(record, None) for a complete backup folder, else (None, the reason in a few words)."""
    path = os.path.join(folder, RECORD)
    try:
        with open(path, encoding="utf8") as f:
            record = json.load(f)
        epoch, files = int(record["epoch"]), dict(record["files"])
    except FileNotFoundError:
        return None, f"no {RECORD}"
    except (OSError, ValueError, KeyError, TypeError) as err:
        return None, f"unreadable {RECORD} ({type(err).__name__})"
    if epoch < 0 or WEIGHTS not in files:
        return None, f"{RECORD} names no weights"
    for name, meta in files.items():
        file = os.path.join(folder, name)
        if not os.path.isfile(file):
            return None, f"{name} is missing"
        size = os.path.getsize(file)
        if size != meta.get("size"):
            return None, f"{name} is truncated ({size} of {meta.get('size')} bytes)"
        if _sha256(file) != meta.get("sha256"):
            return None, f"{name} does not match its checksum"
    return record, None


def _legacy_files(backup_dir):
    """Keras' own BackupAndRestore files (no checksum, epoch record written apart)."""
    return [n for n in ("latest.weights.h5", "training_metadata.json") if os.path.exists(os.path.join(backup_dir, n))]


def set_aside(path, reason, report=print):
    """Moves a bad backup (folder or file) into ``<backup_dir>.bad/`` and reports it in one line."""
    backup_dir = os.path.dirname(path.rstrip(os.sep))
    bad_dir = backup_dir.rstrip(os.sep) + ".bad"
    os.makedirs(bad_dir, exist_ok=True)
    dest = os.path.join(bad_dir, f"{os.path.basename(path)}.{time.strftime('%Y%m%d-%H%M%S')}.{os.getpid()}")
    os.replace(path, dest)
    report(f"backup {path} is unusable ({reason}); set aside as {dest}")
    return dest


def find_backup(backup_dir, report=print):
    """The newest backup of ``backup_dir`` that verifies, as (folder, record), or (None, None).

    Unfinished backups (a kill while writing) are removed; bad ones are set aside, each with a
    one-line report, and the next older one is tried."""
    if not os.path.isdir(backup_dir):
        return None, None
    for name in os.listdir(backup_dir):
        if name.startswith(PARTIAL):
            shutil.rmtree(os.path.join(backup_dir, name), ignore_errors=True)
            report(f"removed an unfinished backup {os.path.join(backup_dir, name)} (never completed)")
    for name in _legacy_files(backup_dir):
        set_aside(os.path.join(backup_dir, name), "Keras backup file without a verified epoch record", report)
    for name in _backups(backup_dir):
        folder = os.path.join(backup_dir, name)
        record, reason = verify_backup(folder)
        if record is not None:
            return folder, record
        set_aside(folder, reason, report)
    return None, None


def has_backup(backup_dir):
    """Whether ``backup_dir`` holds a completed backup folder (verified only when resuming)."""
    return bool(_backups(backup_dir))


def discard_untrained(backup_dir, logs=()):
    """After a failed ``fit`` that never completed a backup: removes ``backup_dir`` and the
    ``logs`` (their rows would be redone from epoch 0), so no litter is left and the next run
    is not refused for a log without a run. Returns whether anything was discarded."""
    if has_backup(backup_dir):
        return False
    shutil.rmtree(backup_dir, ignore_errors=True)
    for log in logs:
        if os.path.isfile(log):
            os.remove(log)
    return True


def callback_state(callback):
    """The resumable state of a callback: its ``get_state()``, or the numbers among
    ``TRACKED_ATTRIBUTES`` (early stopping's and the learning-rate schedule's counters)."""
    if hasattr(callback, "get_state"):
        return callback.get_state()
    state = {}
    for name in TRACKED_ATTRIBUTES:
        value = getattr(callback, name, None)
        if value is None or isinstance(value, (int, float)):
            state[name] = None if value is None else float(value) if isinstance(value, float) else int(value)
        elif hasattr(value, "item"):
            state[name] = value.item()
    return state


def restore_callback_state(callback, state):
    if hasattr(callback, "set_state"):
        callback.set_state(state)
        return
    for name, value in state.items():
        if hasattr(callback, name):
            setattr(callback, name, value)


def _variable_bytes(variables):
    import numpy as np

    return sum(int(np.prod(v.shape)) * np.dtype(getattr(v.dtype, "name", v.dtype)).itemsize for v in variables)


def kill_switch(stage):
    """[KillSwitch(stage)] when ``DRC_KILL_AT`` is set (tests), else []."""
    return [__getattr__("KillSwitch")(stage)] if os.environ.get(KILL_ENV) else []


def _define_callbacks():
    import keras
    import numpy as np

    class KillSwitch(keras.callbacks.Callback):
        """Kills the process (SIGKILL) after batch b of epoch k when ``DRC_KILL_AT`` is
        ``stage:k:b``; a test's way to interrupt a real run at a chosen point."""

        def __init__(self, stage):
            super().__init__()
            self.stage, self.epoch = stage, None

        def on_train_begin(self, logs=None):
            _ARMED["stage"] = self.stage

        def on_epoch_begin(self, epoch, logs=None):
            self.epoch = epoch

        def on_train_batch_end(self, batch, logs=None):
            _maybe_kill(self.stage, self.epoch, batch)

    class BestCheckpoint(keras.callbacks.Callback):
        """Saves the model whenever ``monitor`` improves on the best value of the whole run.

        The best value is part of the backup (track this callback with ``BackupAndRestore``
        and list it before that one), so a resumed run replaces the file only with a better model. Files
        are written under a temporary name and renamed.

        Args:
            filepath: the file to write.
            monitor: the log key to watch.
            mode: ``min``, ``max`` or ``auto`` (``max`` for accuracy-like keys).
            save: ``save(model, path)``; default ``model.save`` (``.keras``) or
                ``model.save_weights`` (``.weights.h5``).
            verbose: print a line per save.
        """

        def __init__(self, filepath, monitor="val_loss", mode="auto", save=None, verbose=0):
            super().__init__()
            if mode not in ("auto", "min", "max"):
                raise ValueError(f"mode must be auto, min or max, got {mode!r}")
            if mode == "auto":
                mode = "max" if ("acc" in monitor or monitor.startswith("fmeasure")) else "min"
            self.filepath, self.monitor, self.mode, self.verbose = filepath, monitor, mode, verbose
            self.save = save
            self.best, self.best_epoch, self.last_epoch = None, None, None

        def get_state(self):
            return {"best": self.best, "best_epoch": self.best_epoch}

        def set_state(self, state):
            self.best, self.best_epoch = state.get("best"), state.get("best_epoch")

        def improved(self, value):
            if self.best is None:
                return True
            return value < self.best if self.mode == "min" else value > self.best

        def on_epoch_end(self, epoch, logs=None):
            self.last_epoch = epoch
            value = (logs or {}).get(self.monitor)
            if value is None or not self.improved(float(value)):
                return
            if self.verbose:
                print(f"\nEpoch {epoch + 1}: {self.monitor} improved to {float(value):.5f}, saving {self.filepath}")
            save_atomic(self.model, self.filepath, self.save)
            self.best, self.best_epoch = float(value), int(epoch)

    class EpochCSVLogger(keras.callbacks.Callback):
        """A per-epoch CSV log continued across restarts: at the first epoch of a ``fit`` call,
        rows of that epoch and later ones (from a run killed after logging them but before its
        backup) are dropped, so the log has one row per epoch, numbered as in an uninterrupted
        run. Columns: ``epoch`` then the sorted log keys (Keras' CSVLogger's layout); each row
        is flushed and fsynced. ``append=False`` starts the log anew at the start of ``fit``."""

        def __init__(self, filename, append=True):
            super().__init__()
            self.filename, self.append, self.keys, self._started = filename, append, None, False

        def on_train_begin(self, logs=None):
            self._started, self.keys = False, None
            if not self.append and os.path.exists(self.filename):
                os.remove(self.filename)

        def on_epoch_begin(self, epoch, logs=None):
            if not self._started:
                from drc.core.runs import continue_csv_log

                frame = continue_csv_log(self.filename, epoch)
                self.keys = None if frame is None else [c for c in frame.columns if c != "epoch"]
                self._started = True

        def on_epoch_end(self, epoch, logs=None):
            import csv

            logs = logs or {}
            if self.keys is None:
                self.keys = sorted(logs)
            values = [logs.get(k, "NA") for k in self.keys]
            row = [epoch] + [repr(float(v)) if isinstance(v, (float, np.floating, int)) or hasattr(v, "item")
                             else v for v in values]
            new = not os.path.exists(self.filename) or os.path.getsize(self.filename) == 0
            with storage_guard(self.filename), open(self.filename, "a", newline="", encoding="utf8") as f:
                writer = csv.writer(f)
                if new:
                    writer.writerow(["epoch"] + self.keys)
                writer.writerow(row)
                f.flush()
                os.fsync(f.fileno())

    class BackupAndRestore(keras.callbacks.Callback):
        """Keras' BackupAndRestore made safe against kills, full disks and corrupt files.

        At the end of every epoch the model's and optimizer's weights, the random generators'
        states, and the states of the ``tracked`` callbacks (best values, patience counters,
        early stopping's best weights) are written as one atomic, checksummed backup. At the
        start of ``fit`` the newest backup that verifies is restored (bad ones are set aside
        with a one-line report) and training continues at the next epoch.

        Args:
            backup_dir: the backup folder (this run's only; created at once, so its presence
                marks a run in progress).
            tracked: callbacks whose state belongs to the backup; list them BEFORE this one in
                ``fit``'s callbacks, so that the state saved is that of the finished epoch.
            stage: a name for the one-line reports (and tests' kill switch).
            delete_checkpoint: remove ``backup_dir`` when ``fit`` ends normally.
            report: where the one-line reports go.
        """

        def __init__(self, backup_dir, tracked=(), stage="", delete_checkpoint=True, report=print):
            super().__init__()
            if not backup_dir:
                raise ValueError("BackupAndRestore needs a backup_dir")
            self.backup_dir, self.tracked, self.stage = backup_dir, list(tracked), stage
            self.delete_checkpoint, self.report = delete_checkpoint, report
            self.restored_epoch, self._pending = 0, None

        def _seed_generators(self):
            from keras.src.backend.common import global_state

            generators = []
            for layer in self.model._flatten_layers(include_self=True, recursive=True):
                generators.extend(getattr(layer, "_seed_generators", []))
            global_gen = global_state.get_global_attribute("global_seed_generator")
            return generators + ([global_gen] if global_gen is not None else [])

        def on_train_begin(self, logs=None):
            if not self.model.built:
                raise ValueError("BackupAndRestore needs a built model: call it on a batch before fit()")
            os.makedirs(self.backup_dir, exist_ok=True)
            folder, record = find_backup(self.backup_dir, self.report)
            if folder is None:
                return
            if self.model.optimizer is not None and not self.model.optimizer.built:
                self.model.optimizer.build(self.model.trainable_variables)  # its state is in the backup
            try:
                self.model.load_weights(os.path.join(folder, WEIGHTS))
            except Exception as err:  # noqa: BLE001 - a checksummed file Keras cannot load is bad too
                set_aside(folder, f"weights do not fit the model ({type(err).__name__})", self.report)
                self.report(f"{self.stage or 'training'}: starting over")
                return
            files = record["files"]
            if RNG in files:
                with np.load(os.path.join(folder, RNG)) as rng:
                    for i, gen in enumerate(self._seed_generators()):
                        if f"s{i}" in rng:
                            gen.state.assign(rng[f"s{i}"])
            best = {}
            if BEST_WEIGHTS in files:
                with np.load(os.path.join(folder, BEST_WEIGHTS)) as arrays:
                    for key in sorted(arrays.files, key=lambda k: tuple(map(int, k[1:].split("_")))):
                        best.setdefault(int(key[1:].split("_")[0]), []).append(arrays[key])
            self._pending = (record["state"], best)
            self._restore_tracked()
            epoch = int(record["epoch"])
            stopped = record["state"].get("stop_training")
            self.model._initial_epoch = self.params.get("epochs", epoch) if stopped else epoch
            self.restored_epoch = epoch
            self.report(f"{self.stage or 'training'}: resuming after epoch {epoch} from {folder}")

        def _restore_tracked(self):
            states, best = self._pending
            for i, (callback, state) in enumerate(zip(self.tracked, states.get("callbacks", []))):
                restore_callback_state(callback, state)
                if best.get(i) and hasattr(callback, "best_weights"):
                    callback.best_weights = best[i]

        def on_epoch_begin(self, epoch, logs=None):
            # Again after every callback's on_train_begin (one listed after this one resets its state there).
            if self._pending is not None:
                self._restore_tracked()
                self._pending = None

        def on_train_end(self, logs=None):
            if self.delete_checkpoint and os.path.isdir(self.backup_dir):
                shutil.rmtree(self.backup_dir, ignore_errors=True)

        def on_epoch_end(self, epoch, logs=None):
            for callback in self.tracked:
                if getattr(callback, "last_epoch", epoch) != epoch:
                    raise ValueError(f"{type(callback).__name__} must come before BackupAndRestore in callbacks")
            best = {}
            for i, callback in enumerate(self.tracked):
                for j, w in enumerate(getattr(callback, "best_weights", None) or []):
                    best[f"c{i}_{j}"] = np.asarray(w)
            generators = self._seed_generators()
            state = {"callbacks": [callback_state(c) for c in self.tracked],
                     "stop_training": bool(self.model.stop_training)}
            writers = {WEIGHTS: lambda p: self.model.save_weights(p),
                       RNG: lambda p: _save_npz(p, {f"s{i}": np.asarray(g.state.numpy())
                                                    for i, g in enumerate(generators)})}
            if best:
                writers[BEST_WEIGHTS] = lambda p: _save_npz(p, best)
            variables = list(self.model.weights) + list(getattr(self.model.optimizer, "variables", []))
            needed = int(1.2 * _variable_bytes(variables) + sum(a.nbytes for a in best.values())) + (1 << 20)
            write_backup(self.backup_dir, epoch + 1, writers, state, needed=needed, stage=self.stage)

    return {"KillSwitch": KillSwitch, "BestCheckpoint": BestCheckpoint, "EpochCSVLogger": EpochCSVLogger,
            "BackupAndRestore": BackupAndRestore}


def _save_npz(path, arrays):
    import numpy as np

    with open(path, "wb") as f:
        np.savez(f, **arrays)


def save_atomic(model, filepath, save=None):
    """Saves ``model`` to ``filepath`` through a temporary name in the same folder (the suffix
    kept, as Keras requires) and a rename: an interrupted save leaves the old file intact."""
    folder, base = os.path.split(os.path.abspath(filepath))
    os.makedirs(folder, exist_ok=True)
    tmp = os.path.join(folder, f"{PARTIAL}{os.getpid()}-{base}")
    if save is None:
        save = (lambda m, p: m.save_weights(p)) if base.endswith(".weights.h5") else (lambda m, p: m.save(p))
    try:
        with storage_guard(filepath):
            save(model, tmp)
            _fsync_file(tmp)
            os.replace(tmp, filepath)
            fsync_dir(folder)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise
    return filepath


def __getattr__(name):
    if name in _CALLBACKS:
        globals().update(_define_callbacks())
        return globals()[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
