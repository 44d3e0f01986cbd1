"""The errors of the RS-RNN family: one-line messages naming the bad value and what is allowed."""
from drc.core.errors import UsageError


class RSRNNError(UsageError):
    """A bad argument to an RS-RNN function, layer, model or script (a ValueError)."""


def check_fixations_in_range(fixations):
    """Raises RSRNNError when concrete ``fixations`` leave [-1, 1]; symbolic tensors pass (a
    model clips the fixations it makes itself)."""
    import numpy as np

    try:
        values = np.asarray(fixations)
    except (TypeError, ValueError, NotImplementedError):
        return
    if values.dtype == object or values.size == 0:
        return
    if not np.all(np.isfinite(values)) or np.abs(values).max() > 1.0:
        worst = values.flat[int(np.nanargmax(np.where(np.isfinite(values), np.abs(values), np.inf)))]
        raise RSRNNError(f"fixation {float(worst)!r} is outside [-1, 1]: fixations are (x, y) in the image's "
                         "normalised coordinates, -1 and 1 the centres of the first and last pixels")
