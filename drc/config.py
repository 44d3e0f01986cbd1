"""DRC_training's configuration: the library defaults as a dataclass, and named presets.

``DRCConfig()`` holds the defaults of ``scripts/DRC_training.py`` (the original's, field names =
flag names); ``drc.drc_cli`` fills one from its flags, notebooks call :func:`drc_config`::

    config = drc_config("small_cpu", dataset="fashion_mnist_subset", res=7, teacher_net="t.keras")
    row = drc.run_drc(config)       # the results; ``config`` itself is left as it was

:data:`DRC_PRESETS` names the settings used in more than one place: ``original`` (the
defaults), ``small_cpu`` (the small ConvGRU student of the demo, Table 1's default and quick
scales and the selectivity script's quick student) and ``paper_resnet50_cifar`` (the paper's
DRC_training command line with its ResNet50 teacher). No TensorFlow import here.
"""
import dataclasses
from typing import Optional

from drc.core.errors import UsageError


@dataclasses.dataclass
class DRCConfig:
    """Every DRC_training option (see ``DRC_training.py --help``), plus what the CLI records:
    ``explicit`` (the flags typed on the command line; they win over a teacher's stored
    preprocessing and the inferred upsampling) and ``summary_dir`` (where the summary table
    goes; default ``save_dir``, else the working directory)."""

    run_name_prefix: str = "DRC_training"
    run_index: int = 10
    verbose: int = 2
    testmode: bool = False
    epochs: int = 100
    int_epochs: int = 1
    decoder_epochs: int = 10
    num_feature: int = 64
    rnn_layer1: int = 32
    rnn_layer2: int = 64
    time_pool: str = "average_pool"
    upsample: int = 7
    conv_rnn_type: str = "gru"
    student_nl: str = "relu"
    dropout: float = 0.0
    rnn_dropout: float = 0.0
    pretrained_student_path: Optional[str] = None
    decoder_optimizer: str = "SGD"
    skip_student_training: bool = False
    fine_tune_student: bool = False
    layer_norm_student: bool = True
    batch_norm_student: bool = False
    val_set_mult: int = 5
    trajectory_index: int = 0
    res: int = 8
    trajectories_num: int = -1
    broadcast: int = 1
    loss: str = "mean_squared_error"
    noise: float = 0.5
    max_length: int = 5
    network_topology: str = "resnet50_on_imagenet"
    resblocks: int = 3
    student_version: int = 3
    last_layer_size: int = 128
    dropout1: float = 0.2
    dropout2: float = 0.0
    dataset_norm: float = 128.0
    dataset_center: bool = True
    dense_interface: bool = False
    layer_norm_res: bool = True
    layer_norm_2: bool = True
    skip_conn: bool = True
    last_maxpool_en: bool = True
    resnet_mode: bool = True
    nl: str = "relu"
    stopping_patience: int = 10
    learning_patience: int = 5
    manual_suffix: str = ""
    data_augmentation: bool = True
    rotation_range: float = 0.0
    width_shift_range: float = 0.1
    height_shift_range: float = 0.1
    time_sec: float = 0.3
    traj_out_scale: float = 4.0
    snellen: bool = True
    vm_kappa: float = 0.0
    data_dir: Optional[str] = None
    dataset: Optional[str] = None
    val_size: int = 5000
    resnet_weights: Optional[str] = None
    strategy: str = "auto"
    seed: Optional[int] = None
    n_classes: int = 10
    n_samples: int = 5
    student_block_size: int = 2
    style: str = "spiral_2dir2"
    teacher_net: str = "pretrained_teachers/resnet50_on_imagenet_cifar10_teacher.hdf"
    mixed_precision: bool = False
    jit: bool = False
    unroll: bool = False
    save_dir: Optional[str] = None
    target_cache_gb: float = 2.0
    explicit: tuple = ()
    summary_dir: Optional[str] = None

    def as_dict(self):
        return dataclasses.asdict(self)


FIELDS = tuple(f.name for f in dataclasses.fields(DRCConfig))

DRC_PRESETS = {
    "original": {},
    "small_cpu": dict(rnn_layer1=16, rnn_layer2=32, student_block_size=1, student_nl="elu",
                      decoder_optimizer="Adam", val_set_mult=1),
    "paper_resnet50_cifar": dict(student_nl="relu", dropout=0.0, rnn_dropout=0.0, conv_rnn_type="gru",
                                 student_block_size=2, time_pool="average_pool", decoder_optimizer="SGD",
                                 val_set_mult=1),
}


def check_options(options):
    """Raises UsageError naming any key of ``options`` that is not a DRC option."""
    unknown = sorted(set(options) - set(FIELDS))
    if unknown:
        raise UsageError(f"unknown DRC options {unknown}")


def drc_config(preset="original", **overrides):
    """The ``DRCConfig`` of a named preset with ``overrides``; unknown names are an error."""
    if preset not in DRC_PRESETS:
        raise UsageError(f"DRC preset {preset!r} is unknown; allowed: {', '.join(DRC_PRESETS)}")
    check_options(overrides)
    return DRCConfig(**{**DRC_PRESETS[preset], **overrides})


def as_dict(config):
    """A new dict of the options of ``config`` (a DRCConfig or a dict; missing keys take the
    defaults, so the caller's object is never changed by a run)."""
    if isinstance(config, DRCConfig):
        return config.as_dict()
    return {**DRCConfig().as_dict(), **dict(config)}
