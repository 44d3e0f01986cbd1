"""The Table 1 experiment: averaged prediction, the static sensor, resuming, refusing, the table."""
import os
import subprocess
import sys

import keras
import numpy as np
import pandas as pd
import pytest

from drc import sensor
from drc.core.errors import UsageError
from drc.experiments import conditions as cond
from drc.experiments import table1
from drc.experiments.averaged import averaged_prediction, low_res_frames
from drc.experiments.table1_report import markdown_table, summarize
from drc.core.preprocessing import Preprocessing, shrink_images
from drc.figures import plot_summary
from drc.tf_data import trajectory_dataset
from drc.trajectories import sample_trajectories

from tests.helpers import ROOT  # noqa: E402
SCRIPT = os.path.join(ROOT, "scripts", "experiments", "drc_table1.py")


def _tiny_classifier(n_classes=10):
    inputs = keras.Input((28, 28, 1))
    x = keras.layers.Conv2D(4, 5, strides=2, activation="relu")(inputs)
    x = keras.layers.Flatten()(x)
    return keras.Model(inputs, keras.layers.Dense(n_classes, activation="softmax")(x))


def _crop(image, q, window=28, pad=sensor.PAD):
    """The sensor's window at q, cut from the zero-padded image by slicing (the spec's formula)."""
    padded = np.pad(image, ((pad, pad), (pad, pad), (0, 0)))
    size = padded.shape[0]
    return padded[size - q[1] - window:size - q[1], q[0]:q[0] + window]


def test_averaged_prediction_is_the_mean_of_per_frame_softmaxes(fmnist_subset):
    (x, _), _ = fmnist_subset
    images = x[:6].astype(np.float32)
    pre = Preprocessing.fit(x[:500])
    model = _tiny_classifier()
    start = sensor.start_position(28, 28, 28)
    positions = sample_trajectories(len(images), 5, cond.CURVED, 0.5, start, rng=np.random.default_rng(3))
    expected = np.zeros((len(images), 10))
    for i, image in enumerate(images):
        for q in positions[i]:
            frame = shrink_images(shrink_images(_crop(image, q)[None], 7), 28)
            expected[i] += model.predict(pre.apply(frame), verbose=0)[0] / len(positions[i])
    got = averaged_prediction(model, images, positions, 7, pre, batch_size=4)
    np.testing.assert_allclose(got, expected, atol=2e-5)
    assert np.allclose(got.sum(axis=1), 1, atol=1e-5)
    assert not np.allclose(got, model.predict(pre.apply(images), verbose=0), atol=1e-3)  # frames are low-res


def test_low_res_frame_at_the_start_is_the_naive_low_res_image(fmnist_subset):
    (x, _), _ = fmnist_subset
    images = x[:3].astype(np.float32)
    start = np.array(sensor.start_position(28, 28, 28))
    frames = low_res_frames(images, np.broadcast_to(start, (3, 2, 2)), 7).numpy()
    np.testing.assert_allclose(frames[:, 0], shrink_images(shrink_images(images, 7), 28), atol=1e-3)
    np.testing.assert_allclose(frames[:, 0], frames[:, 1], atol=1e-4)


def test_averaged_prediction_rejects_mismatched_inputs():
    with pytest.raises(ValueError, match="positions"):
        averaged_prediction(_tiny_classifier(), np.zeros((2, 28, 28, 1)), np.zeros((3, 5, 2)), 7)


def test_not_moving_condition_gives_a_static_sensor(fmnist_subset):
    (x, _), _ = fmnist_subset
    static = cond.BY_NAME["drc5_static"]
    start = sensor.start_position(28, 28, 28)
    batch = next(iter(trajectory_dataset(x[:64].astype(np.float32), n_samples=5, noise=0.5, batch_size=64,
                                         seed=1, **static.trajectory_options())))
    q = batch["positions"].numpy()
    assert q.shape == (64, 5, 2)
    assert (q == np.array(start)).all()
    moving = next(iter(trajectory_dataset(x[:64].astype(np.float32), n_samples=5, noise=0.5, batch_size=64, seed=1,
                                          **cond.BY_NAME["drc5_pos"].trajectory_options())))["positions"].numpy()
    assert (np.abs(np.diff(moving, axis=1)).sum(axis=-1) > 0).mean() > 0.9


