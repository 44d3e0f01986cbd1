"""Shared command-line plumbing of scripts/convrnn (no TensorFlow import).

Scripts build an :class:`OneLineArgumentParser`, call one library function inside :func:`run`,
and so report bad arguments and known errors as one line on stderr with exit code 2.
"""
import argparse
import contextlib
import os
import sys

from convrnn_bl.errors import ConvRNNError
from drc.arguments import UsageError

TRUE_WORDS = ("true", "t", "yes", "y", "1", "on")
FALSE_WORDS = ("false", "f", "no", "n", "0", "off", "")


class OneLineArgumentParser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line (``prog: error: message``), exit code 2."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {' '.join(str(message).split())}\n")


def str2bool(value):
    """``--pretrained`` values: the original's ``type=bool`` read every non-empty string as True,
    so ``--pretrained False`` meant True. Here true/false words parse as expected (any case);
    other words are an error rather than a silent True."""
    if isinstance(value, bool):
        return value
    word = str(value).strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise argparse.ArgumentTypeError(f"expected True or False, got {value!r}")


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


@contextlib.contextmanager
def quiet_native_stderr():
    """Silences C++ log lines (CUDA probing, absl start-up) written straight to file descriptor 2
    while TensorFlow starts. Skipped when TF_CPP_MIN_LOG_LEVEL is set to 0 or 1."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    if os.environ["TF_CPP_MIN_LOG_LEVEL"] in ("0", "1"):
        yield
        return
    sys.stderr.flush()
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        sys.stderr.flush()
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def import_tensorflow():
    """Imports TensorFlow and probes its devices quietly; returns the module."""
    with quiet_native_stderr():
        import tensorflow as tf

        tf.config.list_physical_devices()
    return tf


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
