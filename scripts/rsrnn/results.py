"""RS-RNN's CPU-scale results (RESULTS.md): python scripts/rsrnn/results.py [--quick] [--out results/rsrnn].

Trains the five models on the MNIST canvas task, attacks them per step and writes the tables and
figures; an interrupted call continues where it stopped, --overwrite starts afresh.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))

from drc.core.cli import run_cli  # noqa: E402
from rsrnn.results_cli import results_main  # noqa: E402

if __name__ == "__main__":
    sys.exit(run_cli(results_main, prog="results.py"))
