"""drc.core.attacks: L-inf PGD per step, checked against the exact worst case of linear softmax
models and an independent NumPy PGD."""
import numpy as np
import pytest

from drc.core import attacks
from drc.core.attacks import AttackError, PGDConfig, accuracy_per_step, attack_per_step, pgd_attack

RNG = np.random.default_rng(0)
D = 6 * 6


def linear_model(weights, bias, steps=1):
    """A per-step linear softmax model: step t's logits are x W_t + b, W_t = W (1 + t / 10)."""
    import tensorflow as tf

    w = tf.constant(weights, tf.float32)
    b = tf.constant(bias, tf.float32)

    def model(x):
        flat = tf.reshape(tf.convert_to_tensor(x, tf.float32), (-1, D))
        return tf.stack([flat @ (w * (1 + t / 10)) + b for t in range(steps)], axis=1)

    return model


@pytest.mark.parametrize("rand_init, nb_iter", [(False, 5), (True, 6)])
def test_pgd_reaches_the_exact_worst_case_of_a_binary_linear_softmax_model(rand_init, nb_iter):
    # From the ball's centre 5 steps of eps / 3 reach its surface; from a random start up to 2 eps
    # away from the worst corner 6 are needed (the original's 5 may stop short there).
    weights = RNG.normal(size=(D, 2)).astype(np.float32)
    x = RNG.uniform(0, 1, size=(8, 6, 6, 1)).astype(np.float32)
    x[0, :2] = 0.0
    x[1, :2] = 1.0
    y = RNG.integers(0, 2, size=8)
    eps = 0.05
    config = PGDConfig(eps=eps, rand_init=rand_init, nb_iter=nb_iter)
    x_adv = pgd_attack(linear_model(weights, np.zeros(2)), x, y, config, seed=3)
    # The cross-entropy grows as the margin (w_y - w_other) . x falls: coordinate-wise the worst
    # point of the box-clipped ball is x - eps sign(w_y - w_other), clipped to [0, 1].
    direction = (weights[:, y] - weights[:, 1 - y]).T.reshape(x.shape)
    worst = np.clip(x - eps * np.sign(direction), 0, 1)
    np.testing.assert_allclose(x_adv, worst, atol=1e-6)


def numpy_pgd(x, y, weights, eps, step, nb_iter):
    """Plain NumPy PGD (no random start) on softmax(x W): the gradient of the summed
    cross-entropy with respect to x is (softmax - onehot) W^T."""
    flat = x.reshape(len(x), -1).astype(np.float64)
    delta = np.zeros_like(flat)
    onehot = np.eye(weights.shape[1])[y]
    for _ in range(nb_iter):
        z = (flat + delta) @ weights
        p = np.exp(z - z.max(1, keepdims=True))
        p /= p.sum(1, keepdims=True)
        grad = (p - onehot) @ weights.T
        delta = np.clip(delta + step * np.sign(grad), -eps, eps)
        delta = np.clip(flat + delta, 0, 1) - flat
    return (flat + delta).reshape(x.shape)


def test_pgd_matches_an_independent_numpy_pgd_on_a_three_class_model():
    weights = RNG.normal(size=(D, 3)).astype(np.float32)
    x = RNG.uniform(0, 1, size=(10, 6, 6, 1)).astype(np.float32)
    y = RNG.integers(0, 3, size=10)
    config = PGDConfig(eps=0.03, nb_iter=7, rand_init=False)
    ours = pgd_attack(linear_model(weights, np.zeros(3)), x, y, config)
    np.testing.assert_allclose(ours, numpy_pgd(x, y, weights, 0.03, 0.01, 7), atol=1e-5)


@pytest.mark.parametrize("eps", [0.0, 0.002, 0.01, 0.3])
def test_pgd_stays_in_the_eps_ball_and_the_pixel_range(eps):
    weights = RNG.normal(size=(D, 3)).astype(np.float32)
    x = RNG.choice([0.0, 0.5, 1.0], size=(6, 6, 6, 1)).astype(np.float32)
    y = RNG.integers(0, 3, size=6)
    x_adv = pgd_attack(linear_model(weights, np.zeros(3), steps=3), x, y, PGDConfig(eps=eps, attack_step=2), seed=1)
    assert np.abs(x_adv - x).max() <= eps + 1e-6
    assert x_adv.min() >= 0.0 and x_adv.max() <= 1.0
    if eps == 0.3:
        assert np.abs(x_adv - x).max() > 0.29


