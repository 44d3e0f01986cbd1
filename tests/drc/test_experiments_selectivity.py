"""Selectivity analysis: separability index, gratings, the sensor path, a known linear unit, the CLI."""
import json
import os
import subprocess
import sys

import cv2
import numpy as np
import pandas as pd
import pytest

from drc.experiments import selectivity
from drc.experiments.gratings import drifting_gratings, sensor_movies
from drc.core.preprocessing import Preprocessing

from tests.helpers import ROOT  # noqa: E402
SCRIPT = os.path.join(ROOT, "scripts", "experiments", "drc_selectivity.py")


def test_separability_is_one_for_an_outer_product_and_drops_for_a_diagonal_matrix():
    rng = np.random.default_rng(0)
    outer = np.outer(rng.random(12) + 0.1, rng.random(9) + 0.1)
    i, j = np.mgrid[0:12, 0:12]
    diagonal = np.exp(-0.5 * (i - j) ** 2)  # energy along the space-time diagonal: speed-tuned
    got = selectivity.separability_index(np.stack([outer[:, :9], diagonal[:, :9]]))
    expected = [np.linalg.eigvalsh(m @ m.T)[-1] / np.trace(m @ m.T) for m in (outer[:, :9], diagonal[:, :9])]
    assert got[0] == pytest.approx(1.0, abs=1e-12)
    assert got[1] == pytest.approx(expected[1], rel=1e-9)
    assert got[1] < 0.4
    assert np.isnan(selectivity.separability_index(np.zeros((3, 4))))


def test_gratings_have_the_requested_spatial_frequency_and_phase_drift():
    movies = drifting_gratings(28, [3, 5], [0.1], [0.0, np.pi / 2], [0.3], n_steps=4)
    assert movies.shape == (2, 1, 2, 1, 4, 28, 28)
    assert movies.min() >= 0 and movies.max() <= 255
    for s, f in enumerate((3, 5)):
        for d, peak in enumerate(((0, f), (f, 0))):  # direction 0 varies along columns (x)
            spectrum = np.fft.fft2(movies[s, 0, d, 0] - 127.5)
            power = np.abs(spectrum[0])
            power[0, 0] = 0  # the mean
            assert np.unravel_index(power.argmax(), power.shape) in (peak, tuple(-np.array(peak) % 28))
            drift = np.angle(spectrum[1:, peak[0], peak[1]] / spectrum[:-1, peak[0], peak[1]])
            np.testing.assert_allclose(drift, -2 * np.pi * 0.1, atol=1e-9)


def test_sensor_movies_are_the_preprocessed_frames_shrunk_by_opencv():
    rng = np.random.default_rng(1)
    raw = rng.uniform(0, 255, (2, 3, 28, 28)).astype(np.float32)
    record = Preprocessing("mean_norm", norm=128.0, mean_image=rng.uniform(0, 255, (28, 28, 1)))
    frames, where = sensor_movies(raw, record, res=7, broadcast=1)
    expected = np.stack([[cv2.resize((r - record.mean_image[..., 0]) / 128.0, (7, 7), interpolation=cv2.INTER_CUBIC)
                          for r in movie] for movie in raw]) / 256.0
    np.testing.assert_allclose(frames[..., 0], expected, atol=1e-6)
    assert where.shape == (2, 3, 7, 7, 2)
    np.testing.assert_allclose(where, 100 / 228, rtol=1e-6)  # the start position, held constant


def _opencv_gain(grid, weights):
    """Complex gain of sum(weights * frame) for a unit-amplitude grating, per (f, direction), derived
    with OpenCV's cubic shrinking of the grating's cosine and sine images."""
    y, x = np.mgrid[0:grid.size, 0:grid.size]
    gain = np.zeros((len(grid.spatial), len(grid.directions)), complex)
    for a, f in enumerate(grid.spatial):
        for b, d in enumerate(grid.directions):
            theta = 2 * np.pi * f * (x * np.cos(d) + y * np.sin(d)) / grid.size
            shrink = [cv2.resize(np.float32(v(theta)), (7, 7), interpolation=cv2.INTER_CUBIC) for v in (np.cos, np.sin)]
            gain[a, b] = np.sum(weights * (shrink[0] + 1j * shrink[1]))
    return gain


