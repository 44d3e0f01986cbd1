"""Speed-accuracy analysis: entropy-threshold reaction times, curves, SATBench metrics, outputs."""
import json

import matplotlib.image
import numpy as np
import pandas as pd
import pytest

from convrnn_bl.errors import DataError
from convrnn_bl.speed_accuracy import (accuracy_per_step, category_accuracy_per_step,
                                       category_correlation, compare_with_humans,
                                       entropy_threshold_responses, read_human_csv, run_analysis,
                                       sat_rmse, softmax_entropy, speed_accuracy_curve, steepness)

# Three time steps, four images, two classes (labels 0, 1, 0, 1).
CONFIDENT, UNSURE = [0.95, 0.05], [0.55, 0.45]
PROBS = np.array([
    # image 0     image 1          image 2     image 3
    [UNSURE, UNSURE, CONFIDENT, [0.45, 0.55]],      # step 0
    [CONFIDENT, UNSURE, CONFIDENT, [0.3, 0.7]],     # step 1
    [CONFIDENT, [0.2, 0.8], CONFIDENT, [0.1, 0.9]],  # step 2
])
LABELS = np.array([0, 1, 0, 1])


def entropy(p):
    p = np.asarray(p)
    return float(-(p * np.log(p)).sum())


def test_softmax_entropy_in_nats():
    np.testing.assert_allclose(softmax_entropy(np.full((2, 4), 0.25)), np.log(4))
    np.testing.assert_allclose(softmax_entropy([[1.0, 0.0, 0.0]]), 0.0)
    np.testing.assert_allclose(softmax_entropy(PROBS)[1, 3], entropy([0.3, 0.7]))


def test_answer_at_the_first_step_below_the_threshold_else_the_last():
    threshold = (entropy(CONFIDENT) + entropy([0.3, 0.7])) / 2  # only 0.95 answers are confident
    steps, answers = entropy_threshold_responses(PROBS, [threshold])
    assert steps.tolist() == [[1, 2, 0, 2]]
    assert answers.tolist() == [[0, 1, 0, 1]]
    steps, _ = entropy_threshold_responses(PROBS, [0.0, 10.0])  # never / always confident
    assert steps.tolist() == [[2, 2, 2, 2], [0, 0, 0, 0]]
    # The threshold is strict: an entropy equal to it does not stop the network.
    steps, _ = entropy_threshold_responses(PROBS, [entropy(CONFIDENT)])
    assert steps.tolist() == [[2, 2, 2, 2]]


def test_speed_accuracy_curve_columns_and_ends():
    flops = np.array([10.0, 25.0, 40.0])
    curve = speed_accuracy_curve(PROBS, LABELS, thresholds=[0.0, 0.3, 10.0], flops=flops)
    assert list(curve.columns) == ["threshold", "mean_rt", "accuracy", "mean_flops"]
    np.testing.assert_allclose(curve["mean_rt"], [3.0, (2 + 3 + 1 + 3) / 4, 1.0])
    np.testing.assert_allclose(curve["accuracy"], [1.0, 1.0, 0.75])  # step 0 misreads image 3
    np.testing.assert_allclose(curve["mean_flops"], [40.0, (25 + 40 + 10 + 40) / 4, 10.0])
    np.testing.assert_allclose(accuracy_per_step(PROBS, LABELS), [0.75, 0.75, 1.0])
    with pytest.raises(ValueError, match="one value per time step"):
        speed_accuracy_curve(PROBS, LABELS, flops=[1.0, 2.0])


def test_category_accuracy_per_step_marks_absent_classes():
    acc = category_accuracy_per_step(PROBS, LABELS, n_classes=3)
    np.testing.assert_allclose(acc[:, :2], [[1.0, 0.5], [1.0, 0.5], [1.0, 1.0]])
    assert np.isnan(acc[:, 2]).all()