def test_an_attack_never_makes_a_wrong_answer_right_on_the_attacked_steps():
    weights = RNG.normal(size=(D, 2)).astype(np.float32)
    x = RNG.uniform(0, 1, size=(64, 6, 6, 1)).astype(np.float32)
    model = linear_model(weights, np.zeros(2), steps=6)
    predicted = np.asarray(model(x))[:, 0].argmax(-1)
    y = np.where(RNG.uniform(size=64) < 0.2, 1 - predicted, predicted)
    clean = np.asarray(model(x)).argmax(-1) == y[:, None]
    for eps in (0.01, 0.03, 0.1):
        adv = np.asarray(model(pgd_attack(model, x, y, PGDConfig(eps=eps, attack_step=4), seed=2))).argmax(-1) == y[:, None]
        assert not np.any(adv[:, :4] & ~clean[:, :4])
        assert adv[:, :4].mean() < clean[:, :4].mean()


def test_attack_per_step_table_reads_every_step_and_eps_zero_is_clean():
    weights = RNG.normal(size=(D, 2)).astype(np.float32)
    x = RNG.uniform(0, 1, size=(20, 6, 6, 1)).astype(np.float32)
    y = RNG.integers(0, 2, size=20)
    attacked, read = linear_model(weights, np.zeros(2), steps=2), linear_model(weights, np.zeros(2), steps=5)
    table = attack_per_step(attacked, read, x, y, [0.0, 0.05], batch_size=8, attack_step=2)
    assert list(table.columns) == ["eps", "step", "accuracy", "n"]
    assert len(table) == 10 and set(table["n"]) == {20}
    clean = table[table.eps == 0.0].accuracy.to_numpy()
    np.testing.assert_allclose(clean, accuracy_per_step(read, x, y))
    attacked_acc = table[table.eps == 0.05].accuracy.to_numpy()
    assert np.all(attacked_acc <= clean)


def test_probabilities_and_step_lists_are_accepted():
    import tensorflow as tf

    weights = RNG.normal(size=(D, 2)).astype(np.float32)
    base = linear_model(weights, np.zeros(2), steps=3)
    x = RNG.uniform(0, 1, size=(5, 6, 6, 1)).astype(np.float32)
    y = np.zeros(5, int)
    as_list = lambda images: tf.unstack(base(images), axis=1)  # noqa: E731
    as_probs = lambda images: tf.nn.softmax(base(images))  # noqa: E731
    a = pgd_attack(as_list, x, y, PGDConfig(eps=0.02, rand_init=False, attack_step=3))
    b = pgd_attack(as_probs, x, y, PGDConfig(eps=0.02, rand_init=False, attack_step=3, from_logits=False))
    c = pgd_attack(base, x, y, PGDConfig(eps=0.02, rand_init=False, attack_step=3))
    np.testing.assert_allclose(a, c)
    np.testing.assert_allclose(b, c, atol=1e-6)
    assert attacks.per_step_logits(base(x)[:, 0]).shape == (5, 1, 2)


@pytest.mark.parametrize("kwargs, message", [
    (dict(eps=-0.001), "eps=-0.001 must be a number >= 0"),
    (dict(eps=0.01, nb_iter=-1), "nb_iter=-1 must be an integer >= 0"),
    (dict(eps=0.01, attack_step=0), "attack_step=0 must be an integer >= 1"),
    (dict(eps=0.01, clip_min=1.0, clip_max=0.0), "clip_min=1.0 must be below clip_max=0.0"),
])
def test_bad_attack_arguments_are_one_line_errors(kwargs, message):
    with pytest.raises(AttackError, match=message):
        PGDConfig(**kwargs)


def test_mismatched_labels_are_an_error():
    weights = RNG.normal(size=(D, 2)).astype(np.float32)
    with pytest.raises(AttackError, match="3 labels for 2 images"):
        pgd_attack(linear_model(weights, np.zeros(2)), np.zeros((2, 6, 6, 1)), [0, 1, 0], PGDConfig(eps=0.1))
