"""The README demo on the bundled real Fashion-MNIST subset (runs offline on a CPU in minutes).

Usage: python scripts/demo.py [--out demo_output] [--quick | --sensor_only]
Writes sensor-movie pictures, trains a small teacher, the naive low-resolution baseline and a DRC,
and prints their test accuracies (also results.csv and accuracy.png in --out).
"""
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from drc.core.cli import run_cli  # noqa: E402
from drc.demo_cli import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(run_cli(main, prog="demo.py"))
