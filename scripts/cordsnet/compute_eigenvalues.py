"""Spectrum of every area of a CordsNet checkpoint (Arnoldi with convolution calls only).

    python scripts/cordsnet/compute_eigenvalues.py --checkpoint cordsnetr8.pth --out spectrum_r8
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))

from cordsnet.cli import eigenvalues_main as main  # noqa: E402
from drc.core.cli import run_cli  # noqa: E402

if __name__ == "__main__":
    run_cli(main)
