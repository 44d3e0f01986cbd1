"""Rebuilds SATBench's human-experiment images as class folders per test condition.

python reformat_test_data_dir.py --old_dir OLD_DIR --new_dir NEW_DIR
"""
import _bootstrap  # noqa: F401

from convrnn_bl.commands import reformat_test_data_dir_main as main
from drc.core.cli import run_cli

if __name__ == "__main__":
    run_cli(main, prog="reformat_test_data_dir.py")
