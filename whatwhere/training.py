"""Training of every model of the family with the originals' schedules, resumable.

Schedules (``SCHEDULES``): What (robust What of WhereIsMyMNIST): Adam 0.005, shift sd 0..15 with
5 epochs each, contrast U[0.3, 0.7]; Where: Adam 0.005, 60 epochs, BCE on logits; STN 28x28: SGD
0.01, shift sd +1 every 20 epochs; STN_128x128: SGD 0.01 / 10 every 30 epochs; ATN: SGD 0.01
halved every 10 epochs; POLO-ATN: SGD 0.005 halved every 10 epochs; the three 128-pixel
transformers: eccentricity sd 4.4 .. 40 (10 epochs each, offset_max 40, contrast 0.7) then
contrast U[0.5, 0.7] and U[0.3, 0.7] (10 epochs each): 110 epochs.

Each run writes ``<out>/<model>.keras``, ``training.log`` (CSV, one row per epoch, continued on
resume; the returned History is read back from it) and keeps a ``backup/`` folder (drc.core's
verified BackupAndRestore) until it finishes.
"""
import dataclasses
import os
import shutil

import numpy as np

from drc.core.datasets import load_dataset
from drc.core import checkpoints
from drc.core.runs import check_out_dir, history_from_log, write_json_atomic
from drc.core.validation import check_int, check_number
from whatwhere.canvas import CanvasConfig, what_canvases, WhatCanvasConfig
from whatwhere.errors import check_count, WhatWhereError
from whatwhere.names import MODELS

ECCENTRICITIES = tuple(float(e) for e in np.linspace(40, 0, 9, endpoint=False)[::-1])
TRANSFORMER_STAGES = tuple((10, {"offset_std": e, "offset_max": 40., "contrast": 0.7, "flexible": True})
                           for e in ECCENTRICITIES) + tuple(
    (10, {"offset_std": 40., "offset_max": 40., "contrast": c, "flexible": True}) for c in (0.5, 0.3))
SCHEDULES = {
    "what": {"optimizer": "adam", "lr": 0.005, "step": None, "gamma": 1.,
             "stages": tuple((5, {"what_offset_std": float(s)}) for s in range(16))},
    "where": {"optimizer": "adam", "lr": 0.005, "step": None, "gamma": 1., "stages": ((60, {}),)},
    "stn_28x28": {"optimizer": "sgd", "lr": 0.01, "step": None, "gamma": 1.,
                  "stages": tuple((20, {"what_offset_std": float(s)}) for s in range(16))},
    "stn": {"optimizer": "sgd", "lr": 0.01, "step": 30, "gamma": 0.1, "stages": TRANSFORMER_STAGES},
    "atn": {"optimizer": "sgd", "lr": 0.01, "step": 10, "gamma": 0.5, "stages": TRANSFORMER_STAGES},
    "polo_atn": {"optimizer": "sgd", "lr": 0.005, "step": 10, "gamma": 0.5, "stages": TRANSFORMER_STAGES},
}
KIND = {"what": "what", "stn_28x28": "what", "where": "where", "stn": "canvas", "atn": "canvas", "polo_atn": "polo"}
DATASETS = ("mnist_subset", "mnist", "fashion_mnist", "fashion_mnist_subset")


