"""An experiment's output folder: created if needed, an earlier run's outputs never replaced
silently (no TensorFlow import, so scripts check before any work)."""
import os

from drc.arguments import UsageError


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
