"""The callback sets of every fit in the repository (Keras; imported by training code only).

:func:`plateau_callbacks` is the originals' recipe: ReduceLROnPlateau (factor sqrt(0.1),
cooldown 0, min_lr 0.5e-6), EarlyStopping, BackupAndRestore (an interrupted fit resumes at its
last finished epoch) and a CSV log continued across resumptions. :class:`TF2EarlyStopping` gives
``restore_best_weights`` the meaning it had in tf.keras 2.
"""
import math

import keras

LR_FACTOR = math.sqrt(0.1)
MIN_LR = 0.5e-6


class TF2EarlyStopping(keras.callbacks.EarlyStopping):
    """EarlyStopping with tf.keras 2's ``restore_best_weights``: the best epoch's weights come
    back only when early stopping ended the training; a run that reaches its last epoch keeps
    that epoch's weights (Keras 3 restores the best ones at the end of every run)."""

    def on_train_end(self, logs=None):
        if not self.stopped_epoch:
            self.best_weights = None
        super().on_train_end(logs)


def plateau_callbacks(backup_dir, csv_path, *, learning_patience, stopping_patience, min_delta,
                      lr_monitor="val_loss", stop_monitor="val_loss", restore_best_weights=False, append_log=True):
    """``[ReduceLROnPlateau, EarlyStopping, EpochCSVLogger, BackupAndRestore]`` (the last two from
    :mod:`drc.core.checkpoints`: atomic, verified backups keeping the first two's state).

    learning_patience / stopping_patience: epochs without improvement of ``lr_monitor`` /
    ``stop_monitor`` (by more than ``min_delta`` for stopping) before the learning rate drops
    by sqrt(0.1) / training stops. restore_best_weights: :class:`TF2EarlyStopping`'s meaning.
    backup_dir: BackupAndRestore's folder. csv_path: the per-epoch log, appended to when
    ``append_log`` (a resumed fit continues it).
    """
    from drc.core import checkpoints

    reducer = keras.callbacks.ReduceLROnPlateau(monitor=lr_monitor, factor=LR_FACTOR, cooldown=0,
                                                patience=learning_patience, min_lr=MIN_LR)
    stopper = TF2EarlyStopping(monitor=stop_monitor, min_delta=min_delta, patience=stopping_patience, verbose=0,
                               restore_best_weights=restore_best_weights)
    # The log before the backup: a kill between the two repeats (and de-duplicates) an epoch, never loses one.
    return [reducer, stopper, checkpoints.EpochCSVLogger(csv_path, append=append_log),
            checkpoints.BackupAndRestore(backup_dir, tracked=[reducer, stopper])]
