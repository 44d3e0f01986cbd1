"""CordsNet: continuous-time convolutional RNN dynamics (Soo, Battista, Radmard, Wang, NeurIPS 2024).

``CordsNet`` (the model, R2..R8), ``load_torch_checkpoint`` / ``save_torch_checkpoint`` (the
original's ``.pth`` state dicts, read and written without PyTorch), ``cordsnet.spectral``
(Arnoldi and power iteration with convolution calls only) and ``cordsnet.training`` (the
original's six-stage pipeline). Names load on first use, so that a script parses its flags
before TensorFlow is imported.
"""
from drc.core.lazy import lazy_exports

_EXPORTS = {
    "cordsnet.model": ("CordsNet",),
    "cordsnet.layers": ("WeightNormConv2D", "WeightNormDense"),
    "cordsnet.checkpoints": ("load_torch_checkpoint", "save_torch_checkpoint", "torch_state_dict", "model_from_torch_checkpoint",
                             "read_pth", "write_pth"),
    "cordsnet.errors": ("CordsNetConfigError", "CheckpointError"),
}
__getattr__, __dir__, __all__ = lazy_exports(__name__, _EXPORTS)
