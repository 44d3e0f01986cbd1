"""BL's and B's softmax outputs per test condition, and every number of the experiment as one table.

The table (:func:`results_table`) is long: one row per (model, condition, curve, point) with
columns model, condition, kind, level, curve, threshold, time_step, mean_rt, mean_flops,
accuracy. ``curve`` is ``per_step`` (BL: each readout; B: its one readout, time step 1) or
``entropy_threshold`` (BL only: Spoerer et al.'s reaction times, one row per threshold).
"""
import numpy as np
import pandas as pd

from convrnn_bl.experiments.conditions import perturb, prepare_images, to_model_range
from convrnn_bl.speed_accuracy import accuracy_per_step, speed_accuracy_curve

COLUMNS = ["model", "condition", "kind", "level", "curve", "threshold", "time_step", "mean_rt",
           "mean_flops", "accuracy"]


def test_images(images, condition, seed, size=32):
    """The uint8 test images under ``condition``, in the model's range [-1, 1], as NumPy."""
    return to_model_range(perturb(prepare_images(images, size), condition, seed=(seed, 1))).numpy()


def predict_probabilities(model, images, batch_size=250):
    """(T, N, C) softmax outputs of a model with T outputs (T = 1 for B)."""
    outputs = model.predict(images, batch_size=batch_size, verbose=0)
    return np.stack(outputs if isinstance(outputs, (list, tuple)) else [outputs])


def _rows(model, condition, curve, frame):
    frame = frame.assign(model=model, condition=condition.name, kind=condition.kind,
                         level=condition.level, curve=curve)
    return frame.reindex(columns=COLUMNS)


def condition_rows(condition, bl_probs, b_probs, labels, bl_flops, b_flops, thresholds):
    """The table's rows for one condition (BL per step and its curve; B's single point)."""
    steps = np.arange(1, bl_probs.shape[0] + 1)
    bl_steps = pd.DataFrame({"time_step": steps, "mean_rt": steps.astype(float),
                             "mean_flops": np.asarray(bl_flops, float),
                             "accuracy": accuracy_per_step(bl_probs, labels)})
    curve = speed_accuracy_curve(bl_probs, labels, thresholds, flops=bl_flops)
    b_point = pd.DataFrame({"time_step": [1], "mean_rt": [1.0], "mean_flops": [float(b_flops[0])],
                            "accuracy": accuracy_per_step(b_probs, labels)})
    return pd.concat([_rows("BL", condition, "per_step", bl_steps),
                      _rows("BL", condition, "entropy_threshold", curve),
                      _rows("B", condition, "per_step", b_point)], ignore_index=True)


def results_table(rows):
    """Concatenates the rows of every condition."""
    return pd.concat(rows, ignore_index=True)


def steps_to_reach(table, fraction=0.95):
    """Per condition: the smallest mean reaction time (steps) on BL's entropy-threshold curve whose
    accuracy reaches ``fraction`` of the curve's best accuracy, and its mean FLOPs."""
    curve = table[(table.model == "BL") & (table.curve == "entropy_threshold")]
    out = {}
    for name, group in curve.groupby("condition", sort=False):
        ok = group[group.accuracy >= fraction * group.accuracy.max()]
        best = ok.loc[ok.mean_rt.idxmin()]
        out[name] = (float(best.mean_rt), float(best.mean_flops), float(best.accuracy))
    return out
