"""Speed-accuracy analysis of networks with one readout per time step (BL) against humans.

Network side (all vectorised over images; ``probabilities`` is (T, N, C): softmax of each of the
T readouts for N images):

- :func:`accuracy_per_step`: accuracy of each readout (SATBench's forced response at exit t).
- :func:`entropy_threshold_responses` / :func:`speed_accuracy_curve`: Spoerer et al. (2020): the
  network answers at the first time step whose softmax entropy (nats) is *below* the threshold,
  or at the last step; sweeping the threshold traces mean reaction time against accuracy.
- :func:`macs_per_exit` / :func:`flops_per_exit`: multiply-accumulates of the convolutions and
  dense layers spent up to each readout, counted from the model's graph (cumulative: the cost
  of exit t includes every earlier step and readout). FLOPs = 2 x MACs.

Human comparison (SATBench, Subramanian et al. 2022), with the definitions used here:

- time axes differ (ms vs FLOPs or steps), so both are min-max normalised to [0, 1] and the
  network curve is linearly interpolated at the humans' normalised reaction times;
- :func:`sat_rmse`: RMSE between the two accuracy curves at those points;
- :func:`category_correlation`: Pearson correlation, across categories, of per-category
  accuracies at each matched point; reported per point and averaged;
- :func:`steepness`: slope of the least-squares line through (normalised time, accuracy).

Human data come as a CSV (:func:`read_human_csv`) with columns ``reaction_time`` and either
``accuracy`` (per row) or ``correct`` (0/1 per trial), optionally ``category`` and
``condition``.
"""
import json
import os

import numpy as np
import pandas as pd

from convrnn_bl.errors import DataError
from drc.core.errors import OutputExistsError

# ----------------------------------------------------------------------------- per time step


def _as_probabilities(probabilities):
    p = np.asarray(probabilities, dtype=np.float64)
    if p.ndim != 3:
        raise ValueError(f"probabilities must be (time steps, images, classes), got shape {p.shape}")
    return p


