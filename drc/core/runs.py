"""Output folders, machine descriptions and atomic writes (no TensorFlow import at module load,
so scripts check their outputs before any work).

- :func:`check_out_dir`: an experiment's output folder, created if needed; an earlier run's
  outputs are never replaced silently.
- :func:`machine_info`: the machine a run used, recorded beside its results.
- :func:`write_json_atomic`, :func:`write_csv_atomic`, :func:`write_npz_atomic`: a reader never sees half a file; the
  file appears under its name only once complete (temporary name, fsync, rename).
- :func:`storage_guard`, :func:`ensure_space`: a full disk ends the run with one line naming the
  path and the free space (:class:`StorageError`), before a partial file is written.
- :func:`continue_csv_log`, :func:`read_epoch_log`, :func:`history_from_log`: per-epoch CSV
  logs continued across restarts, one row per epoch; histories are read back from them.
- :func:`check_appendable`, :func:`append_rows_locked`: a shared table a run appends to at its
  end is checked at its start and extended under an exclusive lock (``fcntl.flock``).
- :func:`check_log_continuable`, :func:`cleanup_failed_run`: logs never restarted from scratch
  beside an earlier run's; a run that fails before training leaves nothing behind.
"""
import contextlib
import errno
import json
import os
import platform
import shutil

from drc.core.errors import OutputExistsError, UsageError


def check_out_dir(out, outputs, overwrite=False, error=OutputExistsError, create=True):
    """Creates ``out`` (unless ``create`` is false: a check at the door, before the inputs are
    read) and returns it; raises ``error`` when ``out`` is a file, or holds any of ``outputs``
    (names of an earlier run's files or folders) and ``overwrite`` is false."""
    if os.path.exists(out) and not os.path.isdir(out):
        raise UsageError(f"--out {out} is a file, not a folder")
    found = [name for name in outputs if os.path.exists(os.path.join(out, name))]
    if found and not overwrite:
        raise error(f"{out} already holds a run ({', '.join(found)}); pass --overwrite or choose another --out")
    if create:
        os.makedirs(out, exist_ok=True)
    return out


def machine_info():
    """Platform, CPU, Python, TensorFlow/Keras versions, GPUs and load average of this machine."""
    import keras
    import tensorflow as tf

    cpu = platform.processor() or ""
    try:
        with open("/proc/cpuinfo", encoding="utf8") as f:
            cpu = next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), cpu)
    except OSError:
        pass
    info = {"platform": platform.platform(), "python": platform.python_version(), "cpu": cpu,
            "cpu_count": os.cpu_count(), "tensorflow": tf.__version__, "keras": keras.__version__,
            "gpus": [d.name for d in tf.config.list_physical_devices("GPU")]}
    if hasattr(os, "getloadavg"):
        info["load_average"] = [round(x, 2) for x in os.getloadavg()]
    return info


def _write_atomic(path, write):
    partial = f"{path}.partial"
    with open(partial, "w", encoding="utf8", newline="") as f:
        write(f)
        f.flush()
        os.fsync(f.fileno())
    os.replace(partial, path)
    return path


def write_json_atomic(path, obj, indent=2):
    """Writes ``obj`` as JSON to ``path`` atomically; returns ``path``."""
    return _write_atomic(path, lambda f: json.dump(obj, f, indent=indent, default=str))


def write_csv_atomic(path, frame, **to_csv_kwargs):
    """Writes a pandas DataFrame as CSV to ``path`` atomically; returns ``path``."""
    return _write_atomic(path, lambda f: frame.to_csv(f, **{"index": False, **to_csv_kwargs}))


def write_npz_atomic(path, **arrays):
    """Writes ``arrays`` as a compressed .npz to ``path`` atomically; returns ``path``."""
    import numpy as np

    partial = f"{path}.partial"
    with open(partial, "wb") as f:
        np.savez_compressed(f, **arrays)
        f.flush()
        os.fsync(f.fileno())
    os.replace(partial, path)
    return path


class StorageError(UsageError, OSError):
    """The disk (or quota) is full: the run ends with one line naming the path and the free space."""


_FULL = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}


def free_space(path):
    """Free bytes on the file system of ``path`` (or of its nearest existing parent)."""
    path = os.path.abspath(path)
    while not os.path.exists(path) and os.path.dirname(path) != path:
        path = os.path.dirname(path)
    return shutil.disk_usage(path).free


def _mib(n):
    return f"{n / 2 ** 20:.1f} MiB"


def ensure_space(path, needed):
    """Raises :class:`StorageError` when fewer than ``needed`` bytes are free where ``path`` goes."""
    free = free_space(path)
    if needed and free < needed:
        raise StorageError(f"not enough disk space to write {path}: {_mib(free)} free, about {_mib(needed)} "
                           "needed; free some space and run the same command again to resume")


@contextlib.contextmanager
def storage_guard(path):
    """Turns a full disk while writing ``path`` into a one-line :class:`StorageError` (other
    errors pass unchanged). HDF5 reports a full disk without an errno, so a write error with
    less than 1 MiB left counts as one."""
    try:
        yield
    except StorageError:
        raise
    except (OSError, RuntimeError) as err:
        free = free_space(path)
        if getattr(err, "errno", None) in _FULL or free < 2 ** 20:
            raise StorageError(f"disk full while writing {path}: {_mib(free)} free; free some space and run "
                               "the same command again to resume") from err
        raise