def test_a_known_linear_unit_gives_its_transfer_function_and_preferred_frequency():
    grid = selectivity.GratingGrid.regular([0.5, 1, 1.5, 2, 2.5, 3, 3.5], [0, 0.1, 0.25, 0.4, 0.5], 4, 4, n_steps=5)
    rng = np.random.default_rng(2)
    record = Preprocessing("mean_norm", norm=128.0, mean_image=rng.uniform(0, 255, (28, 28, 1)))
    weights = np.tile(np.cos(2 * np.pi * 2 * np.arange(7) / 7), (7, 1))  # 2 cycles/image along x

    def respond(frames, where):  # r_t = s_t - 0.5 s_(t-1): passes DC (the mean image) and prefers 0.5 c/step
        s = np.einsum("btij,ij->bt", frames[..., 0], weights)
        r = np.concatenate([s[:, :1], s[:, 1:] - 0.5 * s[:, :-1]], axis=1)
        return r[:, :, None, None, None]

    amplitudes = selectivity.evoked_amplitudes(respond, grid, record, res=7, broadcast=1)
    temporal_gain = np.abs(1 - 0.5 * np.exp(2j * np.pi * grid.temporal))
    expected = (127.5 / 128 / 256 / np.sqrt(2) * np.abs(_opencv_gain(grid, weights))[:, None, :]
                * temporal_gain[None, :, None])
    np.testing.assert_allclose(amplitudes[..., 0], expected, rtol=1e-4, atol=1e-6 * expected.max())
    row = selectivity.unit_table(amplitudes, grid).iloc[0]
    assert row["preferred_sf_cycles_per_image"] == 2 and row["preferred_tf_cycles_per_step"] == 0.5
    assert row["preferred_direction_deg"] in (0, 180)
    assert row["separability"] == pytest.approx(1.0, abs=1e-6)  # |G(f)| |H(w)| is an outer product


def test_bad_grids_are_usage_errors():
    for kwargs in (dict(spatial=[-1]), dict(temporal=[0.7]), dict(n_phases=2), dict(contrast=0)):
        args = dict(dict(spatial=[1.0], temporal=[0.0], n_directions=4, n_phases=4, n_steps=5), **kwargs)
        with pytest.raises(selectivity.UsageError):
            selectivity.GratingGrid.regular(**args)


def test_a_student_s_first_layer_is_analysed_and_its_control_is_freshly_initialised():
    from students import student3

    student = student3(sample=4, res=7, channels=1, rnn_layer1=6, rnn_layer2=4, num_feature=3, conv_rnn_type="gru",
                       add_coordinates=True, time_pool="average_pool")
    grid = selectivity.GratingGrid.regular([1, 2, 3], [0, 0.25], 2, 3, n_steps=4)
    record = Preprocessing("mean_norm", norm=128.0, mean_image=np.full((28, 28, 1), 70.0))
    amplitudes, table = selectivity.analyse_student(student, grid, record)
    assert amplitudes.shape == (3, 2, 2, 6) and len(table) == 6
    assert set(table["preferred_sf_cycles_per_image"]) <= {1, 2, 3}
    assert table["separability"].between(0, 1 + 1e-9).all() and (table["peak_amplitude"] > 0).all()
    control = selectivity.untrained_copy(student, seed=3)
    first = selectivity.early_layer(student).name
    assert first == "convLSTM10"
    assert [w.shape for w in control.get_weights()] == [w.shape for w in student.get_weights()]
    assert not np.allclose(control.get_layer(first).get_weights()[0], student.get_layer(first).get_weights()[0])
    with pytest.raises(selectivity.UsageError):
        selectivity.analyse_student(student, selectivity.GratingGrid.regular([1], [0], 1, 3, n_steps=5), record)


