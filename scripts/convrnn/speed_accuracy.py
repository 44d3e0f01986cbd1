"""Speed-accuracy analysis of test.py's softmax scores (run test.py with --save_scores first).

python speed_accuracy.py --scores M/model/results/scores_{tag}.npz --out_dir OUT
[--human_csv H.csv [--condition C]] [--n_thresholds 41]

Writes OUT/speed_accuracy_curve.csv (entropy-threshold curve), speed_accuracy_steps.csv
(accuracy and FLOPs per time step), speed_accuracy_metrics.json (with the SATBench metrics
when human data are given) and speed_accuracy.png.
"""
import os

import _bootstrap  # noqa: F401

from convrnn_bl.errors import DataError
from drc.core.cli import ArgumentParser, run_cli

PROG = "speed_accuracy.py"


def setup_args(argv=None):
    parser = ArgumentParser(prog=PROG, description=__doc__.splitlines()[0])
    parser.add_argument("--scores", required=True, type=str, help="scores_{tag}.npz from test.py")
    parser.add_argument("--out_dir", required=True, type=str)
    parser.add_argument("--human_csv", default=None, type=str,
                        help="columns reaction_time, accuracy or correct, [category], [condition]")
    parser.add_argument("--condition", default=None, type=str, help="condition to select in --human_csv")
    parser.add_argument("--n_thresholds", default=41, type=int)
    args = parser.parse_args(argv)
    if args.n_thresholds < 2:
        parser.error(f"argument --n_thresholds: must be >= 2, got {args.n_thresholds}")
    return args


def analyse(args):
    import zipfile

    import numpy as np

    from convrnn_bl.speed_accuracy import default_thresholds, run_analysis

    if not os.path.isfile(args.scores):
        raise DataError(f"scores file {args.scores} not found (run test.py with --save_scores)")
    try:
        with np.load(args.scores) as data:
            probabilities, labels = data["probabilities"], data["labels"]
            flops = data["flops"] if "flops" in data else None
            class_names = [str(c) for c in data["class_names"]] if "class_names" in data else None
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as err:
        raise DataError(f"{args.scores} is not a scores file from test.py ({type(err).__name__})") from None
    result = run_analysis(probabilities, labels, args.out_dir, flops=flops, human_csv=args.human_csv,
                          condition=args.condition,
                          thresholds=default_thresholds(probabilities.shape[-1], args.n_thresholds),
                          class_names=class_names)
    print("accuracy per time step:", " ".join(f"{a:.3f}" for a in result["step_accuracy"]))
    if "human_comparison" in result["metrics"]:
        print("human comparison:", result["metrics"]["human_comparison"])
    print("wrote", ", ".join(result["paths"].values()))


def main(argv=None):
    analyse(setup_args(argv))


if __name__ == "__main__":
    run_cli(main, prog=PROG)
