"""Every console command of setup.py takes the same flags as its script in scripts/."""
import ast
import os
import re
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCRIPTS = {
    "drc-training": "scripts/DRC_training.py",
    "cifar-style": "scripts/cifar_style.py",
    "drc-demo": "scripts/demo.py",
    "drc-results": "scripts/experiments/run_all.py",
    "drc-table1": "scripts/experiments/drc_table1.py",
    "drc-selectivity": "scripts/experiments/drc_selectivity.py",
    "drc-visuals": "scripts/experiments/drc_visuals.py",
    "convrnn-train": "scripts/convrnn/train.py",
    "convrnn-test": "scripts/convrnn/test.py",
    "convrnn-speed-accuracy": "scripts/convrnn/speed_accuracy.py",
    "convrnn-create-subset-image-directories": "scripts/convrnn/create_subset_image_directories.py",
    "convrnn-reformat-test-data-dir": "scripts/convrnn/reformat_test_data_dir.py",
    "bl-speed-accuracy": "scripts/experiments/bl_speed_accuracy.py",
    "cordsnet-main-training-1-compatibility": "scripts/cordsnet/main_training_1_compatibility.py",
    "cordsnet-main-training-1-folding": "scripts/cordsnet/main_training_1_folding.py",
    "cordsnet-main-training-2-inverse": "scripts/cordsnet/main_training_2_inverse.py",
    "cordsnet-main-training-3-linear": "scripts/cordsnet/main_training_3_linear.py",
    "cordsnet-main-training-4-parametric": "scripts/cordsnet/main_training_4_parametric.py",
    "cordsnet-main-training-5-finetune": "scripts/cordsnet/main_training_5_finetune.py",
    "cordsnet-compute-eigenvalues": "scripts/cordsnet/compute_eigenvalues.py",
    "cordsnet-results": "scripts/cordsnet/cordsnet_results.py",
    "cordsnet-main": "scripts/cordsnet/main.py",
    "cordsnet-run-own-image": "scripts/cordsnet/run_own_image.py",
    "cordsnet-compute-eigenvector": "scripts/cordsnet/compute_eigenvector.py",
    "rsrnn-train": "scripts/rsrnn/train.py",
    "rsrnn-adv-attack": "scripts/rsrnn/adv_attack.py",
    "rsrnn-results": "scripts/rsrnn/results.py",
    "whatwhere-train-what": "scripts/whatwhere/train_what.py",
    "whatwhere-train-where": "scripts/whatwhere/train_where.py",
    "whatwhere-train-transformer": "scripts/whatwhere/train_transformer.py",
    "whatwhere-benchmark": "scripts/whatwhere/benchmark.py",
    "whatwhere-pictures": "scripts/whatwhere/pictures.py",
    "whatwhere-results": "scripts/whatwhere/results.py",
}


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


# scripts without a console command: the suite runs the scripts of its folder; the subset makers
# rewrite the package's own data files (maintainers' tools, run from a checkout)
NO_COMMAND = {"scripts/make_mnist_subset.py", "scripts/make_fashion_mnist_subset.py"}


def test_every_command_has_its_script():
    assert set(console_scripts()) == set(SCRIPTS)


def test_every_script_has_its_command():
    """Every script outside scripts/benchmarks/ is a console command (or one of NO_COMMAND)."""
    found = {os.path.relpath(os.path.join(folder, name), ROOT).replace(os.sep, "/")
             for folder, dirs, files in os.walk(os.path.join(ROOT, "scripts")) for name in files
             if name.endswith(".py") and not name.startswith("_") and "benchmarks" not in folder}
    assert found - NO_COMMAND == set(SCRIPTS.values())


@pytest.mark.parametrize("command", sorted(console_scripts()))
def test_same_flags_as_the_script(command):
    module, function = console_scripts()[command].split(":")
    call = f"import sys; from {module} import {function} as f; sys.exit(f(['--help']))"
    ours = options([sys.executable, "-c", call])
    assert "--help" in ours and len(ours) > 3      # -h, --help and at least two flags of its own
    assert ours == options([sys.executable, os.path.join(ROOT, SCRIPTS[command]), "--help"])
