#!/usr/bin/env python3
"""Train a DRC teacher: the original's ``pretrained_teachers/cifar_style.py`` command line.

    python scripts/cifar_style.py --stopping_patience 30 --learning_patience 10 --resblocks 5 \\
        --no-last_maxpool_en --nl elu --width_shift_range 0.15 --height_shift_range 0.15 --rotation_range 5

writes pretrained_teachers/default_cifar10_teacher.keras (see README, "Teachers"). All the work is
in drc.teacher_cli / teachers.training; user errors end as one line with exit code 2.
"""
import importlib.util
import os
import sys

if importlib.util.find_spec("teachers") is None:  # run from a checkout without `make install`
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from drc.core.cli import run_cli  # noqa: E402
from drc.teacher_cli import INTERRUPT_HINT, main  # noqa: E402

if __name__ == "__main__":
    run_cli(main, interrupt_hint=INTERRUPT_HINT)
