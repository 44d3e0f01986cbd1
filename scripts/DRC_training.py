"""DRC training with the original's command line; see ``python scripts/DRC_training.py --help``."""
import sys

from drc.drc_cli import cli

if __name__ == "__main__":
    sys.exit(cli())
