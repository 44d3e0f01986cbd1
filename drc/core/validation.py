"""Checks at the door: every public function and CLI validates its arguments here first, before
any folder is created or any TensorFlow graph is traced (this module imports no TensorFlow).

Each check returns the (normalised) value or raises an error whose one-line message names the
argument, the value received and what is allowed. ``name`` is how the caller spells the
argument: ``"res"`` reads ``res=0``, ``"--phases"`` reads ``--phases 2``. Errors derive from
``drc.core.errors.UsageError`` (a ValueError), so CLIs report them with exit code 2:

- :class:`BadValueError`: a value out of range or not among the choices (ValueError);
- :class:`BadTypeError`: a value of the wrong type (also a TypeError, as Keras raises);
- :class:`BadShapeError`: an array of the wrong rank or size (ValueError);
- :class:`MissingFileError`: a path that does not exist or is of the wrong kind (also FileNotFoundError);
- :class:`CorruptFileError`: a file that exists but cannot be read as what it should be.
"""
import numbers
import os
import zipfile

import numpy as np

from drc.core.errors import OutputExistsError, UsageError

HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"


class BadValueError(UsageError):
    """A value out of range or not among the allowed choices."""


class BadTypeError(UsageError, TypeError):
    """A value of the wrong type."""


class BadShapeError(UsageError):
    """An array of the wrong rank or size."""


class MissingFileError(UsageError, FileNotFoundError):
    """A path that does not exist, or is not of the expected kind (file / folder)."""


class CorruptFileError(UsageError):
    """A file that exists but is truncated, corrupt or not of the expected format."""


def show(name, value):
    """``--flag value`` for command-line flags, ``name=value`` for function arguments."""
    return f"{name} {value}" if name.startswith("-") else f"{name}={value!r}"


def _bounds(minimum, maximum):
    if minimum is not None and maximum is not None:
        return f"between {minimum} and {maximum}"
    return f">= {minimum}" if minimum is not None else f"<= {maximum}"


def check_int(value, name, minimum=None, maximum=None, allow_none=False):
    """An integer (bools and non-integral numbers refused) within [minimum, maximum]."""
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        if isinstance(value, numbers.Real) and not isinstance(value, bool) and float(value).is_integer():
            value = int(value)
        else:
            raise BadTypeError(f"{show(name, value)}: must be an integer"
                               + (f" {_bounds(minimum, maximum)}" if (minimum, maximum) != (None, None) else ""))
    value = int(value)
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        raise BadValueError(f"{show(name, value)}: must be an integer {_bounds(minimum, maximum)}")
    return value


def check_number(value, name, minimum=None, maximum=None, below=None, allow_none=False):
    """A finite real number within [minimum, maximum] (and < ``below`` when given)."""
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise BadTypeError(f"{show(name, value)}: must be a number")
    value = float(value)
    if value != value or value in (float("inf"), float("-inf")):
        raise BadValueError(f"{show(name, value)}: must be a finite number")
    if below is not None and value >= below:
        low = f">= {minimum} and " if minimum is not None else ""
        raise BadValueError(f"{show(name, value)}: must be {low}< {below}")
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        raise BadValueError(f"{show(name, value)}: must be {_bounds(minimum, maximum)}")
    return value


def check_bool(value, name):
    """True/False (also 0 and 1, which the originals pass for flags)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, numbers.Integral) and value in (0, 1):
        return bool(value)
    raise BadValueError(f"{show(name, value)}: must be True or False (or 0, 1)")


def check_choice(value, name, choices):
    """One of ``choices``."""
    choices = tuple(choices)
    try:
        allowed = value in choices
    except TypeError:  # unhashable values
        allowed = False
    if not allowed:
        raise BadValueError(f"{show(name, value)}: unknown; allowed: {', '.join(map(str, choices))}")
    return value


def shape_of(value):
    """The shape of an array, tensor or nested list (None entries for unknown sizes), or None."""
    shape = getattr(value, "shape", None)
    if shape is None:
        try:
            return np.shape(value)
        except (ValueError, TypeError):
            return None
    try:
        return tuple(None if d is None else int(d) for d in shape)
    except (TypeError, ValueError):  # a tensor of unknown rank
        return None


def check_shape(value, name, ndims, last=None, what=None):
    """An array of one of the ranks ``ndims`` (an int or a tuple), optionally with ``last`` as
    its last size; ``what`` describes the axes for the message (e.g. "(batch, height, width,
    channels)"). Returns the shape (None when it is unknown, e.g. a symbolic tensor)."""
    shape = shape_of(value)
    if shape is None:
        return None
    ndims = (ndims,) if isinstance(ndims, int) else tuple(ndims)
    allowed = " or ".join(f"{n}-D" for n in ndims) + (f" {what}" if what else "")
    if len(shape) not in ndims:
        raise BadShapeError(f"{name} has shape {shape}: must be {allowed}")
    if last is not None and shape[-1] not in (None, last):
        raise BadShapeError(f"{name} has shape {shape}: its last axis must have size {last}")
    return shape


