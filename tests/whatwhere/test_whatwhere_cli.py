"""The scripts' bad inputs give one line and exit code 2; parsing imports no TensorFlow; a short
training run writes its files, refuses to overwrite them and the speed benchmark agrees with itself."""
import json
import os
import subprocess
import sys

import numpy as np
import pytest

from whatwhere.cli import benchmark_main, train_main

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _exit_line(capsys, main, argv, **kwargs):
    with pytest.raises(SystemExit) as err:
        _run(main, argv, kwargs)
    assert err.value.code == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1
    return lines[0]


def _run(main, argv, kwargs):
    from drc.core.cli import run_cli
    return run_cli(lambda a: main(a, **kwargs), argv, prog="whatwhere")


def _saved_model(path):
    """A readable .keras file (the scripts check a saved model's architecture before any work)."""
    import keras

    keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)]).save(path)
    return str(path)


def test_parsing_imports_no_tensorflow():
    code = ("import sys, whatwhere.cli as c; c.train_parser('where').parse_args(['--out', 'x', '--what_model', 'w']);"
            "c.benchmark_parser(); assert 'tensorflow' not in sys.modules and 'keras' not in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT, env={**os.environ, "PYTHONPATH": ROOT})


@pytest.mark.parametrize("argv, expected", [
    (["--contrasts", "0.5", "1.5"], "contrast=1.5 is outside (0, 1]"),
    (["--contrasts", "0"], "contrast=0.0 is outside (0, 1]"),
    (["--eccentricities", "4.4", "60"], "eccentricity=60.0 is beyond the 128-pixel canvas; allowed: 0 .. 50"),
])
def test_benchmark_bad_inputs(argv, expected, capsys, tmp_path):
    line = _exit_line(capsys, benchmark_main, ["--out", str(tmp_path / "b"), "--what",
                                                _saved_model(tmp_path / "x.keras")] + argv)
    assert line == f"whatwhere: error: {expected}"


def test_training_bad_inputs(capsys, tmp_path):
    line = _exit_line(capsys, train_main, ["--model", "vit", "--out", str(tmp_path)])
    assert line.endswith("--model 'vit' is unknown; allowed: stn_28x28, stn, atn, polo_atn")
    line = _exit_line(capsys, train_main, ["--out", str(tmp_path / "run"), "--what_model",
                                           _saved_model(tmp_path / "w.keras"), "--N_theta", "0"], model="where")
    assert line.endswith("N_theta=0 must be an integer >= 1")


def test_a_cached_bank_of_other_parameters_is_refused(capsys, tmp_path):
    cache = tmp_path / "cache"
    cache.mkdir()
    other = {"N_pic": 128, "N_theta": 6, "N_azimuth": 24, "N_eccentricity": 8, "N_phase": 2, "rho": 1.41}
    np.savez(cache / "retina_6_24_10_2_1.41_128_transform.npz", array=np.zeros(1), params=json.dumps(other))
    line = _exit_line(capsys, train_main, ["--out", str(tmp_path / "run"), "--what_model",
                                           _saved_model(tmp_path / "w.keras"), "--n_train", "2", "--n_val", "2",
                                           "--cache", str(cache)], model="where")
    assert "retina_6_24_10_2_1.41_128_transform.npz was built for" in line and "'N_eccentricity': 8" in line


@pytest.mark.slow
def test_a_short_what_run_writes_and_refuses_to_overwrite(capsys, tmp_path):
    out = str(tmp_path / "what")
    argv = ["--out", out, "--n_train", "40", "--n_val", "20", "--batch_size", "20", "--epochs_per_stage", "1",
            "--max_stages", "2"]
    _run(train_main, argv, {"model": "what"})
    assert sorted(os.listdir(out)) == ["run_info.json", "training.log", "what.keras"]
    with open(os.path.join(out, "training.log")) as log:
        assert len(log.read().strip().splitlines()) == 3  # header + 2 epochs
    line = _exit_line(capsys, train_main, argv, model="what")
    assert "already holds a run" in line and "--overwrite" in line


def test_speed_measure_is_consistent(small_retina, mnist):
    from whatwhere.speed import measure
    result = measure(mnist[0], small_retina, n_canvas=4, n_codes=4, n_loop=1)
    assert result["bank_shape"] == [2 * 8 * 4 * 2, 64 * 64]
    assert result["bank_MB_float32"] == pytest.approx(128 * 4096 * 4 / 2 ** 20)
    assert all(result[k] > 0 for k in ("where_canvases_per_s", "codes_matmul_per_s", "codes_per_filter_loop_per_s"))


@pytest.mark.slow
def test_the_transformer_profile_times_every_part():
    from whatwhere.speed import transformer_profile
    out = transformer_profile("atn", batch=2, repeat=1)
    assert out["model"] == "atn" and out["batch"] == 2
    parts = ("train_step", "localisation", "sampler", "classifier")
    assert all(out[f"{p}_ms_per_image"] > 0 for p in parts)
    with pytest.raises(ValueError, match="^model_name='where' is not profiled; allowed: stn, atn$"):
        transformer_profile("where")
