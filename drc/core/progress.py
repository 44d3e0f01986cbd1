"""Progress bars for long loops that are not a Keras ``fit`` (suites, sweeps, evaluations over
many conditions, bank building).

``progress(items, desc)`` wraps an iterable in a tqdm bar on stderr when stderr is a terminal,
and returns it unchanged otherwise (logs, CI, pipes and notebooks' captured output stay clean).
Without tqdm installed the loop runs without a bar.
"""
import sys


def enabled(stream=None):
    """True when a bar would be drawn: ``stream`` (stderr by default) is a terminal."""
    stream = sys.stderr if stream is None else stream
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def progress(items, desc=None, total=None, unit="it", stream=None):
    """``items`` with a progress bar when on a terminal; ``items`` itself otherwise."""
    if not enabled(stream):
        return items
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return items
    return tqdm(items, desc=desc, total=total, unit=unit, file=sys.stderr if stream is None else stream,
                dynamic_ncols=True, leave=False)
