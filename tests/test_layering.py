"""The architecture's layering, read from the imports (AST) of every module of the repository.

Rules (README, "Architecture"): ``drc.core`` imports no other package of the repository;
``students`` imports only itself (Keras/TF outside); ``teachers``, ``convrnn_bl`` and every new
model family import only themselves, ``drc.core`` and ``students``; the rest of ``drc`` may add
``teachers``; no two modules import each other; scripts are thin (no classes, no module-level
TensorFlow import, short functions). Every import counts, also those inside functions.
"""
import ast
import os

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), os.pardir))
PACKAGES = ("drc", "teachers", "students", "convrnn_bl", "cordsnet", "rsrnn", "whatwhere")
FAMILIES = ("teachers", "convrnn_bl", "cordsnet", "rsrnn", "whatwhere")
# layer -> the layers it may import (besides itself)
ALLOWED = {
    "drc.core": set(),
    "students": set(),
    **{family: {"drc.core", "students"} for family in FAMILIES},
    "drc": {"drc.core", "students", "teachers"},
}
# every script folder but the benchmarks (a benchmark holds its baseline implementation)
SCRIPT_FOLDERS = ["scripts"] + sorted(
    f"scripts/{name}" for name in os.listdir(os.path.join(ROOT, "scripts"))
    if os.path.isdir(os.path.join(ROOT, "scripts", name)) and name not in ("benchmarks", "__pycache__"))
MAX_SCRIPT_FUNCTION_LINES = 45


def layer_of(module):
    """'drc.core' for the core, else the top-level package; None outside the repository's packages."""
    top = module.split(".")[0]
    if top not in PACKAGES:
        return None
    return "drc.core" if module == "drc.core" or module.startswith("drc.core.") else top


def find_modules(root, packages=PACKAGES):
    """{dotted module name: file path} of every .py file under the packages in ``root``."""
    modules = {}
    for package in packages:
        for folder, dirs, files in os.walk(os.path.join(root, package)):
            dirs[:] = [d for d in dirs if d != "__pycache__"]
            for name in files:
                if name.endswith(".py"):
                    path = os.path.join(folder, name)
                    dotted = os.path.relpath(path, root)[:-3].replace(os.sep, ".")
                    modules[dotted[:-len(".__init__")] if dotted.endswith(".__init__") else dotted] = path
    return modules


def imported_modules(path, module, known):
    """The repository modules that ``module`` (at ``path``) imports anywhere in its code.

    ``from pkg import name`` counts as ``pkg.name`` when that is a module, else as ``pkg``."""
    is_package = path.endswith("__init__.py")
    found = set()
    for node in ast.walk(ast.parse(open(path, encoding="utf8").read(), path)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = module.split(".")[: len(module.split(".")) - node.level + is_package]
                base = ".".join(parts + ([node.module] if node.module else []))
            else:
                base = node.module
            for alias in node.names:
                found.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base)
    return {m for m in found if layer_of(m)}


def import_graph(root, packages=PACKAGES):
    modules = find_modules(root, packages)
    return {m: imported_modules(p, m, modules) - {m} for m, p in modules.items()}


def violations(graph):
    """One line per forbidden arrow and per pair of modules that import each other."""
    found = []
    for module, targets in sorted(graph.items()):
        layer = layer_of(module)
        for target in sorted(targets):
            other = layer_of(target)
            if other != layer and other not in ALLOWED[layer]:
                found.append(f"{module} imports {target} ({layer} may not import {other})")
            if target in graph and module in graph[target] and module < target:
                found.append(f"{module} and {target} import each other")
    return found


def script_problems(path):
    """Why a script is not thin: classes, module-level TensorFlow/Keras imports, long functions."""
    tree = ast.parse(open(path, encoding="utf8").read(), path)
    problems = []
    for node in tree.body:
        if isinstance(node, ast.ClassDef):
            problems.append(f"class {node.name}")
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
            if any(n.split(".")[0] in ("tensorflow", "keras") for n in names):
                problems.append("imports TensorFlow at module level")
        if isinstance(node, ast.FunctionDef) and node.end_lineno - node.lineno + 1 > MAX_SCRIPT_FUNCTION_LINES:
            problems.append(f"{node.name}() has {node.end_lineno - node.lineno + 1} lines")
    return problems


