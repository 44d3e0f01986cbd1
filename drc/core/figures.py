"""Saving matplotlib figures the same way everywhere (matplotlib only, no TensorFlow import)."""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def save_figure(fig, path, title=None, dpi=100, title_size=10, tight_bbox=False):
    """Titles (optionally), lays out, writes and closes ``fig``; returns ``path``. ``tight_bbox``
    crops the saved image to what is drawn (keeps a legend placed outside the axes)."""
    if title:
        fig.suptitle(title, fontsize=title_size)
    fig.tight_layout()
    fig.savefig(path, dpi=dpi, bbox_inches="tight" if tight_bbox else None)
    plt.close(fig)
    return path
