"""Configuration of the training stages; defaults are the original scripts' hard-coded values."""
import dataclasses
import os
from typing import Optional, Tuple

from cordsnet.errors import CordsNetConfigError

STAGES = ("compatibility", "folding", "inverse", "linear", "parametric", "finetune")
PREFIX = {"compatibility": "1_compatibility", "inverse": "2_inverse", "linear": "3_linear",
          "parametric": "4_parametric", "finetune": "5_finetune"}


@dataclasses.dataclass
class StageConfig:
    """One stage's run. Batch sizes are per replica (the original's per-GPU sizes).

    dataset/depth: the original's names and depths. epochs, lr, batch_size, clip (global
    gradient norm), weight_decay: the stage's optimiser. phases/momentum/warmup_batches: stage
    1's three SGD phases (lr / 10 each) and its LinearLR warm-up from lr/3. eigen_weight: stage
    2's penalty on W^3 (b + u). readout_steps, after_steps, penalty_steps, spontaneous_weight:
    stages 3-5's ramped loss and return-to-spontaneous penalty. anneal_step: stage 4's slope
    decrement per epoch (slope max(0, 0.95 - anneal_step * epoch)). init: the checkpoint a stage
    starts from (default the original's file name in results_dir). from_scratch: stage 5 from
    random weights. train_size/test_size/steps_per_epoch: CPU-scale limits (None: all).
    """
    stage: str
    dataset: str = "imagenet"
    depth: int = 8
    epochs: int = 100
    lr: float = 1e-5
    batch_size: int = 8
    clip: Optional[float] = None
    weight_decay: float = 0.01
    image_size: int = 224
    channels: Optional[Tuple[int, ...]] = None
    alpha: float = 0.2
    blank_steps: int = 100
    image_steps: int = 100
    readout_steps: int = 30
    after_steps: int = 100
    penalty_steps: int = 10
    spontaneous_weight: float = 1e-3
    eigen_weight: float = 10.0
    anneal_step: float = 0.05
    phases: int = 3
    momentum: float = 0.9
    warmup_batches: int = 100
    mix: Optional[bool] = None
    init: Optional[str] = None
    from_scratch: bool = False
    results_dir: str = "."
    data_dir: Optional[str] = None
    train_size: Optional[int] = None
    test_size: Optional[int] = None
    steps_per_epoch: Optional[int] = None
    strategy: str = "auto"
    seed: int = 0
    overwrite: bool = False
    verbose: int = 2

    def __post_init__(self):
        from cordsnet.architecture import check_depth
        from cordsnet.training.data import check_dataset

        if self.stage not in STAGES:
            raise CordsNetConfigError(f"stage {self.stage!r} is unknown; allowed: {', '.join(STAGES)}")
        check_dataset(self.dataset)
        check_depth(self.depth)
        for name in ("epochs", "batch_size", "image_size"):
            if getattr(self, name) < 1:
                raise CordsNetConfigError(f"--{name} {getattr(self, name)} must be at least 1")
        if self.channels is not None:
            self.channels = tuple(int(c) for c in self.channels)

    @property
    def folder(self):
        """The original's results folder: ``results_{depth}_{dataset}``."""
        return os.path.join(self.results_dir, f"results_{self.depth}_{self.dataset}")

    def path(self, name):
        return os.path.join(self.folder, name)


def stage_defaults(stage):
    """The original script's hard-coded values for ``stage`` (dataset, depth, optimiser, epochs)."""
    values = {
        "compatibility": dict(dataset="imagenet", depth=8, epochs=100, lr=0.1, batch_size=256, weight_decay=1e-4),
        "folding": dict(dataset="imagenet", depth=8, epochs=100, batch_size=256),
        "inverse": dict(dataset="cifar10", depth=2, epochs=100, lr=1e-4, batch_size=64, clip=1e-3),
        "linear": dict(dataset="imagenet", depth=8, epochs=100, lr=1e-5, batch_size=8, clip=1e-4),
        "parametric": dict(dataset="imagenet", depth=8, epochs=20, lr=1e-5, batch_size=2, clip=1e-4),
        "finetune": dict(dataset="imagenet", depth=8, epochs=20, lr=1e-5, batch_size=2, clip=1e-4),
    }[stage]
    return dataclasses.replace(StageConfig(stage=stage), **values)


def default_init(config):
    """The original's starting checkpoint of each stage."""
    return {"folding": f"1_compatibility_{config.phases}_{config.epochs}.pth", "inverse": "1_compatibility_fused.pth",
            "linear": "2_inverse_100.pth", "parametric": "3_linear_100.pth",
            "finetune": "4_parametric_20.pth"}.get(config.stage)
