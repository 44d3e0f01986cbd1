"""Every DRC figure (matplotlib; saved with ``drc.core.figures.save_figure``, no backend forced).

Sensor: :func:`plot_sensor_movie` (a movie next to its trajectory over the image),
:func:`sensor_movie_gif` (the window moving over the image beside the frame it gives),
:func:`plot_trajectory_styles` (sampled trajectories of each style). Runs:
:func:`plot_learning_curves` (student loss and decoder accuracy per epoch of run folders).
Experiments: :func:`plot_summary` (Table 1), :func:`plot_preferred`, :func:`plot_separability`,
:func:`plot_matrices` (spatio-temporal selectivity), :func:`plot_demo_results` (the demo).
"""
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.animation import FuncAnimation, PillowWriter
from matplotlib.patches import Rectangle
from matplotlib.ticker import MaxNLocator

from drc.core.figures import save_figure
from drc.results import read_histories, run_label
from drc.trajectories import check_style, sample_trajectories, step_statistics

STYLES = ("spiral_2dir2", "degenerate_fix2", "spiral", "brownian", "ZigZag", "const_p_noise", "big_steps", "old",
          "xx1_intoy_rucci", "xx1_vonmises_walk")

def window_centres(positions, image_size, window, pad=None):
    """(x, y) pixel coordinates, in the unpadded image, of the sensor window's centre (``pad``:
    the sensor's zero padding, default ``drc.sensor.PAD``)."""
    if pad is None:
        from drc import sensor

        pad = sensor.PAD
    q = np.asarray(positions, dtype=np.float64)
    x = q[:, 0] - pad + window / 2 - 0.5
    y = (image_size + 2 * pad - q[:, 1] - window) - pad + window / 2 - 0.5
    return x, y


def plot_sensor_movie(image, frames, positions, path, window=None, title=None):
    """Saves a PNG: the image with the window-centre trajectory, then each frame of the movie."""
    image = np.asarray(image, np.float32)
    window = window or image.shape[0]
    n = len(frames)
    fig, axes = plt.subplots(1, n + 1, figsize=(2.2 * (n + 1), 2.6))
    cmap = "gray" if image.shape[-1] == 1 else None
    show = image[..., 0] if image.shape[-1] == 1 else np.clip(image / 255.0, 0, 1)
    axes[0].imshow(show, cmap=cmap)
    x, y = window_centres(positions, image.shape[0], window)
    axes[0].plot(x, y, "-o", color="tab:red", markersize=3, linewidth=1)
    axes[0].plot(x[:1], y[:1], "o", color="yellow", markersize=4)
    axes[0].set_title("trajectory (window centre)", fontsize=8)
    for t, frame in enumerate(frames):
        f = np.asarray(frame)
        axes[t + 1].imshow(f[..., 0] if f.shape[-1] == 1 else np.clip((f - f.min()) / (np.ptp(f) + 1e-9), 0, 1),
                           cmap=cmap, interpolation="nearest")
        axes[t + 1].set_title(f"t={t}  q={tuple(int(v) for v in positions[t])}", fontsize=7)
    for ax in axes:
        ax.set_xticks([])
        ax.set_yticks([])
    return save_figure(fig, path, title, dpi=110, title_size=9)

def sensor_start(size):
    """The sensor's starting position for size x size images (the window is the image size)."""
    from drc import sensor

    return sensor.start_position(size, size, sensor.sensor_window(size))