def test_sat_metrics_on_known_curves():
    human_rt = np.array([500, 900, 1100, 1300, 1500.0])
    human_acc = 0.3 + 0.4 * (human_rt - 500) / 1000
    flops = np.linspace(1e9, 8e9, 8)
    network_acc = 0.3 + 0.4 * (flops - 1e9) / 7e9  # the same line in other units
    assert sat_rmse(human_rt, human_acc, flops, network_acc) == pytest.approx(0.0, abs=1e-12)
    assert sat_rmse(human_rt, human_acc, flops, network_acc + 0.1) == pytest.approx(0.1)
    assert steepness(human_rt, human_acc) == pytest.approx(0.4)
    assert steepness(flops, network_acc / 2) == pytest.approx(0.2)
    rng = np.random.default_rng(0)
    human_cat = rng.uniform(0, 1, (5, 16))
    r, mean_r = category_correlation(human_cat, 2 * human_cat + 0.1)
    np.testing.assert_allclose(r, 1.0)
    assert mean_r == pytest.approx(1.0)
    assert category_correlation(human_cat, -human_cat)[1] == pytest.approx(-1.0)
    with pytest.raises(ValueError):
        category_correlation(human_cat, human_cat[:, :3])


def write_human_csv(path):
    """Per-trial human data: 2 conditions, 5 reaction times, 3 categories, 4 trials each."""
    rows = []
    for condition, boost in (("color", 0.0), ("gray", -0.2)):
        for b, rt in enumerate([500, 900, 1100, 1300, 1500]):
            for c, category in enumerate(["airplane", "bear", "bird"]):
                correct_count = min(4, max(0, b + c - int(boost * 5)))
                rows += [{"condition": condition, "reaction_time": rt, "category": category,
                          "correct": int(k < correct_count)} for k in range(4)]
    pd.DataFrame(rows).to_csv(path, index=False)
    return str(path)


def test_read_human_csv_aggregates_per_reaction_time_and_category(tmp_path):
    path = write_human_csv(tmp_path / "human.csv")
    times, accuracy, per_category, categories = read_human_csv(path, condition="color")
    assert times.tolist() == [500, 900, 1100, 1300, 1500] and categories == ["airplane", "bear", "bird"]
    np.testing.assert_allclose(per_category[0], [0.0, 0.25, 0.5])
    np.testing.assert_allclose(accuracy, per_category.mean(axis=1))
    plain = tmp_path / "plain.csv"
    pd.DataFrame({"reaction_time": [900, 500], "accuracy": [0.8, 0.5]}).to_csv(plain, index=False)
    times, accuracy, per_category, _ = read_human_csv(str(plain))
    assert times.tolist() == [500, 900] and accuracy.tolist() == [0.5, 0.8] and per_category is None
    bad = tmp_path / "bad.csv"
    pd.DataFrame({"rt": [1], "accuracy": [1]}).to_csv(bad, index=False)
    with pytest.raises(DataError, match="needs columns reaction_time"):
        read_human_csv(str(bad))
    with pytest.raises(DataError, match="no rows for condition 'blur'"):
        read_human_csv(path, condition="blur")
    with pytest.raises(DataError, match="not found"):
        read_human_csv(str(tmp_path / "none.csv"))


def test_compare_with_humans_aligns_categories_by_name(tmp_path):
    human = read_human_csv(write_human_csv(tmp_path / "human.csv"), condition="color")
    cost = human[0] * 3e6 + 5e8  # FLOPs an affine map of the reaction times
    # network category accuracies equal to the humans' (classes listed in another order)
    network_cat = human[2][:, [2, 0, 1]]
    result = compare_with_humans(human, cost, human[1], network_cat, ["bird", "airplane", "bear"])
    assert result["rmse"] == pytest.approx(0.0)
    assert result["categories_compared"] == ["airplane", "bear", "bird"]
    finite = [r for r in result["category_correlation_per_point"] if np.isfinite(r)]
    np.testing.assert_allclose(finite, 1.0)
    assert result["steepness_ratio"] == pytest.approx(1.0)


