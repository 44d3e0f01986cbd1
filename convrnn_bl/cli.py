"""Shared command-line plumbing of scripts/convrnn (no TensorFlow import).

Scripts build an :class:`OneLineArgumentParser`, call one library function inside :func:`run`,
and so report bad arguments and known errors as one line on stderr with exit code 2.
"""
import argparse
import sys

from convrnn_bl.errors import ConvRNNError
from drc.core.cli import import_tensorflow, quiet_native_stderr, str2bool  # noqa: F401
from drc.core.errors import UsageError

class OneLineArgumentParser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line (``prog: error: message``), exit code 2."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {' '.join(str(message).split())}\n")


def fail(prog, message, code=2):
    """Prints ``prog: error: message`` on one line to stderr and exits."""
    sys.stderr.write(f"{prog}: error: {' '.join(str(message).split())}\n")
    sys.stderr.flush()
    raise SystemExit(code)


def run(prog, main, *args, **kwargs):
    """Calls ``main``; known errors (ConvRNNError, UsageError, OSError) become one line on
    stderr, exit 2."""
    try:
        return main(*args, **kwargs)
    except (ConvRNNError, UsageError) as err:
        fail(prog, err)
    except OSError as err:
        fail(prog, f"{err.strerror or err}: {err.filename}" if err.filename else err)
    except KeyboardInterrupt:
        fail(prog, "interrupted", code=130)


def add_model_size_args(parser, width_help):
    """The scripts' added ``--image_size`` and ``--width_multiplier`` (defaults: the original)."""
    parser.add_argument("--image_size", default=224, type=int, help="model input size (original: 224)")
    parser.add_argument("--width_multiplier", default=1.0, type=float, help=width_help)


def check_model_size(parser, args):
    """One-line argparse errors for an input size BL cannot pool or a non-positive width."""
    if args.image_size < 64:
        parser.error(f"argument --image_size: BL pools 6 times, so it needs >= 64, got {args.image_size}")
    if args.width_multiplier <= 0:
        parser.error(f"argument --width_multiplier: must be > 0, got {args.width_multiplier}")