def test_conditions_cover_the_table_and_reject_unknown_names():
    kinds = {c.kind for c in cond.CONDITIONS}
    assert kinds == {"teacher", "naive", "averaged", "drc"}
    drc = [c for c in cond.CONDITIONS if c.kind == "drc"]
    assert {(c.n_samples, c.broadcast) for c in drc if not c.static and c.style == cond.CURVED} == {
        (5, 0), (10, 0), (5, 1), (10, 1)}
    straight = cond.BY_NAME["drc5_pos_straight"]
    assert (straight.n_samples, straight.broadcast) == (cond.BY_NAME["drc5_pos"].n_samples, 1)
    assert [c.name for c in cond.select(["drc5_pos", "teacher"])] == ["teacher", "drc5_pos"]
    with pytest.raises(ValueError, match="bogus"):
        cond.select(["bogus"])


def _rows():
    return pd.DataFrame([
        {"condition": "drc5_pos", "seed": 0, "test_accuracy": 0.80},
        {"condition": "teacher", "seed": 0, "test_accuracy": 0.90},
        {"condition": "teacher", "seed": 1, "test_accuracy": 0.92},
        {"condition": "drc5_pos", "seed": 1, "test_accuracy": 0.84},
    ])


def test_summary_has_mean_and_sample_std_over_seeds_in_table_order():
    summary = summarize(_rows())
    assert list(summary["condition"]) == ["teacher", "drc5_pos"]
    teacher = summary.iloc[0]
    assert teacher["n_seeds"] == 2
    assert teacher["mean"] == pytest.approx(91.0)
    assert teacher["std"] == pytest.approx(np.std([90.0, 92.0], ddof=1))
    assert teacher["paper_cifar10"] == 96.83
    one = summarize(_rows().iloc[:1])
    assert one.iloc[0]["std"] == 0.0


def test_markdown_table_puts_ours_next_to_the_paper(tmp_path):
    text = markdown_table(summarize(_rows()), "fashion_mnist", 28, 7)
    lines = text.strip().splitlines()
    assert "28x28 -> 7x7" in lines[0] and "paper CIFAR-10" in lines[0]
    assert lines[2] == "| full resolution (teacher) | 91.00 ± 1.41 | 2 | 96.83 | 82.94 |"
    assert lines[3].startswith("| DRC 5 steps, with position | 82.00 ± 2.83 | 2 | 92.26 |")
    path = plot_summary(summarize(_rows()), str(tmp_path / "t.png"), "fashion_mnist")
    assert os.path.getsize(path) > 5000


def test_resume_refusal_and_overwrite(tmp_path):
    out = str(tmp_path / "res")
    scale = table1.quick_scale()
    assert table1.prepare_out(out, scale).empty
    table1.append_row(out, {"condition": "teacher", "seed": 0, "test_accuracy": 0.9})
    rows = table1.prepare_out(out, scale)  # same settings: resume
    assert table1.is_done(rows, "teacher", 0)
    assert not table1.is_done(rows, "teacher", 1) and not table1.is_done(rows, "naive_low_res", 0)
    other = table1.Scale(**{**scale.as_dict(), "student_epochs": 9, "teacher_options": scale.teacher_options,
                            "drc_options": scale.drc_options})
    before = open(os.path.join(out, table1.ROWS)).read()
    with pytest.raises(UsageError, match="--overwrite"):
        table1.prepare_out(out, other)
    assert open(os.path.join(out, table1.ROWS)).read() == before
    assert table1.prepare_out(out, other, overwrite=True).empty
    assert not os.path.exists(os.path.join(out, table1.ROWS))
    stray = str(tmp_path / "stray")
    os.makedirs(stray)
    pd.DataFrame([{"condition": "teacher", "seed": 0}]).to_csv(os.path.join(stray, table1.ROWS), index=False)
    with pytest.raises(UsageError, match="without settings"):
        table1.prepare_out(stray, scale)


