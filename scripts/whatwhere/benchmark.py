"""What/Where: see `python scripts/whatwhere/benchmark.py --help` and docs/whatwhere.md."""
from whatwhere.cli import benchmark_main, script

if __name__ == "__main__":
    script(benchmark_main)
