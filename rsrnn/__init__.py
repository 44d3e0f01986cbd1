"""RS-RNN: a retina (high resolution at the fixation, compressed periphery), recurrent attention
that moves the fixation, and adversarial robustness read per time step (seed 004).

- ``retina_grid``, ``RetinalSampler``, ``CropSampler``: the DualStreamBrains warp, its inverse, the
  foveal blur (``rsrnn.retina``, ``rsrnn.sampler``);
- ``RSRNNCell``: the convolutional GRU step; ``RecurrentAttentionModel``, ``FeedForwardCNN``,
  ``build_model(name)`` for ``rsrnn``, ``base_retina``, ``crop``, ``fixed_retina``, ``cnn``;
- ``load_canvas_dataset``: MNIST / Fashion-MNIST objects placed off-centre on larger canvases;
- ``train``, ``attack_checkpoint``, ``run_results``: training, the per-step PGD evaluation, the
  CPU-scale results.

Names load on first use, so that parsing a script's flags never imports TensorFlow.
"""
from drc.core.lazy import lazy_exports

_EXPORTS = {
    "rsrnn.retina": ("retina_grid", "retina_to_image", "image_to_retina", "bilinear_sample", "foveal_blur"),
    "rsrnn.sampler": ("RetinalSampler", "CropSampler"),
    "rsrnn.cell": ("RSRNNCell", "VectorGRUCell"),
    "rsrnn.models": ("RecurrentAttentionModel", "FeedForwardCNN", "build_model", "MODEL_NAMES"),
    "rsrnn.canvas": ("place_on_canvas", "load_canvas_dataset"),
    "rsrnn.training": ("TrainConfig", "train"),
    "rsrnn.adversarial": ("AttackConfig", "attack_checkpoint", "load_checkpoint"),
    "rsrnn.experiments": ("run_results",),
    "rsrnn.errors": ("RSRNNError",),
}
__getattr__, __dir__, __all__ = lazy_exports(__name__, _EXPORTS)
