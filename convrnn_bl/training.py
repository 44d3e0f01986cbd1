"""What SATBench's convrnn train.py and test.py do, as library functions.

:func:`train_bl`: a BL (pretrained ``bl_imagenet.h5`` loaded by name, only the readout trained;
or from scratch) on a 16-class image folder under one perturbation condition, under
``--strategy`` (MirroredStrategy on GPUs by default), checkpointing to
``M/model/ckpt/pretrained_mp_noise_{tag}_new.hdf5`` in the Keras 2 layout. :func:`predict_bl`:
per-time-step predictions on the human-experiment test images, written to
``M/model/results/predictions_{tag}.csv``.
"""
import os
import time

import keras
import numpy as np
import pandas as pd

from convrnn_bl import layout
from convrnn_bl.data import test_dataset, training_datasets
from convrnn_bl.errors import WeightFileError
from convrnn_bl.models import bl_net, freeze_all_but_readout
from convrnn_bl.weights import load_keras2_weights, save_keras2_weights
from drc.core import checkpoints, distribute, epoch_data
from drc.core.runs import check_log_continuable, history_from_log, write_csv_atomic, write_npz_atomic
from drc.core.validation import check_choice, check_int, check_number, check_out_folder


class Keras2Checkpoint(keras.callbacks.Callback):
    """Saves the model's weights in the Keras 2 HDF5 layout whenever ``monitor`` improves.

    Keras 3's ModelCheckpoint only writes ``.keras`` / ``.weights.h5`` names; SATBench's
    checkpoint is ``*.hdf5``, read back by name, so this writes that name in that layout.

    Args:
        filepath: the file to write (overwritten at each save).
        monitor: the log key to watch (``loss`` in SATBench).
        save_best_only: only save when ``monitor`` improved.
        mode: ``min``, ``max`` or ``auto`` (``max`` for accuracy-like keys, else ``min``).
        verbose: print a line when saving.
    """

    def __init__(self, filepath, monitor="loss", save_best_only=True, mode="auto", verbose=1):
        super().__init__()
        if mode not in ("auto", "min", "max"):
            raise ValueError(f"mode must be auto, min or max, got {mode!r}")
        if mode == "auto":
            mode = "max" if ("acc" in monitor or monitor.startswith("fmeasure")) else "min"
        self.filepath, self.monitor, self.save_best_only = filepath, monitor, save_best_only
        self.mode, self.verbose = mode, verbose
        self.best = np.inf if mode == "min" else -np.inf
        self.saved = []

    def _improved(self, value):
        return value < self.best if self.mode == "min" else value > self.best

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        path = self.filepath
        value = logs.get(self.monitor)
        if self.save_best_only:
            if value is None:
                print(f"Keras2Checkpoint: {self.monitor!r} is not in the logs; nothing saved")
                return
            if not self._improved(float(value)):
                if self.verbose:
                    print(f"\nEpoch {epoch + 1}: {self.monitor} did not improve from {self.best:.5f}")
                return
            if self.verbose:
                print(f"\nEpoch {epoch + 1}: {self.monitor} improved from {self.best:.5f} to "
                      f"{float(value):.5f}, saving model to {path}")
            self.best = float(value)
        checkpoints.save_atomic(self.model, path, save_keras2_weights)  # never half a checkpoint
        self.saved.append(path)


def _readout_metrics(n_outputs):
    return [["accuracy"] for _ in range(n_outputs)]


def build_bl_for_training(strategy, image_size, classes, n_timesteps=8, width_multiplier=1.0, weights_path=None,
                          learning_rate=0.005, freeze_backbone=None):
    """A compiled BL (one readout per time step) built in ``strategy``'s scope; returns
    (model, weight report or None).

    With ``weights_path`` the Keras 2 file is loaded by name (the mismatching readout skipped).
    ``freeze_backbone`` (default: when weights are loaded) trains ReadoutDense only, the rest
    (batch normalisation included) frozen in inference mode, as SATBench's fine-tuning does.
    """
    freeze_backbone = weights_path is not None if freeze_backbone is None else freeze_backbone
    report = None
    with strategy.scope():
        model = bl_net(keras.Input((image_size, image_size, 3)), classes=classes, n_timesteps=n_timesteps,
                       cumulative_readout=False, width_multiplier=width_multiplier)
        if weights_path is not None:
            report = load_keras2_weights(model, weights_path, by_name=True, skip_mismatch=True)
        if freeze_backbone:
            freeze_all_but_readout(model)
        model.compile(optimizer=keras.optimizers.Adam(learning_rate=learning_rate),
                      loss=["categorical_crossentropy"] * n_timesteps, metrics=_readout_metrics(n_timesteps))
    return model, report


