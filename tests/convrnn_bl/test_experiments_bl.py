"""The BL speed-accuracy experiment on Fashion-MNIST: test conditions, training mix, models,
the results table, outputs and the command line (fast); the --quick run end to end (slow)."""
import json
import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
import tensorflow as tf

from convrnn_bl.experiments import conditions as cond
from convrnn_bl.experiments.evaluation import condition_rows, results_table, steps_to_reach
from convrnn_bl.experiments.fit import build_models, max_layers, training_dataset
from convrnn_bl.experiments.outputs import OUTPUTS
from drc.core.errors import OutputExistsError
from drc.core.runs import check_out_dir
from convrnn_bl.experiments.report import per_step_markdown, speed_accuracy_markdown
from convrnn_bl.speed_accuracy import flops_per_exit

from tests.helpers import ROOT  # noqa: E402
SCRIPT = os.path.join(ROOT, "scripts", "experiments", "bl_speed_accuracy.py")


@pytest.fixture(scope="module")
def images(fmnist_subset):
    """200 real test images as [0, 1] floats, padded to 32 x 32 (NumPy)."""
    (_, _), (x_test, _) = fmnist_subset
    return cond.prepare_images(x_test[:200]).numpy()


def run_cli(*args, timeout=900):
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2")
    return subprocess.run([sys.executable, SCRIPT, *map(str, args)], capture_output=True, text=True,
                          timeout=timeout, env=env, cwd=ROOT)


def assert_one_line_error(result, fragment):
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    assert lines[0].startswith("bl_speed_accuracy.py: error:") and fragment in lines[0], lines[0]


# ----------------------------------------------------------------------------- conditions


def test_prepare_images_centres_28px_images_in_a_zero_border(fmnist_subset):
    (x, _), _ = fmnist_subset
    out = cond.prepare_images(x[:5]).numpy()
    assert out.shape == (5, 32, 32, 1) and out.dtype == np.float32
    np.testing.assert_allclose(out[:, 2:30, 2:30], x[:5] / 255.0, atol=1e-7)
    assert out[:, :2].max() == 0 and out[:, :, 30:].max() == 0
    with pytest.raises(TypeError, match="uint8"):
        cond.prepare_images(x[:2].astype(np.float32))
    with pytest.raises(ValueError, match="do not fit"):
        cond.prepare_images(np.zeros((1, 40, 40, 1), np.uint8))


@pytest.mark.parametrize("sd", [0.1, 0.3, 0.5])
def test_noise_adds_exactly_the_specified_pixel_std(images, sd):
    noisy = cond.perturb(images, cond.Condition("noise", sd), seed=(3, 1)).numpy()
    added = noisy - images
    assert added.std() == pytest.approx(sd, rel=0.01)       # 204,800 pixels
    assert abs(added.mean()) < 0.01 * sd * 10
    # independent of the image: variance adds up
    assert noisy.var() == pytest.approx(images.var() + sd ** 2, rel=0.02)
    again = cond.perturb(images, cond.Condition("noise", sd), seed=(3, 1)).numpy()
    other = cond.perturb(images, cond.Condition("noise", sd), seed=(4, 1)).numpy()
    np.testing.assert_array_equal(noisy, again)
    assert np.abs(noisy - other).mean() > sd / 2


