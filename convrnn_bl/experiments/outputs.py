"""The experiment's output folder: created if needed, an earlier run's outputs never overwritten
silently (no TensorFlow import, so the check runs before any work)."""
import os

from convrnn_bl.errors import ConvRNNError

OUTPUTS = ("results.csv", "table.md", "per_step.png", "speed_accuracy.png", "run_info.json")


class OutputExistsError(ConvRNNError):
    """The output folder holds an earlier run's results."""


def check_out_dir(out, overwrite=False):
    """Creates ``out``; refuses a folder that holds an earlier run's outputs unless ``overwrite``."""
    if os.path.exists(out) and not os.path.isdir(out):
        raise OutputExistsError(f"--out {out} is a file, not a folder")
    found = [name for name in OUTPUTS if os.path.exists(os.path.join(out, name))]
    if found and not overwrite:
        raise OutputExistsError(f"{out} already holds a run ({', '.join(found)}); pass --overwrite "
                                f"or choose another --out")
    os.makedirs(out, exist_ok=True)
    return out
