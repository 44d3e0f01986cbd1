"""scripts/benchmarks/bench_gpu.py on a machine without a GPU: the tiny version, one table, JSON."""
import json
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCRIPT = os.path.join(ROOT, "scripts", "benchmarks", "bench_gpu.py")


def _run(tmp_path, *groups):
    out = tmp_path / "bench_gpu.json"
    env = {**os.environ, "CUDA_VISIBLE_DEVICES": ""}
    done = subprocess.run([sys.executable, SCRIPT, "--out", str(out), "--only", *groups], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout, json.loads(out.read_text())


def test_sensor_rows_without_a_gpu(tmp_path):
    stdout, result = _run(tmp_path, "sensor")
    assert "no GPU found" in stdout and result["tiny"] is True and result["machine"]["gpus"] == []
    variants = [r["variant"] for r in result["rows"]]
    assert variants == ["loop + OpenCV, n=5", "DRCSensor jit step, n=5", "loop + OpenCV, n=10",
                        "DRCSensor jit step, n=10"]
    assert all(r["samples_per_s"] > 0 for r in result["rows"])
    loop, ours = result["rows"][0], result["rows"][1]
    assert loop["ratio"] == 1.0 and ours["ratio"] == pytest.approx(ours["samples_per_s"] / loop["samples_per_s"])
    for variant in variants:
        assert variant in stdout                                  # the printed table


@pytest.mark.slow
def test_every_group_without_a_gpu(tmp_path):
    stdout, result = _run(tmp_path, "sensor", "distillation", "bl", "families")
    benchmarks = {r["benchmark"] for r in result["rows"]}
    assert {"sensor movies", "DRC distillation"} <= benchmarks
    assert any(b.startswith("BL inference") for b in benchmarks)
    gpu_only = [r for r in result["rows"] if r["note"].startswith("GPU only")]
    assert [r["variant"] for r in gpu_only] == ["Distiller --jit", "Distiller --mixed_precision",
                                                "Distiller --jit --mixed_precision"]
