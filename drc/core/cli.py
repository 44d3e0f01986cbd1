"""Command-line plumbing every script shares (no TensorFlow import at module load).

Scripts build an :class:`ArgumentParser` (errors on one line, exit code 2), may ask
:func:`explicit_dests` which flags the user typed, and run their ``main`` through
:func:`run_cli`, so that known user errors end as one line on stderr with exit code 2.
"""
import argparse
import contextlib
import os
import sys

from drc.core.errors import UsageError

EXIT_USAGE = 2
EXIT_INTERRUPTED = 130
TRUE_WORDS = ("true", "t", "yes", "y", "1", "on")
FALSE_WORDS = ("false", "f", "no", "n", "0", "off", "")


class ArgumentParser(argparse.ArgumentParser):
    """argparse.ArgumentParser whose errors are one line (``prog: error: ...``), exit code 2."""

    def error(self, message):
        self.exit(EXIT_USAGE, f"{self.prog}: error: {' '.join(str(message).split())} (see --help)\n")


def add_bool_pair(parser, name, help_on):
    """Adds the ``--name`` / ``--no-name`` pair writing one boolean ``dest``."""
    parser.add_argument(f"--{name}", dest=name, action="store_true", help=help_on)
    parser.add_argument(f"--no-{name}", dest=name, action="store_false", help=f"the opposite of --{name}")


def str2bool(value):
    """A boolean flag value: true/false words in any case; other words are an error (argparse's
    ``type=bool`` would read every non-empty string, "False" included, as True)."""
    if isinstance(value, bool):
        return value
    word = str(value).strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise argparse.ArgumentTypeError(f"expected True or False, got {value!r}")


_NOT_GIVEN = object()


def explicit_dests(parser, argv=None):
    """The ``dest`` names the command line ``argv`` sets explicitly (defaults excluded).

    Lets a script tell ``--res 8`` typed by the user from the default 8. ``argv`` must already
    parse (parse it first: errors are reported there).
    """
    probe = argparse.Namespace(**{a.dest: _NOT_GIVEN for a in parser._actions if a.dest != argparse.SUPPRESS})
    parsed, _ = parser.parse_known_args(sys.argv[1:] if argv is None else argv, namespace=probe)
    return {k for k, v in vars(parsed).items() if v is not _NOT_GIVEN}


def error_line(prog, err):
    """The one-line message for a known error: ``prog: error: <message>``."""
    if isinstance(err, OSError) and not isinstance(err, UsageError) and err.filename and err.strerror:
        message = f"{err.strerror}: {err.filename}"
    else:
        message = " ".join(str(err).split()) or type(err).__name__
    return f"{prog}: error: {message}"


def run_cli(main, argv=None, prog=None, interrupt_hint=None):
    """Runs ``main(argv)``; known user errors print one line on stderr and exit with code 2.

    Known errors: UsageError (every package's errors derive from it), FileExistsError,
    FileNotFoundError and other OSErrors (a path that cannot be read or written). Ctrl-C exits
    with code 130 and one line (plus ``interrupt_hint``). Anything else is a bug and keeps its
    traceback.
    """
    prog = prog or os.path.basename(sys.argv[0])
    os.environ.setdefault("MPLBACKEND", "Agg")  # scripts write figure files; notebooks keep inline
    try:
        return main(argv)
    except (UsageError, OSError) as err:
        print(error_line(prog, err), file=sys.stderr)
        sys.exit(EXIT_USAGE)
    except KeyboardInterrupt:
        print(f"{prog}: interrupted" + (f"; {interrupt_hint}" if interrupt_hint else ""), file=sys.stderr)
        sys.exit(EXIT_INTERRUPTED)


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
