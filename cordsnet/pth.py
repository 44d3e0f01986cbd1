"""PyTorch ``.pth`` state dicts read and written with the standard library and NumPy.

Since PyTorch 1.6 ``torch.save`` writes a zip archive: ``<prefix>/data.pkl`` (a pickle of the
state dict whose tensors refer to storages by key), ``<prefix>/data/<key>`` (each storage's raw
bytes, little-endian), ``<prefix>/version`` and ``<prefix>/byteorder``. :func:`read_pth`
unpickles ``data.pkl`` with a whitelist of the few globals a state dict uses (nothing else can
run) and rebuilds every tensor as a NumPy array from its storage, offset, size and stride.
:func:`write_pth` writes the same layout, which ``torch.load`` reads. PyTorch is never imported
(only the older non-zip format falls back to it, when it is installed).
"""
import collections
import io
import os
import pickle
import struct
import zipfile

import numpy as np

from cordsnet.errors import CheckpointError

STORAGE_DTYPES = {
    "DoubleStorage": np.float64, "FloatStorage": np.float32, "HalfStorage": np.float16,
    "LongStorage": np.int64, "IntStorage": np.int32, "ShortStorage": np.int16, "CharStorage": np.int8,
    "ByteStorage": np.uint8, "BoolStorage": np.bool_, "BFloat16Storage": "bfloat16",
}
NUMPY_STORAGES = {np.dtype(v): k for k, v in STORAGE_DTYPES.items() if v != "bfloat16"}


class CheckpointNotFoundError(CheckpointError, FileNotFoundError):
    """The checkpoint file does not exist."""


class _StorageType:
    def __init__(self, name):
        self.name = name


class _Storage:
    def __init__(self, archive, prefix, key, storage_type):
        self.archive, self.prefix, self.key, self.storage_type = archive, prefix, key, storage_type

    def array(self):
        raw = self.archive.read(f"{self.prefix}data/{self.key}")
        dtype = STORAGE_DTYPES[self.storage_type.name]
        if dtype == "bfloat16":
            return (np.frombuffer(raw, "<u2").astype(np.uint32) << 16).view(np.float32)
        return np.frombuffer(raw, np.dtype(dtype).newbyteorder("<"))


def _rebuild_tensor(storage, offset, size, stride, *_):
    flat = storage.array()
    itemsize = flat.dtype.itemsize
    if not size:
        return np.array(flat[offset], dtype=flat.dtype.newbyteorder("="))
    view = np.lib.stride_tricks.as_strided(flat[offset:], shape=tuple(size),
                                           strides=tuple(s * itemsize for s in stride))
    return np.ascontiguousarray(view).astype(flat.dtype.newbyteorder("="))


def _rebuild_parameter(data, *_):
    return data


class _Unpickler(pickle.Unpickler):
    def __init__(self, file, archive, prefix):
        super().__init__(file)
        self.archive, self.prefix = archive, prefix

    def find_class(self, module, name):
        if (module, name) == ("collections", "OrderedDict"):
            return collections.OrderedDict
        if module == "torch._utils" and name == "_rebuild_tensor_v2":
            return _rebuild_tensor
        if module == "torch._utils" and name in ("_rebuild_parameter", "_rebuild_parameter_with_state"):
            return _rebuild_parameter
        if module == "torch" and name in STORAGE_DTYPES:
            return _StorageType(name)
        raise CheckpointError(f"{self.prefix or 'checkpoint'}: holds {module}.{name}, which is not part of a plain "
                              f"state dict (refused: unpickling it could run code)")

    def persistent_load(self, pid):
        if not (isinstance(pid, tuple) and pid and pid[0] == "storage"):
            raise CheckpointError(f"unsupported storage reference {pid!r} in the checkpoint")
        storage_type, key = pid[1], pid[2]
        if not isinstance(storage_type, _StorageType):
            raise CheckpointError(f"unsupported storage type {storage_type!r} in the checkpoint")
        return _Storage(self.archive, self.prefix, key, storage_type)


