"""What/Where: see `python scripts/whatwhere/pictures.py --help` and docs/whatwhere.md."""
from whatwhere.cli import pictures_main, script

if __name__ == "__main__":
    script(pictures_main)
