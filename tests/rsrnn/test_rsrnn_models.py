"""RS-RNN and its controls: fit, per-step outputs, fixations, inhibition of return, the REINFORCE
loss, .keras round trips."""
import keras
import numpy as np
import pytest

import rsrnn
from rsrnn import attention
from rsrnn.errors import RSRNNError
from rsrnn.retina import bilinear_sample, regular_grid

TINY = dict(width=4, attention_width=4, output_size=16, steps=2)


def tiny(name, **kwargs):
    return rsrnn.build_model(name, **{**TINY, **kwargs}) if name != "cnn" else rsrnn.build_model(name, width=4)


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    return rng.uniform(size=(8, 32, 32, 1)).astype(np.float32), rng.integers(0, 10, size=8)


@pytest.mark.parametrize("name", ["rsrnn", pytest.param("base_retina", marks=pytest.mark.slow),
                                  pytest.param("crop", marks=pytest.mark.slow), "fixed_retina", "cnn"])
def test_fit_trains_every_model_a_few_steps(name, data):
    x, y = data
    model = tiny(name)
    model.compile(optimizer=keras.optimizers.Adam(1e-2), run_eagerly=True)
    before = [w.copy() for w in model.get_weights()] if model.built else None
    history = model.fit(x, y, batch_size=4, epochs=1, verbose=0).history
    assert np.isfinite(history["loss"][0]) and 0 <= history["accuracy"][0] <= 1
    assert (history["reinforce"][0] != 0) == (name in ("rsrnn", "base_retina", "crop"))
    if before is not None:
        assert any(np.abs(a - b).max() > 0 for a, b in zip(before, model.get_weights()))
    steps = 1 if name == "cnn" else 5
    assert model(x[:3], steps=5).shape == (3, steps, 10)


@pytest.mark.parametrize("name", ["rsrnn", "cnn"])
def test_keras_round_trip(name, data, tmp_path):
    x, y = data
    model = tiny(name)
    model(x[:1])
    path = str(tmp_path / "model_weights.keras")
    model.save(path)
    again = keras.models.load_model(path)
    assert type(again) is type(model) and again.get_config() == model.get_config()
    np.testing.assert_allclose(np.asarray(again(x, steps=4)), np.asarray(model(x, steps=4)), atol=1e-5)


def test_test_time_fixations_start_at_the_centre_and_stay_in_the_image(data):
    x, _ = data
    model = tiny("rsrnn", ior_sigma=0.05)
    out = model.unroll(x, steps=6, training=False)
    fixations = np.asarray(out["fixations"])
    assert fixations.shape == (8, 6, 2)
    np.testing.assert_array_equal(fixations[:, 0], 0.0)
    assert np.abs(fixations).max() <= 1.0 and np.abs(fixations[:, 1:]).max() > 0
    trained = np.asarray(model.unroll(x, steps=6, training=True)["fixations"])
    assert np.abs(trained[:, 0]).max() <= 0.9 and np.abs(trained).max() <= 1.0
    assert np.all(np.asarray(out["log_pi"]) <= 0)
    fixed = np.asarray(tiny("fixed_retina").unroll(x, steps=4, training=True)["fixations"])
    np.testing.assert_array_equal(fixed, 0.0)


def saliency_seen(image_saliency, sampler, fixations, size):
    grid = sampler.to_image(fixations, regular_grid(size)[None], image_saliency.shape[1])
    return bilinear_sample(image_saliency[..., None], grid)[..., 0]


