"""Copies the 16-class subset of ImageNet's train set into train/ and val/ class folders.

python create_subset_image_directories.py --dataset_root DATASET_ROOT --experiment_root
EXPERIMENT_ROOT --new_dataset_root NEW_DATASET_ROOT --split_idxs_root SPLIT_IDX_ROOT
"""
import _bootstrap  # noqa: F401

from convrnn_bl.commands import create_subset_image_directories_main as main
from drc.core.cli import run_cli

if __name__ == "__main__":
    run_cli(main, prog="create_subset_image_directories.py")
