"""One function per training stage (``run_<stage>(config)``) and :func:`run_stage`.

Each stage builds its model under the ``--strategy`` scope, starts from the previous stage's
checkpoint (the original's file name in ``results_{depth}_{dataset}/``, or ``init``), trains
with ``fit`` and writes ``<prefix>_0.pth`` before training and ``<prefix>_<epoch>.pth`` after
every epoch in the original's layout (with its ``module.`` prefix). An interrupted stage
resumes from its ``.backup_<prefix>`` folder (BackupAndRestore) and continues its CSV log; a
finished stage's files are not replaced without ``overwrite``.
"""
import os
import shutil

import numpy as np

import keras

from drc.core import checkpoints
from drc.core.runs import history_from_log
from cordsnet.checkpoints import assign_state_dict, save_torch_checkpoint, strip_data_parallel
from cordsnet.errors import CheckpointError, CordsNetConfigError
from cordsnet.model import CordsNet
from cordsnet.pth import read_pth
from cordsnet.training.cnn import EquivalentCNN, fold_batchnorm
from cordsnet.training.config import PREFIX, default_init
from cordsnet.training.data import IN_CHANNELS, N_CLASSES, make_dataset
from cordsnet.training.inverse import InverseModel
from cordsnet.training.losses import LastStepAccuracy, RampedCrossEntropy


class PhaseWarmup(keras.optimizers.schedules.LearningRateSchedule):
    """Stage 1's learning rate: ``lr / 10**phase`` over ``phases`` phases of ``phase_steps``,
    each starting with a linear warm-up from a third of it over ``warmup`` batches."""

    def __init__(self, lr, phase_steps, phases=3, warmup=100):
        self.lr, self.phase_steps, self.phases, self.warmup = float(lr), int(phase_steps), int(phases), int(warmup)

    def __call__(self, step):
        step = keras.ops.cast(step, "float32")
        phase = keras.ops.minimum(keras.ops.floor(step / self.phase_steps), self.phases - 1)
        within = step - phase * self.phase_steps
        factor = 1.0 / 3.0 + (2.0 / 3.0) * keras.ops.minimum(within, self.warmup) / max(self.warmup, 1)
        return self.lr * keras.ops.power(0.1, phase) * factor

    def get_config(self):
        return {"lr": self.lr, "phase_steps": self.phase_steps, "phases": self.phases, "warmup": self.warmup}


class PthCheckpoint(keras.callbacks.Callback):
    """Writes ``name(epoch)`` (a .pth in the original's layout) after every epoch (chief only)."""

    def __init__(self, target, name, chief=True):
        super().__init__()
        self.target, self.name, self.chief = target, name, chief

    def on_epoch_end(self, epoch, logs=None):
        if self.chief:
            save_torch_checkpoint(self.target, self.name(epoch), data_parallel=True)


class AnnealSlope(keras.callbacks.Callback):
    """Stage 4: the fixed PReLU slope max(0, 0.95 - step * epoch) (the original's step: 0.05),
    and a fresh optimiser state at every epoch (the original builds a new AdamW each epoch)."""

    def __init__(self, net, step=0.05):
        super().__init__()
        self.net, self.step = net, float(step)

    def on_epoch_begin(self, epoch, logs=None):
        self.net.set_negative_slope(max(0.0, 0.95 - self.step * epoch))
        for var in self.model.optimizer.variables:
            if "learning_rate" not in var.path:
                var.assign(np.zeros(var.shape, var.dtype))


def _strategy(config):
    from drc.core.distribute import make_strategy

    keras.utils.set_random_seed(config.seed)
    return make_strategy(config.strategy)


def _shape(config):
    return (None, config.image_size, config.image_size, IN_CHANNELS[config.dataset])


def _init_state(config):
    path = config.init or config.path(default_init(config))
    if not os.path.isfile(path):
        raise CheckpointError(f"stage {config.stage} starts from {path}, which does not exist (run the previous "
                              f"stage, or pass --init)")
    return strip_data_parallel(read_pth(path)), path


def _data(config, strategy):
    """The training batches and the EpochClock (a callback for ``fit``) their epochs follow."""
    from drc.core.distribute import global_batch_size
    from drc.core.epoch_data import EpochClock

    clock = EpochClock()
    return make_dataset(config, global_batch_size(config.batch_size, strategy), "train", mix=config.mix,
                        limit=config.train_size, clock=clock), clock


