"""Argument checks of the student layers (Keras style: ValueError / TypeError naming the
argument, the value and what is allowed). ``students`` imports only Keras, so these mirror
``drc.core.validation`` for the few checks its layers need."""
import numbers


def check_int(value, name, minimum=None, allow_none=False):
    """An integer (not a bool) >= ``minimum``; returns it as an int."""
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name}={value!r}: must be an integer" + (f" >= {minimum}" if minimum is not None else ""))
    if minimum is not None and value < minimum:
        raise ValueError(f"{name}={value!r}: must be an integer >= {minimum}")
    return int(value)


def check_fraction(value, name):
    """A number in [0, 1) (dropout rates)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name}={value!r}: must be a number in [0, 1)")
    if not 0 <= value < 1:
        raise ValueError(f"{name}={value!r}: must be in [0, 1)")
    return float(value)


def check_choice(value, name, choices):
    """One of ``choices``."""
    if value not in choices:
        raise ValueError(f"{name}={value!r}: unknown; allowed: {', '.join(map(repr, choices))}")
    return value
