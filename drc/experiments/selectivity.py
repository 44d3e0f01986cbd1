"""Spatio-temporal frequency selectivity of a DRC student's early units.

The paper says early-layer units span a range of spatio-temporal selectivity; the original has
no code for it. Our definitions:

- A unit is one channel of the first ConvRNN layer's output sequence, read at the centre of its
  feature map (``where='centre'``) or averaged over the map (``where='mean'``).
- Its evoked amplitude to a drifting grating (spatial frequency f, temporal frequency w,
  direction d) is the RMS, over the starting phases and the steps t >= ``skip``, of its response
  minus its response to a blank movie of the same mean level. With P >= 3 equally spaced
  starting phases, a linear unit's amplitude is exactly |gain(f, w, d)| / sqrt(2).
- Its frequency response matrix M(f, w) is the amplitude at the best direction; its preferred
  (f, w) is the argmax of M; its separability index is s1^2 / sum_i s_i^2 over the singular
  values of M (1: M is an outer product, space-time separable).
"""
import dataclasses

import numpy as np
import pandas as pd

from drc.core.errors import UsageError
from drc.experiments.gratings import blank_movie, drifting_gratings, sensor_movies

WHERE = ("centre", "mean")
#: Temporal frequencies (cycles/step) from static to the Nyquist limit of one step.
DEFAULT_TEMPORAL = (0.0, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5)


def default_spatial(res, step=0.25):
    """Spatial frequencies (cycles/image) from ``step`` up to the sensor's Nyquist limit res / 2:
    above it the sensor (cubic shrinking without antialiasing) aliases a grating onto a lower one."""
    return np.arange(1, int(round(res / 2 / step)) + 1) * step


@dataclasses.dataclass
class GratingGrid:
    """The stimulus grid: frequencies (cycles/image, cycles/step), directions and phases (radians)."""
    spatial: np.ndarray
    temporal: np.ndarray
    directions: np.ndarray
    phases: np.ndarray
    n_steps: int
    size: int = 28
    mean: float = 127.5
    amplitude: float = 127.5

    @classmethod
    def regular(cls, spatial, temporal, n_directions, n_phases, n_steps, size=28, contrast=1.0):
        """Equally spaced directions over 360 degrees and phases over one cycle."""
        spatial, temporal = np.asarray(spatial, float), np.asarray(temporal, float)
        if spatial.size == 0 or np.any(spatial < 0) or np.any(spatial > size / 2):
            raise UsageError(f"spatial frequencies must be in [0, {size / 2}] cycles/image; got {spatial.tolist()}")
        if temporal.size == 0 or np.any(temporal < 0) or np.any(temporal > 0.5):
            raise UsageError(f"temporal frequencies must be in [0, 0.5] cycles/step; got {temporal.tolist()}")
        if n_directions < 1:
            raise UsageError(f"the number of directions must be at least 1; got {n_directions}")
        if n_phases < 3:
            raise UsageError(f"the number of starting phases must be at least 3; got {n_phases}")
        if not 0 < contrast <= 1:
            raise UsageError(f"the contrast must be in (0, 1]; got {contrast}")
        return cls(spatial, temporal, 2 * np.pi * np.arange(n_directions) / n_directions,
                   2 * np.pi * np.arange(n_phases) / n_phases, int(n_steps), size, 127.5, 127.5 * contrast)

    @property
    def shape(self):
        return len(self.spatial), len(self.temporal), len(self.directions), len(self.phases)

    def movies(self):
        """Raw movies flattened to (S * W * D * P, n_steps, size, size)."""
        raw = drifting_gratings(self.size, self.spatial, self.temporal, self.directions, self.phases,
                                self.n_steps, self.mean, self.amplitude)
        return raw.reshape((-1,) + raw.shape[4:])


def early_layer(student, name=None):
    """The student's first ConvRNN layer (or the layer called ``name``)."""
    import keras

    from students import ConvGRU2D

    if name:
        try:
            return student.get_layer(name)
        except ValueError:
            raise UsageError(f"the student has no layer {name!r}; layers: {[l.name for l in student.layers]}")
    recurrent = [l for l in student.layers if isinstance(l, (ConvGRU2D, keras.layers.ConvLSTM2D))]
    if not recurrent:
        raise UsageError(f"the model {student.name!r} has no ConvGRU2D / ConvLSTM2D layer")
    return recurrent[0]


def early_layer_model(student, name=None):
    """A model from the student's inputs to the early layer's output sequence."""
    import keras

    layer = early_layer(student, name)
    return keras.Model(student.inputs, layer.output, name=f"{student.name}_{layer.name}")


def keras_responder(model):
    """``respond(frames, positions)`` -> NumPy (B, T, H, W, C) for a model of the student's inputs."""
    return lambda frames, where: np.asarray(model([frames, where], training=False))


