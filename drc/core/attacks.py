"""Adversarial attacks on models with per-step outputs, and accuracy per step under attack.

The attack set-up of RS-RNN's authors (advertorch's ``LinfPGDAttack``): untargeted L-inf PGD on
the summed cross-entropy, ``nb_iter`` iterations of step ``eps_iter`` (eps / 3 by default) from a
uniform random start in the eps ball, pixels kept in [clip_min, clip_max], normalisation inside
the model. A recurrent model is attacked through its first K steps (the loss is the
cross-entropy of step K's output) and then read at every step it runs on the adversarial image.

Any model works whose output is per-step logits (B, T, classes), a list of T (B, classes)
tensors, or plain (B, classes) logits (one step); probabilities instead of logits with
``from_logits=False``. Pass a Keras model or any callable ``images -> outputs``.
TensorFlow is imported on first use.
"""
from dataclasses import dataclass

import numpy as np

from drc.core.errors import UsageError


class AttackError(UsageError):
    """A bad attack argument (eps, iterations, steps, labels)."""


@dataclass(frozen=True)
class PGDConfig:
    """L-inf PGD settings (the original's defaults; ``eps_iter=None`` means eps / 3)."""

    eps: float
    nb_iter: int = 5
    eps_iter: float = None
    rand_init: bool = True
    clip_min: float = 0.0
    clip_max: float = 1.0
    attack_step: int = 4
    from_logits: bool = True

    def __post_init__(self):
        if not np.isfinite(self.eps) or self.eps < 0:
            raise AttackError(f"eps={self.eps!r} must be a number >= 0 (an L-inf radius in pixel units)")
        if isinstance(self.nb_iter, bool) or not isinstance(self.nb_iter, (int, np.integer)) or self.nb_iter < 0:
            raise AttackError(f"nb_iter={self.nb_iter!r} must be an integer >= 0")
        if self.eps_iter is not None and (not np.isfinite(self.eps_iter) or self.eps_iter < 0):
            raise AttackError(f"eps_iter={self.eps_iter!r} must be a number >= 0")
        if not self.clip_min < self.clip_max:
            raise AttackError(f"clip_min={self.clip_min!r} must be below clip_max={self.clip_max!r}")
        if isinstance(self.attack_step, bool) or not isinstance(self.attack_step, (int, np.integer)) \
                or self.attack_step < 1:
            raise AttackError(f"attack_step={self.attack_step!r} must be an integer >= 1 (1 is the first step)")

    @property
    def step_size(self):
        return self.eps / 3 if self.eps_iter is None else self.eps_iter


def per_step_logits(outputs, from_logits=True):
    """Model outputs as (B, T, classes) log-probabilities-up-to-a-constant (logits)."""
    import tensorflow as tf

    if isinstance(outputs, dict):
        outputs = outputs["logits"]
    if isinstance(outputs, (list, tuple)):
        outputs = tf.stack([tf.convert_to_tensor(o) for o in outputs], axis=1)
    outputs = tf.convert_to_tensor(outputs)
    if outputs.shape.rank == 2:
        outputs = outputs[:, None]
    if outputs.shape.rank != 3:
        raise AttackError(f"model outputs must be (batch, classes) or (batch, steps, classes), got {outputs.shape}")
    if not from_logits:
        outputs = tf.math.log(tf.clip_by_value(tf.cast(outputs, tf.float32), 1e-12, 1.0))
    return tf.cast(outputs, tf.float32)


def _step_logits(model, images, config):
    logits = per_step_logits(model(images), config.from_logits)
    steps = logits.shape[1]
    step = min(config.attack_step, steps)
    return logits[:, step - 1]


def loss_gradient(model, config, compile=False):
    """A function ``(images, labels) -> d loss / d images`` of the summed cross-entropy of step
    ``config.attack_step``; ``compile`` traces it once with ``tf.function``."""
    import tensorflow as tf

    def gradient(x, y):
        with tf.GradientTape() as tape:
            tape.watch(x)
            logits = _step_logits(model, x, config)
            loss = tf.reduce_sum(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits))
        return tape.gradient(loss, x)

    return tf.function(gradient, reduce_retracing=True) if compile else gradient


