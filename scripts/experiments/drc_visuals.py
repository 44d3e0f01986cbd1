"""Visual aids for DRC: a sensor-movie GIF, trajectory styles, learning curves of run folders.

python scripts/experiments/drc_visuals.py [--out results/drc_visuals] [--runs 'GLOB' ...]
    [--styles spiral_2dir2,degenerate_fix2,...] [--n_trajectories 100] [--n_steps 10] [--res 7] [--overwrite]

Writes sensor_movie.gif (bundled Fashion-MNIST images, spiral_2dir2 trajectories),
trajectory_styles.png and, with --runs (DRC run folders, e.g. 'results/*/runs/saved_models/*'),
learning_curves.png. An --out holding them is refused unless --overwrite.
"""
import sys

import _bootstrap  # noqa: F401

from drc.core.cli import run_cli
from drc.experiments.cli import visuals_main as main

if __name__ == "__main__":
    sys.exit(run_cli(main, prog="drc_visuals.py"))
