"""Pictures of the sensor: a movie next to its trajectory over the full-resolution image."""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from drc import sensor  # noqa: E402
from drc.core.figures import save_figure  # noqa: E402


def window_centres(positions, image_size, window, pad=sensor.PAD):
    """(x, y) pixel coordinates, in the unpadded image, of the sensor window's centre."""
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