@dataclasses.dataclass
class TrainConfig:
    """One training run.

    model: one of MODELS.  out: run folder.  dataset: a drc.core dataset name.  n_train, n_val:
    first images of the training / test split to use (None: all).  epochs_per_stage: overrides every
    stage's epochs (None: the original's).  stage_step, max_stages: keep every stage_step-th stage,
    then the first max_stages of those (CPU scale).
    lr, optimizer: override the schedule's rate and optimizer (``adam`` or ``sgd``).  what_model:
    the trained What (.keras) a Where run needs; its ``MNIST_accuracy.npy`` is read from the same
    folder.  N_pic and the bank counts: the 128 px set-up.  cache: filter-bank cache folder.
    strategy: drc.core.distribute name.
    """
    model: str
    out: str
    dataset: str = "mnist_subset"
    n_train: int = None
    n_val: int = None
    batch_size: int = 100
    epochs_per_stage: int = None
    max_stages: int = None
    stage_step: int = 1
    lr: float = None
    optimizer: str = None
    what_model: str = None
    n_accuracy: int = 10
    N_pic: int = 128
    N_theta: int = 6
    N_azimuth: int = 24
    N_eccentricity: int = 10
    N_phase: int = 2
    rho: float = 1.41
    cache: str = None
    strategy: str = "auto"
    overwrite: bool = False
    seed: int = 2019

    def __post_init__(self):
        if self.model not in MODELS:
            raise WhatWhereError(f"model={self.model!r} is unknown; allowed: {', '.join(MODELS)}")
        if self.dataset not in DATASETS:
            raise WhatWhereError(f"dataset={self.dataset!r} is unknown; allowed: {', '.join(DATASETS)}")
        for name in ("N_theta", "N_azimuth", "N_eccentricity", "N_phase", "batch_size"):
            check_count(name, getattr(self, name))
        check_count("stage_step", self.stage_step)
        for name in ("n_train", "n_val", "epochs_per_stage", "max_stages"):
            if getattr(self, name) is not None:
                check_count(name, getattr(self, name))
        if self.optimizer not in (None, "adam", "sgd"):
            raise WhatWhereError(f"optimizer={self.optimizer!r} is unknown; allowed: adam, sgd")
        if self.model == "where" and not self.what_model:
            raise WhatWhereError("model='where' needs what_model (a trained What .keras file)")
        if self.what_model and not os.path.isfile(self.what_model):
            raise WhatWhereError(f"what_model={self.what_model!r}: no such file")
        check_count("N_pic", self.N_pic)
        check_count("n_accuracy", self.n_accuracy)
        for name in ("lr", "rho"):
            check_number(getattr(self, name), name, above=0, allow_none=True)
        check_int(self.seed, "seed", minimum=0, maximum=2 ** 32 - 1)

    def stages(self):
        stages = SCHEDULES[self.model]["stages"][::self.stage_step][:self.max_stages]
        return [(self.epochs_per_stage or n, changes) for n, changes in stages]


