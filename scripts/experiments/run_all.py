"""The whole CPU-scale results suite of RESULTS.md with one command (``make results``):
DRC Table 1 on Fashion-MNIST, the spatio-temporal selectivity of its 10-step student, the
visual aids, and BL's speed-accuracy experiment. ``--quick`` runs every part in its quick mode
(a few minutes each) into ``results/quick/``. Wall times go to ``<out>/run_all.json``.
"""
import argparse
import json
import os
import platform
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def steps(out, quick, overwrite, seeds=None):
    """(name, argv) of each part, in order (the selectivity and visuals use Table 1's outputs)."""
    table1 = os.path.join(out, "drc_table1")
    mode = ["--quick"] if quick else []
    again = ["--overwrite"] if overwrite else []
    seeds = ["--seeds", str(seeds)] if seeds else []
    return [
        ("drc_table1", ["drc_table1.py", "--out", table1, *mode, *seeds, *again]),
        ("drc_selectivity", ["drc_selectivity.py", "--student",
                             os.path.join(table1, "students", "drc10_pos_seed0.keras"),
                             "--teacher", os.path.join(table1, "teachers", "teacher_seed0.keras"),
                             "--out", os.path.join(out, "drc_selectivity"), *mode]),
        ("drc_visuals", ["drc_visuals.py", "--out", os.path.join(out, "drc_visuals"), "--runs",
                         os.path.join(table1, "runs", "saved_models", "*")]),
        ("bl_speed_accuracy", ["bl_speed_accuracy.py", "--out", os.path.join(out, "bl_speed_accuracy"), *mode,
                               *again]),
    ]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="every part in its quick mode")
    parser.add_argument("--out", default=None, help="results folder (default results/, --quick: results/quick/)")
    parser.add_argument("--overwrite", action="store_true", help="passed on to the parts that refuse otherwise")
    parser.add_argument("--only", default=None, help="comma-separated parts to run (default: all)")
    parser.add_argument("--seeds", type=int, default=None, help="Table 1's seeds (default: its own, 3; 1 with --quick)")
    args = parser.parse_args(argv)
    out = args.out or ("results/quick" if args.quick else "results")
    chosen = steps(out, args.quick, args.overwrite, args.seeds)
    if args.only:
        names = args.only.split(",")
        unknown = sorted(set(names) - {name for name, _ in chosen})
        if unknown:
            parser.error(f"--only {','.join(unknown)}: unknown; allowed: {', '.join(n for n, _ in chosen)}")
        chosen = [step for step in chosen if step[0] in names]
    os.makedirs(out, exist_ok=True)
    times, start = {}, time.time()
    for name, argv_ in chosen:
        command = [sys.executable, os.path.join(HERE, argv_[0]), *argv_[1:]]
        print(f"== {name}: {' '.join(command[1:])}", flush=True)
        t0 = time.time()
        code = subprocess.call(command)
        times[name] = round(time.time() - t0, 1)
        if code:
            print(f"run_all.py: error: {name} ended with exit code {code}", file=sys.stderr)
            return code
    record = {"seconds": times, "total_seconds": round(time.time() - start, 1), "quick": args.quick,
              "cpus": os.cpu_count(), "machine": platform.platform(), "python": platform.python_version()}
    with open(os.path.join(out, "run_all.json" if not args.only else f"run_all_{args.only}.json"), "w") as f:
        json.dump(record, f, indent=1)
    print(json.dumps(record, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
