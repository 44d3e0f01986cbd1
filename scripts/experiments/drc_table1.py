"""The DRC paper's Table 1 on one dataset, several seeds: teacher, naive low resolution, averaged
prediction, DRC not moving / without and with position / 5 and 10 steps / curved and straight.

python scripts/experiments/drc_table1.py [--dataset fashion_mnist] [--seeds 3] [--out results/drc_table1]
  [--quick] [--train_size N --val_size N --test_size N] [--teacher_epochs N --student_epochs N
  --decoder_epochs N] [--conditions a,b] [--overwrite]

Fashion-MNIST (28x28 -> 7x7 sensor) runs at CPU scale by default (about 17 minutes a seed on 2 cores);
cifar10 / cifar100 (32x32 -> 8x8) run at the paper's scale (ResNet50 teacher, needs --data_dir
and ImageNet weights, and a GPU in practice). Running it again with the same settings resumes.
"""
import sys

import _bootstrap  # noqa: F401

from drc.core.cli import run_cli
from drc.experiments.cli import table1_main as main

if __name__ == "__main__":
    sys.exit(run_cli(main, prog="drc_table1.py"))
