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

from convrnn_bl.experiments.settings import DATASETS, PRESETS, make_config  # noqa: E402
from drc.core.cli import ArgumentParser, quiet_native_stderr, run_cli  # noqa: E402
from drc.core.errors import UsageError  # noqa: E402

PROG = "bl_speed_accuracy.py"
DEFAULTS = PRESETS["default"]


def _levels(text):
    try:
        values = [float(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated numbers, got {text!r}") from None
    if any(v <= 0 for v in values):
        raise argparse.ArgumentTypeError(f"levels must be > 0, got {text!r}")
    return values


def parser():
    p = ArgumentParser(prog=PROG, description=__doc__.splitlines()[0])
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
    return p


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    p = parser()
    args = vars(p.parse_args(argv))
    out, overwrite, quick = args.pop("out"), args.pop("overwrite"), args.pop("quick")
    try:
        config = make_config(quick, **args)
    except UsageError as err:
        p.error(str(err))
    command = "python scripts/experiments/bl_speed_accuracy.py " + " ".join(shlex.quote(a) for a in argv)
    from convrnn_bl.experiments.outputs import OUTPUTS
    from drc.core.runs import check_out_dir

    check_out_dir(out, OUTPUTS, overwrite)  # before TensorFlow starts
    with quiet_native_stderr():
        from convrnn_bl.experiments.speed_accuracy_run import run_and_report
    run_and_report(config, out, command.strip(), overwrite)


if __name__ == "__main__":
    run_cli(main, prog=PROG)