def accuracy_map(what_model, images, labels, config=WhatCanvasConfig(contrast=None), half=27, batch_size=1000):
    """The What net's accuracy at every integer shift in [-half, half]^2 (floored at 0.1, as the
    original): shape (2 half + 1, 2 half + 1), rows = i_offset."""
    from whatwhere.canvas import MotionCloudTextures
    textures = MotionCloudTextures(config.w, config.sf_0, config.B_sf)
    n = len(images)
    out = np.zeros((2 * half + 1, 2 * half + 1))
    shifts = [(i, j) for i in range(-half, half + 1) for j in range(-half, half + 1)]
    for start in range(0, len(shifts), max(1, batch_size // n)):
        block = shifts[start:start + max(1, batch_size // n)]
        offsets = np.repeat(np.asarray(block), n, axis=0)
        x, _, _ = what_canvases(np.tile(images, (len(block), 1, 1, 1)), np.tile(np.arange(n), len(block)),
                                config, textures, offsets=offsets)
        pred = what_model.predict(x, batch_size=batch_size, verbose=0).argmax(axis=1).reshape(len(block), n)
        for (i, j), p in zip(block, pred):
            out[i + half, j + half] = (p == labels).mean()
    return np.maximum(out, 0.1)


def _lr_schedule(schedule, lr):
    base, step, gamma = lr or schedule["lr"], schedule["step"], schedule["gamma"]
    return lambda epoch, _: float(base * gamma ** (epoch // step)) if step else float(base)


def _optimizer(schedule, lr, name=None):
    import keras
    rate = lr or schedule["lr"]
    return keras.optimizers.Adam(rate) if (name or schedule["optimizer"]) == "adam" else keras.optimizers.SGD(rate)


def build_datasets(config, x_train, y_train, x_val, y_val):
    """The training and validation CanvasDatasets of a run (and the Retina / POLO operator they use)."""
    from whatwhere.data import CanvasDataset
    kind = KIND[config.model]
    extra = {}
    if kind == "what":
        base = WhatCanvasConfig(contrast=None if config.model == "what" else 0.7)
    else:
        base = CanvasConfig(N_pic=config.N_pic)
    if kind == "where":
        from whatwhere.models import load_model
        from whatwhere.retina import Retina, RetinaConfig
        retina = Retina(RetinaConfig(config.N_pic, config.N_theta, config.N_azimuth, config.N_eccentricity,
                                     config.N_phase, config.rho), cache=config.cache)
        map_path = os.path.join(os.path.dirname(os.path.abspath(config.what_model)), "MNIST_accuracy.npy")
        if not os.path.exists(map_path):
            what = load_model(config.what_model)
            np.save(map_path, accuracy_map(what, x_val[:config.n_accuracy], y_val[:config.n_accuracy]))
        extra = {"retina": retina, "accuracy_map": np.load(map_path)}
    if kind == "polo":
        from whatwhere.polo import polo_operator, PoloConfig
        extra = {"polo_operator": polo_operator(PoloConfig(N_pic=config.N_pic))}
    train = CanvasDataset(x_train, y_train, base, kind, config.batch_size, shuffle=True, seed=config.seed, **extra)
    val = CanvasDataset(x_val, y_val, base, kind, config.batch_size, shuffle=False,
                        **{**extra, "seed": config.seed})
    return base, train, val


def _resumed_order(dataset):
    """A callback that, when ``fit`` resumes at epoch e > 0, advances ``dataset``'s shuffling
    generator by the e permutations an uninterrupted run drew before epoch e (one at the end of
    each epoch), so a resumed epoch sees the uninterrupted run's order and values."""
    import keras

    class ResumedOrder(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            self.first = True

        def on_epoch_begin(self, epoch, logs=None):
            if self.first:
                for _ in range(epoch):
                    dataset.on_epoch_end()
                self.first = False

    return ResumedOrder()


def train(config):
    """Trains ``config.model``; returns the Keras History (resumes an interrupted run in ``config.out``)."""
    import keras
    from drc.core.distribute import make_strategy
    from whatwhere.data import Curriculum
    from whatwhere.models import build_model
    out = config.out
    final = os.path.join(out, f"{config.model}.keras")
    backup = os.path.join(out, "backup")
    info_path = os.path.join(out, "run_info.json")
    if not os.path.isdir(backup) or config.overwrite:
        check_out_dir(out, [f"{config.model}.keras", "training.log"], config.overwrite, error=WhatWhereError,
                      create=False)  # made, and an earlier run's backup cleared, once the data have loaded
    elif os.path.exists(info_path):
        import json
        with open(info_path) as f:
            earlier = json.load(f)["config"]
        mine = json.loads(json.dumps(dataclasses.asdict(config)))
        if {k: v for k, v in earlier.items() if k != "strategy"} != {k: v for k, v in mine.items() if k != "strategy"}:
            raise WhatWhereError(f"{out} holds an interrupted run of another configuration; rerun it with the "
                                 "same flags, or pass --overwrite")
    (x_train, y_train), (x_val, y_val) = load_dataset(config.dataset)
    x_train, y_train = x_train[:config.n_train], y_train[:config.n_train]
    x_val, y_val = x_val[:config.n_val], y_val[:config.n_val]
    keras.utils.set_random_seed(config.seed)
    base, train_set, val_set = build_datasets(config, x_train, y_train, x_val, y_val)
    if config.overwrite and os.path.isdir(backup):
        shutil.rmtree(backup)
    os.makedirs(out, exist_ok=True)
    schedule = SCHEDULES[config.model]
    strategy = make_strategy(config.strategy)
    with strategy.scope():
        if config.model == "where":
            model = build_model("where", n_features=train_set.retina.config.n_features,
                                N_azimuth=config.N_azimuth, N_eccentricity=config.N_eccentricity)
            loss, metrics = keras.losses.BinaryCrossentropy(from_logits=True), []
        else:
            kwargs = {"N_pic": config.N_pic} if config.model in ("stn", "atn", "polo_atn") else {}
            model = build_model(config.model, **kwargs)
            loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
            metrics = ["accuracy"]
        model.compile(optimizer=_optimizer(schedule, config.lr, config.optimizer), loss=loss, metrics=metrics)
    stages = config.stages()
    epochs = sum(n for n, _ in stages)
    write_json_atomic(info_path,
                      {"config": dataclasses.asdict(config), "epochs": epochs, "schedule": {
                          k: v for k, v in schedule.items() if k != "stages"}, "stages": stages})
    log = os.path.join(out, "training.log")
    callbacks = [_resumed_order(train_set), Curriculum([train_set, val_set], base, stages),
                 keras.callbacks.LearningRateScheduler(_lr_schedule(schedule, config.lr)),
                 checkpoints.EpochCSVLogger(log),
                 checkpoints.BackupAndRestore(backup, stage=config.model, delete_checkpoint=False),
                 *checkpoints.kill_switch(config.model)]
    try:
        # shuffle=False: the dataset shuffles its samples itself (from its own generator, which
        # _resumed_order advances on a resume); Keras would reorder the batches from Python's random.
        history = model.fit(train_set, validation_data=val_set, epochs=epochs, callbacks=callbacks, verbose=2,
                            shuffle=False)
    except BaseException:
        if checkpoints.discard_untrained(backup, [log]) and os.path.exists(info_path):
            os.remove(info_path)  # nothing trained: no litter
        raise
    history.history = history_from_log(log)  # every epoch, resumed or not
    checkpoints.save_atomic(model, final)
    shutil.rmtree(backup, ignore_errors=True)  # only once the model is saved (a full disk keeps the backup)
    stale = os.path.join(out, "MNIST_accuracy.npy")  # the accuracy map of an earlier What
    if config.model == "what" and os.path.exists(stale):
        os.remove(stale)
    return history