def train_bl(data_dir, model_dir, tag, batch_size=128, epochs=100, pretrained=True, weights=None,
             image_size=224, width_multiplier=1.0, n_timesteps=8, learning_rate=0.005, seed=None,
             verbose=1, strategy="auto"):
    """Trains a BL as SATBench's train.py does; returns a dict of what it wrote and the history.

    Args:
        data_dir: holds ``train_16classes/`` and ``val_16classes/`` (or ``train/`` and ``val/``),
            one sub-folder per class; the number of classes is inferred from them.
        model_dir: ``bl_imagenet.h5`` is read from here (unless ``weights``); outputs go to
            ``model_dir/model/``.
        tag: color, grayscale, blur-color or noise-contrast-gray (the perturbation condition).
        batch_size: images per replica (the original's batch on one device); the global batch
            is ``batch_size`` times the replicas of ``strategy``.
        epochs: as the original; an interrupted run resumes from its last finished epoch
            (``drc.core.checkpoints.BackupAndRestore`` under ``model_dir/model/backup/{tag}``,
            keeping the checkpoint's best loss, so a resumed run replaces the checkpoint only
            with a better one); every epoch is logged to ``model_dir/model/history_{tag}.csv``
            (the returned history is read from it), which a later run of the tag refuses to
            restart.
        pretrained: load the pretrained BL by name (mismatching layers, i.e. the 1000-class
            readout, are skipped) and train only ReadoutDense; False: train every layer from
            random initialisation.
        weights: path of the pretrained file instead of ``model_dir/bl_imagenet.h5``.
        image_size: model input size (224 in the original; images are loaded at 256/224 of it).
        width_multiplier: BL filter multiplier (1.0: the published BL).
        n_timesteps, learning_rate, seed: BL time steps, Adam learning rate, data seed (epoch e's
            shuffle and random augmentation depend on (seed, e) alone, so a resumed run sees
            the uninterrupted run's data; under a multi-worker strategy it defaults to 0).
        strategy: ``drc.core.distribute`` strategy name (auto, mirrored, multiworker, default); only
            the chief writes into ``model_dir``, other workers into their scratch folders.

    Returns:
        {"checkpoint", "model_path", "history", "class_names", "weight_report"}.
    """
    check_choice(tag, "tag", layout.TAGS)
    for name, value in (("batch_size", batch_size), ("epochs", epochs), ("image_size", image_size),
                        ("n_timesteps", n_timesteps)):
        check_int(value, name, minimum=1)
    check_number(width_multiplier, "width_multiplier", minimum=1e-6)
    check_number(learning_rate, "learning_rate", minimum=1e-12)
    check_out_folder(model_dir, "model_dir")
    strategy = distribute.make_strategy(strategy)  # before any other TensorFlow op (multi-worker)
    train_dir, val_dir = layout.training_dirs(data_dir)
    weights_path = layout.pretrained_weights(model_dir, weights) if pretrained else None
    out_dir = distribute.worker_root(model_dir, strategy)
    checkpoint = layout.checkpoint_path(out_dir, tag)

    global_batch = distribute.global_batch_size(batch_size, strategy)
    if seed is None and distribute.in_cluster(strategy):
        seed = 0  # every worker must shuffle alike
    clock = epoch_data.EpochClock()  # epoch e's order and augmentation come from (seed, e), also after a resume
    train_ds, val_ds, class_weights, class_names = training_datasets(
        train_dir, val_dir, tag, global_batch, image_size, n_timesteps, seed, clock)
    train_ds, val_ds = distribute.shard_by_data(train_ds), distribute.shard_by_data(val_ds)
    if verbose:
        print(f"{len(class_names)} classes: {', '.join(class_names)}")
        print("class weights", {i: round(w, 8) for i, w in class_weights.items()})
        print(f"strategy: {distribute.describe(strategy)}; global batch {global_batch} "
              f"({batch_size} per replica)")
    model, report = build_bl_for_training(strategy, image_size, len(class_names), n_timesteps, width_multiplier,
                                          weights_path, learning_rate)
    if verbose and report is not None:
        print(report)
    saver = Keras2Checkpoint(checkpoint, monitor="loss", save_best_only=True, mode="auto",
                             verbose=verbose)
    backup_dir = os.path.join(out_dir, "model", "backup", tag)
    log = os.path.join(out_dir, "model", f"history_{tag}.csv")
    check_log_continuable(log, backup_dir)
    os.makedirs(os.path.dirname(checkpoint), exist_ok=True)  # only now: every check above writes nothing
    backup = checkpoints.BackupAndRestore(backup_dir, tracked=[saver], stage="bl")
    callbacks = [clock, saver, checkpoints.EpochCSVLogger(log), backup, *checkpoints.kill_switch("bl")]
    try:
        model.fit(train_ds, validation_data=val_ds, epochs=epochs, callbacks=callbacks, verbose=verbose)
    except BaseException:
        checkpoints.discard_untrained(backup_dir, [log])
        raise
    model_path = os.path.join(out_dir, "model", f"{tag}_{time.strftime('%Y.%m.%d_%H.%M.%S')}.keras")
    model.save(model_path)
    if verbose:
        print(f"saved {model_path}")
    return {"checkpoint": checkpoint, "model_path": model_path, "history": history_from_log(log),
            "class_names": class_names, "weight_report": report}