def test_inhibition_of_return_sends_the_argmax_to_a_new_place():
    # An image-space saliency with a strong bump A and a weaker bump B; the eye starts on A.
    size = 48
    ys, xs = np.mgrid[0:size, 0:size] / (size - 1) * 2 - 1
    bump = lambda cx, cy: np.exp(-((xs - cx) ** 2 + (ys - cy) ** 2) / (2 * 0.15 ** 2))  # noqa: E731
    image_saliency = (0.1 + bump(-0.5, -0.5) + 0.8 * bump(0.5, 0.4))[None].astype(np.float32)
    sampler = rsrnn.RetinalSampler(16, density_ratio=15.0, blur=False)
    start = np.array([[-0.5, -0.5]], np.float32)
    sigma = 0.1 * size

    def saccades(ior, n, decay=attention.IOR_DECAY):
        fix, visited = start, [start[0]]
        for _ in range(n):
            seen = saliency_seen(image_saliency, sampler, fix, 16)
            fix, ior, _ = attention.next_fixation(seen, ior, sampler, fix, sigma, decay)
            fix = np.asarray(fix)
            visited.append(fix[0])
        return np.array(visited)

    looped = []
    fix = start
    for _ in range(3):
        seen = saliency_seen(image_saliency, sampler, fix, 16)
        index, _ = attention.choose_fixation(seen, np.ones_like(np.asarray(seen)), sample=False)
        fix = np.asarray(sampler.to_image(fix, attention.cell_to_retina(index, 16)[:, None, :], size)[:, 0])
        looped.append(fix[0])
    assert all(np.linalg.norm(p - start[0]) < 0.25 for p in looped)  # without IOR: back to A
    inhibited = np.asarray(attention.inhibit(np.ones((1, size, size), np.float32), start, sigma))
    with_ior = saccades(inhibited, 3)
    b = np.array([0.5, 0.4])
    assert np.linalg.norm(with_ior[1] - b) < np.linalg.norm(with_ior[1] - start[0]) - 0.5  # with IOR: towards B
    for i in range(1, len(with_ior)):
        assert np.linalg.norm(with_ior[i] - with_ior[i - 1]) > 0.1  # never straight back (a cell is ~0.06)
    lasting = saccades(inhibited, 3, decay=1.0)  # inhibition that does not recover
    for i in range(1, len(lasting)):
        for j in range(i):
            assert np.linalg.norm(lasting[i] - lasting[j]) > 0.1  # never back to any visited place


def test_reinforce_loss_uses_the_last_steps_correctness_against_the_baseline():
    model = tiny("rsrnn")
    logits = np.zeros((2, 3, 10), np.float32)
    logits[0, -1, 3] = 5.0  # right for label 3
    logits[1, -1, 1] = 5.0  # wrong for label 2
    out = {"logits": logits, "log_pi": np.array([[-1.0, -2.0], [-0.5, -1.5]], np.float32),
           "baseline": np.array([[0.2, 0.4], [0.5, 0.1]], np.float32)}
    total, ce, reinforce = (float(v) for v in model.losses_of(out, np.array([3, 2])))
    reward = np.array([1.0, 0.0])[:, None]
    expected_rl = -np.mean(out["log_pi"] * (reward - out["baseline"])) + np.mean((out["baseline"] - reward) ** 2)
    log_softmax = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
    expected_ce = -np.mean([log_softmax[0, :, 3], log_softmax[1, :, 2]])
    assert reinforce == pytest.approx(expected_rl, rel=1e-5)
    assert ce == pytest.approx(expected_ce, rel=1e-5)
    assert total == pytest.approx(expected_ce + expected_rl, rel=1e-5)


@pytest.mark.parametrize("call, message", [
    (lambda: rsrnn.build_model("dram"), "--model 'dram' is unknown; allowed: rsrnn, base_retina, crop, fixed_retina, cnn"),
    (lambda: rsrnn.build_model("rsrnn", steps=0), "steps=0 must be a positive integer"),
    (lambda: rsrnn.build_model("rsrnn", output_size=30), "output_size=30 must be a multiple of 4"),
    (lambda: tiny("rsrnn")(np.zeros((1, 8, 8, 1), np.float32)),
     r"the image \(8 px\) is smaller than the retina's output \(16 px\)"),
])
def test_bad_model_arguments_are_one_line_errors(call, message):
    with pytest.raises(RSRNNError, match=message):
        call()
