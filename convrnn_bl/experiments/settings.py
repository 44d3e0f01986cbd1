"""The BL speed-accuracy experiment's settings (no TensorFlow import: the script checks its
flags with them before TensorFlow starts).

:class:`Config` is one run; :data:`PRESETS` the script's default and ``--quick`` sizes;
:func:`make_config` the script's flags -> a checked Config.
"""
from dataclasses import dataclass, field

from drc.core.errors import UsageError

VALIDATION_SIZE = 500
#: Training and test images of each dataset.
POOLS = {"fashion_mnist": (60000, 10000), "fashion_mnist_subset": (5000, 1000)}
DATASETS = tuple(POOLS)
#: ``default``: real Fashion-MNIST; ``quick``: the bundled subset (always present), about 3
#: minutes on 2 busy cores.
PRESETS = {"default": dict(dataset="fashion_mnist", train_size=10000, test_size=2000, epochs=2),
           "quick": dict(dataset="fashion_mnist_subset", train_size=1500, test_size=400, epochs=2)}


@dataclass
class Config:
    """What one run does; the command-line flags of scripts/experiments/bl_speed_accuracy.py."""

    dataset: str = "fashion_mnist"
    train_size: int = 10000
    val_size: int = 500
    test_size: int = 2000
    epochs: int = 2
    batch_size: int = 100
    learning_rate: float = 0.005
    adam_epsilon: float = 1e-7
    width_multiplier: float = 1 / 16
    n_timesteps: int = 8
    seed: int = 0
    augment: str = "mix"
    noise_sds: list = field(default_factory=lambda: [0.1, 0.3, 0.5])
    blur_sigmas: list = field(default_factory=lambda: [1.0, 2.0, 3.0])


def make_config(quick=False, **flags):
    """The Config of the script's flags: None takes the preset's value (``quick``: the quick
    preset); a UsageError names a size or count the dataset cannot give."""
    values = {k: v for k, v in flags.items() if v is not None}
    config = Config(**{**PRESETS["quick" if quick else "default"], "val_size": VALIDATION_SIZE, **values})
    train_pool, test_pool = POOLS[config.dataset]
    for name in ("train_size", "test_size", "epochs", "n_timesteps"):
        if getattr(config, name) < 1:
            raise UsageError(f"argument --{name}: must be >= 1, got {getattr(config, name)}")
    if config.width_multiplier <= 0:
        raise UsageError(f"argument --width_multiplier: must be > 0, got {config.width_multiplier}")
    if config.train_size + config.val_size > train_pool:
        raise UsageError(f"argument --train_size: {config.dataset} has {train_pool} training images, "
                         f"{config.val_size} of them for validation, so at most {train_pool - config.val_size}; "
                         f"got {config.train_size}")
    if config.test_size > test_pool:
        raise UsageError(f"argument --test_size: {config.dataset} has {test_pool} test images, "
                         f"got {config.test_size}")
    return config