def predict_bl(test_data_dir, model_dir, tag, batch_size=128, weights=None, image_size=224,
               width_multiplier=1.0, n_timesteps=8, save_scores=False, overwrite=False, verbose=1):
    """Predicts the test images of a condition as SATBench's test.py; writes the CSV.

    The CSV ``model_dir/model/results/predictions_{tag}.csv`` has columns file_paths,
    file_names, labels, predictions_exit0..{T-1} (argmax per time step), with pandas' index as
    the first column, as the original. With ``save_scores`` the softmax outputs (T, N, C), the
    labels, file paths and the model's FLOPs per exit also go to ``scores_{tag}.npz``. Earlier
    results of the tag are refused unless ``overwrite``; files are written atomically.

    Returns:
        {"csv", "frame", "scores" (path or None), "weight_report"}.
    """
    if tag not in layout.TAGS:
        raise ValueError(f"unknown tag {tag!r}; allowed: {', '.join(layout.TAGS)}")
    folder = layout.test_dir(test_data_dir, tag)
    weights_path = layout.test_weights(model_dir, tag, weights)
    layout.check_new_predictions(model_dir, tag, save_scores, overwrite)
    images, file_paths, labels, class_names = test_dataset(folder, tag, batch_size, image_size)

    model = bl_net(keras.Input((image_size, image_size, 3)), classes=len(class_names),
                   n_timesteps=n_timesteps, cumulative_readout=False,
                   width_multiplier=width_multiplier)
    report = load_keras2_weights(model, weights_path, by_name=True, skip_mismatch=True)
    if verbose:
        print(report)
    if not report.complete:
        first = next(iter(report.skipped.items()), None) or (report.missing[0], "not in the file")
        raise WeightFileError(
            f"{weights_path} does not fit a {len(class_names)}-class BL (width multiplier "
            f"{width_multiplier}): {len(report.skipped) + len(report.missing)} layers would keep "
            f"random weights, e.g. {first[0]}: {first[1]}")

    scores = model.predict(images, verbose=verbose)
    frame = pd.DataFrame({"file_paths": file_paths,
                          "file_names": [os.path.basename(p) for p in file_paths],
                          "labels": labels})
    for t, score in enumerate(scores):
        frame[f"predictions_exit{t}"] = np.argmax(score, axis=1)
    csv_path = layout.predictions_path(model_dir, tag)
    os.makedirs(os.path.dirname(csv_path), exist_ok=True)
    write_csv_atomic(csv_path, frame, index=True)
    npz_path = None
    if save_scores:
        from convrnn_bl.speed_accuracy import flops_per_exit

        npz_path = layout.scores_path(model_dir, tag)
        write_npz_atomic(npz_path, probabilities=np.stack(scores).astype(np.float32),
                            labels=labels, file_paths=np.array(file_paths),
                            class_names=np.array(class_names), flops=flops_per_exit(model))
    if verbose:
        print(f"wrote {csv_path}" + (f" and {npz_path}" if npz_path else ""))
    return {"csv": csv_path, "frame": frame, "scores": npz_path, "weight_report": report}
