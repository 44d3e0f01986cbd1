"""A teacher's training configuration: ``scripts/cifar_style.py``'s defaults as a dataclass.

``TeacherConfig()`` holds the original's cifar_style settings (v1 topology, 200 epochs, elu,
5 residual blocks, patience 30 / 10, rotation 5, shifts 0.15, no last max pooling); the CLI fills
it from its flags, library callers pass one (or a dict of its fields) to
``teachers.train_teacher``. :data:`TEACHER_PRESETS` names the settings used elsewhere. No
TensorFlow import here, so parsers read their defaults before TensorFlow starts.
"""
import dataclasses
import os
from typing import Optional

from drc.core.errors import UsageError

TOPOLOGIES = ("default", "v2", "resnet50_on_imagenet")
RESNET_WEIGHTS_ENV = "DRC_RESNET_WEIGHTS"


@dataclasses.dataclass
class TeacherConfig:
    """What ``train_teacher`` reads; field names are the cifar_style flags (see its --help)."""

    network_topology: str = "default"
    n_classes: int = 10
    dataset: Optional[str] = None
    data_dir: Optional[str] = None
    val_size: int = 5000
    epochs: int = 200
    resblocks: int = 5
    resblocks16: int = 3
    resblocks8: int = 3
    layer_norm_res: bool = True
    layer_norm_res16: bool = True
    layer_norm_res8: bool = True
    skip_conn: bool = True
    skip_conn16: bool = True
    skip_conn8: bool = True
    last_layer_size: int = 128
    dropout1: float = 0.2
    dropout2: float = 0.0
    layer_norm_2: bool = True
    dense_interface: bool = False
    last_maxpool_en: bool = False
    nl: str = "elu"
    dataset_norm: float = 128.0
    dataset_center: bool = True
    stopping_patience: int = 30
    learning_patience: int = 10
    data_augmentation: bool = True
    rotation_range: float = 5
    width_shift_range: float = 0.15
    height_shift_range: float = 0.15
    compile_on_spot: bool = True
    resnet_weights: Optional[str] = None
    strategy: str = "auto"
    seed: Optional[int] = None

    def as_dict(self):
        return dataclasses.asdict(self)


FIELDS = tuple(f.name for f in dataclasses.fields(TeacherConfig))

#: Named settings: the original's cifar_style defaults; the small CPU teacher of the demo-scale
#: experiments (Table 1's default and quick scales, the selectivity script's student); the
#: paper's ResNet50 CIFAR teacher (its cifar_style command line).
TEACHER_PRESETS = {
    "cifar_style": {},
    "small_cpu": dict(resblocks=1, last_layer_size=64, data_augmentation=False),
    "paper_resnet50_cifar": dict(network_topology="resnet50_on_imagenet", stopping_patience=30,
                                 learning_patience=10, width_shift_range=0.15, height_shift_range=0.15,
                                 rotation_range=5),
}


def teacher_config(preset="cifar_style", **overrides):
    """The ``TeacherConfig`` of a named preset with ``overrides``; unknown names are an error."""
    if preset not in TEACHER_PRESETS:
        raise UsageError(f"teacher preset {preset!r} is unknown; allowed: {', '.join(TEACHER_PRESETS)}")
    unknown = sorted(set(overrides) - set(FIELDS))
    if unknown:
        raise UsageError(f"unknown teacher options {unknown}; allowed: {', '.join(FIELDS)}")
    return TeacherConfig(**{**TEACHER_PRESETS[preset], **overrides})


def resnet_weights_choice(value=None):
    """``--resnet_weights``, else ``$DRC_RESNET_WEIGHTS``, else 'imagenet'."""
    return value or os.environ.get(RESNET_WEIGHTS_ENV) or "imagenet"
