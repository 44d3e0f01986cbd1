"""The whole CPU-scale results suite of RESULTS.md with one command (``make results``):
DRC Table 1 on Fashion-MNIST, the spatio-temporal selectivity of its 10-step student, the
visual aids, and BL's speed-accuracy experiment. ``--quick`` runs every part in its quick mode
(a few minutes each) into ``results/quick/``.

``<out>/run_all.json`` records the suite: its settings, each finished part's wall time, and
whether all parts finished. Running the same command again after an interruption continues
the suite: finished parts are skipped and Table 1 resumes its finished rows (the other parts
restart). Without ``--overwrite`` each part refuses a folder holding another run's results.
"""
import os
import sys

import _bootstrap  # noqa: F401,E402

from drc.core.cli import run_cli  # noqa: E402
from drc.experiments.cli import results_main  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


def main(argv=None):
    return results_main(argv, scripts_dir=HERE)


if __name__ == "__main__":
    sys.exit(run_cli(main, prog="run_all.py"))