def _fit(config, strategy, model, target, train, epochs, name, extra=()):
    """fit with drc.core's BackupAndRestore, a CSV log continued across restarts (one row per
    epoch) and per-epoch .pth files; the history is read back from the log."""
    from drc.core.distribute import is_chief, worker_root

    prefix = PREFIX[config.stage]
    root = worker_root(config.folder, strategy)
    os.makedirs(root, exist_ok=True)
    backup, log = os.path.join(root, f".backup_{prefix}"), os.path.join(root, f"{prefix}_log.csv")
    final = name(epochs - 1)
    resuming = os.path.isdir(backup)
    if os.path.exists(final) and not resuming and not config.overwrite:
        raise CordsNetConfigError(f"{final} exists (a finished {config.stage} stage); pass --overwrite or choose "
                                  f"another --results_dir")
    chief = is_chief(strategy)
    if not resuming:
        if os.path.exists(log):
            os.remove(log)
        if chief:
            save_torch_checkpoint(target, config.path(f"{prefix}_0.pth"), data_parallel=True)
    callbacks = [*extra, PthCheckpoint(target, name, chief), checkpoints.EpochCSVLogger(log),
                 checkpoints.BackupAndRestore(backup, stage=config.stage), *checkpoints.kill_switch(config.stage)]
    try:
        model.fit(train, epochs=epochs, steps_per_epoch=config.steps_per_epoch, callbacks=callbacks,
                  verbose=config.verbose)
    except BaseException:
        checkpoints.discard_untrained(backup, [log])
        raise
    return {"history": history_from_log(log), "checkpoint": final}  # every epoch, resumed or not


def _adamw(config):
    return keras.optimizers.AdamW(config.lr, weight_decay=config.weight_decay, epsilon=1e-8,
                                  global_clipnorm=config.clip)


def make_cordsnet(config, stage=None, **overrides):
    """The CordsNet of a stage: linear without a blank period (3), annealed with the post-image
    penalty (4), ReLU with it (5)."""
    stage = stage or config.stage
    kwargs = dict(depth=config.depth, n_classes=N_CLASSES[config.dataset], channels=config.channels,
                  alpha=config.alpha, blank_steps=config.blank_steps, image_steps=config.image_steps,
                  readout_steps=config.readout_steps)
    if stage == "linear":
        kwargs.update(blank_steps=0, negative_slope=1.0)
    else:
        kwargs.update(after_steps=config.after_steps, penalty_steps=config.penalty_steps,
                      spontaneous_weight=config.spontaneous_weight,
                      negative_slope=1.0 if stage == "parametric" else 0.0)
    kwargs.update(overrides)
    model = CordsNet(**kwargs)
    model.build(_shape(config))
    return model


# ----------------------------------------------------------------------------- the stages
def run_compatibility(config):
    """Stage 1: the equivalent CNN, SGD in three phases (1_compatibility_{phase}_{epoch}.pth)."""
    strategy = _strategy(config)
    train, clock = _data(config, strategy)
    steps = config.steps_per_epoch or int(train.cardinality())
    with strategy.scope():
        model = EquivalentCNN(config.depth, N_CLASSES[config.dataset], config.channels)
        model.build(_shape(config))
        resnet = config.init or config.path("0_resnet18.pth")
        if config.depth == 8 and os.path.isfile(resnet):
            state = strip_data_parallel(read_pth(resnet))
            drop = (["out_fc"] if config.dataset != "imagenet" else []) + (
                ["inp_conv"] if IN_CHANNELS[config.dataset] == 1 else [])
            state = {k: v for k, v in state.items() if not any(k.startswith(d) for d in drop)}
            assign_state_dict(model, state, strict=False, source=resnet, partial=True)
        schedule = PhaseWarmup(config.lr, config.epochs * steps, config.phases, config.warmup_batches)
        model.compile(keras.optimizers.SGD(schedule, momentum=config.momentum, weight_decay=config.weight_decay),
                      keras.losses.CategoricalCrossentropy(from_logits=True), metrics=[LastStepAccuracy()])

    def name(epoch):
        return config.path(f"1_compatibility_{epoch // config.epochs + 1}_{epoch % config.epochs + 1}.pth")

    return _fit(config, strategy, model, model, train, config.phases * config.epochs, name, extra=[clock])


