"""CordsNet's user-facing errors (all :class:`drc.core.errors.UsageError`, so one line in a CLI)."""
from drc.core.errors import UsageError


class CordsNetConfigError(UsageError):
    """An impossible model or training configuration (depth, widths, image size, steps)."""


class CheckpointError(UsageError):
    """A checkpoint that is missing, corrupt, or of another model (the first mismatch is named)."""