def pgd_attack(model, images, labels, config, seed=None, gradient=None):
    """Adversarial images (NumPy, same shape as ``images``) for ``model`` under ``config``.

    The loss is the summed cross-entropy of step ``config.attack_step`` (the last step when the
    model has fewer). ``seed`` fixes the random start; ``gradient`` is a :func:`loss_gradient`
    to reuse (``model`` is then unused).
    """
    import tensorflow as tf

    gradient = gradient or loss_gradient(model, config)

    x = tf.convert_to_tensor(np.asarray(images, dtype=np.float32))
    y = tf.convert_to_tensor(np.asarray(labels).reshape(-1).astype(np.int32))
    if int(y.shape[0]) != int(x.shape[0]):
        raise AttackError(f"{int(y.shape[0])} labels for {int(x.shape[0])} images")
    eps = tf.constant(config.eps, tf.float32)
    if config.rand_init and config.eps > 0:
        rng = tf.random.Generator.from_seed(seed) if seed is not None else tf.random.Generator.from_non_deterministic_state()
        delta = rng.uniform(tf.shape(x), -config.eps, config.eps)
    else:
        delta = tf.zeros_like(x)
    delta = tf.clip_by_value(x + delta, config.clip_min, config.clip_max) - x
    for _ in range(config.nb_iter):
        grad = gradient(x + delta, y)
        if grad is None:
            raise AttackError("the model's output does not depend on its input images; nothing to attack")
        delta = tf.clip_by_value(delta + config.step_size * tf.sign(grad), -eps, eps)
        delta = tf.clip_by_value(x + delta, config.clip_min, config.clip_max) - x
    return np.clip((x + delta).numpy(), config.clip_min, config.clip_max)


def accuracy_per_step(model, images, labels, from_logits=True, batch_size=None):
    """Top-1 accuracy at every output step: a NumPy array (T,)."""
    labels = np.asarray(labels).reshape(-1)
    batch_size = batch_size or len(labels)
    correct = None
    for start in range(0, len(labels), batch_size):
        logits = per_step_logits(model(images[start:start + batch_size]), from_logits).numpy()
        hits = (logits.argmax(-1) == labels[start:start + batch_size, None]).sum(0)
        correct = hits if correct is None else correct + hits
    return correct / len(labels)


def attack_per_step(attack_model, eval_model, images, labels, eps_list, batch_size=64, seed=0, compile=True,
                    **pgd_kwargs):
    """Accuracy per step of ``eval_model`` on images attacked through ``attack_model``, for each
    eps of ``eps_list`` (eps = 0: clean). Returns a pandas DataFrame with columns eps, step
    (1-based), accuracy, n.

    ``attack_model`` runs the attacked steps (e.g. a recurrent model's first 4), ``eval_model``
    the steps read afterwards (e.g. 16); both are callables ``images -> outputs``. ``compile``
    traces the attack's gradient and the evaluation once each with ``tf.function``.
    """
    import pandas as pd
    import tensorflow as tf

    evaluate = tf.function(eval_model, reduce_retracing=True) if compile else eval_model
    gradient = loss_gradient(attack_model, PGDConfig(eps=0.0, **pgd_kwargs), compile=compile)

    images = np.asarray(images, dtype=np.float32)
    labels = np.asarray(labels).reshape(-1)
    if len(images) != len(labels) or len(labels) == 0:
        raise AttackError(f"{len(labels)} labels for {len(images)} images (need as many, at least one)")
    rows = []
    from_logits = pgd_kwargs.get("from_logits", True)
    for eps in eps_list:
        config = PGDConfig(eps=float(eps), **pgd_kwargs)
        correct, n = None, 0
        for i, start in enumerate(range(0, len(labels), batch_size)):
            xb, yb = images[start:start + batch_size], labels[start:start + batch_size]
            x_adv = xb if config.eps == 0 else pgd_attack(attack_model, xb, yb, config, seed=seed + i,
                                                          gradient=gradient)
            logits = per_step_logits(evaluate(tf.constant(x_adv)), from_logits).numpy()
            hits = (logits.argmax(-1) == yb[:, None]).sum(0)
            correct = hits if correct is None else correct + hits
            n += len(yb)
        rows += [{"eps": float(eps), "step": t + 1, "accuracy": c / n, "n": n} for t, c in enumerate(correct)]
    return pd.DataFrame(rows, columns=["eps", "step", "accuracy", "n"])
