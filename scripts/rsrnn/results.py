"""RS-RNN's CPU-scale results (RESULTS.md): python scripts/rsrnn/results.py [--quick] [--out results/rsrnn].

Trains the five models on the MNIST canvas task, attacks them per step and writes the tables and
figures; an interrupted call continues where it stopped, --overwrite starts afresh.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))

from drc.core.cli import ArgumentParser, run_cli  # noqa: E402


def main(argv=None):
    parser = ArgumentParser(prog="results.py", description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="results/rsrnn")
    parser.add_argument("--quick", action="store_true", help="a tiny scale that checks the pipeline in minutes")
    parser.add_argument("--overwrite", action="store_true", help="train and attack every model again")
    args = parser.parse_args(argv)
    from rsrnn.experiments import run_results

    print(run_results(args.out, quick=args.quick, overwrite=args.overwrite).to_string(index=False))
    return 0


if __name__ == "__main__":
    sys.exit(run_cli(main, prog="results.py"))
