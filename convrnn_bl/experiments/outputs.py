"""The experiment's output folder: created if needed, an earlier run's outputs never overwritten
silently (no TensorFlow import, so the check runs before any work)."""
from convrnn_bl.errors import ConvRNNError
from drc.core import runs as outputs

OUTPUTS = ("results.csv", "table.md", "per_step.png", "speed_accuracy.png", "run_info.json")


class OutputExistsError(ConvRNNError):
    """The output folder holds an earlier run's results."""


def check_out_dir(out, overwrite=False):
    """Creates ``out``; refuses a folder that holds an earlier run's outputs unless ``overwrite``."""
    return outputs.check_out_dir(out, OUTPUTS, overwrite, OutputExistsError)
