"""Copies the 16-class subset of ImageNet's train set into train/ and val/ class folders.

python create_subset_image_directories.py --dataset_root DATASET_ROOT --experiment_root
EXPERIMENT_ROOT --new_dataset_root NEW_DATASET_ROOT --split_idxs_root SPLIT_IDX_ROOT
"""
import _bootstrap  # noqa: F401

from convrnn_bl.folders import create_subset_image_directories
from drc.core.cli import ArgumentParser, run_cli

PROG = "create_subset_image_directories.py"


def setup_args(argv=None):
    parser = ArgumentParser(prog=PROG, description=__doc__.splitlines()[0])
    parser.add_argument("--dataset_root", type=str, required=True,
                        help="ImageNet folder that contains train/<wnid>/")
    parser.add_argument("--experiment_root", type=str, required=True,
                        help="folder holding image_names/<class>.txt of 16-class-ImageNet")
    parser.add_argument("--new_dataset_root", type=str, required=True,
                        help="where train/<class>/ and val/<class>/ are created")
    parser.add_argument("--split_idxs_root", type=str, required=True,
                        help="folder of 0.1-0_val_test_split.json (read if present, else written)")
    return parser.parse_args(argv)


def main(argv=None):
    args = setup_args(argv)
    counts = create_subset_image_directories(args.dataset_root, args.experiment_root, args.new_dataset_root,
                                             args.split_idxs_root)
    print(f"copied {counts['train']} training and {counts['val']} validation images to "
          f"{args.new_dataset_root} ({counts['failed']} failed)")


if __name__ == "__main__":
    run_cli(main, prog=PROG)
