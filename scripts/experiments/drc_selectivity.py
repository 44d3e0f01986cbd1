"""Spatio-temporal frequency selectivity of a DRC student's early units (and of an untrained control).

python scripts/experiments/drc_selectivity.py [--student STUDENT.keras] [--teacher TEACHER.keras]
    [--out results/drc_selectivity] [--where centre|mean] [--spatial 0.25,0.5,...] [--temporal 0,0.05,...]
    [--directions 8] [--phases 4] [--quick] [--overwrite]

Drifting gratings go through the DRC sensor into the student; each unit of its first ConvRNN layer
gets a spatial x temporal frequency response matrix, a preferred (spatial, temporal) frequency and
a separability index. Without --student, a small 10-step DRC student is trained first on the
bundled Fashion-MNIST subset (teacher and run folder in OUT/runs/). An --out holding an earlier
analysis is refused unless --overwrite.
"""
import sys

import _bootstrap  # noqa: F401

from drc.core.cli import run_cli
from drc.experiments.cli import selectivity_main as main

if __name__ == "__main__":
    sys.exit(run_cli(main, prog="drc_selectivity.py"))