def reference_blur(image, sigma, taps=49):
    """Direct 2-D convolution with a normalised taps x taps Gaussian, zeros outside the image."""
    offsets = np.arange(taps) - taps // 2
    g = np.exp(-offsets ** 2 / (2 * sigma ** 2))
    kernel = np.outer(g, g) / np.outer(g, g).sum()
    padded = np.pad(image, taps // 2)
    windows = np.lib.stride_tricks.sliding_window_view(padded, (taps, taps))
    return np.einsum("yxij,ij->yx", windows, kernel)


def high_frequency_energy(batch, cutoff=0.25):
    """Share of (non-DC) spectral energy above ``cutoff`` cycles/pixel, over a batch of 2-D images."""
    spectrum = np.abs(np.fft.fft2(batch - batch.mean(axis=(-2, -1), keepdims=True))) ** 2
    f = np.fft.fftfreq(batch.shape[-1])
    radius = np.hypot(f[:, None], f[None, :])
    return spectrum[..., radius > cutoff].sum() / spectrum.sum()


def test_blur_matches_an_independent_reference_and_removes_high_frequencies(images):
    clean = images[:40, :, :, 0]
    shares = [high_frequency_energy(clean)]
    for sigma in (1.0, 2.0, 3.0):
        blurred = cond.perturb(images[:40], cond.Condition("blur", sigma)).numpy()[..., 0]
        for i in (0, 17):
            np.testing.assert_allclose(blurred[i], reference_blur(clean[i], sigma), atol=1e-5)
        shares.append(high_frequency_energy(blurred))
        assert blurred.sum() <= clean.sum() + 1e-3  # zero padding: mass can only leave the frame
    # clean Fashion-MNIST has ~9% of its energy above 0.25 cycles/px; sigma 1 keeps ~2.5% of it
    # (Gaussian transfer exp(-2 pi^2 sigma^2 f^2)), sigma 2 and 3 next to nothing
    assert shares[0] > 0.05 and shares[1] < shares[0] / 10 and shares[2] < shares[1] / 10, shares
    assert max(shares[2:]) < shares[0] / 100, shares


def test_conditions_names_and_validation():
    names = [c.name for c in cond.conditions([0.1, 0.5], [2.0])]
    assert names == ["clean", "noise_0.1", "noise_0.5", "blur_2"]
    with pytest.raises(ValueError, match="unknown condition kind 'fog'"):
        cond.Condition("fog", 1.0)
    with pytest.raises(ValueError, match="bad level"):
        cond.Condition("noise", -0.1)
    np.testing.assert_array_equal(cond.perturb(np.ones((1, 4, 4, 1), np.float32), cond.Condition("clean")),
                                  np.ones((1, 4, 4, 1)))


def test_training_mix_is_one_third_clean_noisy_blurred_and_reproducible(images):
    batch = np.concatenate([images] * 3)                                  # 600 images
    mix = cond.TrainingMix(max_sd=0.5, max_sigma=3.0, seed=7)
    out = mix(batch, tf.constant(5, tf.int64)).numpy()
    border = np.concatenate([out[:, :2].reshape(len(out), -1), out[:, 30:].reshape(len(out), -1)], axis=1)
    unchanged = np.all(out == batch, axis=(1, 2, 3))
    noisy = border.min(axis=1) < 0                  # noise reaches the zero border, below zero
    blurred = ~unchanged & ~noisy
    assert not np.any(unchanged & noisy)
    for share in (unchanged.mean(), noisy.mean(), blurred.mean()):
        assert share == pytest.approx(1 / 3, abs=0.08)
    assert out[blurred].min() >= -1e-6              # blur of [0, 1] images stays >= 0
    # the choice of condition and the noise are stateless: the same (seed, step) repeats them
    again = cond.TrainingMix(0.5, 3.0, seed=7)(batch, tf.constant(5, tf.int64)).numpy()
    np.testing.assert_array_equal(unchanged, np.all(again == batch, axis=(1, 2, 3)))
    np.testing.assert_array_equal(out[noisy], again[noisy])
    assert not np.array_equal(out, mix(batch, tf.constant(6, tf.int64)).numpy())
    np.testing.assert_array_equal(cond.TrainingMix(0.5, 3.0, mode="clean")(batch, 0), batch)


# ----------------------------------------------------------------------------- models and data


def test_layers_per_input_size_and_models():
    assert [max_layers(s) for s in (28, 32, 64, 128)] == [5, 6, 7, 7]
    bl, b = build_models(32, 10, n_timesteps=3, width_multiplier=1 / 16)
    assert len(bl.outputs) == 3 and all(tuple(o.shape) == (None, 10) for o in bl.outputs)
    assert sum(layer.name.endswith("_LConv") for layer in bl.layers) == 6
    assert sum(layer.name.startswith("Conv_Layer_") for layer in b.layers) == 6
    bl_flops, b_flops = flops_per_exit(bl), flops_per_exit(b)
    # BL's first step is B's feed-forward sweep; every later step adds lateral convolutions.
    assert bl_flops[0] == b_flops[0] and np.all(np.diff(bl_flops) > 0)
    with pytest.raises(ValueError, match="supports 1..6 BL layers"):
        build_models(32, 10, 2, 1 / 16, n_layers=7)


def test_training_dataset_batches(fmnist_subset):
    (x, y), _ = fmnist_subset
    ds = training_dataset(x[:250], y[:250], 4, lambda images, step: images, batch_size=100)
    batches = list(ds)
    assert [len(b[0]) for b in batches] == [100, 100, 50]
    images, labels = batches[0]
    assert images.shape == (100, 32, 32, 1) and len(labels) == 4
    assert images.numpy().min() == -1.0 and images.numpy().max() <= 1.0
    np.testing.assert_array_equal(labels[0], labels[3])
    assert sorted(np.concatenate([b[1][0].numpy() for b in batches]).tolist()) == sorted(y[:250].tolist())


# ----------------------------------------------------------------------------- results table


@pytest.fixture(scope="module")
def table():
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 10, 300)
    rows = []
    for k, condition in enumerate(cond.conditions([0.3], [2.0])):
        logits = rng.normal(size=(5, 300, 10)) + np.linspace(0.5, 3, 5)[:, None, None] / (1 + k) \
            * np.eye(10)[labels][None]
        probs = np.exp(logits) / np.exp(logits).sum(-1, keepdims=True)
        rows.append(condition_rows(condition, probs, probs[2:3], labels, np.arange(1, 6) * 10.0,
                                   np.array([10.0]), np.linspace(0, np.log(10) * 1.001, 30)))
    return results_table(rows)