def sensor_movie_gif(images, trajectories, res, path, margin=12, fps=2, dpi=72, titles=None):
    """Writes a GIF of raw images (N, S, S[, 1]) seen along trajectories (N, T, 2); one frame per step.

    Frames are the sensor's output for the raw intensities (times 1/256, zero padding). Returns path.
    """
    from drc import sensor

    images = np.asarray(images, np.float32)
    images = images[..., None] if images.ndim == 3 else images
    trajectories = np.asarray(trajectories)
    n, size, steps = len(images), images.shape[1], trajectories.shape[1]
    frames = sensor.sensor_frames(images, trajectories, res, sensor.sensor_window(size)).numpy()[..., 0]
    canvas = np.pad(images[..., 0] / 256.0, ((0, 0), (margin, margin), (margin, margin)))
    extent = (-margin - 0.5, size + margin - 0.5, size + margin - 0.5, -margin - 0.5)
    fig, axes = plt.subplots(n, 2, figsize=(4.4, 2.2 * n), squeeze=False)
    boxes, paths, shown = [], [], []
    for i in range(n):
        x, y = window_centres(trajectories[i], size, size)
        axes[i, 0].imshow(canvas[i], cmap="gray", vmin=0, vmax=1, extent=extent)
        box = Rectangle((x[0] - size / 2, y[0] - size / 2), size, size, fill=False, color="tab:red", lw=1.5)
        axes[i, 0].add_patch(box)
        (line,) = axes[i, 0].plot(x[:1], y[:1], "-o", color="yellow", ms=2, lw=1)
        shown.append(axes[i, 1].imshow(frames[i, 0], cmap="gray", vmin=0, vmax=1, interpolation="nearest"))
        boxes.append(box)
        paths.append((line, x, y))
        axes[i, 0].set_title(titles[i] if titles else "image + sensor window", fontsize=7)
        for ax in axes[i]:
            ax.set_xticks([])
            ax.set_yticks([])
    label = fig.suptitle("", fontsize=8)

    def draw(t):
        for i in range(n):
            line, x, y = paths[i]
            boxes[i].set_xy((x[t] - size / 2, y[t] - size / 2))
            line.set_data(x[:t + 1], y[:t + 1])
            shown[i].set_data(frames[i, t])
            axes[i, 1].set_title(f"{res}x{res} frame, t={t}", fontsize=7)
        label.set_text(f"step {t + 1}/{steps}")
        return boxes + shown

    fig.tight_layout()
    FuncAnimation(fig, draw, frames=steps, blit=False).save(path, writer=PillowWriter(fps=fps), dpi=dpi)
    plt.close(fig)
    return path


def plot_trajectory_styles(path, styles=STYLES, n_trajectories=100, n_steps=10, size=28, noise=0.5, seed=0,
                           highlight=3):
    """One panel per style: ``n_trajectories`` window-centre paths relative to the start (pixels of
    the full-resolution image; ``highlight`` of them in colour), with the mean step and largest
    offset. Each panel has its own scale. Returns path."""
    for style in styles:
        check_style(style)
    rng = np.random.default_rng(seed)
    start = sensor_start(size)
    cols = min(5, len(styles))
    rows = -(-len(styles) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(2.6 * cols, 2.7 * rows), squeeze=False)
    for ax in axes.ravel():
        ax.axis("off")
    for ax, style in zip(axes.ravel(), styles):
        traj = sample_trajectories(n_trajectories, n_steps, style, noise, start, rng=rng)
        x, y = window_centres(traj.reshape(-1, 2), size, size)
        dx, dy = (x.reshape(traj.shape[:2]) - x.reshape(traj.shape[:2])[:, :1],
                  y.reshape(traj.shape[:2]) - y.reshape(traj.shape[:2])[:, :1])
        ax.axis("on")
        ax.plot(dx.T, dy.T, "-", color="tab:blue", alpha=0.12, lw=0.8)
        for k in range(min(highlight, len(dx))):
            ax.plot(dx[k], dy[k], "-o", color=f"C{k + 1}", ms=2, lw=1.2)
        ax.plot(dx[:, -1], dy[:, -1], ".", color="tab:red", ms=2)
        stats = step_statistics(traj)
        ax.set_title(f"{style}\nmean step {stats['mean_step']:.2f} px, max {stats['max_offset']:.1f} px", fontsize=7)
        reach = max(4.0, float(np.abs(np.concatenate([dx, dy])).max()) + 1)
        ax.set_xlim(-reach, reach)
        ax.set_ylim(reach, -reach)  # image rows grow downwards
        ax.set_aspect("equal")
        ax.tick_params(labelsize=6)
    return save_figure(fig, path, f"{n_trajectories} sampled {n_steps}-step trajectories per style (window centre "
                       f"minus start, {size}x{size} image pixels; red: last points; each panel its own scale)",
                       title_size=8)

