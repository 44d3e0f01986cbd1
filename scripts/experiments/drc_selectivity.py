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
import argparse
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import _bootstrap  # noqa: F401,E402

from drc.core.cli import ArgumentParser, run_cli  # noqa: E402

PROG = "drc_selectivity.py"


def _floats(text):
    try:
        values = [float(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated numbers, got {text!r}")
    if not values:
        raise argparse.ArgumentTypeError("expected at least one number")
    return values


def parser():
    p = ArgumentParser(prog=PROG, description=__doc__.splitlines()[0])
    p.add_argument("--student", help="a saved DRC student (.keras; a run folder's student.keras); "
                                     "default: train a small one first")
    p.add_argument("--teacher", help="the teacher whose preprocessing record the student's data had (default: the "
                                     "run folder's config.json, else fitted on the bundled Fashion-MNIST subset)")
    p.add_argument("--out", default=os.path.join("results", "drc_selectivity"), help="output folder")
    p.add_argument("--where", default="centre", choices=("centre", "mean"),
                   help="read each channel at the feature map's centre or average over the map")
    p.add_argument("--layer", help="the layer to analyse (default: the first ConvGRU2D/ConvLSTM2D)")
    p.add_argument("--spatial", type=_floats, help="spatial frequencies, cycles/image (default 0.25 .. res/2)")
    p.add_argument("--temporal", type=_floats, help="temporal frequencies, cycles/step (default 0 .. 0.5)")
    p.add_argument("--directions", type=int, default=8, help="drift directions over 360 degrees")
    p.add_argument("--phases", type=int, default=4, help="starting phases (at least 3)")
    p.add_argument("--contrast", type=float, default=1.0, help="grating contrast in (0, 1]")
    p.add_argument("--skip", type=int, default=1, help="first time steps left out of the amplitude")
    p.add_argument("--seed", type=int, default=0, help="seed of the untrained control (and of the training)")
    p.add_argument("--teacher_epochs", type=int, default=2, help="without --student: teacher epochs")
    p.add_argument("--student_epochs", type=int, default=2, help="without --student: distillation epochs")
    p.add_argument("--quick", action="store_true", help="a small grid (and a tiny student): a smoke run")
    p.add_argument("--overwrite", action="store_true", help="replace an earlier analysis in --out")
    return p


def main(argv=None):
    from drc.experiments.selectivity_run import run_selectivity

    run_selectivity(**vars(parser().parse_args(argv)))
    return 0


if __name__ == "__main__":
    sys.exit(run_cli(main, prog=PROG))