def test_speed_accuracy_table_is_monotone_in_threshold(table):
    curve = table[(table.model == "BL") & (table.curve == "entropy_threshold")]
    steps = table[(table.model == "BL") & (table.curve == "per_step")]
    for name, group in curve.groupby("condition"):
        group = group.sort_values("threshold")
        assert np.all(np.diff(group.mean_rt) <= 0) and np.all(np.diff(group.mean_flops) <= 0)
        per_step = steps[steps.condition == name].sort_values("time_step").accuracy.to_numpy()
        # threshold 0: always the last step; above ln(C): always the first
        assert group.mean_rt.iloc[0] == 5 and group.accuracy.iloc[0] == per_step[-1]
        assert group.mean_rt.iloc[-1] == 1 and group.accuracy.iloc[-1] == per_step[0]
    b = table[table.model == "B"]
    assert len(b) == 3 and (b.mean_flops == 10.0).all() and (b.time_step == 1).all()
    assert list(table.columns) == ["model", "condition", "kind", "level", "curve", "threshold",
                                   "time_step", "mean_rt", "mean_flops", "accuracy"]


def test_steps_to_reach_and_markdown(table):
    reach = steps_to_reach(table, 0.95)
    curve = table[(table.model == "BL") & (table.curve == "entropy_threshold")]
    for name, (rt, flops, accuracy) in reach.items():
        group = curve[curve.condition == name]
        assert accuracy >= 0.95 * group.accuracy.max()
        assert rt == group[group.accuracy >= 0.95 * group.accuracy.max()].mean_rt.min()
    per_step = per_step_markdown(table).splitlines()
    assert len(per_step) == 2 + 3 + 1 and per_step[0].count("BL t=") == 5
    assert per_step[-1].startswith("| MFLOPs | 0.00 |")
    sat = speed_accuracy_markdown(table, (0.1, 1.0)).splitlines()
    assert len(sat) == 2 + 3 and "h<0.1" in sat[0]


# ----------------------------------------------------------------------------- outputs and CLI


