"""Rates of areas 6 and 7 over the 200 steps for one image, and its top-5 classes.

    python scripts/cordsnet/run_own_image.py --image example_image.png --out own_image
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))

from cordsnet.cli import own_image_main as main  # noqa: E402
from drc.core.cli import run_cli  # noqa: E402

if __name__ == "__main__":
    run_cli(main)
