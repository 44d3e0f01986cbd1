"""Visual aids for DRC: a sensor-movie GIF, trajectory styles, learning curves of run folders.

python scripts/experiments/drc_visuals.py [--out results/drc_visuals] [--runs 'GLOB' ...]
    [--styles spiral_2dir2,degenerate_fix2,...] [--n_trajectories 100] [--n_steps 10] [--res 7] [--overwrite]

Writes sensor_movie.gif (bundled Fashion-MNIST images, spiral_2dir2 trajectories),
trajectory_styles.png and, with --runs (DRC run folders, e.g. 'results/*/runs/saved_models/*'),
learning_curves.png. An --out holding them is refused unless --overwrite.
"""
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import _bootstrap  # noqa: F401,E402

from drc.core.cli import ArgumentParser, run_cli  # noqa: E402
from drc.core.errors import UsageError  # noqa: E402

PROG = "drc_visuals.py"
OUTPUTS = ("sensor_movie.gif", "trajectory_styles.png", "learning_curves.png")
GIF_CLASSES = (0, 7, 9)  # T-shirt/top, sneaker, ankle boot


def parser():
    from drc.figures import STYLES

    p = ArgumentParser(prog=PROG, description=__doc__.splitlines()[0])
    p.add_argument("--out", default=os.path.join("results", "drc_visuals"), help="output folder")
    p.add_argument("--runs", nargs="+", default=None, help="glob(s) of DRC run folders for the learning curves")
    p.add_argument("--styles", default=",".join(STYLES), help="comma-separated trajectory styles")
    p.add_argument("--gif_style", default="spiral_2dir2", help="trajectory style of the GIF")
    p.add_argument("--n_trajectories", type=int, default=100, help="trajectories sampled per style")
    p.add_argument("--n_steps", type=int, default=10, help="steps per trajectory (frames of the GIF)")
    p.add_argument("--res", type=int, default=7, help="sensor resolution of the GIF")
    p.add_argument("--noise", type=float, default=0.5, help="the --noise of const_p_noise")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--overwrite", action="store_true", help="replace the figures of an earlier run in --out")
    return p


def main(argv=None):
    args = parser().parse_args(argv)
    from drc.trajectories import check_style

    styles = [s.strip() for s in args.styles.split(",") if s.strip()]
    for style in styles + [args.gif_style]:
        try:
            check_style(style)
        except ValueError as err:
            raise UsageError(str(err))
    for flag, low in (("n_trajectories", 1), ("n_steps", 2), ("res", 1)):
        if getattr(args, flag) < low:
            raise UsageError(f"--{flag} {getattr(args, flag)} must be at least {low}")
    from drc import figures, results
    from drc.core.runs import check_out_dir

    check_out_dir(args.out, OUTPUTS, args.overwrite)
    runs = results.run_folders(args.runs) if args.runs else []
    import numpy as np

    from drc.core.datasets import load_fashion_mnist_subset
    from drc.trajectories import sample_trajectories

    (x, y), _ = load_fashion_mnist_subset()
    picks = [int(np.flatnonzero(y == c)[0]) for c in GIF_CLASSES]
    rng = np.random.default_rng(args.seed)
    traj = sample_trajectories(len(picks), args.n_steps, args.gif_style, args.noise, figures.sensor_start(x.shape[1]),
                               rng=rng)
    written = [figures.sensor_movie_gif(x[picks], traj, args.res, os.path.join(args.out, "sensor_movie.gif"),
                                        titles=[f"{args.gif_style}, image {i}" for i in picks]),
               figures.plot_trajectory_styles(os.path.join(args.out, "trajectory_styles.png"), styles,
                                              args.n_trajectories, args.n_steps, x.shape[1], args.noise, args.seed)]
    if runs:
        written.append(figures.plot_learning_curves(runs, os.path.join(args.out, "learning_curves.png")))
    print("wrote " + ", ".join(written))
    return 0


if __name__ == "__main__":
    sys.exit(run_cli(main, prog=PROG))
