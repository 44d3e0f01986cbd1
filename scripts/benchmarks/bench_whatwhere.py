"""Benchmark of the What/Where generator and retina code (canvases/s; codes/s by one matmul vs the
original's per-image matrix-vector product and a per-filter loop, side by side; the bank's memory;
with --profile, where a training step of STN_128x128 / ATN spends its time).

    nice -n 10 python scripts/benchmarks/bench_whatwhere.py [--n 200] [--profile stn atn]
"""
import json
import os
import platform

from drc.core.cli import ArgumentParser, run_cli


def main(argv=None):
    parser = ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200, help="canvases / codes per measurement (default 200)")
    parser.add_argument("--cache", default=None, help="filter-bank cache folder")
    parser.add_argument("--profile", nargs="*", default=[], choices=["stn", "atn"],
                        help="also profile these transformers' training step (ms per image, by part)")
    args = parser.parse_args(argv)
    from drc.core.datasets import load_dataset
    from whatwhere.retina import Retina
    from whatwhere.speed import measure, transformer_profile
    (x, _), _ = load_dataset("mnist_subset")
    result = measure(x, Retina(cache=args.cache), args.n, args.n)
    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")),
               platform.processor()) if os.path.exists("/proc/cpuinfo") else platform.processor()
    result.update(nproc=os.cpu_count(), cpu=cpu)
    result["profiles"] = [transformer_profile(name) for name in args.profile]
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    run_cli(main)
