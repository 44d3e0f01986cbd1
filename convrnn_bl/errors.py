"""Errors with a message a user can act on; the scripts print it on one line and exit with 2."""

from drc.core.errors import UsageError


class ConvRNNError(UsageError):
    """A known, user-fixable problem (bad path, wrong file, inconsistent data folders)."""


class WeightFileError(ConvRNNError, ValueError):
    """A weight file that cannot be used: corrupt, not a Keras 2 file, or for another model."""


class MissingWeightsError(ConvRNNError, FileNotFoundError):
    """A weight file that does not exist; the message says what to pass instead."""


class DataError(ConvRNNError, ValueError):
    """Image folders or tables that do not have the expected layout."""
