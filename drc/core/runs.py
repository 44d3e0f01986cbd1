"""Output folders, machine descriptions and atomic writes (no TensorFlow import at module load,
so scripts check their outputs before any work).

- :func:`check_out_dir`: an experiment's output folder, created if needed; an earlier run's
  outputs are never replaced silently.
- :func:`machine_info`: the machine a run used, recorded beside its results.
- :func:`write_json_atomic`, :func:`write_csv_atomic`: a reader never sees half a file; the
  file appears under its name only once complete (temporary name, fsync, rename).
"""
import json
import os
import platform

from drc.core.errors import UsageError


def check_out_dir(out, outputs, overwrite=False, error=UsageError):
    """Creates ``out`` and returns it; raises ``error`` when ``out`` is a file, or holds any of
    ``outputs`` (names of an earlier run's files or folders) and ``overwrite`` is false."""
    if os.path.exists(out) and not os.path.isdir(out):
        raise error(f"--out {out} is a file, not a folder")
    found = [name for name in outputs if os.path.exists(os.path.join(out, name))]
    if found and not overwrite:
        raise error(f"{out} already holds a run ({', '.join(found)}); pass --overwrite or choose another --out")
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
