"""Per-step PGD accuracy of a trained model: python scripts/rsrnn/adv_attack.py --checkpoint_path RUN --data_path DATA."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))

from drc.core.cli import run_cli  # noqa: E402
from rsrnn.cli import attack_main  # noqa: E402

if __name__ == "__main__":
    sys.exit(run_cli(attack_main, prog="adv_attack.py"))
