"""Top-1 accuracy and logits of a CordsNet checkpoint on a dataset.

    python scripts/cordsnet/main.py --checkpoint cordsnetr8.pth --data_path ./imagenet --out eval_r8
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))

from cordsnet.cli import main_main as main  # noqa: E402
from drc.core.cli import run_cli  # noqa: E402

if __name__ == "__main__":
    run_cli(main)