def test_an_unknown_layer_of_a_given_student_is_refused_before_out_is_made(tmp_path):
    from drc.experiments.selectivity_run import run_selectivity
    from students import student3

    path = str(tmp_path / "student.keras")
    student3(sample=4, res=7, channels=1, rnn_layer1=6, rnn_layer2=4, num_feature=3, conv_rnn_type="gru",
             add_coordinates=True, time_pool="average_pool").save(path)
    with pytest.raises(selectivity.UsageError, match="the student has no layer 'no_such_layer'"):
        run_selectivity(student=path, layer="no_such_layer", out=str(tmp_path / "out"))
    assert sorted(os.listdir(tmp_path)) == ["student.keras"]


def test_an_unknown_layer_of_the_student_to_be_trained_is_refused_before_training(tmp_path):
    from drc.experiments.quick_student import quick_student_layer_names
    from drc.experiments.selectivity_run import QUICK_STUDENT, run_selectivity

    names = quick_student_layer_names(rnn_layer1=QUICK_STUDENT["rnn_layer1"], rnn_layer2=QUICK_STUDENT["rnn_layer2"])
    assert "convLSTM10" in names  # student3's first ConvRNN layer
    with pytest.raises(selectivity.UsageError, match="the student to be trained will have no layer 'nope'"):
        run_selectivity(layer="nope", quick=True, out=str(tmp_path / "out"))
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("args, words", [
    (["--student", "no/such/student.keras"], "no such file"),
    (["--spatial", "1,x"], "comma-separated numbers"),
])
def test_cli_bad_input_is_one_line_and_exit_code_2(tmp_path, args, words):
    run = subprocess.run([sys.executable, SCRIPT, "--out", str(tmp_path), *args], capture_output=True, text=True,
                         timeout=120)
    assert run.returncode == 2
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and words in lines[0] and "Traceback" not in run.stderr


def test_cli_refuses_an_earlier_analysis(tmp_path):
    (tmp_path / "summary.json").write_text("{}")
    run = subprocess.run([sys.executable, SCRIPT, "--out", str(tmp_path)], capture_output=True, text=True,
                         timeout=120)
    lines = run.stderr.strip().splitlines()
    assert run.returncode == 2 and len(lines) == 1 and "summary.json" in lines[0] and "--overwrite" in lines[0]
    assert (tmp_path / "summary.json").read_text() == "{}"


@pytest.mark.slow
def test_the_script_trains_a_student_and_writes_the_analysis(tmp_path):
    run = subprocess.run([sys.executable, SCRIPT, "--out", str(tmp_path), "--quick"], capture_output=True, text=True,
                         timeout=1800)
    assert run.returncode == 0, run.stderr[-3000:]
    summary = json.loads((tmp_path / "summary.json").read_text())
    units = pd.read_csv(tmp_path / "units.csv")
    assert summary["trained"]["units"] == summary["untrained"]["units"] == 8  # quick: rnn_layer1 = 8
    assert sorted(units["model"].unique()) == ["trained", "untrained"]
    assert set(units["preferred_sf_cycles_per_image"]) <= {0.5, 1.5, 2.5, 3.5}
    assert 0 < summary["training"]["test_accuracy_mean"] <= 1
    for name in ("preferred_frequencies.png", "separability_hist.png", "matrices_trained.png"):
        assert (tmp_path / name).stat().st_size > 1000


def test_preferred_frequency_and_separability_plots_are_written(tmp_path):
    """The report's figures from unit tables (a fast check; the slow test draws them end to end)."""
    import matplotlib.image
    from drc import figures

    grid = selectivity.GratingGrid.regular([0.5, 1.5, 2.5], [0.0, 0.25], 4, 3, n_steps=4)
    table = pd.DataFrame({figures.SF: [0.5, 1.5, 2.5, 1.5], figures.TF: [0.0, 0.25, 0.25, 0.0],
                          "separability": [0.9, 0.5, 0.7, 0.95]})
    path = figures.plot_preferred({"trained": table, "untrained": table.iloc[:2]}, grid, str(tmp_path / "p.png"))
    image = matplotlib.image.imread(path)
    assert image.ndim == 3 and image.shape[1] > image.shape[0] > 100  # two panels side by side
