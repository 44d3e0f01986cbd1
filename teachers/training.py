"""Training a teacher: the original's ``cifar_style.train_teacher`` procedure.

Batch 32; the last ``val_size`` (5000) training images validate; Adam; ReduceLROnPlateau (factor
sqrt(0.1), patience ``learning_patience``, min_lr 0.5e-6); EarlyStopping (min_delta 0.001,
patience ``stopping_patience``); CSVLogger. Augmentation (rotation, width/height shift,
horizontal flip, 'nearest' fill as in Keras' ImageDataGenerator) runs as Keras preprocessing
layers inside a tf.data pipeline. BackupAndRestore keeps the last finished epoch next to the
teacher, so running the same command again after an interruption resumes there; epoch e's
shuffle and augmentation are drawn from (seed, e) alone, so the resumed epochs are those of an
uninterrupted run. Under ``--strategy`` the batch of 32 is per replica; only the chief writes
the teacher and its logs.
"""
import os
import sys
from typing import Any, NamedTuple

import keras
import numpy as np
import tensorflow as tf

from drc.core import checkpoints, distribute, epoch_data
from drc.core.callbacks import plateau_callbacks
from drc.core.datasets import load_dataset, resolve_dataset
from drc.core.errors import UsageError
from drc.core.preprocessing import Preprocessing
from drc.core.resize import shrink_images
from drc.core.runs import check_log_continuable, history_from_log
from drc.core.validation import BadValueError, check_int, check_number
from teachers import style_nets
from teachers.config import TOPOLOGIES, TeacherConfig, resnet_weights_choice
from teachers.resnet import define_compile_split_model, fetch_resnet_weights
from teachers.saving import TeacherExistsError, keras_path, save_teacher, teacher_path

BATCH_SIZE = 32
ACCURACY = "sparse_categorical_accuracy"


class TeacherConfigError(UsageError):
    """An impossible teacher configuration (topology, class count, sizes)."""


class TeacherRun(NamedTuple):
    """What ``train_teacher`` returns: the trained teacher and everything about the run."""
    teacher: Any
    preprocessing: Preprocessing
    path: str
    history: dict
    val_accuracy: float
    test_accuracy: float


def teacher_defaults():
    """The defaults of ``scripts/cifar_style.py`` (``TeacherConfig()``) as a dict."""
    return TeacherConfig().as_dict()


def _as_dict(config):
    return config.as_dict() if isinstance(config, TeacherConfig) else dict(config or {})


def build_teacher(network_topology, input_shape, n_classes, config=None):
    """An untrained teacher of ``network_topology`` for preprocessed inputs of ``input_shape``.

    ``config`` holds the cifar_style flags (missing ones take their defaults): the style nets'
    options, and ``resnet_weights`` for the ResNet50 teacher (which comes compiled with SGD).
    """
    c = {**teacher_defaults(), **_as_dict(config)}
    common = dict(dropout1=c["dropout1"], dropout2=c["dropout2"], layer_norm_2=c["layer_norm_2"],
                  dense_interface=c["dense_interface"], last_maxpool_en=c["last_maxpool_en"], nl=c["nl"],
                  last_layer_size=c["last_layer_size"], input_shape=tuple(input_shape), n_classes=n_classes)
    if network_topology == "default":
        return style_nets.parametric_net_befe(resblocks=c["resblocks"], layer_norm_res=c["layer_norm_res"],
                                              skip_conn=c["skip_conn"], **common)
    if network_topology == "v2":
        return style_nets.parametric_net_befe_v2(
            resblocks16=c["resblocks16"], resblocks8=c["resblocks8"], layer_norm_res16=c["layer_norm_res16"],
            layer_norm_res8=c["layer_norm_res8"], skip_conn16=c["skip_conn16"], skip_conn8=c["skip_conn8"], **common)
    if network_topology == "resnet50_on_imagenet":
        return define_compile_split_model(input_shape=input_shape, n_classes=n_classes, metrics=[ACCURACY],
                                          weights=resnet_weights_choice(c.get("resnet_weights")))
    raise TeacherConfigError(f"--network_topology {network_topology}: unknown; allowed: {', '.join(TOPOLOGIES)}")


