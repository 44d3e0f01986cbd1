"""The training stages' data: the original's datasets, resized and normalised, as tf.data.

Names are the original's (``imagenet``, ``cifar10``, ``cifar100``, ``mnist``, ``fashionmnist``)
plus the repository's bundled real subsets (``fashionmnist_subset``, ``mnist_subset``) for CPU
work and tests. Images are resized to ``image_size`` (the original: 224), normalised with the
original's mean and standard deviation, flipped at random for training where the original
flips, and mixed by CutMix or MixUp (one chosen per batch) where the original mixes (Fashion-
MNIST, CIFAR). Labels are one-hot (soft after mixing). ImageNet is an image folder with
``train/`` and ``val/`` class subfolders under ``data_dir``.
"""
import os

import numpy as np

from cordsnet.errors import CordsNetConfigError

DATASETS = ("imagenet", "cifar10", "cifar100", "mnist", "fashionmnist", "fashionmnist_subset", "mnist_subset")
CORE_NAMES = {"cifar10": "cifar10", "cifar100": "cifar100", "mnist": "mnist", "fashionmnist": "fashion_mnist",
              "fashionmnist_subset": "fashion_mnist_subset", "mnist_subset": "mnist_subset"}
N_CLASSES = {"imagenet": 1000, "cifar10": 10, "cifar100": 100, "mnist": 10, "fashionmnist": 10,
             "fashionmnist_subset": 10, "mnist_subset": 10}
IN_CHANNELS = {"imagenet": 3, "cifar10": 3, "cifar100": 3, "mnist": 1, "fashionmnist": 1, "fashionmnist_subset": 1,
               "mnist_subset": 1}
MEAN_STD = {"imagenet": ((0.485, 0.456, 0.406), (0.229, 0.224, 0.225)),
            "cifar10": ((0.4914, 0.4822, 0.4465), (0.2470, 0.2435, 0.2616)),
            "cifar100": ((0.5071, 0.4865, 0.4409), (0.2673, 0.2564, 0.2762)),
            "mnist": ((0.1307,), (0.3081,)), "mnist_subset": ((0.1307,), (0.3081,)),
            "fashionmnist": ((0.2860,), (0.3530,)), "fashionmnist_subset": ((0.2860,), (0.3530,))}
FLIPPED = ("imagenet", "cifar10", "cifar100", "fashionmnist", "fashionmnist_subset")
MIXED = ("cifar10", "cifar100", "fashionmnist", "fashionmnist_subset")


def check_dataset(name):
    if name not in DATASETS:
        raise CordsNetConfigError(f"--dataset {name!r} is unknown; allowed: {', '.join(DATASETS)}")
    return name


def load_arrays(name, data_dir=None):
    """(x_train, y_train), (x_test, y_test) as uint8 NHWC and int labels (not ImageNet)."""
    from drc.core.datasets import load_dataset

    return load_dataset(CORE_NAMES[check_dataset(name)], data_dir)


def normalise(images, name, image_size):
    """uint8 or [0, 255] float NHWC -> resized (bilinear, antialiased) and normalised float32."""
    import tensorflow as tf

    x = tf.cast(images, tf.float32) / 255.0
    if x.shape[1] != image_size or x.shape[2] != image_size:
        x = tf.image.resize(x, (image_size, image_size), antialias=True)
    mean, std = MEAN_STD[name]
    return (x - tf.constant(mean)) / tf.constant(std)