def evoked_amplitudes(respond, grid, preprocessing, res, broadcast, channels=1, skip=1, where="centre",
                      chunk=320):
    """Evoked amplitudes (S, W, D, units) of ``respond`` to the grid's gratings through the sensor.

    ``respond(frames, positions)`` returns the response sequence (B, T, H, W, units).
    """
    if where not in WHERE:
        raise UsageError(f"where={where!r} is unknown; allowed: {', '.join(WHERE)}")
    if not 0 <= skip < grid.n_steps:
        raise UsageError(f"skip={skip} must be below the number of steps ({grid.n_steps})")
    movies = lambda raw: sensor_movies(raw, preprocessing, res, broadcast, channels)  # noqa: E731
    blank = respond(*movies(blank_movie(grid.size, grid.n_steps, grid.mean)))
    raw = grid.movies()
    squares = [np.mean((respond(*movies(raw[i:i + chunk])) - blank)[:, skip:] ** 2, axis=1)
               for i in range(0, len(raw), chunk)]
    squares = np.concatenate(squares).reshape(grid.shape + squares[0].shape[1:])
    amplitude = np.sqrt(squares.mean(axis=3))  # (S, W, D, H, W, units)
    if where == "centre":
        return amplitude[:, :, :, amplitude.shape[3] // 2, amplitude.shape[4] // 2, :]
    return amplitude.mean(axis=(3, 4))


def frequency_matrices(amplitudes):
    """(units, S, W) matrices at each unit's best direction, and that direction's index."""
    units_first = np.moveaxis(np.asarray(amplitudes), -1, 0)  # (units, S, W, D)
    return units_first.max(axis=-1), units_first.argmax(axis=-1)


def separability_index(matrices):
    """s1^2 / sum of s_i^2 of each matrix (..., S, W); NaN for an all-zero matrix."""
    s = np.linalg.svd(np.asarray(matrices, np.float64), compute_uv=False)
    energy = np.sum(s ** 2, axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(energy > 0, s[..., 0] ** 2 / energy, np.nan)


def unit_table(amplitudes, grid):
    """One row per unit: preferred spatial / temporal frequency and direction, separability,
    peak and mean amplitude and selectivity 1 - mean / peak of its matrix."""
    matrices, best_direction = frequency_matrices(amplitudes)
    units, n_s, n_w = matrices.shape
    flat = matrices.reshape(units, -1)
    peak_index = flat.argmax(axis=1)
    s_idx, w_idx = np.unravel_index(peak_index, (n_s, n_w))
    peak = flat.max(axis=1)
    mean = flat.mean(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        selectivity = np.where(peak > 0, 1 - mean / peak, np.nan)
    return pd.DataFrame({
        "unit": np.arange(units),
        "preferred_sf_cycles_per_image": grid.spatial[s_idx],
        "preferred_tf_cycles_per_step": grid.temporal[w_idx],
        "preferred_direction_deg": np.degrees(grid.directions[best_direction[np.arange(units), s_idx, w_idx]]),
        "separability": separability_index(matrices),
        "peak_amplitude": peak,
        "mean_amplitude": mean,
        "selectivity": selectivity,
    })


def _quartiles(values):
    values = np.asarray(values, float)
    values = values[np.isfinite(values)]
    if values.size == 0:
        return {"median": None, "q25": None, "q75": None}
    q25, median, q75 = np.percentile(values, [25, 50, 75])
    return {"median": float(median), "q25": float(q25), "q75": float(q75)}


def population_summary(table):
    """Separability and selectivity quartiles and the distribution of preferred frequencies."""
    sf, tf = table["preferred_sf_cycles_per_image"], table["preferred_tf_cycles_per_step"]
    return {
        "units": int(len(table)),
        "separability": _quartiles(table["separability"]),
        "selectivity": _quartiles(table["selectivity"]),
        "preferred_sf_counts": {f"{k:g}": int(v) for k, v in sf.value_counts().sort_index().items()},
        "preferred_tf_counts": {f"{k:g}": int(v) for k, v in tf.value_counts().sort_index().items()},
        "distinct_preferred_sf_tf_pairs": int(len(set(zip(sf, tf)))),
        "preferred_sf": _quartiles(sf),
        "preferred_tf": _quartiles(tf),
    }


def untrained_copy(student, seed=0):
    """The same architecture with fresh initial weights (the control)."""
    import keras

    keras.utils.set_random_seed(seed)
    return keras.models.clone_model(student)


def analyse_student(student, grid, preprocessing, where="centre", layer=None, skip=1):
    """Evoked amplitudes (S, W, D, units) and the unit table of a student's early layer."""
    frames_shape, positions_shape = (tuple(t.shape) for t in student.inputs[:2])
    if frames_shape[1] != grid.n_steps:
        raise UsageError(f"the student takes {frames_shape[1]}-step movies; the grid has {grid.n_steps} steps")
    mean = preprocessing.mean_image
    if mean is not None and tuple(mean.shape[:2]) != (grid.size, grid.size):
        raise UsageError(f"the preprocessing is for {mean.shape[0]}x{mean.shape[1]} images; the gratings are "
                         f"{grid.size}x{grid.size}")
    model = early_layer_model(student, layer)
    amplitudes = evoked_amplitudes(keras_responder(model), grid, preprocessing, res=frames_shape[2],
                                   broadcast=int(len(positions_shape) == 5), channels=_raw_channels(preprocessing),
                                   skip=skip, where=where)
    return amplitudes, unit_table(amplitudes, grid)


def _raw_channels(preprocessing):
    """Channels of the raw images the preprocessing record expects."""
    mean = preprocessing.mean_image
    return 1 if mean is None else int(mean.shape[-1])
