"""Result tables of DRC runs: every history as one CSV, and the summary DataFrame of all runs.

The summary is the original's ``summary_dataframe_{name}.pkl`` (one row per run: the
configuration plus the student's and decoder's learning curves), kept as a pickle for the
original's readers and as a CSV, and appended to, never overwritten.
"""
import os

import numpy as np
import pandas as pd


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


def append_summary(config, net, student_history, decoder_history, test_accuracies, folder, name):
    """Appends this run's row to ``folder/summary_dataframe_{name}.pkl`` (and ``.csv``)."""
    row = summary_row(config, net.name, student_history, decoder_history, test_accuracies)
    pkl = os.path.join(folder, f"summary_dataframe_{name}.pkl")
    old = pd.read_pickle(pkl) if os.path.isfile(pkl) else pd.DataFrame()
    table = pd.concat([old, pd.DataFrame([row])], ignore_index=True)
    tmp = pkl + ".partial"
    table.to_pickle(tmp)
    os.replace(tmp, pkl)
    table.to_csv(os.path.join(folder, f"summary_dataframe_{name}.csv"), index=False)
    return row
