"""The training stages: exact BN folding, the loss ramp and schedule, each stage lowering its
loss on the bundled real Fashion-MNIST subset, checkpoints named as the original's, the CLIs."""
import dataclasses
import os
import subprocess
import sys

import numpy as np
import pytest

import keras

from cordsnet.training.cnn import EquivalentCNN, fold_batchnorm
from cordsnet.training.config import stage_defaults
from cordsnet.training.losses import RampedCrossEntropy
from cordsnet.training.stages import PhaseWarmup

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TINY = dict(dataset="fashionmnist_subset", depth=2, channels=(4, 4), image_size=16, train_size=16, batch_size=16,
            epochs=3, blank_steps=2, image_steps=4, readout_steps=2, after_steps=3, penalty_steps=2, mix=False,
            clip=None, verbose=0, phases=1)


def test_bn_folding_is_exact():
    cnn = EquivalentCNN(depth=4, n_classes=3, channels=(4, 4, 8, 8))
    cnn.build((None, 24, 24, 1))
    rng = np.random.default_rng(0)
    for layer in cnn._flatten_layers():
        if isinstance(layer, keras.layers.BatchNormalization):
            layer.gamma.assign(rng.uniform(0.5, 1.5, layer.gamma.shape).astype("float32"))
            layer.beta.assign(rng.standard_normal(layer.beta.shape).astype("float32"))
            layer.moving_mean.assign(rng.standard_normal(layer.moving_mean.shape).astype("float32"))
            layer.moving_variance.assign(rng.uniform(0.5, 2.0, layer.moving_variance.shape).astype("float32"))
    x = rng.standard_normal((3, 24, 24, 1)).astype("float32")
    folded = fold_batchnorm(cnn)
    np.testing.assert_allclose(np.asarray(folded(x)), np.asarray(cnn(x, training=False)), atol=1e-5)
    stem_bias = np.asarray(folded.area_bias[0])[..., 0]
    assert np.ptp(stem_bias) > 1e-3, "the stem BN bias must vary near the borders (zero padding)"
    for layer in (folded.area_conv[2], folded.skip_area[0]):
        np.testing.assert_allclose(np.sqrt((np.asarray(layer.v) ** 2).sum(axis=(0, 1, 2))), 1.0, rtol=1e-5)


def test_ramped_cross_entropy_weights_the_last_steps_logarithmically():
    logits = np.random.default_rng(1).standard_normal((2, 30, 4)).astype("float32")
    labels = np.eye(4, dtype="float32")[[1, 3]]
    ce = -(labels[:, None] * (logits - np.log(np.exp(logits).sum(-1, keepdims=True)))).sum(-1)
    expected = (ce.mean(0) * np.logspace(-3, 0, 30)).mean()
    np.testing.assert_allclose(float(RampedCrossEntropy(30)(labels, logits)), expected, rtol=1e-5)


def test_compatibility_schedule_has_three_phases_with_warmup():
    schedule = PhaseWarmup(0.1, phase_steps=1000, phases=3, warmup=100)
    values = [float(schedule(s)) for s in (0, 50, 100, 999, 1000, 1100, 2500, 99999)]
    np.testing.assert_allclose(values, [0.1 / 3, 0.1 * 2 / 3, 0.1, 0.1, 0.01 / 3, 0.01, 0.001, 0.001], rtol=1e-5)


def test_stage_defaults_are_the_original_scripts_values():
    assert dataclasses.asdict(stage_defaults("compatibility"))["lr"] == 0.1
    inverse = stage_defaults("inverse")
    assert (inverse.dataset, inverse.depth, inverse.lr, inverse.batch_size, inverse.clip) == ("cifar10", 2, 1e-4, 64, 1e-3)
    linear = stage_defaults("linear")
    assert (linear.epochs, linear.lr, linear.batch_size, linear.clip) == (100, 1e-5, 8, 1e-4)
    for stage in ("parametric", "finetune"):
        d = stage_defaults(stage)
        assert (d.epochs, d.batch_size, d.after_steps, d.penalty_steps, d.spontaneous_weight) == (20, 2, 100, 10, 1e-3)


def test_stage_scripts_reject_bad_input_in_one_line(tmp_path):
    script = os.path.join(ROOT, "scripts", "cordsnet", "main_training_2_inverse.py")
    run = subprocess.run([sys.executable, script, "--dataset", "svhn"], capture_output=True, text=True)
    assert run.returncode == 2 and run.stderr.count("\n") == 1 and "invalid choice: 'svhn'" in run.stderr


def _config(stage, tmp_path, **kwargs):
    return dataclasses.replace(stage_defaults(stage), **{**TINY, "results_dir": str(tmp_path), **kwargs})


@pytest.mark.slow
def test_every_stage_lowers_its_loss_and_writes_the_originals_files(tmp_path):
    from cordsnet.training.stages import run_stage

    folder = tmp_path / "results_2_fashionmnist_subset"
    losses = {}
    for stage, lr, init in (("compatibility", 0.05, None), ("folding", None, "1_compatibility_1_3.pth"),
                            ("inverse", 1e-2, None), ("linear", 1e-2, "2_inverse_3.pth"),
                            ("parametric", 1e-2, "3_linear_3.pth"), ("finetune", 1e-2, "4_parametric_3.pth")):
        kwargs = {"init": str(folder / init)} if init else {}
        if lr:
            kwargs["lr"] = lr
        out = run_stage(_config(stage, tmp_path, **kwargs))
        if stage == "folding":
            assert abs(out["testacc"] - out["testaccold"]) < 1e-6
            continue
        losses[stage] = out["history"]["loss"]
        assert losses[stage][-1] < losses[stage][0], (stage, losses[stage])
    names = set(os.listdir(folder))
    for name in ("1_compatibility_0.pth", "1_compatibility_1_3.pth", "1_compatibility_fused.pth", "2_inverse_3.pth",
                 "3_linear_3.pth", "4_parametric_0.pth", "4_parametric_3.pth", "5_finetune_3.pth", "5_finetune_log.csv"):
        assert name in names
    from cordsnet import read_pth

    state = read_pth(folder / "4_parametric_3.pth")
    assert float(state["module.prelu.weight"][0]) == pytest.approx(0.85)
    assert "module.target_area_bias.1" in read_pth(folder / "2_inverse_3.pth")


@pytest.mark.slow
def test_a_finished_stage_is_not_overwritten_and_resumes_after_interruption(tmp_path):
    from cordsnet.training.stages import run_stage
    from cordsnet.errors import CordsNetConfigError

    config = _config("finetune", tmp_path, from_scratch=True, epochs=2)
    run_stage(config)
    with pytest.raises(CordsNetConfigError, match="5_finetune_2.pth exists .* pass --overwrite"):
        run_stage(config)
    log = open(tmp_path / "results_2_fashionmnist_subset" / "5_finetune_log.csv").read().splitlines()
    assert len(log) == 3


@pytest.mark.slow
def test_quick_results_run_writes_every_measurement(tmp_path):
    import json

    from cordsnet.experiments import OUTPUTS, run_results

    summary = run_results(str(tmp_path / "results"), quick=True)
    for name in OUTPUTS + ("accuracy_over_time.png", "noise.png", "spontaneous_return.png", "activity.png"):
        assert (tmp_path / "results" / name).is_file(), name
    assert set(summary["accuracy"]) == {"cnn", "pipeline", "scratch"}
    assert all(0.0 <= v <= 1.0 for v in summary["accuracy"].values())
    saved = json.loads((tmp_path / "results" / "summary.json").read_text())
    assert len(saved["accuracy_over_time"]["pipeline"]) == summary["scale"]["image_steps"]
