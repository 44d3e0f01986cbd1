"""Outputs of the BL speed-accuracy experiment: markdown tables, plots, run info."""
import json

import numpy as np

from convrnn_bl.experiments.evaluation import steps_to_reach


def _fmt(value, digits=3):
    return f"{value:.{digits}f}"


def per_step_markdown(table):
    """Accuracy per time step: one row per condition (B, then BL at each step), then FLOPs."""
    steps = table[(table.model == "BL") & (table.curve == "per_step")]
    b = table[table.model == "B"].set_index("condition")
    n_steps = int(steps.time_step.max())
    lines = ["| condition | B | " + " | ".join(f"BL t={t}" for t in range(1, n_steps + 1)) + " |",
             "|---" * (n_steps + 2) + "|"]
    for name, group in steps.groupby("condition", sort=False):
        accuracy = group.sort_values("time_step").accuracy
        lines.append(f"| {name} | {_fmt(b.loc[name, 'accuracy'])} | "
                     + " | ".join(_fmt(a) for a in accuracy) + " |")
    flops = steps[steps.condition == steps.condition.iloc[0]].sort_values("time_step").mean_flops
    lines.append(f"| MFLOPs | {b.mean_flops.iloc[0] / 1e6:.2f} | "
                 + " | ".join(f"{f / 1e6:.2f}" for f in flops) + " |")
    return "\n".join(lines)


def speed_accuracy_markdown(table, thresholds, fraction=0.95):
    """Entropy-threshold points (mean RT in steps / accuracy) at ``thresholds``, and the fastest
    point reaching ``fraction`` of each condition's best accuracy."""
    curve = table[(table.model == "BL") & (table.curve == "entropy_threshold")]
    reach = steps_to_reach(table, fraction)
    head = " | ".join(f"h<{t:g}: RT / acc" for t in thresholds)
    lines = [f"| condition | {head} | RT to {fraction:.0%} of best (MFLOPs, acc) |",
             "|---" * (len(thresholds) + 2) + "|"]
    for name, group in curve.groupby("condition", sort=False):
        cells = []
        for t in thresholds:
            row = group.iloc[int(np.argmin(np.abs(group.threshold.to_numpy() - t)))]
            cells.append(f"{row.mean_rt:.2f} / {_fmt(row.accuracy)}")
        rt, flops, accuracy = reach[name]
        lines.append(f"| {name} | " + " | ".join(cells)
                     + f" | {rt:.2f} ({flops / 1e6:.2f}, {_fmt(accuracy)}) |")
    return "\n".join(lines)


def write_markdown(table, path, thresholds, preamble=""):
    """Both tables in one markdown file."""
    text = (preamble + "\n\n" if preamble else "") + "### Accuracy per time step (BL) and of B\n\n" \
        + per_step_markdown(table) + "\n\n### Entropy-threshold speed-accuracy (BL; h in nats)\n\n" \
        + speed_accuracy_markdown(table, thresholds) + "\n"
    with open(path, "w", encoding="utf8") as f:
        f.write(text)
    return text


def _colours(names):
    import matplotlib.pyplot as plt

    noise = [n for n in names if n.startswith("noise")]
    blur = [n for n in names if n.startswith("blur")]
    colours = {"clean": "black"}
    colours.update({n: plt.cm.Reds(0.45 + 0.5 * i / max(1, len(noise) - 1)) for i, n in enumerate(noise)})
    colours.update({n: plt.cm.Blues(0.45 + 0.5 * i / max(1, len(blur) - 1)) for i, n in enumerate(blur)})
    return colours


def _figure(x_columns, titles):
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(x_columns), figsize=(5.5 * len(x_columns), 4.2), constrained_layout=True)
    for ax, title in zip(axes, titles):
        ax.set(title=title, ylabel="accuracy")
        ax.grid(alpha=0.3)
    return fig, axes


def plot_curves(table, path, curve):
    """BL's ``curve`` (per_step or entropy_threshold) per condition against time steps and MFLOPs;
    B as one marker per condition."""
    import matplotlib.pyplot as plt

    rows = table[(table.model == "BL") & (table.curve == curve)]
    b = table[table.model == "B"]
    names = list(dict.fromkeys(rows.condition))
    colours = _colours(names)
    what = "accuracy per readout" if curve == "per_step" else "entropy-threshold speed-accuracy"
    fig, axes = _figure([0, 1], [f"BL {what}", f"BL {what} vs cost; B: x"])
    for name in names:
        group = rows[rows.condition == name].sort_values("mean_rt")
        style = "o-" if curve == "per_step" else ".-"
        axes[0].plot(group.mean_rt, group.accuracy, style, color=colours[name], label=name, ms=4)
        axes[1].plot(group.mean_flops / 1e6, group.accuracy, style, color=colours[name], ms=4)
        point = b[b.condition == name]
        axes[1].plot(point.mean_flops / 1e6, point.accuracy, "x", color=colours[name], ms=9, mew=2)
        axes[0].axhline(float(point.accuracy.iloc[0]), color=colours[name], ls=":", lw=1)
    x_label = "time step" if curve == "per_step" else "mean reaction time (time steps)"
    axes[0].set_xlabel(x_label + "  (dotted: B)")
    axes[1].set_xlabel("MFLOPs" if curve == "per_step" else "mean MFLOPs spent")
    axes[0].legend(fontsize=8, ncol=2)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def write_json(data, path):
    with open(path, "w", encoding="utf8") as f:
        json.dump(data, f, indent=2, default=lambda o: o.item() if hasattr(o, "item") else str(o))
    return path
