"""Result tables of DRC runs: every history as one CSV, the summary DataFrame of all runs, and
reading run folders back.

The summary is the original's ``summary_dataframe_{name}.pkl`` (one row per run: the
configuration plus the student's and decoder's learning curves), kept as a pickle for the
original's readers and as a CSV, and appended to, never overwritten. :func:`run_folders`,
:func:`read_histories` and :func:`run_label` read finished run folders (for figures, reports).
"""
import glob
import os
import re

import numpy as np
import pandas as pd

from drc.core.errors import UsageError
from drc.core.runs import append_rows_locked


def history_frame(student_history, decoder_history):
    """One long table: stage, epoch, and every metric of the student and decoder histories."""
    frames = []
    for stage, history in (("student", student_history), ("decoder", decoder_history)):
        curves = {k: v for k, v in (history or {}).items() if isinstance(v, list)}
        if curves:
            frame = pd.DataFrame(curves)
            frame.insert(0, "epoch", np.arange(1, len(frame) + 1))
            frame.insert(0, "stage", stage)
            frames.append(frame)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["stage", "epoch"])


def summary_row(config, net_name, student_history, decoder_history, test_accuracies):
    """The original's summary values (its misnamed ``*_error`` keys kept) plus the test runs."""
    row = {k: v for k, v in config.items() if isinstance(v, (str, int, float, bool, type(None)))}
    train_mse = student_history.get("mean_squared_error", [])
    val_mse = student_history.get("val_mean_squared_error", [])
    train_acc = decoder_history.get("sparse_categorical_accuracy", [])
    val_acc = decoder_history.get("val_sparse_categorical_accuracy", [])
    row.update(
        net_name=net_name,
        student_min_test_error=min(val_mse) if val_mse else np.nan,
        student_min_train_error=min(train_mse) if train_mse else np.nan,
        student_train_error=list(train_mse), student_test_error=list(val_mse),
        decoder_max_test_error=max(val_acc) if val_acc else np.nan,
        decoder_max_train_error=max(train_acc) if train_acc else np.nan,
        decoder_train_error=list(train_acc), decoder_test_error=list(val_acc),
        test_accuracies=list(test_accuracies),
        test_accuracy_mean=float(np.mean(test_accuracies)) if len(test_accuracies) else np.nan,
        test_accuracy_std=float(np.std(test_accuracies)) if len(test_accuracies) else np.nan,
    )
    return row


def summary_paths(folder, name):
    """The summary pickle and its CSV copy in ``folder`` (checked before a run trains:
    ``drc.core.runs.check_appendable``)."""
    stem = os.path.join(folder, f"summary_dataframe_{name}")
    return f"{stem}.pkl", f"{stem}.csv"


def append_summary(config, net, student_history, decoder_history, test_accuracies, folder, name):
    """Appends this run's row to ``folder/summary_dataframe_{name}.pkl`` (and ``.csv``) under an
    exclusive lock, so runs finishing at once never drop each other's rows."""
    row = summary_row(config, net.name, student_history, decoder_history, test_accuracies)
    pkl, csv = summary_paths(folder, name)
    append_rows_locked(pkl, [row], csv)
    return row


def run_folders(patterns):
    """Run folders matching the glob patterns (each holding a history CSV); a UsageError if none."""
    found = sorted({f for p in patterns for f in glob.glob(p) if os.path.isdir(f)})
    runs = [f for f in found if any(os.path.isfile(os.path.join(f, n)) for n in
                                    ("histories.csv", "student_history.csv", "decoder_history.csv"))]
    if not runs:
        raise UsageError(f"--runs {' '.join(patterns)}: no run folder with histories.csv, student_history.csv or "
                         f"decoder_history.csv")
    return runs


def read_histories(folder):
    """A run's history as (stage, epoch, metrics...): histories.csv, else the two CSVLogger files."""
    path = os.path.join(folder, "histories.csv")
    if os.path.isfile(path):
        return pd.read_csv(path)
    parts = []
    for stage in ("student", "decoder"):
        part_path = os.path.join(folder, f"{stage}_history.csv")
        if os.path.isfile(part_path):
            part = pd.read_csv(part_path)
            part["epoch"] = part["epoch"] + 1
            parts.append(part.assign(stage=stage))
    return pd.concat(parts, ignore_index=True)


def run_label(folder):
    """A run folder's name without the pipeline's ``_j<job>_t<time>`` suffix."""
    return re.sub(r"_j[^_]*_t\d+$", "", os.path.basename(os.path.normpath(folder)))
