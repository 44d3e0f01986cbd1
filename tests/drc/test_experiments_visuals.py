"""Visual aids: the sensor-movie GIF, trajectory styles, learning curves of run folders, the CLI."""
import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from drc import figures, results
from drc.core.errors import UsageError

from tests.helpers import ROOT  # noqa: E402
SCRIPT = os.path.join(ROOT, "scripts", "experiments", "drc_visuals.py")


def test_gif_has_one_frame_per_step_and_follows_the_window(tmp_path, fmnist_subset):
    (x, _), _ = fmnist_subset
    steps = 6
    start = np.array(figures.sensor_start(28))
    offsets = np.stack([np.arange(steps) * 3, np.zeros(steps, int)], axis=-1)  # moves right by 3 px per step
    path = figures.sensor_movie_gif(x[:2], np.stack([start + offsets, start - offsets]), 7, str(tmp_path / "m.gif"))
    gif = Image.open(path)
    assert gif.n_frames == steps
    pictures = []
    for t in range(steps):
        gif.seek(t)
        pictures.append(np.asarray(gif.convert("L"), float))
    assert all(np.abs(pictures[t + 1] - pictures[t]).mean() > 0 for t in range(steps - 1))
    assert os.path.getsize(path) < 2 * 2 ** 20


def test_learning_curves_read_both_history_layouts(tmp_path):
    whole, split = tmp_path / "run_a", tmp_path / "run_b"
    whole.mkdir()
    split.mkdir()
    pd.DataFrame({"stage": ["student", "student", "decoder"], "epoch": [1, 2, 1], "loss": [0.8, 0.5, 0.6],
                  "val_loss": [0.7, 0.4, 0.5], "sparse_categorical_accuracy": [np.nan, np.nan, 0.7],
                  "val_sparse_categorical_accuracy": [np.nan, np.nan, 0.75]}).to_csv(whole / "histories.csv",
                                                                                      index=False)
    pd.DataFrame({"epoch": [0, 1, 2], "loss": [0.9, 0.6, 0.5], "val_loss": [0.8, 0.6, 0.45]}).to_csv(
        split / "student_history.csv", index=False)
    history = results.read_histories(str(split))
    assert history["epoch"].tolist() == [1, 2, 3] and set(history["stage"]) == {"student"}
    assert history["val_loss"].tolist() == [0.8, 0.6, 0.45]
    (tmp_path / "not_a_run").mkdir()
    runs = results.run_folders([str(tmp_path / "*")])
    assert runs == [str(whole), str(split)]
    path = figures.plot_learning_curves(runs, str(tmp_path / "curves.png"))
    assert os.path.getsize(path) > 1000
    with pytest.raises(UsageError):
        results.run_folders([str(tmp_path / "nothing*")])


def test_run_labels_drop_the_job_and_time_suffix():
    assert results.run_label("runs/saved_models/drc10_pos_seed0_j32103_t1795444939/") == "drc10_pos_seed0"
    assert results.run_label("my_run") == "my_run"


def test_script_writes_gif_and_styles_and_rejects_an_unknown_style(tmp_path):
    out = tmp_path / "out"
    run = subprocess.run([sys.executable, SCRIPT, "--out", str(out), "--n_trajectories", "5", "--n_steps", "4",
                          "--styles", "spiral_2dir2,degenerate_fix2"], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    assert Image.open(out / "sensor_movie.gif").n_frames == 4
    assert (out / "trajectory_styles.png").stat().st_size > 1000
    bad = subprocess.run([sys.executable, SCRIPT, "--out", str(out), "--styles", "spiral,nope"], capture_output=True,
                         text=True, timeout=300)
    lines = bad.stderr.strip().splitlines()
    assert bad.returncode == 2 and len(lines) == 1 and "nope" in lines[0]
    written = (out / "sensor_movie.gif").stat().st_mtime_ns
    again = subprocess.run([sys.executable, SCRIPT, "--out", str(out)], capture_output=True, text=True, timeout=300)
    lines = again.stderr.strip().splitlines()
    assert again.returncode == 2 and len(lines) == 1 and "--overwrite" in lines[0], again.stderr
    assert (out / "sensor_movie.gif").stat().st_mtime_ns == written  # the earlier figures are kept
