"""The spectrum of every area of a CordsNet (a ``.pth`` or ``.keras`` file): CSV, JSON, plot.

For each area: the Ritz values of its recurrent convolution W (Arnoldi + QR), optionally of
D W linearised at the spontaneous state, and the spectral radius. In the continuous-time
dynamics an area alone is stable at a fixed point when every eigenvalue of D W has real part
below 1; the CSV lists the largest real part beside the radius.
"""
import dataclasses
import os

import numpy as np

from cordsnet.errors import CordsNetConfigError

OUTPUTS = ("spectrum.csv", "spectral_radius.json", "spectrum.png")


@dataclasses.dataclass
class SpectrumConfig:
    """What :func:`run_spectrum` analyses and where it writes.

    checkpoint: a ``.pth`` (the original's layout) or ``.keras`` file of a CordsNet.
    out: output folder. iterations / qr_iterations: Arnoldi steps and QR iterations (the
    original's 300 and 5000). linearise: also the operator D W at the spontaneous state.
    blank_steps: steps that settle the spontaneous state. overwrite: replace earlier outputs.
    """
    checkpoint: str
    out: str = "cordsnet_spectrum"
    iterations: int = 300
    qr_iterations: int = 5000
    linearise: bool = False
    blank_steps: int = 100
    seed: int = 0
    overwrite: bool = False


def load_any(path, **kwargs):
    """A CordsNet from a ``.pth`` or ``.keras`` file."""
    if not os.path.isfile(path):
        raise CordsNetConfigError(f"--checkpoint {path} does not exist")
    if path.endswith(".keras"):
        import keras

        import cordsnet.model  # noqa: F401  (registers the classes)

        return keras.models.load_model(path)
    from cordsnet.checkpoints import model_from_torch_checkpoint

    return model_from_torch_checkpoint(path, **kwargs)


def run_spectrum(config):
    """Computes, prints, and writes spectrum.csv, spectral_radius.json and spectrum.png."""
    from drc.core.runs import check_out_dir

    from drc.core.validation import check_int

    if not os.path.isfile(config.checkpoint):
        raise CordsNetConfigError(f"--checkpoint {config.checkpoint} does not exist")
    for flag in ("iterations", "qr_iterations"):
        check_int(getattr(config, flag), f"--{flag}", minimum=1)
    check_int(config.blank_steps, "--blank_steps", minimum=0)
    check_int(config.seed, "--seed", minimum=0)
    check_out_dir(config.out, OUTPUTS, config.overwrite, create=False)
    import pandas as pd

    from cordsnet import spectral
    from drc.core.figures import save_figure
    from drc.core.runs import write_csv_atomic, write_json_atomic

    model = load_any(config.checkpoint, blank_steps=config.blank_steps)
    check_out_dir(config.out, OUTPUTS, config.overwrite)  # the inputs are good: now the folder
    kinds = {"W": None}
    if config.linearise:
        kinds["DW_spontaneous"] = model.spontaneous_state()
    rows, radius = [], {}
    for kind, state in kinds.items():
        for area in range(model.depth):
            values = spectral.eigenvalues(*spectral.area_operator(model, area, state), config.iterations,
                                          config.qr_iterations, config.seed)
            radius[f"{kind}/{area}"] = {"spectral_radius": float(np.abs(values[0])),
                                        "max_real_part": float(values.real.max())}
            print(f"area {area} {kind}: spectral radius {np.abs(values[0]):.4f}, largest real part "
                  f"{values.real.max():.4f}")
            rows += [{"operator": kind, "area": area, "real": v.real, "imag": v.imag, "modulus": abs(v)} for v in values]
    frame = pd.DataFrame(rows)
    write_csv_atomic(os.path.join(config.out, "spectrum.csv"), frame)
    write_json_atomic(os.path.join(config.out, "spectral_radius.json"),
                      {"checkpoint": config.checkpoint, "iterations": config.iterations,
                       "qr_iterations": config.qr_iterations, "areas": radius})
    save_figure(spectrum_figure(frame), os.path.join(config.out, "spectrum.png"),
                title=f"Ritz values per area ({os.path.basename(config.checkpoint)})")
    return radius


def spectrum_figure(frame):
    """One panel per area: Ritz values in the complex plane with the unit circle and Re = 1."""
    import matplotlib.pyplot as plt

    areas = sorted(frame["area"].unique())
    fig, axes = plt.subplots(1, len(areas), figsize=(3 * len(areas), 3), squeeze=False)
    circle = np.exp(1j * np.linspace(0, 2 * np.pi, 200))
    for ax, area in zip(axes[0], areas):
        for kind, part in frame[frame["area"] == area].groupby("operator"):
            ax.scatter(part["real"], part["imag"], s=4, label=kind)
        ax.plot(circle.real, circle.imag, "k:", lw=0.8)
        ax.axvline(1.0, color="r", lw=0.8)
        ax.set_title(f"area {area}")
        ax.set_aspect("equal", "datalim")
    axes[0][0].legend(fontsize=7)
    return fig
