"""Image-folder datasets for BL training and testing (``keras.utils.image_dataset_from_directory``).

Classes are the sub-folders, in sorted order (16 for SATBench's ImageNet subset); class weights
are ``1 / number of images`` of each class. Images are loaded at ``load_size(image_size)``
(256 for the original 224) and cropped to ``image_size``: randomly for training, centrally for
validation and test.
"""
import os

import keras
import numpy as np
import tensorflow as tf

from convrnn_bl.errors import DataError
from convrnn_bl.folders import SIXTEEN_CLASSES, read_16class_mapping  # noqa: F401 (re-exported)
from convrnn_bl.layout import TAGS, TEST_FOLDER_OF_TAG  # noqa: F401 (re-exported)
from convrnn_bl.perturbations import GrayscaleChannels, perturbation_layers
from drc.core import epoch_data

# Keras' image_dataset_from_directory reads these extensions.
IMAGE_EXTENSIONS = (".bmp", ".gif", ".jpeg", ".jpg", ".png")


def load_size(image_size):
    """Size images are decoded at before cropping: 256 for 224, in proportion otherwise."""
    return int(round(image_size * 256 / 224))


def color_mode_of(tag):
    """Training data are decoded grayscale for the gray conditions, RGB otherwise."""
    return "grayscale" if tag in ("grayscale", "noise-contrast-gray") else "rgb"


def class_folders(directory):
    """Sorted class sub-folder names of an image folder (what image_dataset_from_directory uses)."""
    if not os.path.isdir(directory):
        raise DataError(f"image folder {directory} not found")
    names = sorted(d for d in os.listdir(directory) if os.path.isdir(os.path.join(directory, d)))
    if not names:
        raise DataError(f"{directory} has no class sub-folders")
    return names


def count_images(folder):
    """Number of image files (by extension) under a class folder, sub-folders included."""
    return sum(f.lower().endswith(IMAGE_EXTENSIONS) for _, _, files in os.walk(folder) for f in files)


def class_weights(directory, class_names=None):
    """{class index: 1 / image count} in the sorted class order of the dataset."""
    class_names = class_names or class_folders(directory)
    counts = [count_images(os.path.join(directory, name)) for name in class_names]
    empty = [name for name, n in zip(class_names, counts) if n == 0]
    if empty:
        raise DataError(f"class folders without images in {directory}: {', '.join(empty)}")
    return {i: 1.0 / n for i, n in enumerate(counts)}


def buffer_order(n, buffer_size, seed):
    """The order in which ``tf.data.Dataset.shuffle(buffer_size)`` passes range(n) on, drawn from
    ``seed`` (integers): each element out is a random one of the buffer, whose place the next
    input takes; once the input is exhausted, the buffer empties in random order."""
    rng = np.random.default_rng(np.asarray(seed, np.int64).view(np.uint64))
    buffer, following, order = list(range(min(buffer_size, n))), min(buffer_size, n), []
    for draw in rng.random(n):
        j = int(draw * len(buffer))
        order.append(buffer[j])
        if following < n:
            buffer[j], following = following, following + 1
        else:
            buffer[j] = buffer[-1]
            buffer.pop()
    return np.asarray(order, np.int64)


