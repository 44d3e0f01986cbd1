"""Saving matplotlib figures the same way everywhere (matplotlib only, no TensorFlow import).

No backend is chosen here, so notebooks keep their inline figures; command-line scripts get the
non-interactive Agg backend from ``drc.core.cli.run_cli`` (``MPLBACKEND``), or call
:func:`use_agg` themselves.
"""
import matplotlib
import matplotlib.pyplot as plt


def use_agg():
    """Selects the non-interactive Agg backend (scripts: files only, no display needed)."""
    matplotlib.use("Agg")


def save_figure(fig, path, title=None, dpi=100, title_size=10, tight_bbox=False):
    """Titles (optionally), lays out, writes and closes ``fig``; returns ``path``. ``tight_bbox``
    crops the saved image to what is drawn (keeps a legend placed outside the axes)."""
    if title:
        fig.suptitle(title, fontsize=title_size)
    fig.tight_layout()
    fig.savefig(path, dpi=dpi, bbox_inches="tight" if tight_bbox else None)
    plt.close(fig)
    return path
