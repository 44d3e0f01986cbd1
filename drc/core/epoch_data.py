"""tf.data pipelines whose epoch e depends on (seed, e) alone, so a resumed run sees its data again.

tf.data's own ``shuffle(reshuffle_each_iteration=True)`` and Keras' random augmentation layers
draw from generators that start afresh with every process: a run resumed at epoch k (by
``drc.core.checkpoints.BackupAndRestore``) would see other orders and augmentations than an
uninterrupted one. Here every pass over a dataset is built from an epoch seed, the base seed
folded with the epoch number, and random draws inside it are stateless ops keyed on that seed:

- :class:`EpochClock`: a Keras callback telling the datasets built with it which epoch ``fit``
  is in (give the same clock to ``fit``); without one, each new pass counts as the next epoch.
- :func:`epoch_stream`: the dataset of ``build(epoch_seed)`` for the epoch of each pass.
- :func:`batch_seeds`: a stateless seed per batch of an epoch, :func:`augment` Keras image
  augmentation layers (or layers whose ``call`` takes a stateless ``seed``) under such a seed.

The same seed gives every worker of a multi-worker run the same stream; without a seed, the
base seed is random (a new stream per run).
"""
import inspect

import keras
import numpy as np
import tensorflow as tf


class EpochClock(keras.callbacks.Callback):
    """Tells the pipelines built with it which epoch ``fit`` is in (``fit`` sets it at every
    epoch's start, before the epoch's first batch is drawn, also after a resume)."""

    def __init__(self):
        super().__init__()
        self.epoch = None
        self._passes = 0

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def next_key(self):
        """The epoch of the pass that starts now (counted passes when no ``fit`` sets it)."""
        if self.epoch is not None:
            return self.epoch
        self._passes += 1
        return self._passes - 1


def base_seed(seed=None, stream=0):
    """The (2,) int64 base seed of stream ``stream`` (e.g. 0 training, 1 validation) of ``seed``;
    a random one when ``seed`` is None."""
    if seed is None:
        seed = int(np.random.SeedSequence().generate_state(1, np.uint64)[0] >> 1)
    return tf.constant([int(stream), int(seed)], tf.int64)


def epoch_seed(base, epoch):
    """The stateless seed of ``epoch`` (a (2,) int64 tensor) from a :func:`base_seed`."""
    return tf.random.experimental.stateless_fold_in(base, tf.cast(epoch, tf.int64))


def epoch_stream(build, n_batches, seed=None, clock=None, stream=0):
    """A dataset whose every pass is ``build(epoch_seed)`` for the epoch of that pass.

    build: a function of the epoch's seed ((2,) int64 tensor) returning that epoch's dataset of
    ``n_batches`` batches. The epoch is the ``clock``'s (an :class:`EpochClock` given to ``fit``),
    read when the pass draws its first element; without a clock, passes are counted from 0.
    """
    base = base_seed(seed, stream)
    clock = clock if clock is not None else EpochClock()
    keys = tf.data.Dataset.from_generator(lambda: iter([clock.next_key()]),
                                          output_signature=tf.TensorSpec((), tf.int64))
    batches = keys.flat_map(lambda epoch: build(epoch_seed(base, epoch)))
    return batches.apply(tf.data.experimental.assert_cardinality(n_batches))


def permutation(n, seed):
    """The permutation of range(n) (int64) drawn from a stateless ``seed``."""
    return tf.random.experimental.stateless_shuffle(tf.range(n, dtype=tf.int64), seed)


def batch_seeds(seed, n_batches):
    """A dataset of ``n_batches`` stateless seeds, one per batch of the epoch of ``seed``."""
    return tf.data.Dataset.range(n_batches).map(lambda b: tf.random.experimental.stateless_fold_in(seed, b))


class _SeedDraws(keras.random.SeedGenerator):
    """A SeedGenerator without state: its k-th draw is ``seed`` folded with k (a tensor), so a
    Keras random layer given it draws the same transformation for the same seed."""

    def __init__(self, seed):  # no state variable (none can be made inside tf.data)
        self._seed, self._draws = seed, 0

    def next(self, ordered=True):
        self._draws += 1
        return tf.random.experimental.stateless_fold_in(self._seed, self._draws)


def _takes_seed(layer):
    return "seed" in inspect.signature(layer.call).parameters


def augment(layers, images, seed, training=True):
    """Applies ``layers`` in turn to a batch with every random draw fixed by ``seed``.

    Keras' random image layers (RandomFlip, RandomCrop, RandomRotation, ...) draw their
    transformation from ``seed`` (their own generators are not used); layers whose ``call``
    takes a ``seed`` get one; other layers are called as they are.
    """
    x = images
    for i, layer in enumerate(layers):
        layer_seed = tf.random.experimental.stateless_fold_in(seed, i)
        if hasattr(layer, "generator") and hasattr(layer, "get_random_transformation"):
            transformation = layer.get_random_transformation(x, training=training, seed=_SeedDraws(layer_seed))
            x = layer.transform_images(x, transformation, training=training)
        elif _takes_seed(layer):
            x = layer(x, seed=layer_seed)
        else:
            x = layer(x, training=training)
    return x
