"""The command line of the six stage scripts (``scripts/cordsnet/main_training_*.py``).

Flags are named after the original's variables; their defaults are the hard-coded values of
the original script of each stage (see :func:`cordsnet.training.config.stage_defaults`).
Parsing imports no TensorFlow.
"""
import dataclasses

from drc.core.cli import ArgumentParser, add_bool_pair
from drc.core.distribute import add_strategy_argument

from cordsnet.training.config import StageConfig, stage_defaults
from cordsnet.training.data import DATASETS

RNN_STAGES = ("linear", "parametric", "finetune")


def _channels(text):
    return tuple(int(c) for c in text.split(",") if c)


def build_parser(stage):
    d = stage_defaults(stage)
    p = ArgumentParser(description=f"CordsNet training stage '{stage}' (the original's defaults)")
    p.add_argument("--dataset", default=d.dataset, choices=DATASETS, help="dataset (the original's names)")
    p.add_argument("--depth", type=int, default=d.depth, choices=(2, 4, 6, 8), help="number of areas")
    p.add_argument("--channels", type=_channels, default=None, help="area widths, comma-separated (default the original's)")
    p.add_argument("--image_size", type=int, default=d.image_size, help="side the images are resized to")
    p.add_argument("--batch_size", type=int, default=d.batch_size, help="batch size per replica")
    p.add_argument("--results_dir", default=d.results_dir, help="folder holding results_{depth}_{dataset}/")
    p.add_argument("--data_dir", default=None, help="dataset folder (ImageNet: with train/ and val/)")
    p.add_argument("--init", default=None, help="checkpoint to start from (default the original's file name)")
    p.add_argument("--train_size", type=int, default=None, help="use only the first N training images")
    p.add_argument("--test_size", type=int, default=None, help="use only the first N test images")
    p.add_argument("--seed", type=int, default=d.seed, help="random seed")
    p.add_argument("--overwrite", action="store_true", help="replace a finished stage's checkpoints")
    if stage == "folding":
        p.add_argument("--epochs", type=int, default=d.epochs, help="epochs per phase of stage 1 (names its last file)")
        p.add_argument("--phases", type=int, default=d.phases, help="phases of stage 1 (names its last file)")
        return p
    p.add_argument("--epochs", type=int, default=d.epochs, help="epochs" + (" per phase" if stage == "compatibility" else ""))
    p.add_argument("--lr", type=float, default=d.lr, help="learning rate")
    p.add_argument("--weight_decay", type=float, default=d.weight_decay, help="weight decay")
    p.add_argument("--steps_per_epoch", type=int, default=None, help="batches per epoch (default: the whole set)")
    add_bool_pair(p, "mix", "CutMix/MixUp on every batch (default: as the original, on for Fashion-MNIST and CIFAR)")
    p.set_defaults(mix=None)
    add_strategy_argument(p)
    if stage == "compatibility":
        p.add_argument("--phases", type=int, default=d.phases, help="SGD phases, the learning rate / 10 each")
        p.add_argument("--momentum", type=float, default=d.momentum, help="SGD momentum")
        p.add_argument("--warmup_batches", type=int, default=d.warmup_batches, help="LinearLR warm-up from lr/3")
        return p
    p.add_argument("--clip", type=float, default=d.clip, help="gradient clipping (global norm)")
    if stage == "inverse":
        p.add_argument("--eigen_weight", type=float, default=d.eigen_weight, help="weight of the W^3 (b + u) penalty")
        return p
    p.add_argument("--alpha", type=float, default=d.alpha, help="dt / tau")
    p.add_argument("--image_steps", type=int, default=d.image_steps, help="steps with the image")
    p.add_argument("--readout_steps", type=int, default=d.readout_steps, help="last steps in the ramped loss")
    if stage != "linear":
        p.add_argument("--blank_steps", type=int, default=d.blank_steps, help="blank steps before the image")
        p.add_argument("--after_steps", type=int, default=d.after_steps, help="blank steps after the image")
        p.add_argument("--penalty_steps", type=int, default=d.penalty_steps, help="last steps of the penalty")
        p.add_argument("--spontaneous_weight", type=float, default=d.spontaneous_weight,
                       help="weight of the return-to-spontaneous-activity penalty")
    if stage == "parametric":
        p.add_argument("--anneal_step", type=float, default=d.anneal_step,
                       help="PReLU slope decrement per epoch: slope max(0, 0.95 - anneal_step * epoch)")
    if stage == "finetune":
        p.add_argument("--from_scratch", action="store_true", help="train from random weights (no --init)")
    return p


# Ranges of the flags a stage has, checked before any folder or data (issue 16): flag: (minimum,
# maximum, strictly above); int flags may be absent (None) where their default is None.
INT_RANGES = {"seed": (0, 2 ** 32 - 1), "train_size": (1, None), "test_size": (1, None), "steps_per_epoch": (1, None),
              "phases": (1, None), "warmup_batches": (0, None), "image_steps": (1, None), "readout_steps": (1, None),
              "blank_steps": (0, None), "after_steps": (0, None), "penalty_steps": (0, None)}
NUMBER_RANGES = {"lr": (None, None, 0), "weight_decay": (0, None, None), "momentum": (0, 1, None),
                 "clip": (None, None, 0), "eigen_weight": (0, None, None), "alpha": (None, 1, 0),
                 "spontaneous_weight": (0, None, None), "anneal_step": (None, None, 0)}


def check_flag_values(args):
    """The typed values in range, and an --init that exists, before the stage starts."""
    from drc.core import validation as v

    for flag, (low, high) in INT_RANGES.items():
        if hasattr(args, flag):
            v.check_int(getattr(args, flag), f"--{flag}", minimum=low, maximum=high, allow_none=True)
    for flag, (low, high, above) in NUMBER_RANGES.items():
        if hasattr(args, flag):
            v.check_number(getattr(args, flag), f"--{flag}", minimum=low, maximum=high, above=above, allow_none=True)
    if args.init is not None:
        v.check_path(args.init, "--init")


def main(stage, argv=None):
    """Parses ``argv`` for ``stage`` and runs it."""
    args = build_parser(stage).parse_args(argv)
    check_flag_values(args)
    config = dataclasses.replace(stage_defaults(stage), **vars(args))
    from cordsnet.training.stages import run_stage

    return run_stage(config)