def run_folding(config):
    """Stage 1b: folds the CNN's batch norms (1_compatibility_fused.pth); returns both test
    accuracies (equal up to rounding)."""
    out = config.path("1_compatibility_fused.pth")
    if os.path.exists(out) and not config.overwrite:
        raise CordsNetConfigError(f"{out} exists; pass --overwrite or choose another --results_dir")
    state, source = _init_state(config)
    cnn = EquivalentCNN(config.depth, N_CLASSES[config.dataset], config.channels)
    cnn.build(_shape(config))
    assign_state_dict(cnn, state, strict=False, source=source)
    folded = fold_batchnorm(cnn)
    save_torch_checkpoint(folded, out, data_parallel=True)
    hits = {"testacc": 0.0, "testaccold": 0.0}
    count = 0
    for images, labels in make_dataset(config, config.batch_size, "test", limit=config.test_size):
        truth = np.argmax(labels, -1)
        hits["testacc"] += float((np.argmax(folded(images), -1) == truth).sum())
        hits["testaccold"] += float((np.argmax(cnn(images, training=False), -1) == truth).sum())
        count += len(truth)
    result = {k: v / max(count, 1) for k, v in hits.items()}
    print(f"testacc: {result['testacc']:.5f}, testaccold: {result['testaccold']:.5f}")
    return {**result, "checkpoint": out}


def run_inverse(config):
    """Stage 2: the inverse initialisation of every area (2_inverse_{epoch}.pth)."""
    strategy = _strategy(config)
    state, source = _init_state(config)
    with strategy.scope():
        model = InverseModel(config.depth, N_CLASSES[config.dataset], config.channels, config.eigen_weight)
        model.build(_shape(config))
        target = {f"target_{k}": v for k, v in state.items() if not k.startswith("out_fc")}
        assign_state_dict(model.target, target, strict=False, source=source)
        copied = {k: v for k, v in state.items() if k.split(".")[0] in ("inp_conv", "inp_skip", "area_area",
                                                                       "skip_area", "out_fc")}
        assign_state_dict(model.rnn, copied, strict=False, source=source, partial=True)
        model.compile(_adamw(config))
    train, clock = _data(config, strategy)
    return _fit(config, strategy, model, model, train, config.epochs, lambda e: config.path(f"2_inverse_{e + 1}.pth"),
                extra=[clock])


def _run_rnn(config, extra=None):
    strategy = _strategy(config)
    with strategy.scope():
        net = make_cordsnet(config)
        net.save_prelu = config.stage == "parametric"
        if not (config.stage == "finetune" and config.from_scratch):
            state, source = _init_state(config)
            assign_state_dict(net, state, strict=False, source=source, partial=net.save_prelu)
        net.set_negative_slope(net.negative_slope)
        net.compile(_adamw(config), RampedCrossEntropy(config.readout_steps), metrics=[LastStepAccuracy()])
    prefix = PREFIX[config.stage]
    train, clock = _data(config, strategy)
    return _fit(config, strategy, net, net, train, config.epochs, lambda e: config.path(f"{prefix}_{e + 1}.pth"),
                extra=[clock, *(extra(net) if extra else ())])


def run_linear(config):
    """Stage 3: the linear RNN, ramped cross-entropy over the last 30 steps (3_linear_{epoch}.pth)."""
    return _run_rnn(config)


def run_parametric(config):
    """Stage 4: the anneal to ReLU with the spontaneous-activity penalty (4_parametric_{epoch}.pth)."""
    return _run_rnn(config, extra=lambda net: [AnnealSlope(net, config.anneal_step)])


def run_finetune(config):
    """Stage 5: the ReLU CordsNet, from stage 4 or (``from_scratch``) random (5_finetune_{epoch}.pth)."""
    return _run_rnn(config)


RUNNERS = {"compatibility": run_compatibility, "folding": run_folding, "inverse": run_inverse,
           "linear": run_linear, "parametric": run_parametric, "finetune": run_finetune}


def run_stage(config):
    """Runs ``config.stage``; returns its summary (history and last checkpoint)."""
    return RUNNERS[config.stage](config)

