"""Training RS-RNN and its controls on the canvas task (``scripts/rsrnn/train.py``).

A run folder holds ``model_weights.keras`` (saved after every epoch), ``training_log.csv`` (one
row per epoch, continued after a resumption), ``run_info.json`` (the configuration, the data's
pixel statistics, the machine) and, while training, ``backup/`` (drc.core's verified
BackupAndRestore; the history is read back from the log): a run
interrupted at any point continues from its last finished epoch when started again with the same
``--out``. A finished run is never replaced without ``--overwrite``.
"""
import dataclasses
import os
import shutil
from dataclasses import dataclass

from drc.core.validation import check_int
from rsrnn.data import DATASETS
from rsrnn.errors import RSRNNError
from rsrnn.names import MODEL_NAMES

CHECKPOINT = "model_weights.keras"
LOG = "training_log.csv"
INFO = "run_info.json"
BACKUP = "backup"


@dataclass
class TrainConfig:
    """What to train and how; the defaults are the CPU-scale canvas task."""

    out: str
    model: str = "rsrnn"
    dataset: str = "mnist_subset"
    data_path: str = None
    class_list: str = None
    canvas_size: int = 96
    n_train: int = None
    n_test: int = None
    steps: int = 4
    output_size: int = 32
    density_ratio: float = 15.0
    width: int = 16
    encoder_depth: int = 1
    attention_width: int = 16
    epochs: int = 5
    batch_size: int = 64
    learning_rate: float = 1e-3
    seed: int = 0
    strategy: str = "auto"
    overwrite: bool = False
    verbose: int = 2

    def __post_init__(self):
        if self.model not in MODEL_NAMES:
            raise RSRNNError(f"--model {self.model!r} is unknown; allowed: {', '.join(MODEL_NAMES)}")
        if self.dataset not in DATASETS:
            raise RSRNNError(f"--dataset {self.dataset!r} is unknown; allowed: {', '.join(DATASETS)}")
        for name in ("canvas_size", "steps", "output_size", "width", "encoder_depth", "attention_width", "epochs",
                     "batch_size"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise RSRNNError(f"--{name} {value!r} must be a positive integer")
        if self.output_size > self.canvas_size:
            raise RSRNNError(f"the image ({self.canvas_size} px) is smaller than the retina's output "
                             f"({self.output_size} px); use --output_size <= --canvas_size")
        if not self.learning_rate > 0:
            raise RSRNNError(f"--learning_rate {self.learning_rate!r} must be > 0")
        for name in ("n_train", "n_test"):  # None: all images
            check_int(getattr(self, name), f"--{name}", minimum=1, allow_none=True)
        check_int(self.seed, "--seed", minimum=0, maximum=2 ** 32 - 1)

    def model_kwargs(self, pixel_mean, pixel_std, n_classes=10):
        """Arguments of ``build_model`` for this configuration."""
        return dict(n_classes=n_classes, steps=self.steps, output_size=self.output_size,
                    density_ratio=self.density_ratio, width=self.width, encoder_depth=self.encoder_depth,
                    attention_width=self.attention_width, pixel_mean=pixel_mean, pixel_std=pixel_std,
                    seed=self.seed)


def prepare_out_dir(config):
    """The run folder: resumes an interrupted run (its backup exists), refuses a finished one
    unless ``overwrite``; returns True when resuming. Nothing is removed here: see
    :func:`clear_earlier_run`, called once the inputs have loaded."""
    from drc.core.runs import check_out_dir

    out = config.out
    if os.path.isdir(os.path.join(out, BACKUP)) and not config.overwrite:
        return True
    check_out_dir(out, (CHECKPOINT, LOG, INFO), overwrite=config.overwrite, error=RSRNNError, create=False)
    return False


def clear_earlier_run(config):
    """With ``overwrite``, removes an earlier run's files from the run folder."""
    if not config.overwrite:
        return
    for name in (CHECKPOINT, LOG, INFO):
        if os.path.exists(os.path.join(config.out, name)):
            os.remove(os.path.join(config.out, name))
    shutil.rmtree(os.path.join(config.out, BACKUP), ignore_errors=True)


def _every_epoch_checkpoint():
    import keras

    from drc.core.checkpoints import save_atomic

    class EveryEpochCheckpoint(keras.callbacks.Callback):
        """Saves the model to ``path`` after every epoch (as Keras' ModelCheckpoint did), through a
        temporary name and a rename, so a kill never leaves half a file. ``from_epoch``: the first
        epoch saved; a run started over from an older backup (the newer one unusable) keeps the
        earlier run's later model until it has trained as far."""

        def __init__(self, path, from_epoch=0):
            super().__init__()
            self.path, self.from_epoch = path, from_epoch

        def on_epoch_end(self, epoch, logs=None):
            if epoch >= self.from_epoch:
                save_atomic(self.model, self.path)

    return EveryEpochCheckpoint


def train(config):
    """Trains ``config.model`` on the canvas task; returns a dict with the run folder's paths,
    the per-epoch history and the test accuracy per step."""
    import keras
    import numpy as np

    from drc.core import checkpoints, distribute
    from drc.core.runs import history_from_log, machine_info, read_epoch_log, write_json_atomic
    from rsrnn.data import load_data
    from rsrnn.models import build_model

    EveryEpochCheckpoint = _every_epoch_checkpoint()
    resuming = prepare_out_dir(config)
    strategy = distribute.make_strategy(config.strategy)
    keras.utils.set_random_seed(config.seed)
    ((x_train, y_train), (x_test, y_test)), n_classes = load_data(
        config.dataset, config.canvas_size, config.data_path, config.seed, config.n_train, config.n_test,
        config.class_list)
    pixel_mean, pixel_std = float(x_train.mean()), float(x_train.std())
    clear_earlier_run(config)
    root = distribute.worker_root(config.out, strategy)
    os.makedirs(root, exist_ok=True)
    info = {"config": dataclasses.asdict(config), "pixel_mean": pixel_mean, "pixel_std": pixel_std,
            "n_train": len(y_train), "n_test": len(y_test), "machine": machine_info()}
    with strategy.scope():
        model = build_model(config.model, **config.model_kwargs(pixel_mean, pixel_std, n_classes))
        model.build((None,) + x_train.shape[1:])
        model.compile(optimizer=keras.optimizers.Adam(config.learning_rate))
    backup, log = os.path.join(root, BACKUP), os.path.join(root, LOG)
    # The model file was saved right after the last logged epoch (or the one before it).
    logged = read_epoch_log(log) if resuming and os.path.exists(os.path.join(root, CHECKPOINT)) else None
    saved_from = 0 if logged is None or logged.empty else int(logged["epoch"].max())
    callbacks = [checkpoints.EpochCSVLogger(log, append=resuming),
                 EveryEpochCheckpoint(os.path.join(root, CHECKPOINT), saved_from),
                 checkpoints.BackupAndRestore(backup, stage="rsrnn"), *checkpoints.kill_switch("rsrnn")]
    try:
        model.fit(x_train, y_train, batch_size=distribute.global_batch_size(config.batch_size, strategy),
                  epochs=config.epochs, validation_data=(x_test, y_test), callbacks=callbacks,
                  verbose=config.verbose)
    except BaseException:
        checkpoints.discard_untrained(backup, [log])
        raise
    from drc.core.attacks import accuracy_per_step

    per_step = accuracy_per_step(model, x_test, y_test, batch_size=256)
    info.update(test_accuracy_per_step=[float(a) for a in per_step], finished=True)
    if distribute.is_chief(strategy):
        write_json_atomic(os.path.join(config.out, INFO), info)
    return {"out": config.out, "checkpoint": os.path.join(config.out, CHECKPOINT), "history": history_from_log(log),
            "test_accuracy_per_step": np.asarray(per_step), "model": model}