def augmentation_layers(rotation_range=0.0, width_shift_range=0.0, height_shift_range=0.0, horizontal_flip=True):
    """The original's ImageDataGenerator augmentation as Keras layers (None when it does nothing).

    rotation_range in degrees (uniform in +-range); shifts as fractions of the image size.
    """
    L = keras.layers
    layers = []
    if rotation_range:
        layers.append(L.RandomRotation(rotation_range / 360.0, fill_mode="nearest"))
    if width_shift_range or height_shift_range:
        layers.append(L.RandomTranslation(height_shift_range, width_shift_range, fill_mode="nearest"))
    if horizontal_flip:
        layers.append(L.RandomFlip("horizontal"))
    return keras.Sequential(layers, name="augmentation") if layers else None


def train_dataset(images, labels, preprocessing, augmentation=None, batch_size=BATCH_SIZE, shuffle=True, seed=None,
                  clock=None):
    """tf.data batches of (preprocessed, augmented) images and labels, reshuffled every epoch.

    The raw images stay in memory once (as uint8 when given so); batches are gathered by
    shuffled indices, preprocessed and augmented in the pipeline, and prefetched; sharded by
    data under a multi-worker strategy. Epoch e's order and augmentation are drawn from
    (``seed``, e) alone (``drc.core.epoch_data``; e from ``clock``, an ``EpochClock`` also
    given to ``fit``, else counted passes), so every worker and a run resumed at epoch e see
    what an uninterrupted run sees; without a seed they are random.
    """
    images, labels = tf.constant(images), tf.constant(labels)
    n = int(images.shape[0])
    n_batches = -(-n // batch_size)

    def load(idx, batch_seed=None):
        x = preprocessing.apply_tensor(tf.gather(images, idx))
        if augmentation is not None:
            x = epoch_data.augment(augmentation.layers, x, batch_seed)
        return x, tf.gather(labels, idx)

    if not shuffle and augmentation is None:
        batches = tf.data.Dataset.range(n).batch(batch_size).map(load, num_parallel_calls=tf.data.AUTOTUNE)
        return distribute.shard_by_data(batches.prefetch(tf.data.AUTOTUNE))

    def one_epoch(seed_e):
        order = epoch_data.permutation(n, seed_e) if shuffle else tf.range(n, dtype=tf.int64)
        indices = tf.data.Dataset.from_tensor_slices(order).batch(batch_size)
        return tf.data.Dataset.zip(indices, epoch_data.batch_seeds(seed_e, n_batches))

    batches = epoch_data.epoch_stream(one_epoch, n_batches, seed, clock)
    batches = batches.map(load, num_parallel_calls=tf.data.AUTOTUNE).prefetch(tf.data.AUTOTUNE)
    return distribute.shard_by_data(batches)


def eval_dataset(images, labels, preprocessing, batch_size=BATCH_SIZE):
    """Preprocessed batches in order, no augmentation."""
    return train_dataset(images, labels, preprocessing, None, batch_size, shuffle=False)


def _input_res(res):
    return None if res in (None, -1) else int(res)


def _split_validation(x_train, y_train, val_size):
    if not 0 < val_size < len(x_train):
        raise TeacherConfigError(f"--val_size {val_size}: must be between 1 and {len(x_train) - 1} "
                                 f"(the dataset has {len(x_train)} training images)")
    return (x_train[:-val_size], y_train[:-val_size]), (x_train[-val_size:], y_train[-val_size:])


def _teacher_data(c, dataset, data, res, n_classes):
    """(fit, validation, test) splits of raw images and labels, shrunk to ``res`` if given."""
    (x_train, y_train), (x_test, y_test) = data if data is not None else load_dataset(dataset, c.get("data_dir"))
    top_label = int(max(np.max(y_train), np.max(y_test)))
    if top_label >= n_classes:
        raise TeacherConfigError(f"the labels go up to {top_label}, but n_classes is {n_classes}")
    if res is not None:
        x_train, x_test = shrink_images(x_train, res), shrink_images(x_test, res)
    fit, val = _split_validation(x_train, y_train, int(c["val_size"]))
    return fit, val, (x_test, y_test)


def _auto_verbose(verbose):
    if verbose != "auto":
        return int(verbose)
    return 1 if sys.stdout.isatty() else 2


def check_teacher_options(c):
    """Types and ranges of the cifar_style options ``c`` (a dict), before anything is loaded or written."""
    for flag in ("epochs", "n_classes", "last_layer_size", "val_size"):
        check_int(c[flag], f"--{flag}", minimum=1)
    for flag in ("resblocks", "resblocks8", "resblocks16", "stopping_patience", "learning_patience"):
        check_int(c[flag], f"--{flag}", minimum=0)
    for flag in ("dropout1", "dropout2"):
        check_number(c[flag], f"--{flag}", minimum=0, below=1)
    for flag in ("rotation_range", "width_shift_range", "height_shift_range", "dataset_norm"):
        check_number(c[flag], f"--{flag}", minimum=0)
    try:
        keras.activations.get(c["nl"])
    except (ValueError, TypeError):
        raise BadValueError(f"--nl {c['nl']}: not a Keras activation (e.g. relu, elu, tanh)") from None


def train_teacher(config=None, n_classes=None, network_topology=None, *, res=None, data=None, path=None,
                  verbose="auto", callbacks=()):
    """Trains, evaluates and saves a teacher; returns a ``TeacherRun``.

    config: cifar_style flags as a dict (missing ones take scripts/cifar_style.py's defaults);
    ``n_classes`` and ``network_topology`` override it (the original's two arguments).
    res: shrink the images to res x res first (OpenCV cubic); None or -1 keeps full resolution.
    (``config['res']`` is the DRC sensor's resolution and is ignored here.)
    data: ((x_train, y_train), (x_test, y_test)) instead of loading ``config['dataset']``.
    path: where to save; default ``pretrained_teachers/{topology}_{dataset}_teacher.keras``.
    An existing file there is an error (checked before training and again when saving).
    callbacks: more Keras callbacks, run after the standard ones.
    """
    c = {**teacher_defaults(), **_as_dict(config)}
    strategy = distribute.make_strategy(c.get("strategy") or "auto")
    if n_classes is not None:
        c["n_classes"] = n_classes
    if network_topology is not None:
        c["network_topology"] = network_topology
    check_teacher_options(c)
    topology, n_classes = c["network_topology"], int(c["n_classes"])
    if topology not in TOPOLOGIES:
        raise TeacherConfigError(f"--network_topology {topology}: unknown; allowed: {', '.join(TOPOLOGIES)}")
    if data is None:
        dataset = resolve_dataset(c.get("dataset"), n_classes)
    else:
        dataset = c.get("dataset") or f"cifar{n_classes}"
    path = keras_path(path or teacher_path(topology, dataset))
    path = os.path.join(distribute.worker_root(os.path.dirname(path) or ".", strategy), os.path.basename(path))
    if os.path.exists(path):
        raise TeacherExistsError(f"{path} exists; teachers are never overwritten: move or delete it first")
    if topology == "resnet50_on_imagenet":
        fetch_resnet_weights(resnet_weights_choice(c.get("resnet_weights")))  # a bad path or no download fails now

    res = _input_res(res)
    (x_fit, y_fit), (x_val, y_val), (x_test, y_test) = _teacher_data(c, dataset, data, res, n_classes)

    resnet_mode = topology == "resnet50_on_imagenet"
    preprocessing = Preprocessing.fit(x_fit, dataset_norm=c["dataset_norm"], resnet_mode=resnet_mode,
                                      center=c["dataset_center"], res=res)
    input_shape = tuple(x_fit.shape[1:3]) + (preprocessing.output_channels(x_fit.shape[3]),)
    seed = c.get("seed")
    if seed is None and distribute.in_cluster(strategy):
        seed = 0  # every worker must shuffle alike
    if seed is not None:
        keras.utils.set_random_seed(seed)
    with strategy.scope():
        teacher = build_teacher(topology, input_shape, n_classes, c)
        if c["compile_on_spot"] or not teacher.compiled:
            teacher.compile(optimizer=keras.optimizers.Adam(), loss="sparse_categorical_crossentropy",
                            metrics=[ACCURACY])
    batch_size = distribute.global_batch_size(BATCH_SIZE, strategy)

    augmentation = None
    if c["data_augmentation"]:
        augmentation = augmentation_layers(c["rotation_range"], c["width_shift_range"], c["height_shift_range"])
    stem = os.path.splitext(path)[0]
    backup_dir, csv_path = stem + ".backup", stem + ".csv"
    resuming = os.path.isdir(backup_dir) and bool(os.listdir(backup_dir))
    check_log_continuable(csv_path, backup_dir)  # an earlier teacher's log is never restarted
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    standard = plateau_callbacks(backup_dir, csv_path, learning_patience=c["learning_patience"],
                                 stopping_patience=c["stopping_patience"], min_delta=0.001, append_log=resuming)
    early_stopper = standard[1]
    clock = epoch_data.EpochClock()  # epoch e's shuffle and augmentation come from (seed, e), also after a resume
    all_callbacks = [clock, *standard, *checkpoints.kill_switch("teacher"), *callbacks]

    print(f"Teacher {topology} on {dataset}: {len(x_fit)} training, {len(x_val)} validation, {len(x_test)} test "
          f"images of {'x'.join(map(str, input_shape))}; {teacher.count_params():,} parameters; "
          f"augmentation {'on' if augmentation is not None else 'off'}; up to {c['epochs']} epochs; "
          f"{distribute.describe(strategy)}, global batch {batch_size}")
    if resuming:
        print(f"Resuming from the backup in {backup_dir}")
    try:
        fit = teacher.fit(train_dataset(x_fit, y_fit, preprocessing, augmentation, batch_size, seed=seed,
                                        clock=clock),
                          validation_data=eval_dataset(x_val, y_val, preprocessing, batch_size),
                          epochs=c["epochs"], verbose=_auto_verbose(verbose), callbacks=all_callbacks,
                          shuffle=False)  # the dataset reshuffles itself every epoch
    except BaseException:
        checkpoints.discard_untrained(backup_dir, [csv_path])
        raise

    val_loss, val_accuracy = teacher.evaluate(eval_dataset(x_val, y_val, preprocessing, batch_size), verbose=0)[:2]
    test_loss, test_accuracy = teacher.evaluate(eval_dataset(x_test, y_test, preprocessing, batch_size),
                                                verbose=0)[:2]
    saved = save_teacher(teacher, preprocessing, path)
    history = history_from_log(csv_path) or dict(fit.history)  # every epoch, across resumptions
    _print_summary(topology, dataset, dict(fit.history), early_stopper, teacher, c["epochs"], val_accuracy,
                   test_accuracy, test_loss, len(x_test), preprocessing, saved, csv_path)
    return TeacherRun(teacher, preprocessing, saved, history, float(val_accuracy), float(test_accuracy))


def _print_summary(topology, dataset, history, early_stopper, teacher, max_epochs, val_accuracy, test_accuracy,
                   test_loss, n_test, preprocessing, saved, csv_path):
    val_curve = history.get(f"val_{ACCURACY}", [])
    epochs_run = len(val_curve)
    best = int(np.argmax(val_curve)) if val_curve else None
    stopped = " (early stopping)" if early_stopper.stopped_epoch > 0 else ""
    lr = float(keras.ops.convert_to_numpy(teacher.optimizer.learning_rate))
    prep = ("ResNet50 caffe" if preprocessing.mode == "resnet" else
            f"{'minus mean image, ' if preprocessing.mean_image is not None else ''}divided by {preprocessing.norm:g}")
    lines = [
        f"--- teacher {topology} on {dataset} ---",
        f"epochs this run: {epochs_run} of at most {max_epochs}{stopped}; final learning rate {lr:.3g}",
        (f"best validation accuracy {val_curve[best]:.4f} (epoch {best + 1} of this run); final {val_accuracy:.4f}"
         if val_curve else f"validation accuracy {val_accuracy:.4f}"),
        f"test accuracy {test_accuracy:.4f} (loss {test_loss:.4f}) on {n_test} images",
        f"preprocessing: {prep}" + (f", images shrunk to {preprocessing.res}x{preprocessing.res}"
                                    if preprocessing.res else ""),
        f"saved: {saved}   (teachers.load_teacher('{saved}') -> teacher, preprocessing)",
        f"log: {csv_path}",
    ]
    print("\n".join(lines))
