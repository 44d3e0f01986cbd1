"""The results suite of RESULTS.md as a library function (``scripts/experiments/run_all.py``).

:func:`run_suite` runs the parts (DRC Table 1 on Fashion-MNIST, the selectivity of its 10-step
student, the visual aids, BL's speed-accuracy experiment) as their scripts, one after the other,
and records the suite in ``<out>/run_all.json``: its settings, each finished part's wall time,
and whether all finished. The same call after an interruption continues the suite: finished
parts are skipped and Table 1 resumes its finished rows (the other parts restart).
"""
import json
import os
import platform
import subprocess
import sys
import time

from drc.core.errors import UsageError
from drc.core.progress import progress

RECORD = "run_all.json"
PARTS = ("drc_table1", "drc_selectivity", "drc_visuals", "bl_speed_accuracy")
COMMANDS = {"drc_table1.py": "drc-table1", "drc_selectivity.py": "drc-selectivity", "drc_visuals.py": "drc-visuals",
            "bl_speed_accuracy.py": "bl-speed-accuracy"}


def steps(out, quick, overwrite, seeds=None, resuming=()):
    """(name, argv) of each part, in order (the selectivity and visuals use Table 1's outputs).

    Parts named in ``resuming`` were started by an interrupted run of this suite: Table 1 then
    resumes its own rows instead of being overwritten."""
    table1 = os.path.join(out, "drc_table1")
    mode = ["--quick"] if quick else []
    again = ["--overwrite"] if overwrite else []
    seeds = ["--seeds", str(seeds)] if seeds else []
    return [
        ("drc_table1", ["drc_table1.py", "--out", table1, *mode, *seeds,
                        *([] if "drc_table1" in resuming else again)]),
        ("drc_selectivity", ["drc_selectivity.py", "--student",
                             os.path.join(table1, "students", "drc10_pos_seed0.keras"),
                             "--teacher", os.path.join(table1, "teachers", "teacher_seed0.keras"),
                             "--out", os.path.join(out, "drc_selectivity"), *mode, *again]),
        ("drc_visuals", ["drc_visuals.py", "--out", os.path.join(out, "drc_visuals"), "--runs",
                         os.path.join(table1, "runs", "saved_models", "*_seed0_*"), *again]),
        ("bl_speed_accuracy", ["bl_speed_accuracy.py", "--out", os.path.join(out, "bl_speed_accuracy"), *mode,
                               *again]),
    ]


def settings_of(quick, seeds, overwrite, names):
    """What makes two runs of the suite the same run (so the second continues the first)."""
    return {"quick": quick, "seeds": seeds, "overwrite": overwrite, "parts": list(names)}


def read_record(path):
    """The suite record at ``path`` (None when absent or unreadable)."""
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def continued(record, settings):
    """(parts already finished, part that was running) when ``record`` is an unfinished run with
    ``settings``; else nothing to continue."""
    if not record or record.get("finished", True) or record.get("settings") != settings:
        return {}, None
    return dict(record.get("seconds", {})), record.get("running")


def write_record(path, record):
    """Writes the suite record atomically."""
    with open(path + ".partial", "w") as f:
        json.dump(record, f, indent=1)
    os.replace(path + ".partial", path)


def part_command(scripts_dir, argv):
    """The command line of one part: its script in ``scripts_dir`` (a checkout), or, with
    ``scripts_dir`` None (an installed package), its console command through ``python -m drc``."""
    if scripts_dir is None:
        return [sys.executable, "-m", "drc", COMMANDS[argv[0]], *argv[1:]]
    return [sys.executable, os.path.join(scripts_dir, argv[0]), *argv[1:]]


def run_suite(scripts_dir, out=None, quick=False, overwrite=False, only=None, seeds=None):
    """Runs (or continues) the suite with the scripts in ``scripts_dir`` (None: the installed
    console commands); returns the exit code (that of the first part that fails, else 0).
    ``only``: comma-separated part names."""
    out = out or ("results/quick" if quick else "results")
    names = only.split(",") if only else list(PARTS)
    unknown = sorted(set(names) - set(PARTS))
    if unknown:
        raise UsageError(f"--only {','.join(unknown)}: unknown; allowed: {', '.join(PARTS)}")
    if seeds is not None and seeds < 1:
        raise UsageError(f"--seeds {seeds} must be at least 1")
    path = os.path.join(out, RECORD if not only else f"run_all_{'_'.join(names)}.json")
    settings = settings_of(quick, seeds, overwrite, names)
    times, running = continued(read_record(path), settings)
    if times or running:
        print(f"continuing the interrupted suite in {path}: done {', '.join(times) or 'nothing'}", flush=True)
    chosen = [step for step in steps(out, quick, overwrite, seeds, resuming=[running]) if step[0] in names]
    os.makedirs(out, exist_ok=True)
    record = {"settings": settings, "seconds": times, "finished": False, "cpus": os.cpu_count(),
              "machine": platform.platform(), "python": platform.python_version()}
    for name, argv in progress(chosen, "results suite", unit="part"):
        if name in times:
            continue
        command = part_command(scripts_dir, argv)
        print(f"== {name}: {' '.join(command[1:])}", flush=True)
        write_record(path, dict(record, running=name))
        t0 = time.time()
        code = subprocess.call(command)
        if code:
            print(f"run_all.py: error: {name} ended with exit code {code}", file=sys.stderr)
            return code
        times[name] = round(time.time() - t0, 1)
        write_record(path, record)
    record.update(finished=True, total_seconds=round(sum(times.values()), 1))
    write_record(path, record)
    print(json.dumps(record, indent=1))
    return 0