def read_pth(path):
    """The state dict saved in ``path`` as an ordered ``{name: numpy array}``."""
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise CheckpointNotFoundError(f"checkpoint {path} does not exist")
    if not zipfile.is_zipfile(path):
        return _read_legacy(path)
    try:
        with zipfile.ZipFile(path) as archive:
            pickles = [n for n in archive.namelist() if n.endswith("data.pkl")]
            if not pickles:
                raise CheckpointError(f"{path} is a zip file without data.pkl: not a PyTorch checkpoint")
            prefix = pickles[0][: -len("data.pkl")]
            names = set(archive.namelist())
            if f"{prefix}byteorder" in names and archive.read(f"{prefix}byteorder").strip() != b"little":
                raise CheckpointError(f"{path}: big-endian checkpoints are not supported")
            state = _Unpickler(io.BytesIO(archive.read(pickles[0])), archive, prefix).load()
    except (zipfile.BadZipFile, pickle.UnpicklingError, EOFError, KeyError, ValueError, struct.error) as err:
        if isinstance(err, CheckpointError):
            raise
        raise CheckpointError(f"{path} is corrupt or not a PyTorch checkpoint ({type(err).__name__}: {err})") from None
    if not isinstance(state, dict):
        raise CheckpointError(f"{path} holds a {type(state).__name__}, not a state dict")
    return collections.OrderedDict((k, v) for k, v in state.items())


def _read_legacy(path):
    try:
        import torch
    except ImportError:
        raise CheckpointError(f"{path} is not a zip-format PyTorch checkpoint (corrupt, or saved by PyTorch < 1.6, "
                              f"which needs PyTorch installed to read)") from None
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as err:  # torch raises many kinds for a corrupt file
        raise CheckpointError(f"{path} is corrupt or not a PyTorch checkpoint ({type(err).__name__})") from None
    return collections.OrderedDict((k, v.numpy()) for k, v in state.items())


# ----------------------------------------------------------------------------- writing
class _Pickle:
    """The few pickle (protocol 2) opcodes a state dict needs, written directly."""

    def __init__(self):
        self.out = io.BytesIO()
        self.out.write(b"\x80\x02")

    def op(self, code):
        self.out.write(code)

    def glob(self, module, name):
        self.out.write(b"c" + module.encode() + b"\n" + name.encode() + b"\n")

    def string(self, text):
        data = text.encode("utf8")
        self.out.write(b"X" + struct.pack("<I", len(data)) + data)

    def int(self, value):
        if 0 <= value < 256:
            self.out.write(b"K" + struct.pack("<B", value))
        elif -2 ** 31 <= value < 2 ** 31:
            self.out.write(b"J" + struct.pack("<i", value))
        else:
            data = int(value).to_bytes(9, "little", signed=True)
            self.out.write(b"\x8a" + bytes([len(data)]) + data)

    def ints(self, values):
        if not values:
            self.op(b")")
            return
        self.op(b"(")
        for v in values:
            self.int(int(v))
        self.op(b"t")

    def ordered_dict(self):
        self.glob("collections", "OrderedDict")
        self.op(b")")
        self.op(b"R")

    def tensor(self, key, array):
        self.glob("torch._utils", "_rebuild_tensor_v2")
        self.op(b"(")
        self.op(b"(")
        self.string("storage")
        self.glob("torch", NUMPY_STORAGES[array.dtype])
        self.string(key)
        self.string("cpu")
        self.int(array.size)
        self.op(b"t")
        self.op(b"Q")
        self.int(0)
        self.ints(array.shape)
        self.ints([int(np.prod(array.shape[i + 1:])) for i in range(array.ndim)])
        self.op(b"\x89")
        self.ordered_dict()
        self.op(b"t")
        self.op(b"R")


def write_pth(path, state):
    """Writes ``{name: array}`` as a zip-format PyTorch checkpoint that ``torch.load`` reads."""
    path = os.fspath(path)
    arrays = collections.OrderedDict()
    for name, value in state.items():
        array = np.ascontiguousarray(value)
        if array.dtype not in NUMPY_STORAGES:
            raise CheckpointError(f"{name}: dtype {array.dtype} has no PyTorch storage type")
        arrays[name] = array.astype(array.dtype.newbyteorder("<"), copy=False)
    p = _Pickle()
    p.ordered_dict()
    p.op(b"(")
    for i, (name, array) in enumerate(arrays.items()):
        p.string(name)
        p.tensor(str(i), array)
    p.op(b"u")
    p.op(b".")
    prefix = os.path.splitext(os.path.basename(path))[0] or "archive"
    partial = f"{path}.partial"
    with zipfile.ZipFile(partial, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr(f"{prefix}/data.pkl", p.out.getvalue())
        archive.writestr(f"{prefix}/byteorder", "little")
        for i, array in enumerate(arrays.values()):
            archive.writestr(f"{prefix}/data/{i}", array.tobytes())
        archive.writestr(f"{prefix}/version", "3\n")
    os.replace(partial, path)
    return path
