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


def check_number(value, name, minimum=None, maximum=None, below=None, allow_none=False, above=None):
    """A finite real number within [minimum, maximum] (and < ``below``, > ``above`` when given)."""
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise BadTypeError(f"{show(name, value)}: must be a number")
    value = float(value)
    if value != value or value in (float("inf"), float("-inf")):
        raise BadValueError(f"{show(name, value)}: must be a finite number")
    if above is not None and value <= above:
        raise BadValueError(f"{show(name, value)}: must be > {above}")
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


MODEL_CLASSES = ("Functional", "Sequential", "Model")


def read_model_config(path, name):
    """The architecture of a saved Keras model, read without TensorFlow: ``config.json`` of a
    ``.keras`` archive, or the ``model_config`` attribute of a whole-model HDF5 file (Keras 2 or
    3). A readable file without one (a weights-only file, an HDF5 of other data) is a
    :class:`CorruptFileError` naming it."""
    import json

    path = check_model_file(path, name)
    try:
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as archive:
                text = archive.read("config.json")
        else:
            import h5py

            with h5py.File(path, "r") as h5:
                text = h5.attrs.get("model_config")
            if text is None:
                raise CorruptFileError(f"{show(name, path)}: an HDF5 file but not a saved Keras model (no model "
                                       f"architecture; a weights-only file?)")
        config = json.loads(text.decode("utf-8") if isinstance(text, bytes) else text)
    except (ValueError, UnicodeDecodeError) as err:
        if isinstance(err, UsageError):
            raise
        raise CorruptFileError(f"{show(name, path)}: its model architecture is not readable JSON ({err})") from None
    if not isinstance(config, dict) or "class_name" not in config:
        raise CorruptFileError(f"{show(name, path)}: not a saved Keras model (no class_name in its architecture)")
    return config


def _layers(config):
    layers = (config.get("config") or {}).get("layers")
    return layers if isinstance(layers, list) else None


def _is_input(layer):
    return layer.get("class_name") == "InputLayer"


def model_parts(config):
    """The layer configs of a saved model's architecture, input layers left out (None when it
    is not a Sequential or Functional model)."""
    layers = _layers(config)
    return None if layers is None else [layer for layer in layers if not _is_input(layer)]


def _shape_in(config):
    inner = config.get("config") or {}
    for key in ("batch_shape", "batch_input_shape"):
        if isinstance(inner.get(key), list):
            return tuple(inner[key][1:])
    built = config.get("build_config") or {}
    if isinstance(built.get("input_shape"), list) and all(not isinstance(d, list) for d in built["input_shape"]):
        return tuple(built["input_shape"][1:])
    if isinstance(inner.get("build_input_shape"), list):
        return tuple(inner["build_input_shape"][1:])
    return None


def model_input_shape(config):
    """The input shape (batch axis left out) of a saved single-input model's architecture, or
    None when the architecture does not say."""
    shape = _shape_in(config)
    if shape is not None:
        return shape
    layers = _layers(config) or []
    inputs = [layer for layer in layers if _is_input(layer)]
    if len(inputs) == 1:
        return _shape_in(inputs[0])
    if not inputs and layers and _layers(layers[0]) is not None:
        return model_input_shape(layers[0])  # a Sequential whose first layer is a model
    return None


def model_output_units(config):
    """The ``units`` of the layer a saved model ends with (e.g. the classifier's Dense), or None
    when the architecture does not say (another last layer, several outputs)."""
    layers = _layers(config)
    if not layers:
        return (config.get("config") or {}).get("units")
    last = layers[-1]
    outputs = (config.get("config") or {}).get("output_layers")
    if config.get("class_name") != "Sequential" and outputs:
        outputs = [outputs] if isinstance(outputs[0], str) else outputs  # Keras 3 writes one output flat
        if len(outputs) != 1 or not isinstance(outputs[0], list):
            return None
        last = next((layer for layer in layers if (layer.get("config") or {}).get("name") == outputs[0][0]), None)
        if last is None:
            return None
    return model_output_units(last) if _layers(last) is not None else (last.get("config") or {}).get("units")


def check_saved_model(path, name, input_shape=None, n_parts=None, classes=None, what="a Keras model"):
    """A saved Keras model (see :func:`read_model_config`) whose architecture, where it says,
    takes ``input_shape`` (batch axis left out), consists of ``n_parts`` sub-models and ends in
    ``classes`` units; else a :class:`BadValueError` naming the file. Returns the path."""
    config = read_model_config(path, name)
    if n_parts is not None:
        parts = model_parts(config)
        models = [p for p in parts or () if p.get("class_name") in MODEL_CLASSES or _layers(p) is not None]
        if parts is None or len(parts) != n_parts or len(models) != n_parts:
            found = "no layers" if parts is None else f"{len(parts)} layers, {len(models)} of them models"
            raise BadValueError(f"{show(name, path)}: not {what}: must be a model of {n_parts} models; it has {found}")
    shape = model_input_shape(config)
    fits = shape is None or input_shape is None or (
        len(shape) == len(input_shape) and all(a is None or a == b for a, b in zip(shape, input_shape)))
    if not fits:
        raise BadValueError(f"{show(name, path)}: takes inputs {shape}, the data are {tuple(input_shape)}: "
                            f"not {what} for these data")
    units = model_output_units(config) if classes is not None else None
    if units is not None and units != classes:
        raise BadValueError(f"{show(name, path)}: ends in {units} classes, the data have {classes}: "
                            f"not {what} for these data")
    return path
