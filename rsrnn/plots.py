"""Figures of RS-RNN: fixations drawn over the images, an animated GIF of the retinal images step
by step (as the seed's figure), and accuracy per step clean and under attack."""
import numpy as np

from drc.core.figures import save_figure


def _pixels(fixations, size):
    """(column, row) pixel positions of normalised fixations (align_corners=True)."""
    return (np.asarray(fixations) + 1) / 2 * (size - 1)


def plot_fixations(images, fixations, path, labels=None, predictions=None):
    """Images (N, m, m, C) with their fixation paths (N, T, 2): red squares numbered by step."""
    import matplotlib.pyplot as plt

    n = len(images)
    fig, axes = plt.subplots(1, n, figsize=(2.2 * n, 2.4), squeeze=False)
    for i, ax in enumerate(axes[0]):
        ax.imshow(images[i][..., 0] if images.shape[-1] == 1 else images[i], cmap="gray", vmin=0, vmax=1)
        xy = _pixels(fixations[i], images.shape[1])
        ax.plot(xy[:, 0], xy[:, 1], "-", color="yellow", lw=0.8)
        ax.plot(xy[:, 0], xy[:, 1], "s", color="red", ms=4, mfc="none")
        for t, (x, y) in enumerate(xy):
            ax.text(x + 1.5, y - 1.5, str(t + 1), color="red", fontsize=6)
        title = []
        if labels is not None:
            title.append(f"label {labels[i]}")
        if predictions is not None:
            title.append(f"pred {predictions[i]}")
        ax.set_title(", ".join(title), fontsize=7)
        ax.axis("off")
    return save_figure(fig, path, title="Fixations (step numbers)")


def retina_gif(glimpses, path, scale=4, duration_ms=400):
    """An animated GIF of retinal images (N, T, n, n, C) in [data range]: one frame per step, the
    N images side by side."""
    from PIL import Image

    glimpses = np.asarray(glimpses, dtype=np.float32)
    low, high = glimpses.min(), glimpses.max()
    values = (glimpses - low) / max(high - low, 1e-6)
    frames = []
    for t in range(values.shape[1]):
        row = np.concatenate([np.pad(values[i, t, ..., 0], 1, constant_values=1.0) for i in range(len(values))], 1)
        image = Image.fromarray((row * 255).astype(np.uint8)).resize((row.shape[1] * scale, row.shape[0] * scale),
                                                                     Image.NEAREST)
        frames.append(image)
    frames[0].save(path, save_all=True, append_images=frames[1:], duration=duration_ms, loop=0)
    return path


def plot_accuracy_per_step(table, path, attack_steps=4):
    """Accuracy per step (one panel per model, one line per eps; eps 0 is clean) of a table with
    columns model, eps, step, accuracy."""
    import matplotlib.pyplot as plt

    models = list(dict.fromkeys(table["model"]))
    fig, axes = plt.subplots(1, len(models), figsize=(3.2 * len(models), 2.8), squeeze=False, sharey=True)
    for ax, name in zip(axes[0], models):
        rows = table[table.model == name]
        for eps, group in rows.groupby("eps"):
            label = "clean" if eps == 0 else f"eps {eps:g}"
            ax.plot(group.step, group.accuracy, "o-" if group.step.nunique() > 1 else "o", ms=3, label=label)
        ax.axvline(attack_steps, color="gray", lw=0.6, ls=":")
        ax.set_title(name, fontsize=9)
        ax.set_xlabel("step")
        ax.set_ylim(0, 1)
    axes[0][0].set_ylabel("top-1 accuracy")
    axes[0][-1].legend(fontsize=6, loc="lower right")
    return save_figure(fig, path, title=f"Accuracy per step (PGD through the first {attack_steps} steps)")