def plot_learning_curves(folders, path):
    """Student loss and decoder accuracy per epoch (training dashed, validation solid), one colour
    and one legend entry per run. Returns path."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.6))
    colours = plt.get_cmap("tab10" if len(folders) <= 10 else "tab20")
    for k, folder in enumerate(folders):
        history, colour = read_histories(folder), colours(k % colours.N)
        for ax, stage, metric in ((left, "student", "loss"), (right, "decoder", "sparse_categorical_accuracy")):
            part = history[history["stage"] == stage]
            for prefix, style in (("", "--"), ("val_", "-")):
                if prefix + metric in part and part[prefix + metric].notna().any():
                    ax.plot(part["epoch"], part[prefix + metric], style, marker="o", ms=3, color=colour,
                            label=run_label(folder) if prefix else None)
    left.set(xlabel="epoch", ylabel="distillation loss (MSE)", title="student (dashed: training, solid: validation)")
    right.set(xlabel="epoch", ylabel="accuracy", title="decoder (back end on the student)")
    for ax in (left, right):
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(alpha=0.3)
    handles, labels = right.get_legend_handles_labels() if right.lines else left.get_legend_handles_labels()
    if handles:
        fig.legend(handles, labels, loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize=7, frameon=False)
    return save_figure(fig, path, dpi=110, tight_bbox=True)

def plot_summary(summary, path, dataset):
    """Horizontal bars (mean, with the std over seeds as error bars) and the paper's CIFAR-10
    numbers as markers; returns ``path``."""
    from drc.experiments.conditions import BY_NAME
    from drc.experiments.table1_report import DATASET_TITLES

    n = len(summary)
    fig, ax = plt.subplots(figsize=(8, 0.45 * n + 1.4))
    y = np.arange(n)[::-1]
    kinds = [BY_NAME[c].kind for c in summary["condition"]]
    colours = {"teacher": "tab:gray", "naive": "tab:red", "averaged": "tab:orange", "drc": "tab:blue"}
    ax.barh(y, summary["mean"], xerr=summary["std"], color=[colours[k] for k in kinds], capsize=3,
            label=f"ours ({DATASET_TITLES.get(dataset, dataset)})")
    paper = pd.to_numeric(summary["paper_cifar10"], errors="coerce")
    shown = paper.notna().to_numpy()
    ax.plot(paper[shown], y[shown], "kD", markersize=5, label="paper, CIFAR-10")
    ax.set_yticks(y)
    ax.set_yticklabels(summary["setting"])
    low = float(np.nanmin(np.concatenate([summary["mean"] - summary["std"], paper.dropna()])))
    ax.set_xlim(max(0.0, np.floor(low / 10) * 10 - 5), 100)
    ax.set_xlabel("test accuracy (%)")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12 - 1.2 / (n + 3)), ncol=2, fontsize=8)
    return save_figure(fig, path, dpi=110)

#: The unit table's columns of preferred frequencies (drc.experiments.selectivity).
SF, TF = "preferred_sf_cycles_per_image", "preferred_tf_cycles_per_step"


def _jitter(values, grid, rng):
    """Values on a grid moved by up to a quarter of the smallest grid spacing (to show overlaps)."""
    spacing = np.min(np.diff(np.unique(grid))) if len(np.unique(grid)) > 1 else 1.0
    return np.asarray(values, float) + rng.uniform(-0.25, 0.25, len(values)) * spacing


def plot_preferred(tables, grid, path, seed=0):
    """One panel per model: preferred spatial vs temporal frequency of each unit (jittered),
    coloured by separability on a shared scale."""
    rng = np.random.default_rng(seed)
    values = np.concatenate([t["separability"].to_numpy(float) for t in tables.values()])
    low = float(np.nanmin(values)) if np.isfinite(values).any() else 0.0
    fig, axes = plt.subplots(1, len(tables), figsize=(4.6 * len(tables), 4), sharex=True, sharey=True,
                             squeeze=False)
    for ax, (name, table) in zip(axes[0], tables.items()):
        dots = ax.scatter(_jitter(table[SF], grid.spatial, rng), _jitter(table[TF], grid.temporal, rng),
                          c=table["separability"], cmap="viridis", vmin=low, vmax=1.0, s=28, edgecolors="k",
                          linewidths=0.3)
        ax.set_title(f"{name} ({len(table)} units)", fontsize=10)
        ax.set_xlabel("preferred spatial frequency (cycles/image)")
        ax.grid(alpha=0.3)
    axes[0, 0].set_ylabel("preferred temporal frequency (cycles/step)")
    fig.colorbar(dots, ax=list(axes[0]), label="separability index s1^2 / sum s_i^2")
    fig.savefig(path, dpi=110, bbox_inches="tight")
    plt.close(fig)
    return path


def plot_separability(tables, path, bins=20):
    """Histograms of the separability index, one per model on shared bins."""
    values = {k: t["separability"].to_numpy(float) for k, t in tables.items()}
    finite = np.concatenate([v[np.isfinite(v)] for v in values.values()])
    low = finite.min() if finite.size and finite.min() < 1 else 0.0
    edges = np.linspace(low, 1.0, bins + 1)
    fig, ax = plt.subplots(figsize=(5, 3.4))
    for name, v in values.items():
        ax.hist(v[np.isfinite(v)], bins=edges, alpha=0.55, label=f"{name} (median {np.nanmedian(v):.4f})")
    ax.set_xlabel("separability index s1^2 / sum s_i^2 (1 = space-time separable)")
    ax.set_ylabel("units")
    ax.legend(fontsize=8)
    return save_figure(fig, path, dpi=110)


def plot_matrices(matrices, grid, path, n=8, title=None):
    """Heat maps (spatial x temporal frequency, each scaled to its peak) of the ``n`` units with
    the largest peak response."""
    matrices = np.asarray(matrices)
    order = np.argsort(matrices.reshape(len(matrices), -1).max(axis=1))[::-1][:n]
    cols = min(4, len(order))
    rows = -(-len(order) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(3 * cols, 2.7 * rows), squeeze=False)
    extent = (-0.5, len(grid.temporal) - 0.5, len(grid.spatial) - 0.5, -0.5)
    for ax in axes.ravel():
        ax.axis("off")
    for ax, unit in zip(axes.ravel(), order):
        m = matrices[unit]
        ax.axis("on")
        ax.imshow(m / m.max() if m.max() > 0 else m, cmap="magma", vmin=0, vmax=1, aspect="auto", extent=extent)
        ax.set_title(f"unit {unit}", fontsize=8)
        ax.set_xticks(range(len(grid.temporal))[::2], [f"{v:g}" for v in grid.temporal[::2]], fontsize=6)
        ax.set_yticks(range(len(grid.spatial))[::2], [f"{v:g}" for v in grid.spatial[::2]], fontsize=6)
        ax.set_xlabel("TF (cycles/step)", fontsize=7)
        ax.set_ylabel("SF (cycles/image)", fontsize=7)
    return save_figure(fig, path, title)

def plot_demo_results(table, path):
    """A bar plot of the test accuracies (with the DRC's spread over its 5 test runs)."""
    fig, ax = plt.subplots(figsize=(6, 3))
    err = table.get("std_over_5_runs", pd.Series([0] * len(table))).fillna(0)
    ax.barh(table["model"], table["test_accuracy"], xerr=err, color=["tab:gray", "tab:red", "tab:blue"])
    ax.set_xlim(0, 1)
    ax.set_xlabel("test accuracy (Fashion-MNIST, bundled subset)")
    for i, v in enumerate(table["test_accuracy"]):
        ax.text(min(v + 0.02, 0.9), i, f"{v:.3f}", va="center")
    return save_figure(fig, path, dpi=110)
