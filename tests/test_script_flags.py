"""Every script's flags and defaults are those recorded before the redesign (issue 12).

The record covers every script that existed then (scripts of later model families have tests
of their own command lines).

One subprocess imports each script as ``__main__`` with ``--help`` and, instead of printing the
help, reports the parser's actions: option strings, dest, default, nargs, choices, required.
``tests/data/script_flags.json`` holds the recorded list; regenerate it only for an intended
change of a command line: ``python tests/test_script_flags.py`` rewrites it. A recorded action
with an ``"added"`` entry is a flag this package adds to an original script (the entry says why,
for FAITHFULNESS.md); it is compared like the others, and rewriting the record keeps the entry.
"""
import json
import os
import subprocess
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), os.pardir))
RECORD = os.path.join(ROOT, "tests", "data", "script_flags.json")
FOLDERS = ("scripts", "scripts/convrnn", "scripts/experiments", "scripts/benchmarks")

REPORTER = r'''
import argparse, contextlib, io, json, os, runpy, sys

class Done(Exception):
    pass

def plain(v):
    if isinstance(v, (str, int, float, bool)) or v is None:
        return v
    if isinstance(v, (list, tuple)):
        return [plain(x) for x in v]
    return repr(v)

rows = {}
def report(self, file=None):
    rows["actions"] = [{"flags": list(a.option_strings), "dest": a.dest, "default": plain(a.default),
                        "nargs": plain(a.nargs), "required": bool(a.required),
                        "choices": plain(list(a.choices)) if a.choices is not None else None}
                       for a in self._actions if not isinstance(a, argparse._HelpAction)]
    raise Done

argparse.ArgumentParser.print_help = report
out, root, names = {}, sys.argv[1], sys.argv[2:]
for rel in names:
    path = os.path.join(root, rel)
    rows.clear()
    sys.argv, saved = [path, "--help"], list(sys.path)
    sys.path.insert(0, os.path.dirname(path))
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            runpy.run_path(path, run_name="__main__")
    except (Done, SystemExit):
        pass
    finally:
        sys.path[:] = saved
    out[rel] = rows.get("actions")
print(json.dumps(out, indent=1, sort_keys=True))
'''


def scripts():
    return sorted(f"{folder}/{name}" for folder in FOLDERS for name in os.listdir(os.path.join(ROOT, folder))
                  if name.endswith(".py") and not name.startswith("_"))


def current_flags(names):
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    result = subprocess.run([sys.executable, "-c", REPORTER, ROOT, *names], capture_output=True, text=True,
                            cwd=ROOT, env=env, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout)


def _by_dest(actions):
    return {a["dest"]: {k: v for k, v in a.items() if k != "added"} for a in actions}


def _with_added_marks(now, recorded):
    """``now`` with the ``"added"`` entries of ``recorded`` (the flags this package adds)."""
    for script, actions in now.items():
        marks = {a["dest"]: a["added"] for a in recorded.get(script) or () if "added" in a}
        for action in actions or ():
            if action["dest"] in marks:
                action["added"] = marks[action["dest"]]
    return now


def test_every_script_keeps_its_flags_and_defaults():
    with open(RECORD) as f:
        recorded = json.load(f)
    assert set(recorded) <= set(scripts()), "a recorded script is gone"
    now = current_flags(sorted(recorded))
    for script, actions in recorded.items():
        assert now[script] is not None, f"{script}: --help did not reach its parser"
        assert _by_dest(now[script]) == _by_dest(actions), script
        for action in actions:
            assert "added" not in action or action["added"].strip(), f"{script}: an added flag without its reason"


if __name__ == "__main__":
    with open(RECORD) as f:
        recorded = json.load(f)
    with open(RECORD, "w") as f:
        f.write(json.dumps(_with_added_marks(current_flags(scripts()), recorded), indent=1, sort_keys=True) + "\n")
