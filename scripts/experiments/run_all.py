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

from drc.core.cli import ArgumentParser, run_cli  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


def parser():
    p = ArgumentParser(prog="run_all.py", description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="every part in its quick mode")
    p.add_argument("--out", default=None, help="results folder (default results/, --quick: results/quick/)")
    p.add_argument("--overwrite", action="store_true", help="passed on to the parts that refuse otherwise")
    p.add_argument("--only", default=None, help="comma-separated parts to run (default: all)")
    p.add_argument("--seeds", type=int, default=None, help="Table 1's seeds (default: its own, 3; 1 with --quick)")
    return p


def main(argv=None):
    from drc.experiments.suite import run_suite

    return run_suite(HERE, **vars(parser().parse_args(argv)))


if __name__ == "__main__":
    sys.exit(run_cli(main, prog="run_all.py"))
