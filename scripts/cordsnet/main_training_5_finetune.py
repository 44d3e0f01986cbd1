"""CordsNet training, stage 'finetune' (the original's main_training_5_finetune.py); see docs/cordsnet.md.

    python scripts/cordsnet/main_training_5_finetune.py --help
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))

from drc.core.cli import run_cli  # noqa: E402


def main(argv=None):
    from cordsnet.training.cli import main as run_stage_cli

    return run_stage_cli("finetune", argv)


if __name__ == "__main__":
    run_cli(main, interrupt_hint="run the same command again to resume")
