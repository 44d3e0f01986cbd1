"""A worker process for the distribution tests (run by tests/core/test_distribute.py, not collected).

    python tests/core/distributed_worker.py distill --teacher T --out D [--strategy S] [--epochs E]
        [--pause_after_epoch K] [--global_batch B]
    python tests/core/distributed_worker.py mirrored --teacher T --out D

``distill`` runs the DRC pipeline's distillation stage (``drc.pipeline`` functions, as
``run_drc`` calls them) on 256 real Fashion-MNIST images under ``--strategy`` (TF_CONFIG names
this worker under ``multiworker``) and writes ``<task>.npz`` (the student's weights),
``<task>.json`` (history) and appends each finished epoch to ``<task>_epochs.txt``. With
``--pause_after_epoch K`` it stops after epoch K's backup (``<task>_paused`` appears) and waits to
be killed. ``mirrored`` trains the DRC student and the BL fine-tuning with the same global batch
under the default strategy and under MirroredStrategy over two logical CPU devices, and writes
both loss trajectories to ``mirrored.json``.
"""
import argparse
import dataclasses
import json
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402  (no TensorFlow device is initialised before the logical ones are set)

N_TRAIN, N_VAL, SEED = 256, 64, 7


def drc_config(teacher, out, strategy, epochs):
    from drc import pipeline

    return pipeline.default_config(
        teacher_net=teacher, dataset="fashion_mnist_subset", n_classes=10, res=7, n_samples=3, max_length=3,
        epochs=epochs, rnn_layer1=8, rnn_layer2=8, num_feature=64, student_block_size=1,
        val_set_mult=1, val_size=500, strategy=strategy, seed=SEED, verbose=0, save_dir=out, dropout=0.0,
        rnn_dropout=0.0)


def small_data(config):
    from drc import pipeline

    data = pipeline.load_data(config, pipeline.teacher_preprocessing(config))
    return dataclasses.replace(data, x_train=data.x_train[:N_TRAIN], y_train=data.y_train[:N_TRAIN],
                               x_val=data.x_val[:N_VAL], y_val=data.y_val[:N_VAL])


class EpochLog(keras.callbacks.Callback):
    """Appends each finished epoch to a file; optionally pauses (to be killed) after one."""

    def __init__(self, path, pause_after=None, marker=None):
        super().__init__()
        self.path, self.pause_after, self.marker = path, pause_after, marker

    def on_epoch_end(self, epoch, logs=None):
        with open(self.path, "a") as f:
            f.write(f"{epoch}\n")
        if self.pause_after is not None and epoch == self.pause_after:
            open(self.marker, "w").close()
            time.sleep(600)


def distill(args):
    import numpy as np

    from drc import pipeline
    from drc.core import distribute

    config = drc_config(args.teacher, args.out, args.strategy, args.epochs)
    strategy = distribute.make_strategy(args.strategy)
    task = "{}{}".format(*distribute.worker_identity(strategy))
    data = small_data(config)
    seed = pipeline.distribute_config(config, strategy)
    if args.global_batch:
        config["global_batch_size"] = args.global_batch
    keras.utils.set_random_seed(seed)
    run = pipeline.make_run_folders(config, distribute.worker_root(args.out, strategy))
    with strategy.scope():
        _, front_end, _ = pipeline.get_teacher(config, data, verbose=0)
        student = pipeline.get_student(config, front_end)
    sets = pipeline.make_datasets(config, data, seed=seed, front_end=front_end)
    log = EpochLog(os.path.join(args.out, f"{task}_epochs.txt"), args.pause_after_epoch,
                   os.path.join(args.out, f"{task}_paused"))
    student, history = pipeline.train_student(config, student, front_end, sets, run, callbacks=[log])
    np.savez(os.path.join(args.out, f"{task}.npz"), *student.get_weights())
    with open(os.path.join(args.out, f"{task}.json"), "w") as f:
        json.dump({"history": history, "run_folder": run.folder, "global_batch_size": config["global_batch_size"],
                   "replicas": config["replicas"]}, f)


def mirrored(args):
    import tensorflow as tf

    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
    from drc.core import distribute

    one = distribute.make_strategy("default")
    two = distribute.make_strategy("mirrored")
    results = {"replicas": [one.num_replicas_in_sync, two.num_replicas_in_sync]}
    for name, strategy in (("one", one), ("two", two)):
        results[f"drc_{name}"] = _drc_losses(args, strategy)
        results[f"bl_{name}"] = _bl_losses(strategy)
    with open(os.path.join(args.out, "mirrored.json"), "w") as f:
        json.dump(results, f)


def _drc_losses(args, strategy):
    """Distillation losses per epoch, global batch 32 whatever the replicas."""
    from drc import pipeline
    from drc.distillation import Distiller

    config = drc_config(args.teacher, args.out, "default", 3)
    config["global_batch_size"] = 32
    data = small_data(config)
    keras.utils.set_random_seed(SEED)
    with strategy.scope():
        _, front_end, _ = pipeline.get_teacher(config, data, verbose=0)
        student = pipeline.get_student(config, front_end)
        distiller = Distiller(student, front_end)
        distiller.compile(optimizer=keras.optimizers.Adam(1e-3), loss="mean_squared_error")
    sets = pipeline.make_datasets(config, data, seed=SEED, front_end=front_end)
    distiller.build_on(sets["val_features"])
    fit = distiller.fit(sets["train_features"], validation_data=sets["val_features"], epochs=3, verbose=0,
                        callbacks=[sets["clock"]])
    return {k: [float(v) for v in vals] for k, vals in fit.history.items()}


def _bl_losses(strategy):
    """BL fine-tuning (SATBench's pretrained mode: only the readout trains) on fixed batches."""
    import numpy as np
    import tensorflow as tf

    from convrnn_bl.training import build_bl_for_training

    rng = np.random.default_rng(SEED)
    x = rng.uniform(0, 1, (64, 64, 64, 3)).astype(np.float32)
    y = keras.utils.to_categorical(rng.integers(0, 4, 64), 4)
    data = tf.data.Dataset.from_tensor_slices((x, (y,) * 2)).batch(16)
    keras.utils.set_random_seed(SEED)
    model, _ = build_bl_for_training(strategy, image_size=64, classes=4, n_timesteps=2, width_multiplier=0.125,
                                     freeze_backbone=True, learning_rate=0.01)
    fit = model.fit(data, epochs=3, verbose=0)
    return {k: [float(v) for v in vals] for k, vals in fit.history.items()}


def main(argv=None):
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=("distill", "mirrored"))
    parser.add_argument("--teacher", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--strategy", default="default")
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--pause_after_epoch", type=int, default=None)
    parser.add_argument("--global_batch", type=int, default=None, help="instead of 32 per replica")
    args = parser.parse_args(argv)
    {"distill": distill, "mirrored": mirrored}[args.mode](args)


if __name__ == "__main__":
    sys.exit(main())
