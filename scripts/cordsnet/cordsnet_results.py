"""CordsNet-R2 on real Fashion-MNIST at CPU scale: pipeline vs scratch vs the equivalent CNN.

    python scripts/cordsnet/cordsnet_results.py --out results/cordsnet [--quick] [--overwrite]
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))

from cordsnet.cli import results_main as main  # noqa: E402
from drc.core.cli import run_cli  # noqa: E402

if __name__ == "__main__":
    run_cli(main)
