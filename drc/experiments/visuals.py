"""Visual aids for DRC: a sensor-movie GIF, trajectory styles side by side, learning curves.

- ``sensor_movie_gif``: per image, the image (in a margin of the zero padding) with the sensor
  window's box moving along its trajectory, next to the res x res frame the sensor gives.
- ``plot_trajectory_styles``: many sampled trajectories (window centres relative to the start)
  of each style, one panel per style.
- ``plot_learning_curves``: the student's distillation loss and the decoder's accuracy per epoch
  of DRC run folders (``histories.csv``, else ``student_history.csv`` / ``decoder_history.csv``).
"""
import glob
import os
import re

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.animation import FuncAnimation, PillowWriter  # noqa: E402
from matplotlib.patches import Rectangle  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

from drc.arguments import UsageError  # noqa: E402
from drc.core.figures import save_figure  # noqa: E402
from drc.trajectories import check_style, sample_trajectories, step_statistics  # noqa: E402

STYLES = ("spiral_2dir2", "degenerate_fix2", "spiral", "brownian", "ZigZag", "const_p_noise", "big_steps", "old",
          "xx1_intoy_rucci", "xx1_vonmises_walk")


def sensor_start(size):
    """The sensor's starting position for size x size images (the window is the image size)."""
    from drc import sensor

    return sensor.start_position(size, size, sensor.sensor_window(size))


def sensor_movie_gif(images, trajectories, res, path, margin=12, fps=2, dpi=72, titles=None):
    """Writes a GIF of raw images (N, S, S[, 1]) seen along trajectories (N, T, 2); one frame per step.

    Frames are the sensor's output for the raw intensities (times 1/256, zero padding). Returns path.
    """
    from drc import sensor
    from drc.plots import window_centres

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
    from drc.plots import window_centres

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
