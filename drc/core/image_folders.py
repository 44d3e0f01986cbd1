"""ImageNet-style image folders (``DATA/train/<class>/*.JPEG``, ``DATA/val/<class>/*``) read with
tf.data, for any family that trains at GPU scale (e.g. the ImageNet-100 subset of RS-RNN, chosen
by a class list file holding one WordNet id per line).

Labels follow the class list's order when one is given, else the sorted class folder names (as
Keras' ``image_dataset_from_directory``). Images are decoded to RGB, resized to ``image_size`` x
``image_size`` (bilinear) and scaled to [0, 1] float32. TensorFlow is imported only when images
are read, so listing folders and checking a class list stay cheap.
"""
import os

from drc.core.errors import DatasetNotFoundError, UsageError

SPLITS = ("train", "val")
IMAGE_EXTENSIONS = (".jpeg", ".jpg", ".png", ".bmp", ".gif")


def is_image_folder(path):
    """True when ``path`` holds ``train/`` and ``val/`` folders (the ImageNet layout)."""
    return path is not None and all(os.path.isdir(os.path.join(path, split)) for split in SPLITS)


def read_class_list(path):
    """The class names of a class list file (one per line; blank lines and ``#`` comments skipped)."""
    if not os.path.isfile(path):
        raise DatasetNotFoundError(f"--class_list {path}: no such file (one WordNet id per line)")
    with open(path, encoding="utf8") as f:
        names = [line.split("#")[0].strip() for line in f]
    names = [name for name in names if name]
    if not names:
        raise UsageError(f"--class_list {path} names no class (one WordNet id per line)")
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise UsageError(f"--class_list {path} names {repeated[0]!r} more than once")
    return names


def class_names(path, split="train", class_list=None):
    """The classes of ``path/split`` in label order: ``class_list`` (a file or a list of names),
    each of which must be a folder there, or every class folder, sorted."""
    folder = os.path.join(path, split)
    if not os.path.isdir(folder):
        raise DatasetNotFoundError(f"--data_path {path}: no {split}/ folder (expected {split}/<class>/<images>)")
    on_disk = sorted(name for name in os.listdir(folder) if os.path.isdir(os.path.join(folder, name)))
    if class_list is None:
        if not on_disk:
            raise DatasetNotFoundError(f"--data_path {folder} holds no class folder")
        return on_disk
    names = read_class_list(class_list) if isinstance(class_list, (str, os.PathLike)) else list(class_list)
    missing = [name for name in names if name not in on_disk]
    if missing:
        raise DatasetNotFoundError(f"class {missing[0]!r} of the class list is not a folder in {folder}")
    return names


def list_images(path, split="train", class_list=None):
    """(files, labels, classes): every image file of ``path/split`` (sorted within each class),
    its label and the class names in label order; an empty class folder is an error."""
    classes = class_names(path, split, class_list)
    files, labels = [], []
    for label, name in enumerate(classes):
        folder = os.path.join(path, split, name)
        found = sorted(f for f in os.listdir(folder) if f.lower().endswith(IMAGE_EXTENSIONS))
        if not found:
            raise DatasetNotFoundError(f"class folder {folder} holds no image ({', '.join(IMAGE_EXTENSIONS)})")
        files += [os.path.join(folder, f) for f in found]
        labels += [label] * len(found)
    return files, labels, classes


def _subset(files, labels, n, seed):
    """``n`` of the images drawn at random without replacement (all, in order, when n is None)."""
    if n is None or n >= len(files):
        return files, labels
    import numpy as np

    keep = np.sort(np.random.default_rng(seed).permutation(len(files))[:n])
    return [files[i] for i in keep], [labels[i] for i in keep]


def image_dataset(path, split, image_size, class_list=None, n=None, seed=0):
    """A ``tf.data.Dataset`` of (image (S, S, 3) float32 in [0, 1], int32 label) for ``path/split``;
    ``n`` images drawn at random with ``seed`` (default all)."""
    if isinstance(image_size, bool) or not isinstance(image_size, int) or image_size < 1:
        raise UsageError(f"--image_size {image_size!r} must be a positive integer")
    files, labels, _ = list_images(path, split, class_list)
    files, labels = _subset(files, labels, n, seed)
    import tensorflow as tf

    def read(file, label):
        image = tf.io.decode_image(tf.io.read_file(file), channels=3, expand_animations=False)
        image = tf.image.resize(tf.image.convert_image_dtype(image, tf.float32), (image_size, image_size))
        return tf.clip_by_value(image, 0.0, 1.0), label

    data = tf.data.Dataset.from_tensor_slices((files, tf.constant(labels, tf.int32)))
    return data.map(read, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)


def load_image_folder(path, image_size, class_list=None, n_train=None, n_test=None, seed=0):
    """((x_train, y_train), (x_test, y_test)) as NumPy arrays from ``path/train`` and ``path/val``
    with the classes of ``train/`` (or the list) in both; a split with n = 0 is not read. For data
    that fits in memory; ``image_dataset`` streams."""
    import numpy as np

    classes = class_names(path, "train", class_list)
    splits = []
    for split, n in zip(SPLITS, (n_train, n_test)):
        if n == 0:
            splits.append((np.zeros((0, image_size, image_size, 3), np.float32), np.zeros(0, np.int32)))
            continue
        data = image_dataset(path, split, image_size, classes, n, seed).batch(256)
        images, labels = zip(*[(x.numpy(), y.numpy()) for x, y in data])
        splits.append((np.concatenate(images), np.concatenate(labels)))
    return tuple(splits)