def fsync_dir(folder):
    """Makes a rename in ``folder`` durable (a no-op where directories cannot be opened)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def read_epoch_log(path):
    """A per-epoch CSV log (column ``epoch``) with one row per epoch (the last written wins),
    sorted by epoch; None when the file is absent or empty."""
    import pandas as pd

    if not os.path.isfile(path) or os.path.getsize(path) == 0:
        return None
    try:
        frame = pd.read_csv(path)
    except (ValueError, pd.errors.ParserError) as err:
        raise UsageError(f"{path} is not a readable CSV log ({err}); move it aside") from err
    if "epoch" not in frame.columns:
        raise UsageError(f"{path} has no epoch column; it is not a training log (move it aside)")
    frame = frame.drop_duplicates("epoch", keep="last").sort_values("epoch", kind="stable")
    return frame.reset_index(drop=True)


def continue_csv_log(path, first_epoch):
    """Keeps the rows of epochs before ``first_epoch`` (the epoch a resumed ``fit`` starts at),
    one per epoch, rewriting the log atomically; returns them (None when there is no log)."""
    frame = read_epoch_log(path)
    if frame is None:
        return None
    kept = frame[frame["epoch"] < first_epoch]
    if len(kept) != sum(1 for _ in open(path, encoding="utf8")) - 1:
        write_csv_atomic(path, kept)
    return kept


def history_from_log(path):
    """A Keras-History-like dict (metric -> list over every epoch) from a CSV log."""
    frame = read_epoch_log(path)
    if frame is None:
        return {}
    return {k: [float(v) for v in frame[k]] for k in frame.columns if k != "epoch"}


def check_log_continuable(path, backup_dir):
    """Refuses to start a log from scratch beside an earlier run's: a non-empty ``path`` with
    no ``backup_dir`` (no run in progress to continue) is a one-line :class:`UsageError`."""
    if os.path.isfile(path) and os.path.getsize(path) > 0 and not os.path.isdir(backup_dir):
        raise UsageError(f"{path} holds the log of an earlier, finished run; move it (with that run's "
                                "other files) or choose another output path")


def _read_table(path):
    import pandas as pd

    return pd.read_pickle(path) if path.endswith(".pkl") else pd.read_csv(path)


def check_appendable(*paths):
    """Opens every table a run will append to at its end and checks it now, before training:
    an unreadable file or an unwritable folder is a one-line :class:`UsageError`."""
    for path in paths:
        folder = os.path.dirname(os.path.abspath(path))
        if os.path.exists(path):
            try:
                _read_table(path)
            except Exception as err:  # noqa: BLE001 - any failure to read means corrupt
                raise UsageError(f"{path} cannot be read ({type(err).__name__}: {str(err)[:80]}); this run would "
                                 "append its row to it: move it aside or choose another folder") from err
        if os.path.isdir(folder) and not os.access(folder, os.W_OK):
            raise UsageError(f"{folder} is not writable; this run's results go there")


@contextlib.contextmanager
def file_lock(path):
    """An exclusive ``fcntl.flock`` on the folder of ``path`` for the ``with`` block (a lock on
    the folder itself leaves no lock file behind)."""
    import fcntl

    fd = os.open(os.path.dirname(os.path.abspath(path)), os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def append_rows_locked(pickle_path, rows, csv_path=None):
    """Appends ``rows`` (dicts) to the pickled DataFrame ``pickle_path`` (and its CSV copy)
    under an exclusive lock, each file replaced atomically; returns the table's new length."""
    import pandas as pd

    with storage_guard(pickle_path), file_lock(pickle_path):
        old = pd.read_pickle(pickle_path) if os.path.isfile(pickle_path) else pd.DataFrame()
        table = pd.concat([old, pd.DataFrame(list(rows))], ignore_index=True)
        partial = f"{pickle_path}.partial"
        table.to_pickle(partial)
        with open(partial, "rb+") as f:
            os.fsync(f.fileno())
        os.replace(partial, pickle_path)
        if csv_path:
            write_csv_atomic(csv_path, table)
    return len(table)


def _only_markers(folder, markers):
    for _, _, files in os.walk(folder):
        if any(name not in markers for name in files):
            return False
    return True


def cleanup_failed_run(folder=None, work=None, markers=("run_folder.txt",)):
    """After a failed run: removes ``work`` (an ``.in_progress`` entry) when it holds no
    training state (only ``markers`` and empty folders), and ``folder`` when it is empty (or
    holds only empty folders). Returns the paths removed."""
    removed = []
    if work and os.path.isdir(work) and _only_markers(work, markers):
        shutil.rmtree(work, ignore_errors=True)
        removed.append(work)
        with contextlib.suppress(OSError):
            os.rmdir(os.path.dirname(work))
    if folder and os.path.isdir(folder) and _only_markers(folder, ()):
        shutil.rmtree(folder, ignore_errors=True)
        removed.append(folder)
    return removed
