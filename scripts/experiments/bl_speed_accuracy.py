"""BL's speed-accuracy trade-off on real Fashion-MNIST, with its feed-forward control B.

python scripts/experiments/bl_speed_accuracy.py [--dataset fashion_mnist|fashion_mnist_subset]
    [--train_size 10000] [--test_size 2000] [--epochs 2] [--width_multiplier 0.0625]
    [--n_timesteps 8] [--seed 0] [--augment mix|clean] [--noise_sds 0.1,0.3,0.5]
    [--blur_sigmas 1,2,3] [--quick] [--out results/bl_speed_accuracy] [--overwrite]

Trains BL and B from scratch (28 x 28 images zero-padded to 32 x 32, one grey channel, BL's first
six layers), evaluates both on clean, noisy and blurred test images, and writes per-step
accuracies, entropy-threshold speed-accuracy curves (time steps and FLOPs), a CSV, a markdown
table, plots and run_info.json to --out. An --out holding an earlier run is refused unless
--overwrite.
"""
import argparse
import os
import shlex
import sys

try:
    import convrnn_bl  # noqa: F401
except ImportError:
    sys.path.insert(0, os.path.abspath(os.path.join(os.path.dirname(__file__), os.pardir, os.pardir)))

from convrnn_bl.cli import OneLineArgumentParser, quiet_native_stderr, run

PROG = "bl_speed_accuracy.py"
DATASETS = ("fashion_mnist", "fashion_mnist_subset")
DEFAULTS = dict(dataset="fashion_mnist", train_size=10000, test_size=2000, epochs=2)
# --quick: the bundled subset (always present), about 3 minutes on 2 busy cores.
QUICK = dict(dataset="fashion_mnist_subset", train_size=1500, test_size=400, epochs=2)
VALIDATION_SIZE = 500
POOLS = {"fashion_mnist": (60000, 10000), "fashion_mnist_subset": (5000, 1000)}


def _levels(text):
    try:
        values = [float(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated numbers, got {text!r}") from None
    if any(v <= 0 for v in values):
        raise argparse.ArgumentTypeError(f"levels must be > 0, got {text!r}")
    return values


def setup_args(argv=None):
    p = OneLineArgumentParser(prog=PROG, description=__doc__.splitlines()[0])
    p.add_argument("--dataset", choices=DATASETS,
                   help=f"default {DEFAULTS['dataset']} (--quick: the bundled subset)")
    p.add_argument("--train_size", type=int, help=f"training images (default {DEFAULTS['train_size']})")
    p.add_argument("--test_size", type=int,
                   help=f"test images per condition (default {DEFAULTS['test_size']})")
    p.add_argument("--epochs", type=int, help=f"epochs for each model (default {DEFAULTS['epochs']})")
    p.add_argument("--width_multiplier", type=float, default=1 / 16, help="BL/B filter multiplier")
    p.add_argument("--n_timesteps", type=int, default=8, help="BL time steps (readouts)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--augment", choices=("mix", "clean"), default="mix",
                   help="train on a clean/noise/blur mix (default) or on clean images only")
    p.add_argument("--noise_sds", type=_levels, default=[0.1, 0.3, 0.5],
                   help="test noise sds ([0, 1] pixel units)")
    p.add_argument("--blur_sigmas", type=_levels, default=[1.0, 2.0, 3.0], help="test blur sigmas (pixels)")
    p.add_argument("--quick", action="store_true", help="a couple of minutes on the bundled subset")
    p.add_argument("--out", default=os.path.join("results", "bl_speed_accuracy"))
    p.add_argument("--overwrite", action="store_true", help="replace an earlier run's outputs in --out")
    args = p.parse_args(argv)
    for key, value in (QUICK if args.quick else DEFAULTS).items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    train_pool, test_pool = POOLS[args.dataset]
    for flag in ("train_size", "test_size", "epochs", "n_timesteps"):
        if getattr(args, flag) < 1:
            p.error(f"argument --{flag}: must be >= 1, got {getattr(args, flag)}")
    if args.width_multiplier <= 0:
        p.error(f"argument --width_multiplier: must be > 0, got {args.width_multiplier}")
    if args.train_size + VALIDATION_SIZE > train_pool:
        p.error(f"argument --train_size: {args.dataset} has {train_pool} training images, {VALIDATION_SIZE} "
                f"of them for validation, so at most {train_pool - VALIDATION_SIZE}; got {args.train_size}")
    if args.test_size > test_pool:
        p.error(f"argument --test_size: {args.dataset} has {test_pool} test images, got {args.test_size}")
    return args


def experiment(args, command):
    from convrnn_bl.experiments.outputs import check_out_dir

    check_out_dir(args.out, args.overwrite)  # before TensorFlow starts
    with quiet_native_stderr():
        from convrnn_bl.experiments.speed_accuracy_run import Config, run_experiment
    config = Config(dataset=args.dataset, train_size=args.train_size, val_size=VALIDATION_SIZE,
                    test_size=args.test_size, epochs=args.epochs, width_multiplier=args.width_multiplier,
                    n_timesteps=args.n_timesteps, seed=args.seed, augment=args.augment,
                    noise_sds=args.noise_sds, blur_sigmas=args.blur_sigmas)
    table, info = run_experiment(config, args.out, command, args.overwrite)
    steps = table[(table.curve == "per_step")]
    for name, group in steps.groupby("condition", sort=False):
        bl = group[group.model == "BL"].sort_values("time_step").accuracy
        b = group[group.model == "B"].accuracy.iloc[0]
        print(f"{name:>10}: B {b:.3f} | BL " + " ".join(f"{a:.3f}" for a in bl))
    print(f"wall time {info['wall_time_s']} s; wrote {args.out}")


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    args = setup_args(argv)
    command = "python scripts/experiments/bl_speed_accuracy.py " + " ".join(shlex.quote(a) for a in argv)
    run(PROG, experiment, args, command.strip())


if __name__ == "__main__":
    main()