def test_an_earlier_run_is_never_overwritten_silently(tmp_path):
    out = tmp_path / "run"
    check_out_dir(str(out), OUTPUTS)                          # new folder: fine
    check_out_dir(str(out), OUTPUTS)                          # still empty: fine
    (out / "results.csv").write_text("x\n")
    with pytest.raises(OutputExistsError, match="already holds a run .*results.csv.*--overwrite"):
        check_out_dir(str(out), OUTPUTS)
    check_out_dir(str(out), OUTPUTS, overwrite=True)
    assert (out / "results.csv").read_text() == "x\n"  # nothing deleted by the check itself
    result = run_cli("--out", out, timeout=120)
    assert_one_line_error(result, "already holds a run")
    (tmp_path / "file").write_text("")
    assert_one_line_error(run_cli("--out", tmp_path / "file", timeout=120), "is a file")


@pytest.mark.parametrize("args, fragment", [
    (["--train_size", "0"], "--train_size: must be >= 1"),
    (["--dataset", "fashion_mnist_subset", "--train_size", "4800"], "at most 4500"),
    (["--test_size", "20000"], "has 10000 test images"),
    (["--dataset", "cifar10"], "invalid choice: 'cifar10'"),
    (["--noise_sds", "0.1,x"], "comma-separated numbers"),
    (["--blur_sigmas", "0,1"], "levels must be > 0"),
    (["--width_multiplier", "0"], "must be > 0"),
])
def test_bad_arguments_are_one_line_errors(args, fragment, tmp_path):
    assert_one_line_error(run_cli(*args, "--out", tmp_path / "x", timeout=120), fragment)
    assert not (tmp_path / "x").exists()


@pytest.mark.slow
def test_quick_run_end_to_end(tmp_path):
    out = tmp_path / "quick"
    result = run_cli("--quick", "--out", out)
    assert result.returncode == 0, result.stderr[-3000:]
    for name in ("results.csv", "table.md", "per_step.png", "speed_accuracy.png", "run_info.json",
                 "training_BL.csv", "training_B.csv"):
        assert (out / name).stat().st_size > 0, name
    with open(out / "run_info.json") as f:
        info = json.load(f)
    assert info["config"]["dataset"] == "fashion_mnist_subset" and info["sizes"]["bl_layers"] == 6
    assert info["machine"]["cpu_count"] and info["wall_time_s"] > 0 and "mix" in info["config"]["augment"]
    table = pd.read_csv(out / "results.csv")
    steps = table[(table.model == "BL") & (table.curve == "per_step")].pivot(
        index="condition", columns="time_step", values="accuracy")
    b = table[table.model == "B"].set_index("condition").accuracy
    assert len(steps) == 7 and steps.shape[1] == 8
    assert steps.min().min() > 0.5 and b.min() > 0.5            # both learned (chance: 0.1)
    # Robust orderings only: at this scale BL's per-step accuracies differ by about their standard
    # error (400 images), and whether step 8 beats step 1 changes from run to run.
    for model_accuracy in (steps.mean(axis=1), b):              # heavy noise and blur cost accuracy
        assert model_accuracy["clean"] > model_accuracy["noise_0.5"]
        assert model_accuracy["clean"] > model_accuracy["blur_3"]
    curve = table[(table.model == "BL") & (table.curve == "entropy_threshold")]
    first, last = curve.threshold.max(), curve.threshold.min()
    for name, group in curve.groupby("condition"):              # the curve's ends are the readouts
        assert group[group.threshold == first].accuracy.iloc[0] == steps.loc[name, 1]
        assert group[group.threshold == last].accuracy.iloc[0] == steps.loc[name, 8]
    at_half_nat = curve[np.isclose(curve.threshold, 0.5)].set_index("condition").mean_rt
    assert at_half_nat["noise_0.5"] > at_half_nat["clean"]     # degraded images: BL stays unsure
    assert at_half_nat["blur_3"] > at_half_nat["clean"]        # for more steps (Spoerer et al.)
    assert result.returncode == 0 and "wall time" in result.stdout
    assert_one_line_error(run_cli("--quick", "--out", out, timeout=120), "already holds a run")
