"""Rebuilds SATBench's human-experiment images as class folders per test condition.

python reformat_test_data_dir.py --old_dir OLD_DIR --new_dir NEW_DIR
"""
import _bootstrap  # noqa: F401

from convrnn_bl.folders import reformat_test_data_dir
from drc.core.cli import ArgumentParser, run_cli

PROG = "reformat_test_data_dir.py"


def setup_args(argv=None):
    parser = ArgumentParser(prog=PROG, description=__doc__.splitlines()[0])
    parser.add_argument("--old_dir", type=str, required=True,
                        help="human-experiment data (ColorGraySplit/, BlurSplit_color/, "
                             "NoiseSplit_gray_contrast0.2/, each with blocks 0..4)")
    parser.add_argument("--new_dir", type=str, required=True,
                        help="where color/, grayscale/, blur_color/, noise_grayscale/ are created")
    return parser.parse_args(argv)


def main(argv=None):
    args = setup_args(argv)
    counts = reformat_test_data_dir(args.old_dir, args.new_dir)
    copied = ", ".join(f"{k}: {v}" for k, v in counts.items() if k != "failed")
    print(f"copied to {args.new_dir}: {copied} ({counts['failed']} failed)")


if __name__ == "__main__":
    run_cli(main, prog=PROG)