def softmax_entropy(probabilities):
    """Entropy in nats of each softmax vector (last axis); 0 log 0 counts as 0."""
    p = np.asarray(probabilities, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(p > 0, p * np.log(p), 0.0)
    return -terms.sum(axis=-1)


def accuracy_per_step(probabilities, labels):
    """(T,) accuracy of the argmax of each time step's readout."""
    p = _as_probabilities(probabilities)
    return (p.argmax(axis=-1) == np.asarray(labels)[None, :]).mean(axis=1)


def category_accuracy_per_step(probabilities, labels, n_classes=None):
    """(T, C) accuracy per time step and true class (NaN for classes without images)."""
    p = _as_probabilities(probabilities)
    labels = np.asarray(labels)
    n_classes = n_classes or p.shape[-1]
    correct = (p.argmax(axis=-1) == labels[None, :]).astype(np.float64)       # (T, N)
    onehot = labels[:, None] == np.arange(n_classes)[None, :]                 # (N, C)
    counts = onehot.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return (correct @ onehot) / np.where(counts > 0, counts, np.nan)


def entropy_threshold_responses(probabilities, thresholds):
    """Reaction time (0-based step) and answer of every image for every threshold.

    Returns ``(steps, answers)``, both (K, N) for K thresholds: the first step whose entropy is
    below the threshold, else the last step, and the argmax class at that step.
    """
    p = _as_probabilities(probabilities)
    thresholds = np.atleast_1d(np.asarray(thresholds, dtype=np.float64))
    entropy = softmax_entropy(p)                                               # (T, N)
    below = entropy[None, :, :] < thresholds[:, None, None]                    # (K, T, N)
    steps = np.where(below.any(axis=1), below.argmax(axis=1), p.shape[0] - 1)  # (K, N)
    predictions = p.argmax(axis=-1)                                            # (T, N)
    answers = np.take_along_axis(predictions, steps, axis=0) if steps.size else steps
    return steps, answers


def default_thresholds(n_classes, n=41):
    """Thresholds from 0 (always the last step) to ln(C) + a margin (always the first step)."""
    return np.linspace(0.0, np.log(n_classes) * 1.001, n)


def speed_accuracy_curve(probabilities, labels, thresholds=None, flops=None):
    """The entropy-threshold speed-accuracy curve as a DataFrame, one row per threshold.

    Columns: threshold, mean_rt (time steps, 1 = the first readout), accuracy, and with
    ``flops`` (per exit, cumulative) mean_flops.
    """
    p = _as_probabilities(probabilities)
    labels = np.asarray(labels)
    thresholds = default_thresholds(p.shape[-1]) if thresholds is None else np.asarray(thresholds)
    steps, answers = entropy_threshold_responses(p, thresholds)
    curve = pd.DataFrame({"threshold": thresholds,
                          "mean_rt": steps.mean(axis=1) + 1.0,
                          "accuracy": (answers == labels[None, :]).mean(axis=1)})
    if flops is not None:
        flops = np.asarray(flops, dtype=np.float64)
        if flops.shape != (p.shape[0],):
            raise ValueError(f"flops must have one value per time step ({p.shape[0]}), got {flops.shape}")
        curve["mean_flops"] = flops[steps].mean(axis=1)
    return curve


# ----------------------------------------------------------------------------- FLOPs


def _producer(tensor):
    history = getattr(tensor, "_keras_history", None)
    if history is None or history[0] is None:
        return None, None
    operation, node_index = history[0], history[1]
    return operation, operation._inbound_nodes[node_index]


def _node_macs(operation, node):
    import keras

    if isinstance(operation, keras.layers.Conv2D) and not isinstance(
            operation, (keras.layers.DepthwiseConv2D, keras.layers.Conv2DTranspose)):
        shape = node.output_tensors[0].shape
        spatial = shape[2:] if operation.data_format == "channels_first" else shape[1:3]
        if any(s is None for s in spatial):
            raise ValueError(f"{operation.name}: FLOPs need a fixed input size, got output {shape}")
        return int(np.prod(spatial)) * int(np.prod(operation.kernel.shape))
    if isinstance(operation, keras.layers.Dense):
        shape = node.output_tensors[0].shape
        positions = int(np.prod([s for s in shape[1:-1]])) if len(shape) > 2 else 1
        return positions * int(np.prod(operation.kernel.shape))
    return 0


def macs_per_exit(model):
    """(T,) multiply-accumulates of convolutions and dense layers spent up to each output.

    Outputs are taken in order (time steps); exit t costs every layer call needed for outputs
    0..t (the union of their computational graphs), so the count is cumulative, includes the
    readouts of earlier steps (an entropy-threshold observer evaluates each of them before
    answering) and counts shared work (the image's bottom-up convolution) once. Other layers
    (batch norm, pooling, ReLU, softmax) are not counted.
    """
    seen, stack, macs, totals = set(), [], 0, []
    for output in model.outputs:
        stack.append(output)
        while stack:
            operation, node = _producer(stack.pop())
            if node is None or id(node) in seen:
                continue
            seen.add(id(node))
            macs += _node_macs(operation, node)
            stack.extend(node.input_tensors)
        totals.append(macs)
    return np.array(totals, dtype=np.int64)


def flops_per_exit(model):
    """(T,) FLOPs (2 x MACs) to reach each output; see :func:`macs_per_exit`."""
    return 2 * macs_per_exit(model)


# ----------------------------------------------------------------------------- human comparison


def normalise(x):
    """Min-max normalisation to [0, 1] (a constant axis maps to 0)."""
    x = np.asarray(x, dtype=np.float64)
    span = x.max() - x.min()
    return (x - x.min()) / span if span > 0 else np.zeros_like(x)


def interpolate_curve(x, values, at):
    """Linear interpolation of ``values`` ((P,) or (P, C)) given at sorted ``x``, at points ``at``."""
    x, at = np.asarray(x, dtype=np.float64), np.asarray(at, dtype=np.float64)
    values = np.asarray(values, dtype=np.float64)
    order = np.argsort(x, kind="stable")
    x, values = x[order], values[order]
    right = np.clip(np.searchsorted(x, at, side="right"), 1, len(x) - 1)
    left = right - 1
    span = x[right] - x[left]
    w = np.clip(np.where(span > 0, (at - x[left]) / np.where(span > 0, span, 1), 0.0), 0.0, 1.0)
    if values.ndim == 2:
        w = w[:, None]
    return values[left] * (1 - w) + values[right] * w


def sat_rmse(human_time, human_accuracy, network_cost, network_accuracy):
    """RMSE between the human SAT curve and the network's, on min-max normalised time axes."""
    net = interpolate_curve(normalise(network_cost), network_accuracy, normalise(human_time))
    return float(np.sqrt(np.mean((net - np.asarray(human_accuracy, dtype=np.float64)) ** 2)))


def category_correlation(human_category_accuracy, network_category_accuracy):
    """Pearson r across categories at each matched time point: ``(r per point, mean r)``.

    Both arguments are (P, C) with the same categories in the same order.
    """
    h = np.asarray(human_category_accuracy, dtype=np.float64)
    n = np.asarray(network_category_accuracy, dtype=np.float64)
    if h.shape != n.shape or h.ndim != 2 or h.shape[1] < 2:
        raise ValueError(f"need two (points, categories >= 2) arrays of one shape, got {h.shape}, {n.shape}")
    hc, nc = h - h.mean(axis=1, keepdims=True), n - n.mean(axis=1, keepdims=True)
    denominator = np.sqrt((hc ** 2).sum(axis=1) * (nc ** 2).sum(axis=1))
    with np.errstate(invalid="ignore", divide="ignore"):
        r = np.where(denominator > 0, (hc * nc).sum(axis=1) / denominator, np.nan)
    return r, float(np.nanmean(r)) if np.isfinite(r).any() else float("nan")


def steepness(time, accuracy):
    """Slope of the least-squares line of accuracy against min-max normalised time."""
    x, y = normalise(time), np.asarray(accuracy, dtype=np.float64)
    xc = x - x.mean()
    denominator = (xc ** 2).sum()
    return float((xc * (y - y.mean())).sum() / denominator) if denominator > 0 else 0.0


def read_human_csv(path, condition=None):
    """Human SAT data: ``(times (P,), accuracy (P,), category accuracy (P, C) or None, categories)``.

    Columns: ``reaction_time``, ``accuracy`` or ``correct``, optional ``category`` and
    ``condition`` (rows of other conditions are dropped when ``condition`` is given). With
    categories, the curve is the mean of the per-category accuracies at each reaction time.
    """
    if not os.path.isfile(path):
        raise DataError(f"human data file {path} not found")
    try:
        table = pd.read_csv(path)
    except (ValueError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as err:
        raise DataError(f"{path}: not a readable CSV table ({' '.join(str(err).split())[:120]})") from None
    score = "accuracy" if "accuracy" in table else "correct" if "correct" in table else None
    if "reaction_time" not in table or score is None:
        raise DataError(f"{path} needs columns reaction_time and accuracy (or correct); has "
                        f"{', '.join(map(str, table.columns))}")
    if condition is not None:
        if "condition" not in table:
            raise DataError(f"{path} has no condition column to select {condition!r} from")
        table = table[table["condition"] == condition]
        if table.empty:
            raise DataError(f"{path} has no rows for condition {condition!r}")
    try:
        table = table.assign(_score=table[score].astype(float), reaction_time=table["reaction_time"].astype(float))
    except ValueError:
        raise DataError(f"{path}: columns reaction_time and {score} must be numbers") from None
    if "category" in table:
        by_category = table.pivot_table(index="reaction_time", columns="category", values="_score",
                                        aggfunc="mean")
        times = by_category.index.to_numpy(dtype=np.float64)
        category_accuracy = by_category.to_numpy(dtype=np.float64)
        categories = [str(c) for c in by_category.columns]
        return times, np.nanmean(category_accuracy, axis=1), category_accuracy, categories
    curve = table.groupby("reaction_time")["_score"].mean()
    return curve.index.to_numpy(dtype=np.float64), curve.to_numpy(dtype=np.float64), None, []


def compare_with_humans(human, network_cost, network_accuracy, network_category_accuracy=None,
                        class_names=None):
    """SATBench's three metrics for one condition.

    ``human`` is what :func:`read_human_csv` returns; the network curve is accuracy per exit
    against ``network_cost`` (FLOPs or time steps) per exit. Category correlation needs the
    network's (T, C) category accuracies and ``class_names`` to align categories by name.
    """
    times, accuracy, human_categories, categories = human
    result = {"rmse": sat_rmse(times, accuracy, network_cost, network_accuracy),
              "steepness_human": steepness(times, accuracy),
              "steepness_network": steepness(network_cost, network_accuracy)}
    result["steepness_ratio"] = (result["steepness_network"] / result["steepness_human"]
                                 if result["steepness_human"] else float("nan"))
    if human_categories is not None and network_category_accuracy is not None and class_names:
        common = [c for c in categories if c in list(class_names)]
        if len(common) >= 2:
            h = human_categories[:, [categories.index(c) for c in common]]
            n = np.asarray(network_category_accuracy)[:, [list(class_names).index(c) for c in common]]
            n_at = interpolate_curve(normalise(network_cost), n, normalise(times))
            per_point, mean_r = category_correlation(h, n_at)
            result.update(category_correlation=mean_r,
                          category_correlation_per_point=[float(v) for v in per_point],
                          categories_compared=common)
    return result


# ----------------------------------------------------------------------------- plots and runs


def plot_speed_accuracy(step_accuracy, curve, path, flops=None, human=None, title=None):
    """Writes a PNG: accuracy per time step, the entropy-threshold curve, and (with ``human``)
    the human and network SAT curves on normalised time."""
    import matplotlib.pyplot as plt

    panels = 3 if human is not None else 2
    fig, axes = plt.subplots(1, panels, figsize=(4.5 * panels, 4), constrained_layout=True)
    steps = np.arange(1, len(step_accuracy) + 1)
    axes[0].plot(steps, step_accuracy, "o-", color="tab:blue")
    axes[0].set(xlabel="time step (readout)", ylabel="accuracy", title="accuracy per time step")
    if flops is not None:
        top = axes[0].secondary_xaxis("top")
        top.set_xticks(steps, [f"{f / 1e9:.2g}" for f in flops], fontsize=7)
        top.set_xlabel("GFLOPs")
    axes[1].plot(curve["mean_rt"], curve["accuracy"], ".-", color="tab:red")
    axes[1].set(xlabel="mean reaction time (time steps)", ylabel="accuracy",
                title="entropy-threshold speed-accuracy")
    if human is not None:
        times, accuracy = human[0], human[1]
        cost = flops if flops is not None else steps
        axes[2].plot(normalise(times), accuracy, "ko-", label="humans")
        axes[2].plot(normalise(cost), step_accuracy, "o-", color="tab:blue", label="network")
        axes[2].set(xlabel="normalised time (ms / FLOPs)", ylabel="accuracy", title="SAT curves")
        axes[2].legend()
    if title:
        fig.suptitle(title)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def run_analysis(probabilities, labels, out_dir, flops=None, human_csv=None, condition=None,
                 thresholds=None, class_names=None, prefix="speed_accuracy", overwrite=False):
    """The whole analysis; writes ``{prefix}_curve.csv``, ``{prefix}_steps.csv``,
    ``{prefix}.png`` and ``{prefix}_metrics.json`` in ``out_dir`` and returns their paths and
    the metrics. Everything is checked (the human data read) before anything is written; an
    ``out_dir`` holding an earlier analysis is refused unless ``overwrite``."""
    p = _as_probabilities(probabilities)
    labels = np.asarray(labels)
    if labels.shape != (p.shape[1],):
        raise DataError(f"labels has shape {labels.shape}; the probabilities are for {p.shape[1]} images")
    if flops is not None and np.shape(flops) != (p.shape[0],):
        raise DataError(f"flops has shape {np.shape(flops)}; the probabilities have {p.shape[0]} time steps")
    human = None if human_csv is None else read_human_csv(human_csv, condition)
    names = [f"{prefix}_curve.csv", f"{prefix}_steps.csv", f"{prefix}.png", f"{prefix}_metrics.json"]
    existing = [n for n in names if os.path.exists(os.path.join(out_dir, n))]
    if existing and not overwrite:
        raise OutputExistsError(f"{out_dir} already holds an analysis ({', '.join(existing)}); choose another "
                                f"--out_dir or move those files")
    os.makedirs(out_dir, exist_ok=True)
    step_accuracy = accuracy_per_step(p, labels)
    curve = speed_accuracy_curve(p, labels, thresholds, flops)
    steps_table = pd.DataFrame({"time_step": np.arange(1, p.shape[0] + 1), "accuracy": step_accuracy})
    if flops is not None:
        steps_table["flops"] = np.asarray(flops)
    paths = {"curve": os.path.join(out_dir, f"{prefix}_curve.csv"),
             "steps": os.path.join(out_dir, f"{prefix}_steps.csv"),
             "plot": os.path.join(out_dir, f"{prefix}.png"),
             "metrics": os.path.join(out_dir, f"{prefix}_metrics.json")}
    curve.to_csv(paths["curve"], index=False)
    steps_table.to_csv(paths["steps"], index=False)
    metrics = {"accuracy_per_step": [float(a) for a in step_accuracy],
               "curve_accuracy_range": [float(curve["accuracy"].min()), float(curve["accuracy"].max())],
               "curve_rt_range": [float(curve["mean_rt"].min()), float(curve["mean_rt"].max())]}
    if human is not None:
        cost = np.asarray(flops, dtype=np.float64) if flops is not None else np.arange(1, p.shape[0] + 1)
        metrics["human_comparison"] = compare_with_humans(
            human, cost, step_accuracy, category_accuracy_per_step(p, labels), class_names)
    plot_speed_accuracy(step_accuracy, curve, paths["plot"], flops, human)
    with open(paths["metrics"], "w", encoding="utf8") as f:
        json.dump(metrics, f, indent=2)
    return {"paths": paths, "metrics": metrics, "curve": curve, "step_accuracy": step_accuracy}