def check_path(path, name, kind="file", suffixes=None):
    """An existing, readable file (``kind="file"``) or folder (``kind="dir"``); ``suffixes``:
    allowed file name endings. Returns the path."""
    if not isinstance(path, (str, os.PathLike)):
        raise BadTypeError(f"{show(name, path)}: must be a path")
    path = os.fspath(path)
    if not os.path.exists(path):
        raise MissingFileError(f"{show(name, path)}: no such {'folder' if kind == 'dir' else 'file'}")
    if kind == "dir" and not os.path.isdir(path):
        raise MissingFileError(f"{show(name, path)}: is a file, not a folder")
    if kind == "file" and os.path.isdir(path):
        raise MissingFileError(f"{show(name, path)}: is a folder, not a file")
    if not os.access(path, os.R_OK | (os.X_OK if kind == "dir" else 0)):
        raise MissingFileError(f"{show(name, path)}: not readable (permission denied)")
    if suffixes and kind == "file" and not path.lower().endswith(tuple(s.lower() for s in suffixes)):
        raise BadValueError(f"{show(name, path)}: must end with {' or '.join(suffixes)}")
    return path


def check_model_file(path, name):
    """A Keras model or weights file that can at least be opened: a ``.keras`` zip archive
    holding ``config.json``, or an HDF5 file (``.h5``/``.hdf5``/``.hdf``; the signature and the
    whole-file structure are checked with h5py). A truncated or foreign file is a
    :class:`CorruptFileError` naming it."""
    path = check_path(path, name)
    with open(path, "rb") as f:
        head = f.read(8)
    if head == HDF5_SIGNATURE:
        import h5py

        try:
            with h5py.File(path, "r") as h5:
                list(h5.keys())
        except OSError as err:
            raise CorruptFileError(f"{show(name, path)}: a damaged HDF5 file ({' '.join(str(err).split())})") from None
        return path
    if zipfile.is_zipfile(path):
        try:
            with zipfile.ZipFile(path) as archive:
                if "config.json" not in archive.namelist():
                    raise CorruptFileError(f"{show(name, path)}: a zip archive but not a .keras model (no config.json)")
                bad = archive.testzip()
        except (zipfile.BadZipFile, OSError, EOFError) as err:
            raise CorruptFileError(f"{show(name, path)}: a damaged .keras archive ({err})") from None
        if bad is not None:
            raise CorruptFileError(f"{show(name, path)}: a damaged .keras archive (member {bad} fails its CRC)")
        return path
    raise CorruptFileError(f"{show(name, path)}: neither a .keras archive nor an HDF5 file (truncated or corrupt?)")


def check_new_output(path, name, overwrite=False, flag="--overwrite"):
    """``path`` must not hold earlier results: a missing path passes; an existing one raises
    :class:`drc.core.errors.OutputExistsError` naming it and ``flag`` unless ``overwrite``."""
    path = os.fspath(path)
    if os.path.exists(path) and not overwrite:
        raise OutputExistsError(f"{show(name, path)}: holds earlier results; pass {flag} to replace them "
                                f"or choose another path")
    return path


def check_out_folder(path, name, flag="--out"):
    """An output folder: missing (it will be created after validation) or an existing folder
    (not a file); its parent must be writable when the folder is to be created."""
    path = os.fspath(path)
    if os.path.exists(path):
        if not os.path.isdir(path):
            raise BadValueError(f"{show(name, path)}: is a file, not a folder; choose another {flag}")
        if not os.access(path, os.W_OK | os.X_OK):
            raise BadValueError(f"{show(name, path)}: not writable (permission denied)")
        return path
    parent = os.path.dirname(os.path.abspath(path))
    while not os.path.exists(parent):
        parent = os.path.dirname(parent)
    if not os.path.isdir(parent) or not os.access(parent, os.W_OK | os.X_OK):
        raise BadValueError(f"{show(name, path)}: cannot be created ({parent} is not a writable folder)")
    return path


def corrupt(path, what, err):
    """A :class:`CorruptFileError` for ``path`` that should have been ``what`` (e.g. "a CIFAR batch")."""
    detail = " ".join(str(err).split()) or type(err).__name__
    return CorruptFileError(f"{path}: not a readable {what} (truncated or corrupt: {detail})")