def test_the_repository_keeps_its_layers():
    graph = import_graph(ROOT)
    assert {"drc.core.errors", "drc.pipeline", "teachers.training", "students.conv_gru"} <= set(graph)
    assert violations(graph) == []


def test_known_arrows_are_read():
    """The reader sees plain, from-, relative and function-level imports."""
    graph = import_graph(ROOT)
    assert "drc.core.errors" in graph["drc.core.cli"]
    assert "drc.sensor" in graph["drc.movies"]                 # from drc import sensor
    assert "teachers.training" in graph["drc.pipeline"]        # inside a function
    assert "students.conv_gru" in graph["students.student"]


@pytest.mark.parametrize("folder", SCRIPT_FOLDERS)
def test_scripts_are_thin(folder):
    scripts = sorted(f for f in os.listdir(os.path.join(ROOT, folder)) if f.endswith(".py"))
    problems = {name: script_problems(os.path.join(ROOT, folder, name)) for name in scripts}
    assert {name: p for name, p in problems.items() if p} == {}


def _write(root, relative, text=""):
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def _tree(tmp_path, extra):
    """A miniature repository that keeps the rules, plus the modules in ``extra``."""
    files = {"drc/__init__.py": "", "drc/core/__init__.py": "", "drc/core/errors.py": "",
             "drc/core/cli.py": "from drc.core.errors import UsageError\n",
             "drc/sensor.py": "import numpy\nfrom drc.core import errors\n",
             "drc/pipeline.py": "from drc import sensor\n\ndef f():\n    from teachers import training\n",
             "students/__init__.py": "", "students/conv_gru.py": "import keras\n",
             "teachers/__init__.py": "", "teachers/training.py": "from students import conv_gru\nimport drc.core.cli\n",
             "cordsnet/__init__.py": "", "cordsnet/model.py": "from drc.core.errors import UsageError\n"}
    for relative, text in {**files, **extra}.items():
        _write(tmp_path, relative, text)
    return import_graph(str(tmp_path))


def test_a_layered_tree_passes(tmp_path):
    assert violations(_tree(tmp_path, {})) == []


@pytest.mark.parametrize("relative, text, expected", [
    ("drc/core/datasets.py", "from drc import sensor\n", "drc.core may not import drc"),
    ("drc/core/runs.py", "def f():\n    import teachers.training\n", "drc.core may not import teachers"),
    ("students/student.py", "from drc.core import errors\n", "students may not import drc.core"),
    ("teachers/cli.py", "from drc.pipeline import run\n", "teachers may not import drc"),
    ("cordsnet/data.py", "from drc import sensor\n", "cordsnet may not import drc"),
    ("cordsnet/bl.py", "from convrnn_bl import models\n", "cordsnet may not import convrnn_bl"),
    ("drc/bl.py", "import convrnn_bl.models\n", "drc may not import convrnn_bl"),
])
def test_a_forbidden_import_fails(tmp_path, relative, text, expected):
    found = violations(_tree(tmp_path, {relative: text}))
    assert len(found) == 1 and expected in found[0], found


def test_two_modules_importing_each_other_fail(tmp_path):
    found = violations(_tree(tmp_path, {"drc/sensor.py": "from drc import pipeline\n"}))
    assert found == ["drc.pipeline and drc.sensor import each other"]


def test_a_thick_script_fails(tmp_path):
    body = "\n".join(f"    x{i} = {i}" for i in range(MAX_SCRIPT_FUNCTION_LINES))
    _write(tmp_path, "s.py", f"import tensorflow as tf\n\nclass Env:\n    pass\n\ndef main():\n{body}\n")
    assert script_problems(str(tmp_path / "s.py")) == [
        "imports TensorFlow at module level", "class Env", f"main() has {MAX_SCRIPT_FUNCTION_LINES + 1} lines"]
