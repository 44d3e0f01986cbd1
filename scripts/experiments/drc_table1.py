"""The DRC paper's Table 1 on one dataset, several seeds: teacher, naive low resolution, averaged
prediction, DRC not moving / without and with position / 5 and 10 steps / curved and straight.

python scripts/experiments/drc_table1.py [--dataset fashion_mnist] [--seeds 3] [--out results/drc_table1]
  [--quick] [--train_size N --val_size N --test_size N] [--teacher_epochs N --student_epochs N
  --decoder_epochs N] [--conditions a,b] [--overwrite]

Fashion-MNIST (28x28 -> 7x7 sensor) runs at CPU scale by default (about 17 minutes a seed on 2 cores);
cifar10 / cifar100 (32x32 -> 8x8) run at the paper's scale (ResNet50 teacher, needs --data_dir
and ImageNet weights, and a GPU in practice). Running it again with the same settings resumes.
"""
import dataclasses
import os
import shlex
import sys

try:
    import drc  # noqa: F401
except ImportError:  # a checkout without pip install
    sys.path.insert(0, os.path.abspath(os.path.join(os.path.dirname(__file__), os.pardir, os.pardir)))

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from drc.core.cli import ArgumentParser, run_cli  # noqa: E402
from drc.core.errors import UsageError  # noqa: E402

PROG = "drc_table1.py"
DATASETS = ("fashion_mnist", "fashion_mnist_subset", "cifar10", "cifar100")
SIZE_FLAGS = ("res", "train_size", "val_size", "test_size", "teacher_epochs", "student_epochs", "decoder_epochs")


def parser():
    p = ArgumentParser(prog=PROG, description=__doc__.splitlines()[0])
    p.add_argument("--dataset", default="fashion_mnist", choices=DATASETS, help="image dataset")
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


def main(argv=None):
    args = parser().parse_args(argv)
    from drc.experiments import conditions, table1

    names = [n for n in (args.conditions or "").split(",") if n]
    try:
        conditions.select(names)
    except ValueError as err:
        raise UsageError(f"--conditions: {err}") from None
    seeds = args.seeds if args.seeds is not None else (1 if args.quick else 3)
    if seeds < 1:
        raise UsageError(f"--seeds {seeds} must be at least 1")
    out = args.out or ("results/drc_table1_quick" if args.quick else "results/drc_table1")
    command = " ".join(["python", "scripts/experiments/drc_table1.py"] + [shlex.quote(a) for a in
                                                                           (sys.argv[1:] if argv is None else argv)])
    summary = table1.run_table1(scale_of(args), list(range(seeds)), names, out, args.overwrite, args.data_dir,
                                args.verbose, command)
    print(summary.to_string(index=False, float_format=lambda v: f"{v:.2f}"))
    print(f"wrote {out}/table1.csv, table1_summary.csv, table1.md, table1.png, run_info.json")
    return 0


if __name__ == "__main__":
    sys.exit(run_cli(main, prog=PROG))
