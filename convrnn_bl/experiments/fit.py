"""BL and its feed-forward control B for small grey images, trained with ``model.fit``.

Both use the first ``n_layers`` of BL's layer table (six fit a 32 x 32 input), the same width
multiplier, Spoerer et al.'s Adam learning rate (0.005) and batch size 100. BL's loss is the
cross-entropy of every readout, averaged over readouts (loss weights 1/T). Adam's epsilon is
Keras' 1e-7 by default, not the paper's 0.1: with 0.1 (made for 90 epochs) a 1/16-width BL
reached 36% training accuracy after 60 steps on Fashion-MNIST, with 1e-7 72%.
"""
import keras
import numpy as np
import tensorflow as tf

from convrnn_bl.experiments.conditions import prepare_images, to_model_range
from convrnn_bl.models import BL_LAYERS, b_net, bl_net, recalibrate_batch_norm


def max_layers(size):
    """How many of BL's seven layers an input of ``size`` px supports (each layer after the
    first halves the size; the last must keep at least 1 px)."""
    n = 1
    while n < len(BL_LAYERS) and size >> n >= 1:
        n += 1
    return n


def build_models(size, classes, n_timesteps, width_multiplier, n_layers=None):
    """(BL, B) for (size, size, 1) inputs; ``n_layers`` defaults to :func:`max_layers`."""
    n_layers = n_layers or max_layers(size)
    if not 1 <= n_layers <= max_layers(size):
        raise ValueError(f"a {size}px input supports 1..{max_layers(size)} BL layers, got {n_layers}")
    specs = BL_LAYERS[:n_layers]
    bl = bl_net(keras.Input((size, size, 1)), classes, n_timesteps=n_timesteps,
                width_multiplier=width_multiplier, layer_specs=specs)
    b = b_net(keras.Input((size, size, 1)), classes, width_multiplier=width_multiplier, layer_specs=specs)
    return bl, b


def compile_model(model, learning_rate=0.005, epsilon=1e-7):
    """Adam and sparse cross-entropy on every output, averaged over outputs."""
    n = len(model.outputs)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=learning_rate, epsilon=epsilon),
                  loss=["sparse_categorical_crossentropy"] * n, loss_weights=[1.0 / n] * n,
                  metrics=[["accuracy"] for _ in range(n)])
    return model


def training_dataset(images, labels, n_outputs, augment, batch_size=100, seed=0, size=32):
    """Shuffled, augmented batches ``(images in [-1, 1], labels per output)`` for ``fit``.

    ``augment`` is called as ``augment(images, batch_index)`` on [0, 1] images.
    """
    images = prepare_images(images, size)
    ds = tf.data.Dataset.from_tensor_slices((images, np.asarray(labels, np.int64)))
    ds = ds.shuffle(len(labels), seed=seed, reshuffle_each_iteration=True).batch(batch_size)
    ds = ds.enumerate().map(
        lambda step, batch: (to_model_range(augment(batch[0], step)),
                             tuple([batch[1]] * n_outputs) if n_outputs > 1 else batch[1]),
        num_parallel_calls=tf.data.AUTOTUNE)
    return ds.prefetch(tf.data.AUTOTUNE)


def fit_model(model, train_ds, val_ds, epochs, callbacks=(), verbose=2):
    """``model.fit`` with TerminateOnNaN and the given callbacks; returns the history dict."""
    history = model.fit(train_ds, validation_data=val_ds, epochs=epochs, verbose=verbose,
                        callbacks=[keras.callbacks.TerminateOnNaN(), *callbacks])
    return history.history


def recalibrate(model, dataset, n_batches):
    """Precise batch norm: moving statistics set to the mean over ``n_batches`` training batches
    (after a few epochs the momentum-0.99 averages lag behind the weights)."""
    images = np.concatenate([x.numpy() for x, _ in dataset.take(n_batches)])
    return recalibrate_batch_norm(model, images, batch_size=100)
