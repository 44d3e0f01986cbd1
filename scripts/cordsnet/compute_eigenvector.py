"""Top eigenvector of convolutions by power iteration (demonstration, or every area of a checkpoint).

    python scripts/cordsnet/compute_eigenvector.py --checkpoint cordsnetr8.pth --out eigenvectors_r8
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))

from cordsnet.cli import eigenvector_main as main  # noqa: E402
from drc.core.cli import run_cli  # noqa: E402

if __name__ == "__main__":
    run_cli(main)
