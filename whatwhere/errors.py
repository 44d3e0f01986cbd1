"""The one error root of the What/Where family (a drc.core UsageError: one line, CLI exit 2)."""
from drc.core.errors import UsageError


class WhatWhereError(UsageError):
    """A bad What/Where request: a value out of range, an unknown name, a mismatched cache."""


def check_count(name, value, minimum=1):
    """Returns ``value`` as an int; raises WhatWhereError unless it is an integer >= ``minimum``."""
    if isinstance(value, bool) or int(value) != value or value < minimum:
        raise WhatWhereError(f"{name}={value!r} must be an integer >= {minimum}")
    return int(value)


def check_contrast(value, name="contrast"):
    """Returns ``value``; raises WhatWhereError unless 0 < value <= 1."""
    if not 0 < float(value) <= 1:
        raise WhatWhereError(f"{name}={value!r} is outside (0, 1]")
    return float(value)
