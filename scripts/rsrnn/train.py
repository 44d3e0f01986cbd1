"""Train RS-RNN or a control on the canvas task: python scripts/rsrnn/train.py --model rsrnn --out runs/rsrnn."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))

from drc.core.cli import run_cli  # noqa: E402
from rsrnn.cli import train_main  # noqa: E402

if __name__ == "__main__":
    sys.exit(run_cli(train_main, prog="train.py", interrupt_hint="run the same command again to resume"))
