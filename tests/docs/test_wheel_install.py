"""A wheel of the package installs into a fresh virtual environment (no network: --no-deps,
--no-index, with the system's site packages for TensorFlow and the rest) and every console
command of setup.py answers --help there; the demo's first stage runs from the installed copy.
Slow (a build and a venv): `make test-install`."""
import ast
import glob
import os
import shutil
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
NOT_PACKAGED = ("tests", "examples", "docs", "results", "site", "build", "dist", "demo_output", "saved_models",
                "pretrained_teachers")


def console_scripts():
    tree = ast.parse(open(os.path.join(ROOT, "setup.py"), encoding="utf-8").read())
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "CONSOLE_SCRIPTS" for t in node.targets):
            return [entry.split("=")[0].strip() for entry in ast.literal_eval(node.value)]
    raise AssertionError("setup.py has no CONSOLE_SCRIPTS")


def run(args, cwd, **kwargs):
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["TF_CPP_MIN_LOG_LEVEL"] = "2"
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=600, **kwargs)


@pytest.fixture(scope="module")
def venv(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("wheel")
    source = tmp / "src"      # a clean copy: no stale build/ folder can leak removed modules into the wheel
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(".git", "*.egg-info", "__pycache__", *NOT_PACKAGED))
    built = run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w",
                 str(tmp / "dist"), str(source)], cwd=tmp)
    assert built.returncode == 0, built.stderr[-2000:]
    wheel, = glob.glob(str(tmp / "dist" / "*.whl"))
    made = run([sys.executable, "-m", "venv", "--system-site-packages", str(tmp / "venv")], cwd=tmp)
    assert made.returncode == 0, made.stderr
    pip = run([str(tmp / "venv" / "bin" / "python"), "-m", "pip", "install", "--no-deps", "--no-index", "-q", wheel],
              cwd=tmp)
    assert pip.returncode == 0, pip.stderr[-2000:]
    return tmp / "venv" / "bin", tmp


@pytest.mark.slow
def test_the_installed_copy_is_the_one_imported(venv):
    bin_dir, tmp = venv
    out = run([str(bin_dir / "python"), "-c", "import drc, teachers, convrnn_bl; print(drc.__file__)"], cwd=tmp)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().startswith(str(tmp / "venv")), out.stdout


@pytest.mark.slow
@pytest.mark.parametrize("command", console_scripts())
def test_console_command_help(venv, command):
    bin_dir, tmp = venv
    assert (bin_dir / command).exists(), f"{command} is not on the venv's PATH"
    out = run([str(bin_dir / command), "--help"], cwd=tmp)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.startswith("usage:") and "--help" in out.stdout
    listed = run([str(bin_dir / "python"), "-m", "drc", command, "--help"], cwd=tmp)
    assert listed.returncode == 0 and listed.stdout == out.stdout


@pytest.mark.slow
def test_demo_first_stage_from_the_wheel(venv):
    bin_dir, tmp = venv
    out_dir = tmp / "demo_output"
    out_dir.mkdir()
    code = f"from drc.demo import sensor_pictures; print(sensor_pictures({str(out_dir)!r}))"
    out = run([str(bin_dir / "python"), "-c", code], cwd=tmp)
    assert out.returncode == 0, out.stderr[-2000:]
    pictures = sorted(os.listdir(out_dir))
    assert pictures == ["sensor_movie.png", "sensor_movie_1.png", "sensor_movie_2.png"]
    with open(out_dir / "sensor_movie.png", "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"
