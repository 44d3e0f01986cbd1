"""The originals' names in one place, so their scripts' imports need one change each.

- ``dataset/dataset_utils.py`` (``from dataset.dataset_utils import ...``):
  ``DRC_dataset_generator``, ``generate_drc_images``, ``bad_res101``, ``bad_res102``,
  ``create_trajectory``, ``vonmises_walk``, ``dataset_preprocessing``.
- ``utils/feature_learning_utils.py``: ``default_parameters`` (the shared parser).
- ``DRC_training.py``'s steps: ``combine_fe_be``, ``fine_tune_DRC``, ``eval_and_save``.
- ``pretrained_teachers/cifar_style.py``: ``train_teacher``, the style nets, ``split_model``,
  ``define_compile_split_model``.

Names load on first use (no TensorFlow import for ``default_parameters``).
"""
from drc.core.lazy import lazy_exports

_EXPORTS = {
    "drc.generator": ("DRC_dataset_generator",),
    "drc.movies": ("bad_res101", "bad_res102", "generate_drc_images"),
    "drc.trajectories": ("create_trajectory",),
    "drc.core.preprocessing": ("dataset_preprocessing",),
    "drc.arguments": ("default_parameters",),
    "drc.pipeline": ("combine_fe_be", "fine_tune_DRC", "eval_and_save"),
    "teachers.training": ("train_teacher",),
    "teachers.style_nets": ("parametric_net_befe", "parametric_net_befe_v2", "baseline_net",
                            "baseline_net_with_skips", "baseline_net_with_skips_deeper",
                            "baseline_net_with_skips_deeper_laynorm", "parametric_net"),
    "teachers.split": ("split_model",),
    "teachers.resnet": ("define_compile_split_model",),
}
_ALIASES = {"vonmises_walk": ("drc.trajectories", "vonmises_walk_offsets")}
__getattr__, __dir__, __all__ = lazy_exports(__name__, _EXPORTS, _ALIASES)
