"""Teacher CNNs for DRC: the style nets (v1, v2, baselines) and the split ResNet50.

Every DRC teacher is ``keras.Sequential([front_end, back_end])``: ``teacher.layers[0]`` maps
preprocessed images to the features the student learns to produce, ``teacher.layers[1]``
classifies them. ``load_teacher(path)`` returns the teacher and the ``Preprocessing`` it was
trained with; ``train_teacher(config)`` trains and saves one (``scripts/cifar_style.py``).

``TeacherConfig`` (``teachers.config``) holds the defaults, ``TEACHER_PRESETS`` the named
settings. The names below load on first use, so that a CLI parses its flags (and reports bad
ones) before TensorFlow is imported.
"""
from drc.core.lazy import lazy_exports

_EXPORTS = {
    "teachers.style_nets": ("baseline_net", "baseline_net_with_skips", "baseline_net_with_skips_deeper",
                            "baseline_net_with_skips_deeper_laynorm", "parametric_net", "parametric_net_befe",
                            "parametric_net_befe_v2"),
    "teachers.resnet": ("define_compile_split_model", "fetch_resnet_weights", "preprocess_image_input",
                        "resolve_resnet_weights", "ResNetWeightsError"),
    "teachers.split": ("split_model",),
    "teachers.saving": ("load_teacher", "save_teacher", "teacher_path", "resolve_teacher_path",
                        "TeacherExistsError", "TeacherLoadError"),
    "teachers.training": ("build_teacher", "train_teacher", "TeacherRun", "TeacherConfigError"),
    "teachers.config": ("TeacherConfig", "TEACHER_PRESETS", "TOPOLOGIES", "teacher_config"),
}
__getattr__, __dir__, __all__ = lazy_exports(__name__, _EXPORTS)
