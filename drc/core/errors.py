"""The one error root of the repository: every package's user-facing errors derive from it."""


class UsageError(ValueError):
    """A problem with what the user asked for (flags, paths, files); reported as one line."""


class OutputExistsError(UsageError, FileExistsError):
    """An output folder or file that holds an earlier run's results (never overwritten silently)."""


class DatasetNotFoundError(UsageError, FileNotFoundError):
    """A dataset that is neither local nor downloadable; the message says where to put it."""
