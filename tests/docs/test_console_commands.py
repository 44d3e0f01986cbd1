"""Every console command of setup.py takes the same flags as its script in scripts/."""
import ast
import os
import re
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCRIPTS = {"drc-training": "scripts/DRC_training.py", "cifar-style": "scripts/cifar_style.py"}


def console_scripts():
    tree = ast.parse(open(os.path.join(ROOT, "setup.py"), encoding="utf-8").read())
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "CONSOLE_SCRIPTS" for t in node.targets):
            return dict(tuple(p.strip() for p in entry.split("=", 1)) for entry in ast.literal_eval(node.value))
    raise AssertionError("setup.py has no CONSOLE_SCRIPTS")


def options(args):
    done = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "COLUMNS": "100"})
    assert done.returncode == 0, done.stderr[-2000:]
    text = re.sub(r"usage: \S+", "usage:", done.stdout)      # the program name differs (prog)
    return sorted(set(re.findall(r"(?<![\w-])--?[A-Za-z][\w-]*", text)))


def test_every_command_has_its_script():
    assert set(console_scripts()) <= set(SCRIPTS)


@pytest.mark.parametrize("command", sorted(console_scripts()))
def test_same_flags_as_the_script(command):
    module, function = console_scripts()[command].split(":")
    call = f"import sys; from {module} import {function} as f; sys.exit(f(['--help']))"
    ours = options([sys.executable, "-c", call])
    assert "--help" in ours and len(ours) > 5
    assert ours == options([sys.executable, os.path.join(ROOT, SCRIPTS[command]), "--help"])
