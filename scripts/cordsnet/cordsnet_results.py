"""CordsNet-R2 on real Fashion-MNIST at CPU scale: pipeline vs scratch vs the equivalent CNN.

    python scripts/cordsnet/cordsnet_results.py --out results/cordsnet [--quick] [--overwrite]
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))

from drc.core.cli import ArgumentParser, run_cli  # noqa: E402


def main(argv=None):
    p = ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", default="results/cordsnet", help="output folder")
    p.add_argument("--quick", action="store_true", help="a smaller scale (minutes) for checking the pipeline")
    p.add_argument("--overwrite", action="store_true", help="replace an earlier run's outputs in --out")
    args = p.parse_args(argv)
    from cordsnet.experiments import run_results

    run_results(args.out, quick=args.quick, overwrite=args.overwrite)


if __name__ == "__main__":
    run_cli(main)
