"""Figures of the selectivity analysis: preferred frequencies, separability, example matrices.

Every function takes ``tables`` (or matrices) keyed by model name (e.g. trained, untrained) and
writes one PNG, returning its path.
"""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from drc.core.figures import save_figure  # noqa: E402

SF = "preferred_sf_cycles_per_image"
TF = "preferred_tf_cycles_per_step"


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
