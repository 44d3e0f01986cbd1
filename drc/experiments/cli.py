"""The command lines of the DRC experiments (scripts/experiments/drc_{table1,selectivity,visuals}.py
and the ``drc-table1``, ``drc-selectivity``, ``drc-visuals`` console commands): each ``*_main(argv)``
parses the script's flags and runs it."""
import argparse
import dataclasses
import os
import shlex
import sys

from drc.core.cli import ArgumentParser
from drc.core.errors import UsageError

TABLE1_DATASETS = ("fashion_mnist", "fashion_mnist_subset", "cifar10", "cifar100")
SIZE_FLAGS = ("res", "train_size", "val_size", "test_size", "teacher_epochs", "student_epochs", "decoder_epochs")
VISUALS = ("sensor_movie.gif", "trajectory_styles.png", "learning_curves.png")
GIF_CLASSES = (0, 7, 9)  # T-shirt/top, sneaker, ankle boot


def _floats(text):
    try:
        values = [float(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated numbers, got {text!r}")
    if not values:
        raise argparse.ArgumentTypeError("expected at least one number")
    return values


def selectivity_parser(prog="drc_selectivity.py"):
    p = ArgumentParser(prog=prog, description="Spatio-temporal frequency selectivity of a DRC student's early "
                                              "units (and of an untrained control).")
    p.add_argument("--student", help="a saved DRC student (.keras; a run folder's student.keras); "
                                     "default: train a small one first")
    p.add_argument("--teacher", help="the teacher whose preprocessing record the student's data had (default: the "
                                     "run folder's config.json, else fitted on the bundled Fashion-MNIST subset)")
    p.add_argument("--out", default=os.path.join("results", "drc_selectivity"), help="output folder")
    p.add_argument("--where", default="centre", choices=("centre", "mean"),
                   help="read each channel at the feature map's centre or average over the map")
    p.add_argument("--layer", help="the layer to analyse (default: the first ConvGRU2D/ConvLSTM2D)")
    p.add_argument("--spatial", type=_floats, help="spatial frequencies, cycles/image (default 0.25 .. res/2)")
    p.add_argument("--temporal", type=_floats, help="temporal frequencies, cycles/step (default 0 .. 0.5)")
    p.add_argument("--directions", type=int, default=8, help="drift directions over 360 degrees")
    p.add_argument("--phases", type=int, default=4, help="starting phases (at least 3)")
    p.add_argument("--contrast", type=float, default=1.0, help="grating contrast in (0, 1]")
    p.add_argument("--skip", type=int, default=1, help="first time steps left out of the amplitude")
    p.add_argument("--seed", type=int, default=0, help="seed of the untrained control (and of the training)")
    p.add_argument("--teacher_epochs", type=int, default=2, help="without --student: teacher epochs")
    p.add_argument("--student_epochs", type=int, default=2, help="without --student: distillation epochs")
    p.add_argument("--quick", action="store_true", help="a small grid (and a tiny student): a smoke run")
    p.add_argument("--overwrite", action="store_true", help="replace an earlier analysis in --out")
    return p


def selectivity_main(argv=None):
    """``drc_selectivity.py``: drifting gratings through the sensor; each early unit's response matrix."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    args = selectivity_parser().parse_args(argv)
    from drc.experiments.selectivity_run import run_selectivity

    run_selectivity(**vars(args))
    return 0


def table1_parser(prog="drc_table1.py"):
    p = ArgumentParser(prog=prog, description="The DRC paper's Table 1 on one dataset, several seeds (teacher, "
                                              "naive low resolution, averaged prediction, DRC variants).")
    p.add_argument("--dataset", default="fashion_mnist", choices=TABLE1_DATASETS, help="image dataset")
    p.add_argument("--data_dir", default=None, help="folder of the dataset files (see README: Data)")
    p.add_argument("--seeds", default=None, type=int, help="number of seeds 0..N-1 (default 3; --quick 1)")
    p.add_argument("--conditions", default=None,
                   help="comma-separated subset of the conditions (default: all), e.g. teacher,drc5_pos")
    p.add_argument("--quick", action="store_true", help="a few minutes: bundled subset, tiny sizes, 2-3 epochs")
    p.add_argument("--out", default=None, help="results folder (default results/drc_table1, --quick: "
                                               "results/drc_table1_quick)")
    p.add_argument("--overwrite", action="store_true", help="replace results of other settings in --out")
    p.add_argument("--resnet_weights", default=None, help="ResNet50 teacher weights for cifar: imagenet, none or "
                                                          "a .h5 path")
    p.add_argument("--verbose", default=2, type=int, help="Keras fit verbosity")
    for flag in SIZE_FLAGS:
        p.add_argument(f"--{flag}", default=None, type=int, help=f"override the scale's {flag}")
    return p


def scale_of(args):
    """The Scale for the flags: quick or the dataset's default, with the size flags on top."""
    from drc.experiments import table1

    if args.quick and args.dataset not in ("fashion_mnist", "fashion_mnist_subset"):
        raise UsageError("--quick runs on the bundled Fashion-MNIST subset; leave out --dataset or use fashion_mnist")
    scale = table1.quick_scale() if args.quick else table1.default_scale(args.dataset)
    changes = {f: getattr(args, f) for f in SIZE_FLAGS if getattr(args, f) is not None}
    if args.resnet_weights:
        changes["teacher_options"] = scale.teacher_options + (("resnet_weights", args.resnet_weights),)
    return dataclasses.replace(scale, **changes)


def _check_table1_files(args):
    """--verbose, --data_dir and a --resnet_weights file, before the results folder is made."""
    from drc.core import validation as v

    v.check_choice(args.verbose, "--verbose", (0, 1, 2))
    if args.data_dir is not None:
        v.check_path(args.data_dir, "--data_dir", kind="dir")
    if args.resnet_weights not in (None, "imagenet", "none"):
        v.check_model_file(args.resnet_weights, "--resnet_weights")


def table1_main(argv=None):
    """``drc_table1.py``: every Table 1 condition over the seeds; resumes a run with the same settings."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    args = table1_parser().parse_args(argv)
    from drc.experiments import conditions, table1

    names = [n for n in (args.conditions or "").split(",") if n]
    try:
        conditions.select(names)
    except ValueError as err:
        raise UsageError(f"--conditions: {err}") from None
    seeds = args.seeds if args.seeds is not None else (1 if args.quick else 3)
    if seeds < 1:
        raise UsageError(f"--seeds {seeds} must be at least 1")
    _check_table1_files(args)
    out = args.out or ("results/drc_table1_quick" if args.quick else "results/drc_table1")
    command = " ".join(["python", "scripts/experiments/drc_table1.py"] + [shlex.quote(a) for a in
                                                                           (sys.argv[1:] if argv is None else argv)])
    summary = table1.run_table1(scale_of(args), list(range(seeds)), names, out, args.overwrite, args.data_dir,
                                args.verbose, command)
    print(summary.to_string(index=False, float_format=lambda v: f"{v:.2f}"))
    print(f"wrote {out}/table1.csv, table1_summary.csv, table1.md, table1.png, run_info.json")
    return 0


def visuals_parser(prog="drc_visuals.py"):
    from drc.figures import STYLES

    p = ArgumentParser(prog=prog, description="Visual aids for DRC: a sensor-movie GIF, trajectory styles, "
                                              "learning curves of run folders.")
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


def _check_visuals_args(args):
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
    from drc.core import validation as v

    v.check_number(args.noise, "--noise", minimum=0)
    v.check_int(args.seed, "--seed", minimum=0, maximum=2 ** 32 - 1)
    return styles


def visuals_main(argv=None):
    """``drc_visuals.py``: sensor_movie.gif, trajectory_styles.png and (with --runs) learning_curves.png."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    args = visuals_parser().parse_args(argv)
    styles = _check_visuals_args(args)
    from drc import figures, results
    from drc.core.runs import check_out_dir

    check_out_dir(args.out, VISUALS, args.overwrite, create=False)
    runs = results.run_folders(args.runs) if args.runs else []
    check_out_dir(args.out, VISUALS, args.overwrite)  # the inputs are good: now the folder
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


RESULTS_DESCRIPTION = "The whole CPU-scale results suite of RESULTS.md with one command (``make results``):"


def results_parser(prog="run_all.py"):
    """The flags of ``scripts/experiments/run_all.py`` (the ``drc-results`` command)."""
    p = ArgumentParser(prog=prog, description=RESULTS_DESCRIPTION)
    p.add_argument("--quick", action="store_true", help="every part in its quick mode")
    p.add_argument("--out", default=None, help="results folder (default results/, --quick: results/quick/)")
    p.add_argument("--overwrite", action="store_true", help="passed on to the parts that refuse otherwise")
    p.add_argument("--only", default=None, help="comma-separated parts to run (default: all)")
    p.add_argument("--seeds", type=int, default=None, help="Table 1's seeds (default: its own, 3; 1 with --quick)")
    return p


def results_main(argv=None, scripts_dir=None):
    """Runs the results suite (``drc.experiments.suite.run_suite``) with the scripts in
    ``scripts_dir``, or the installed console commands when it is None; returns the exit code."""
    from drc.experiments.suite import run_suite

    return run_suite(scripts_dir, **vars(results_parser().parse_args(argv)))