def mix_batch(x, y, seed=None):
    """CutMix or MixUp (chosen at random, lambda ~ Beta(1, 1)) with the batch rolled by one;
    ``seed``: a stateless (2,) seed fixing every draw (else drawn from the global generator)."""
    import tensorflow as tf

    def uniform(k, low=0.0, high=1.0, dtype=tf.float32):
        if seed is None:
            return tf.random.uniform((), low, high, dtype)
        return tf.random.stateless_uniform((), tf.random.experimental.stateless_fold_in(seed, k), low, high, dtype)

    lam = uniform(0)
    x2, y2 = tf.roll(x, 1, axis=0), tf.roll(y, 1, axis=0)

    def mixup():
        return lam * x + (1 - lam) * x2, lam * y + (1 - lam) * y2

    def cutmix():
        h, w = tf.shape(x)[1], tf.shape(x)[2]
        cut = tf.sqrt(1.0 - lam)
        ch, cw = tf.cast(tf.cast(h, tf.float32) * cut, tf.int32), tf.cast(tf.cast(w, tf.float32) * cut, tf.int32)
        cy, cx = uniform(1, 0, h, tf.int32), uniform(2, 0, w, tf.int32)
        y0, y1 = tf.clip_by_value(cy - ch // 2, 0, h), tf.clip_by_value(cy + ch // 2, 0, h)
        x0, x1 = tf.clip_by_value(cx - cw // 2, 0, w), tf.clip_by_value(cx + cw // 2, 0, w)
        rows, cols = tf.range(h)[:, None], tf.range(w)[None, :]
        box = tf.cast((rows >= y0) & (rows < y1) & (cols >= x0) & (cols < x1), x.dtype)[None, :, :, None]
        kept = 1.0 - tf.cast((y1 - y0) * (x1 - x0), tf.float32) / tf.cast(h * w, tf.float32)
        return x * (1 - box) + x2 * box, kept * y + (1 - kept) * y2

    return tf.cond(uniform(3) < 0.5, cutmix, mixup)


def make_dataset(config, batch_size, split="train", mix=None, limit=None, clock=None):
    """A tf.data.Dataset of (images, one-hot labels) batches for ``config`` (a StageConfig).

    Training batches of the array datasets: epoch e's order, flips and mixes are drawn from
    (``config.seed``, e) alone (``drc.core.epoch_data``; e from ``clock``, an ``EpochClock``
    also given to ``fit``), so a stage resumed at epoch e sees what an uninterrupted one sees."""
    import tensorflow as tf

    name = check_dataset(config.dataset)
    training = split == "train"
    if name == "imagenet":
        folder = os.path.join(config.data_dir or "imagenet", "train" if training else "val")
        if not os.path.isdir(folder):
            raise CordsNetConfigError(f"ImageNet folder {folder} does not exist (--data_dir holds train/ and val/)")
        data = tf.keras.utils.image_dataset_from_directory(folder, label_mode="categorical", batch_size=None,
                                                           image_size=(config.image_size, config.image_size),
                                                           shuffle=training, seed=config.seed)
    else:
        (x, y), (xt, yt) = load_arrays(name, config.data_dir)
        x, y = (x, y) if training else (xt, yt)
        if limit:
            x, y = x[:limit], y[:limit]
        onehot = np.eye(N_CLASSES[name], dtype="float32")[y]
        if training:
            return _epoch_batches(x, onehot, batch_size, config, name, mix, clock)
        data = tf.data.Dataset.from_tensor_slices((x, onehot))
    data = data.batch(batch_size)
    return data.map(lambda images, labels: _prepare(images, labels, config, name, mix, training),
                    num_parallel_calls=tf.data.AUTOTUNE).prefetch(tf.data.AUTOTUNE)


def _prepare(images, labels, config, name, mix, training, seed=None):
    """Normalised images; in training flipped (where the original flips) and mixed (where it
    mixes), every draw fixed by the batch's stateless ``seed`` when one is given."""
    import tensorflow as tf

    images = normalise(images, name, config.image_size)
    if training and name in FLIPPED:
        shape = (tf.shape(images)[0], 1, 1, 1)
        draw = tf.random.uniform(shape) if seed is None else tf.random.stateless_uniform(
            shape, tf.random.experimental.stateless_fold_in(seed, 0))
        images = tf.where(draw < 0.5, tf.reverse(images, axis=[2]), images)
    if training and (name in MIXED if mix is None else mix):
        images, labels = mix_batch(images, labels, None if seed is None else
                                   tf.random.experimental.stateless_fold_in(seed, 1))
    return images, labels


def _epoch_batches(x, onehot, batch_size, config, name, mix, clock):
    import tensorflow as tf

    from drc.core import epoch_data

    images, labels = tf.constant(x), tf.constant(onehot)
    n = int(images.shape[0])
    n_batches = -(-n // batch_size)

    def one_epoch(seed_e):
        order = tf.data.Dataset.from_tensor_slices(epoch_data.permutation(n, seed_e)).batch(batch_size)
        return tf.data.Dataset.zip(order, epoch_data.batch_seeds(seed_e, n_batches))

    def load(idx, seed):
        return _prepare(tf.gather(images, idx), tf.gather(labels, idx), config, name, mix, True, seed)

    batches = epoch_data.epoch_stream(one_epoch, n_batches, config.seed, clock)
    return batches.map(load, num_parallel_calls=tf.data.AUTOTUNE).prefetch(tf.data.AUTOTUNE)
