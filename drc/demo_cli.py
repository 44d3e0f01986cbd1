"""The command line of the README demo (scripts/demo.py, the ``drc-demo`` console command)."""
import os

from drc.core.cli import ArgumentParser
from drc.core.validation import check_int, check_out_folder

DESCRIPTION = "The README demo on the bundled real Fashion-MNIST subset (runs offline on a CPU in minutes)."


def main(argv=None):
    """Sensor-movie pictures, a small teacher, the naive low-resolution baseline and a DRC, with their
    test accuracies (results.csv and accuracy.png in --out)."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    parser = ArgumentParser(prog="demo.py", description=DESCRIPTION)
    parser.add_argument("--out", default="demo_output", help="folder for the pictures and results")
    parser.add_argument("--sensor_only", action="store_true", help="only the sensor-movie pictures")
    parser.add_argument("--quick", action="store_true", help="one epoch per stage (a smoke run)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    check_int(args.seed, "--seed", minimum=0, maximum=2 ** 32 - 1)
    check_out_folder(args.out, "--out")
    from drc import demo

    os.makedirs(args.out, exist_ok=True)
    if args.sensor_only:
        print("wrote " + ", ".join(demo.sensor_pictures(args.out, seed=args.seed)))
        return 0
    epochs = dict(teacher_epochs=1, student_epochs=1, decoder_epochs=1) if args.quick else {}
    demo.run_demo(args.out, seed=args.seed, **epochs)
    return 0