def test_run_analysis_writes_csv_png_and_metrics(tmp_path):
    rng = np.random.default_rng(1)
    logits = rng.normal(size=(8, 200, 3)) + np.linspace(0, 3, 8)[:, None, None] * np.eye(3)[
        np.arange(200) % 3][None]
    probs = np.exp(logits) / np.exp(logits).sum(-1, keepdims=True)
    labels = np.arange(200) % 3
    human_csv = write_human_csv(tmp_path / "human.csv")
    result = run_analysis(probs, labels, str(tmp_path / "out"), flops=np.arange(1, 9) * 1e8,
                          human_csv=human_csv, condition="color",
                          class_names=["airplane", "bear", "bird"])
    curve = pd.read_csv(result["paths"]["curve"])
    assert list(curve.columns) == ["threshold", "mean_rt", "accuracy", "mean_flops"]
    assert curve["mean_rt"].iloc[0] == 8.0 and curve["mean_rt"].iloc[-1] == 1.0
    steps = pd.read_csv(result["paths"]["steps"])
    np.testing.assert_allclose(steps["accuracy"], accuracy_per_step(probs, labels))
    assert steps["accuracy"].iloc[-1] > steps["accuracy"].iloc[0]  # evidence grows with t
    with open(result["paths"]["plot"], "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"
    height, width = matplotlib.image.imread(result["paths"]["plot"]).shape[:2]
    assert width > 2 * height  # three panels side by side
    with open(result["paths"]["metrics"]) as f:
        metrics = json.load(f)
    assert set(metrics["human_comparison"]) >= {"rmse", "steepness_human", "steepness_network",
                                                 "category_correlation"}
    assert 0 <= metrics["human_comparison"]["rmse"] <= 1


def spearman(a, b):
    rank = lambda v: np.argsort(np.argsort(v, kind="stable"), kind="stable").astype(float)  # noqa: E731
    return float(np.corrcoef(rank(np.asarray(a)), rank(np.asarray(b)))[0, 1])


@pytest.mark.slow
def test_trained_bl_trades_speed_for_accuracy_on_fashion_mnist(fmnist_subset, tmp_path):
    """A small BL (width 1/32, 4 steps) trained for 3 epochs on 3000 real Fashion-MNIST images:
    lowering the entropy threshold makes it answer later and more accurately.

    Trained with rcnn-sat's ``cumulative_readout=True`` and the loss averaged over readouts; with
    so little training the instant readouts of later steps are not yet better than the first
    (Spoerer et al. trained for 90 epochs), the cumulative ones are. The batch-norm moving
    averages lag far behind after 3 epochs, so they are recalibrated on training images first.
    """
    import keras
    import tensorflow as tf

    from convrnn_bl import bl_net, preprocess_image
    from convrnn_bl.models import recalibrate_batch_norm
    from convrnn_bl.speed_accuracy import flops_per_exit

    (x, y), (xt, yt) = fmnist_subset
    steps = 4

    def prepare(images):
        return tf.image.resize(preprocess_image(np.repeat(images, 3, axis=-1)), (64, 64)).numpy()

    x_train, x_test = prepare(x[:3000]), prepare(xt)
    model = bl_net(keras.Input((64, 64, 3)), 10, n_timesteps=steps, cumulative_readout=True,
                   width_multiplier=1 / 32)
    model.compile(optimizer=keras.optimizers.Adam(0.001), loss=["sparse_categorical_crossentropy"] * steps,
                  loss_weights=[1 / steps] * steps)
    model.fit(x_train, (y[:3000],) * steps, batch_size=32, epochs=3, verbose=0)
    recalibrate_batch_norm(model, x_train[:2000])
    probabilities = np.stack(model.predict(x_test, batch_size=250, verbose=0))

    step_accuracy = accuracy_per_step(probabilities, yt)
    assert step_accuracy[0] > 0.5  # it learned
    assert step_accuracy[-1] > step_accuracy[0] + 0.02

    result = run_analysis(probabilities, yt, str(tmp_path / "sat"), flops=flops_per_exit(model))
    curve = result["curve"].sort_values("mean_rt")
    assert curve["mean_rt"].min() == 1.0 and curve["mean_rt"].max() == steps
    # reaction time and accuracy rise together: positively correlated along the sweep, the
    # fastest answers are the least accurate, the slowest clearly more accurate
    assert np.corrcoef(curve["mean_rt"], curve["accuracy"])[0, 1] > 0.5
    assert spearman(curve["mean_rt"], curve["accuracy"]) > 0.3
    fastest, slowest = curve.iloc[0], curve.iloc[-1]
    assert fastest["accuracy"] == curve["accuracy"].min()
    assert slowest["accuracy"] > fastest["accuracy"] + 0.02
    assert slowest["mean_flops"] > 3 * fastest["mean_flops"]
    written = pd.read_csv(result["paths"]["curve"])
    np.testing.assert_allclose(written["accuracy"], result["curve"]["accuracy"])
    with open(result["paths"]["plot"], "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"
