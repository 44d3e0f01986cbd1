"""What/Where: see `python scripts/whatwhere/results.py --help` and docs/whatwhere.md."""
from whatwhere.cli import results_main, script

if __name__ == "__main__":
    script(results_main)