def image_folder_dataset(directory, batch_size, image_size, color_mode="rgb", shuffle=True, seed=None,
                         class_names=None, clock=None, transform=None, stream=0):
    """Batches of (uint8-valued float images at ``load_size(image_size)``, one-hot labels).

    Read as ``keras.utils.image_dataset_from_directory`` reads them. With ``shuffle`` its order
    too: the file list shuffled once by ``seed``, then every epoch through a shuffle buffer of
    ``8 * batch_size``, here seeded by (``seed``, epoch) so that epoch e's batches depend on
    nothing else (``drc.core.epoch_data``; e from ``clock``, an ``EpochClock`` also given to
    ``fit``, else counted passes; ``stream`` separates the training and validation draws).
    ``transform(images, seed)`` then maps each batch with that batch's stateless seed.
    Without a seed, the order is random.
    """
    class_names = class_names or class_folders(directory)
    size = load_size(image_size)
    if shuffle and seed is None:
        seed = int(np.random.randint(1e6))  # what Keras draws; one seed for the file list and the epochs
    listed = keras.utils.image_dataset_from_directory(
        directory, labels="inferred", label_mode="categorical", class_names=class_names,
        color_mode=color_mode, batch_size=batch_size, image_size=(size, size), shuffle=shuffle,
        seed=seed, verbose=False)
    if not shuffle:
        return listed
    paths = list(listed.file_paths)
    index = {name: i for i, name in enumerate(class_names)}
    labels = [index[os.path.relpath(p, directory).split(os.sep)[0]] for p in paths]
    channels = 1 if color_mode == "grayscale" else 3
    n_batches = -(-len(paths) // batch_size)

    def load(path, label):
        image = tf.image.decode_image(tf.io.read_file(path), channels=channels, expand_animations=False)
        image = tf.image.resize(image, (size, size), method="bilinear")
        image.set_shape((size, size, channels))
        return image, tf.one_hot(label, len(class_names))

    table = (tf.constant(paths), tf.constant(labels, tf.int32))

    def one_epoch(seed_e):
        order = tf.numpy_function(lambda s: buffer_order(len(paths), 8 * batch_size, s), [seed_e], tf.int64)
        files = tf.data.Dataset.from_tensor_slices(tf.ensure_shape(order, (len(paths),)))
        files = files.map(lambda i: (tf.gather(table[0], i), tf.gather(table[1], i)))
        batches = files.map(load, num_parallel_calls=tf.data.AUTOTUNE).batch(batch_size)
        return tf.data.Dataset.zip(batches, epoch_data.batch_seeds(seed_e, n_batches))

    batches = epoch_data.epoch_stream(one_epoch, n_batches, seed, clock, stream)
    if transform is None:
        return batches.map(lambda xy, _: xy)
    return batches.map(lambda xy, batch_seed: (transform(xy[0], batch_seed), xy[1]),
                       num_parallel_calls=tf.data.AUTOTUNE)


def augmentation(tag, train, image_size):
    """The preprocessing of a condition as a ``keras.Sequential``.

    Train: Rescaling(1/255), horizontal flip, random crop to ``image_size``, then the random
    perturbation. Validation (``train=False``): Rescaling, centre crop, the fixed perturbation.
    """
    steps = [keras.layers.Rescaling(1.0 / 255)]
    if train:
        steps += [keras.layers.RandomFlip("horizontal"), keras.layers.RandomCrop(image_size, image_size)]
    else:
        steps += [keras.layers.CenterCrop(image_size, image_size)]
    steps += perturbation_layers(tag, train)
    return keras.Sequential(steps, name=f"{tag}_{'train' if train else 'test'}_augmentation")


def test_preprocessing(tag, image_size):
    """test.py's preprocessing: Rescaling(1/255), Resizing with crop to aspect ratio; gray -> 3."""
    steps = [keras.layers.Rescaling(1.0 / 255),
             keras.layers.Resizing(image_size, image_size, crop_to_aspect_ratio=True)]
    if tag == "grayscale":
        steps.append(GrayscaleChannels(name="grayscale_channels"))
    return keras.Sequential(steps, name=f"{tag}_test_preprocessing")


def for_readouts(dataset, n_outputs, weights=None):
    """Maps (x, y) batches to (x, (y,) * n_outputs[, sample weights from the class weights]).

    Keras 3 neither broadcasts one label to several outputs nor accepts ``class_weight`` for
    multi-output models; the class weight of each image becomes its sample weight, which Keras
    applies to every output.
    """
    if weights is None:
        return dataset.map(lambda x, y: (x, (y,) * n_outputs), num_parallel_calls=tf.data.AUTOTUNE)
    table = tf.constant([weights[i] for i in range(len(weights))], tf.float32)

    def attach(x, y):
        return x, (y,) * n_outputs, tf.gather(table, tf.argmax(y, axis=-1))

    return dataset.map(attach, num_parallel_calls=tf.data.AUTOTUNE)


def training_datasets(train_dir, val_dir, tag, batch_size, image_size, n_outputs, seed=None, clock=None):
    """SATBench's training data: (train_ds, val_ds, class_weights, class_names).

    Train batches are (augmented images, (labels,) * n_outputs, class-weight sample weights);
    validation batches have no weights (Keras applies ``class_weight`` to training only).
    Both are shuffled as the original's (every epoch), their order and random perturbations
    drawn from (``seed``, epoch) alone (``clock``: the ``EpochClock`` given to ``fit``).
    """
    if tag not in TAGS:
        raise DataError(f"unknown tag {tag!r}; allowed: {', '.join(TAGS)}")
    names = class_folders(train_dir)
    val_names = class_folders(val_dir)
    if names != val_names:
        raise DataError(f"train and val class folders differ: {sorted(set(names) ^ set(val_names))}")
    weights = class_weights(train_dir, names)
    mode = color_mode_of(tag)
    if seed is None:
        seed = int(np.random.randint(1e6))
    train_aug, val_aug = augmentation(tag, True, image_size), augmentation(tag, False, image_size)
    train = image_folder_dataset(train_dir, batch_size, image_size, mode, True, seed, names, clock,
                                 lambda x, s: epoch_data.augment(train_aug.layers, x, s, training=True))
    val = image_folder_dataset(val_dir, batch_size, image_size, mode, True, seed, names, clock,
                               lambda x, s: epoch_data.augment(val_aug.layers, x, s, training=False), stream=1)
    train = for_readouts(train, n_outputs, weights).prefetch(tf.data.AUTOTUNE)
    val = for_readouts(val, n_outputs).prefetch(tf.data.AUTOTUNE)
    return train, val, weights, names


def test_dataset(test_dir, tag, batch_size, image_size):
    """test.py's data, in file order: (dataset of images, file paths, label indices, class names)."""
    names = class_folders(test_dir)
    raw = image_folder_dataset(test_dir, batch_size, image_size, "rgb", shuffle=False, class_names=names)
    file_paths = list(raw.file_paths)
    if not file_paths:
        raise DataError(f"no images in {test_dir}")
    index = {name: i for i, name in enumerate(names)}
    labels = np.array([index[os.path.relpath(p, test_dir).split(os.sep)[0]] for p in file_paths])
    prep = test_preprocessing(tag, image_size)
    images = raw.map(lambda x, y: prep(x), num_parallel_calls=tf.data.AUTOTUNE).prefetch(tf.data.AUTOTUNE)
    return images, file_paths, labels, names
