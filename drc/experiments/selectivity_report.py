"""Runs the selectivity analysis on a student and its untrained control, and writes the outputs.

Outputs in one folder: ``units.csv`` (one row per unit and model), ``matrices.npz`` (each unit's
spatial x temporal frequency matrix), ``preferred_frequencies.png``, ``separability_hist.png``,
``matrices_<model>.png`` and ``summary.json``.
"""
import json
import os
import time

import numpy as np
import pandas as pd

from drc.core.errors import UsageError
from drc import figures
from drc.experiments import selectivity

SUBSET_VAL_SIZE = 500


def preprocessing_for(student_path, teacher_path=None):
    """The record the student's training images were preprocessed with, and where it came from.

    ``teacher_path`` first; else the teacher named in the run folder's ``config.json`` next to
    the student; else mean image and norm 128 fitted on the bundled Fashion-MNIST subset's
    training split (what the demo and ``quick_student`` use)."""
    from teachers.saving import read_preprocessing, resolve_teacher_path

    candidates = [teacher_path] if teacher_path else []
    config_path = os.path.join(os.path.dirname(os.path.abspath(student_path)), "config.json")
    if not teacher_path and os.path.isfile(config_path):
        with open(config_path) as f:
            candidates.append(json.load(f).get("teacher_net"))
    for candidate in filter(None, candidates):
        try:
            record = read_preprocessing(resolve_teacher_path(candidate))
        except FileNotFoundError:
            if candidate == teacher_path:
                raise UsageError(f"--teacher {teacher_path}: no such teacher file")
            continue
        if record is None and candidate == teacher_path:
            raise UsageError(f"--teacher {teacher_path} holds no preprocessing record")
        if record is not None:
            return record, f"teacher {candidate}"
    from drc.core.datasets import load_fashion_mnist_subset
    from drc.core.preprocessing import Preprocessing

    (x, _), _ = load_fashion_mnist_subset()
    return (Preprocessing.fit(x[:-SUBSET_VAL_SIZE], dataset_norm=128.0),
            f"fitted on the bundled Fashion-MNIST subset's first {len(x) - SUBSET_VAL_SIZE} training images, norm 128")


def load_student(path):
    """A saved student (.keras); the ConvGRU2D layer is registered by importing ``students``."""
    import keras

    import students  # noqa: F401

    if not os.path.isfile(path):
        raise UsageError(f"--student {path}: no such file")
    try:
        return keras.models.load_model(path, compile=False)
    except (ValueError, OSError) as err:
        raise UsageError(f"--student {path} is not a loadable Keras model: {err}")


def write_report(student, grid_options, preprocessing, out, where="centre", layer=None, skip=1, seed=0,
                 extra=None):
    """Analyses ``student`` and an untrained copy; writes the outputs to ``out``; returns the summary.

    ``grid_options``: ``GratingGrid.regular``'s arguments but ``n_steps`` (the student's); spatial and
    temporal frequencies default to ``default_spatial(res)`` and ``DEFAULT_TEMPORAL``, the image
    size to the preprocessing's mean image (else 28)."""
    os.makedirs(out, exist_ok=True)
    start = time.perf_counter()
    res, n_steps = int(student.inputs[0].shape[2]), int(student.inputs[0].shape[1])
    options = dict(grid_options)
    if options.get("spatial") is None:
        options["spatial"] = selectivity.default_spatial(res)
    if options.get("temporal") is None:
        options["temporal"] = selectivity.DEFAULT_TEMPORAL
    size = options.pop("size", None) or (preprocessing.mean_image.shape[0] if preprocessing.mean_image is not None
                                         else 28)
    grid = selectivity.GratingGrid.regular(n_steps=n_steps, size=size, **options)
    models = {"trained": student, "untrained": selectivity.untrained_copy(student, seed)}
    tables, matrices = {}, {}
    for name, model in models.items():
        amplitudes, table = selectivity.analyse_student(model, grid, preprocessing, where=where, layer=layer,
                                                        skip=skip)
        tables[name], matrices[name] = table, selectivity.frequency_matrices(amplitudes)[0]
    pd.concat([t.assign(model=k) for k, t in tables.items()]).to_csv(os.path.join(out, "units.csv"), index=False)
    np.savez_compressed(os.path.join(out, "matrices.npz"), spatial=grid.spatial, temporal=grid.temporal,
                        **{k: v.astype(np.float32) for k, v in matrices.items()})
    pictures = [figures.plot_preferred(tables, grid, os.path.join(out, "preferred_frequencies.png"), seed),
                figures.plot_separability(tables, os.path.join(out, "separability_hist.png"))]
    pictures += [figures.plot_matrices(m, grid, os.path.join(out, f"matrices_{k}.png"),
                                       title=f"{k}: frequency response matrices (best direction)")
                 for k, m in matrices.items()]
    summary = {
        "layer": selectivity.early_layer(student, layer).name, "where": where, "skip_steps": skip,
        "grid": {"spatial_cycles_per_image": grid.spatial.tolist(), "temporal_cycles_per_step": grid.temporal.tolist(),
                 "directions_deg": np.degrees(grid.directions).tolist(), "phases": len(grid.phases),
                 "steps": n_steps, "image_size": size, "sensor_res": res, "contrast": grid.amplitude / 127.5},
        **{k: selectivity.population_summary(t) for k, t in tables.items()},
        "analysis_seconds": round(time.perf_counter() - start, 1),
        "outputs": [os.path.basename(p) for p in pictures] + ["units.csv", "matrices.npz"],
        **(extra or {}),
    }
    with open(os.path.join(out, "summary.json"), "w") as f:
        json.dump(summary, f, indent=1)
    return summary
