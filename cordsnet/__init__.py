"""CordsNet: continuous-time convolutional RNN dynamics (Soo, Battista, Radmard, Wang, NeurIPS 2024).

``CordsNet`` (the model, R2..R8), ``load_torch_checkpoint`` / ``save_torch_checkpoint`` (the
original's ``.pth`` state dicts, read and written without PyTorch), ``cordsnet.spectral``
(Arnoldi and power iteration with convolution calls only) and ``cordsnet.training`` (the
original's six-stage pipeline). Names load on first use, so that a script parses its flags
before TensorFlow is imported.
"""
import importlib

_EXPORTS = {
    "cordsnet.model": ("CordsNet",),
    "cordsnet.layers": ("WeightNormConv2D", "WeightNormDense"),
    "cordsnet.checkpoints": ("load_torch_checkpoint", "save_torch_checkpoint", "torch_state_dict", "model_from_torch_checkpoint",
                             "read_pth", "write_pth"),
    "cordsnet.errors": ("CordsNetConfigError", "CheckpointError"),
}
_WHERE = {name: module for module, names in _EXPORTS.items() for name in names}
__all__ = sorted(_WHERE)


def __getattr__(name):
    if name not in _WHERE:
        raise AttributeError(f"module 'cordsnet' has no attribute {name!r}")
    value = getattr(importlib.import_module(_WHERE[name]), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(list(globals()) + __all__)