def test_finished_rows_are_skipped_and_reports_rewritten(tmp_path):
    out = str(tmp_path / "res")
    scale = table1.Scale(**{**table1.quick_scale().as_dict(), "train_size": 200, "val_size": 50, "test_size": 50,
                            "teacher_options": table1.quick_scale().teacher_options,
                            "drc_options": table1.quick_scale().drc_options})
    table1.prepare_out(out, scale)
    table1.append_row(out, {"condition": "teacher", "seed": 0, "test_accuracy": 0.9, "wall_s": 1.0})
    summary = table1.run_table1(scale, seeds=[0], names=["teacher"], out=out, verbose=0)
    assert not os.path.exists(os.path.join(out, "teachers"))  # nothing trained
    assert summary.iloc[0]["mean"] == pytest.approx(90.0)
    assert "| full resolution (teacher) | 90.00 ± 0.00 | 1 |" in open(os.path.join(out, "table1.md")).read()
    info = pd.read_json(os.path.join(out, "run_info.json"), typ="series")
    assert info["rows_skipped_as_done"] == 1 and info["machine"]["cpu_count"] == os.cpu_count()
    assert info["dataset_sizes"] == {"train": 200, "val": 50, "test": 50}


def test_scale_checks():
    scale = table1.default_scale("fashion_mnist")
    with pytest.raises(UsageError, match="training images"):
        table1.check_scale(table1.Scale(**{**scale.as_dict(), "train_size": 60000, "teacher_options": (),
                                           "drc_options": ()}))
    assert table1.default_scale("cifar10").res == 8 and table1.default_scale("cifar100").student_epochs == 100
    with pytest.raises(UsageError, match="unknown"):
        table1.default_scale("mnist")


def _script(*args, timeout=300):
    return subprocess.run([sys.executable, SCRIPT, *args], capture_output=True, text=True, timeout=timeout, cwd=ROOT)


@pytest.mark.parametrize("args, message", [
    (["--seeds", "0"], "--seeds 0 must be at least 1"),
    (["--conditions", "teacher,bogus"], "unknown condition(s) bogus"),
    (["--quick", "--dataset", "cifar10"], "--quick runs on the bundled"),
    (["--quick", "--train_size", "9000"], "more than the 5000 training images"),
    (["--wobble"], "unrecognized arguments: --wobble"),
])
def test_script_errors_are_one_line(tmp_path, args, message):
    run = _script(*args, "--out", str(tmp_path / "o"))
    assert run.returncode == 2
    assert message in run.stderr and len(run.stderr.strip().splitlines()) == 1, run.stderr


def test_script_refuses_another_runs_folder(tmp_path):
    out = tmp_path / "o"
    table1.prepare_out(str(out), table1.default_scale("fashion_mnist"))
    table1.append_row(str(out), {"condition": "teacher", "seed": 0, "test_accuracy": 0.9})
    run = _script("--quick", "--out", str(out))
    assert run.returncode == 2 and "--overwrite" in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1
    assert len(pd.read_csv(out / table1.ROWS)) == 1


@pytest.mark.slow
def test_quick_run_orders_the_robust_settings(tmp_path):
    out = tmp_path / "quick"
    run = _script("--quick", "--out", str(out), "--conditions", "teacher,naive_low_res,drc5_static,drc10_pos",
                  timeout=1800)
    assert run.returncode == 0, run.stderr[-3000:]
    for name in ("table1.csv", "table1_summary.csv", "table1.md", "table1.png", "run_info.json"):
        assert (out / name).is_file()
    assert (out / "students" / "drc10_pos_seed0.keras").is_file()
    acc = pd.read_csv(out / "table1_summary.csv").set_index("condition")["mean"]
    assert acc["teacher"] > acc["naive_low_res"]
    assert acc["drc10_pos"] > acc["drc5_static"]  # a moving sensor beats a static one
    from students import ConvGRU2D

    student = keras.models.load_model(out / "students" / "drc10_pos_seed0.keras",
                                      custom_objects={"ConvGRU2D": ConvGRU2D})
    assert student.inputs[0].shape[1:] == (10, 7, 7, 1)
