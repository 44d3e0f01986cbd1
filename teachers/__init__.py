"""Teacher CNNs for DRC: the style nets (v1, v2, baselines) and the split ResNet50.

Every DRC teacher is ``keras.Sequential([front_end, back_end])``: ``teacher.layers[0]`` maps
preprocessed images to the features the student learns to produce, ``teacher.layers[1]``
classifies them. ``load_teacher(path)`` returns the teacher and the ``Preprocessing`` it was
trained with; ``train_teacher(config)`` trains and saves one (``scripts/cifar_style.py``).

The names below load on first use, so that ``teachers.cli`` parses its flags (and reports bad
ones) before TensorFlow is imported.
"""
import importlib

_EXPORTS = {
    "teachers.style_nets": ("baseline_net", "baseline_net_with_skips", "baseline_net_with_skips_deeper",
                            "baseline_net_with_skips_deeper_laynorm", "parametric_net", "parametric_net_befe",
                            "parametric_net_befe_v2"),
    "teachers.resnet": ("define_compile_split_model", "preprocess_image_input", "resolve_resnet_weights",
                        "ResNetWeightsError"),
    "teachers.split": ("split_model",),
    "teachers.saving": ("load_teacher", "save_teacher", "teacher_path", "resolve_teacher_path",
                        "TeacherExistsError", "TeacherLoadError"),
    "teachers.training": ("build_teacher", "train_teacher", "TeacherRun", "TeacherConfigError"),
}
_WHERE = {name: module for module, names in _EXPORTS.items() for name in names}
__all__ = sorted(_WHERE)


def __getattr__(name):
    if name not in _WHERE:
        raise AttributeError(f"module 'teachers' has no attribute {name!r}")
    value = getattr(importlib.import_module(_WHERE[name]), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(list(globals()) + __all__)
