"""What/Where: see `python scripts/whatwhere/train_transformer.py --help` and docs/whatwhere.md."""
from whatwhere.cli import train_main, script

if __name__ == "__main__":
    script(train_main)
