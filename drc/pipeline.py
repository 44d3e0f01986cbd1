"""The DRC training pipeline as library functions, in the order of the original's DRC_training.

    data = load_data(config)                       # CIFAR / Fashion-MNIST, teacher's preprocessing
    teacher, front_end, back_end = get_teacher(config, data)
    student = get_student(config, front_end)
    sets = make_datasets(config, data)             # images + trajectories; movies made in-step
    student, history = train_student(config, student, front_end, sets, run)
    classifier = combine_fe_be(config, student, back_end)
    decoder_history = fine_tune_DRC(config, classifier, sets, run)
    results = eval_and_save(config, student, back_end, classifier, data, run, history, decoder_history)

``run_drc(config)`` does all of it. ``config`` is a dict of the DRC_training flags
(``drc.pipeline.default_config()`` gives the defaults). Each run writes to a new folder; an
interrupted run, started again with the same configuration, resumes where it stopped.
"""
import contextlib
import dataclasses
import hashlib
import json
import os
import shutil
import time

import keras
import numpy as np

from drc.core import checkpoints, datasets, distribute
from drc.core.callbacks import TF2EarlyStopping, plateau_callbacks  # noqa: F401 (TF2EarlyStopping: public)
from drc.config import DRCConfig, as_dict, check_options
from drc.core.datasets import resolve_dataset
from drc.core.errors import UsageError
from drc.distillation import Distiller, SensorModel, cache_targets, classifier_inputs, combine
from drc.core.preprocessing import Preprocessing
from drc.core.validation import check_saved_model, read_model_config
from drc.core.runs import check_appendable, cleanup_failed_run, history_from_log, write_csv_atomic
from drc.results import append_summary, history_frame, summary_paths
from drc.tf_data import EpochClock, trajectory_dataset

BATCH_SIZE = 32
STUDENT_METRICS = ("mean_squared_error", "mean_absolute_error", "cosine_similarity")
DECODER_LEARNING_RATES = {"Adam": 2.5e-4, "SGD": 2.5e-3}
TEST_REPEATS = 5


@dataclasses.dataclass
class DRCData:
    """Preprocessed float32 images (N, H, W, C) and int labels of the three splits."""
    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    preprocessing: Preprocessing


@dataclasses.dataclass
class RunFolders:
    """Where a run writes: ``folder`` (new per run) and ``work`` (kept until the run completes,
    keyed by the configuration, so an interrupted run resumes)."""
    folder: str
    work: str

    def backup(self, stage):
        return os.path.join(self.work, f"{stage}_backup")


def default_config(**overrides):
    """The DRC_training defaults (``drc.config.DRCConfig``) as a dict, with overrides."""
    check_options(overrides)
    return {**DRCConfig().as_dict(), **overrides}


def _strategy(config):
    """The ``--strategy`` of the configuration (models, optimisers and metrics are built in its
    scope)."""
    return distribute.make_strategy(config.get("strategy") or "auto")


def distribute_config(config, strategy):
    """Records the replicas and the global batch (``BATCH_SIZE`` per replica) in ``config`` and
    returns the seed of the run: ``--seed``, or under several workers one derived from the
    configuration (every worker must draw the same shuffles and trajectories), else None."""
    config["replicas"] = int(strategy.num_replicas_in_sync)
    config["global_batch_size"] = distribute.global_batch_size(BATCH_SIZE, strategy)
    if config.get("seed") is not None:
        return int(config["seed"])
    if distribute.in_cluster(strategy):
        return int(config_key(config), 16) % 2 ** 31
    return None


def load_data(config, preprocessing=None):
    """Loads the dataset (``--dataset``/``--n_classes``, ``--data_dir``) and preprocesses it.

    ``preprocessing`` (the teacher's record) wins; else ``--resnet_mode``/``--dataset_norm``.
    The last ``val_size`` training images are the validation split.
    """
    name = resolve_dataset(config.get("dataset"), config["n_classes"])
    (x_train, y_train), (x_test, y_test) = datasets.load_dataset(name, config.get("data_dir"))
    val_size = config.get("val_size", 5000)
    if not 0 < val_size < len(x_train):
        raise UsageError(f"--val_size {val_size} must be between 1 and {len(x_train) - 1} (training images)")
    if preprocessing is None:
        preprocessing = Preprocessing.fit(x_train, dataset_norm=config["dataset_norm"],
                                          resnet_mode=config["resnet_mode"], center=config.get("dataset_center", True))
    if preprocessing.res not in (None, x_train.shape[1]):
        raise UsageError(f"the teacher was trained at --res {preprocessing.res}; DRC needs a teacher trained on "
                         f"full-resolution {x_train.shape[1]}x{x_train.shape[2]} images")
    x_train, x_test = preprocessing.apply(x_train), preprocessing.apply(x_test)
    return DRCData(x_train[:-val_size], y_train[:-val_size], x_train[-val_size:], y_train[-val_size:],
                   x_test, y_test, preprocessing)


def teacher_preprocessing(config):
    """The preprocessing stored with ``--teacher_net``, or None (then the flags decide).

    ``--resnet_mode`` / ``--no-resnet_mode`` typed explicitly on the command line win."""
    from teachers.saving import read_preprocessing, resolve_teacher_path

    if "resnet_mode" in config.get("explicit", ()):
        return None
    try:
        return read_preprocessing(resolve_teacher_path(config["teacher_net"]))
    except FileNotFoundError:
        return None


# What a teacher trained by get_teacher takes from DRC_training's configuration in any case; and
# the typed flags it never takes (here they mean the student's epochs and the sensor's resolution).
TEACHER_DATA_FLAGS = ("n_classes", "network_topology", "dataset", "data_dir", "val_size", "resnet_weights",
                      "strategy", "seed")
STUDENT_ONLY_FLAGS = ("epochs", "res")


def missing_teacher_config(config):
    """The configuration of the teacher trained when ``--teacher_net`` does not exist, as the
    original's ``cifar_style.train_teacher``: cifar_style.py's defaults (200 epochs, elu, 5
    resblocks, patience 30/10, rotation 5, shifts 0.15, no last max pooling), with the data flags
    and ``--network_topology`` of ``config`` and the teacher flags typed on its command line."""
    from teachers.training import teacher_defaults

    defaults = teacher_defaults()
    typed = set(config.get("explicit", ())) - set(STUDENT_ONLY_FLAGS)
    chosen = {k: v for k, v in config.items() if k in defaults and (k in TEACHER_DATA_FLAGS or k in typed)}
    return {**defaults, **chosen}


def check_input_files(config, image_shape=None, classes=None):
    """The files the configuration names must be saved models of the right kind, read from their
    architecture (no TensorFlow graph) before the run folder is made: ``--pretrained_student_path``
    a saved model; an existing ``--teacher_net`` a model of two models (front end, back end) that,
    where its architecture says, takes ``image_shape`` images and ends in ``classes`` units. A
    missing teacher is trained by get_teacher: its options (and ResNet weights) are checked here."""
    from teachers.saving import resolve_teacher_path

    if config.get("pretrained_student_path"):
        read_model_config(config["pretrained_student_path"], "--pretrained_student_path")
    try:
        teacher = resolve_teacher_path(config["teacher_net"])
    except FileNotFoundError:
        teacher = None
    if teacher is not None:
        check_saved_model(teacher, "--teacher_net", input_shape=image_shape, n_parts=2, classes=classes,
                          what="a DRC teacher")
    else:  # get_teacher trains one: its options and ResNet weights now
        from teachers.config import resnet_weights_choice
        from teachers.resnet import fetch_resnet_weights
        from teachers.training import check_teacher_options

        options = missing_teacher_config(config)
        check_teacher_options(options)
        if options["network_topology"] == "resnet50_on_imagenet":
            fetch_resnet_weights(resnet_weights_choice(options.get("resnet_weights")))


def get_teacher(config, data, verbose=2):
    """Loads ``--teacher_net`` (or trains one when it does not exist) and evaluates it on the
    validation split. Returns (teacher, front end, back end)."""
    from teachers.saving import load_teacher, resolve_teacher_path

    try:
        resolve_teacher_path(config["teacher_net"])
        teacher, _ = load_teacher(config["teacher_net"])
    except FileNotFoundError:
        from teachers.training import train_teacher

        print(f"no teacher at {config['teacher_net']}: training one ({config['network_topology']})")
        teacher = train_teacher(missing_teacher_config(config), path=config["teacher_net"]).teacher
    if not teacher.compiled:
        teacher.compile(loss="sparse_categorical_crossentropy", metrics=["sparse_categorical_accuracy"])
    expected = data.x_train.shape[1:]
    if tuple(teacher.input_shape[1:]) != tuple(expected):
        raise UsageError(f"teacher {config['teacher_net']} takes inputs {tuple(teacher.input_shape[1:])}, "
                         f"the data are {tuple(expected)}")
    results = teacher.evaluate(data.x_val, data.y_val, batch_size=256, verbose=0, return_dict=True)
    accuracy = next((v for k, v in results.items() if "accuracy" in k), float("nan"))
    config["teacher_val_accuracy"] = float(accuracy)
    if verbose:
        print(f"teacher validation accuracy: {accuracy:.4f}")
    return teacher, teacher.layers[0], teacher.layers[1]


def get_student(config, front_end):
    """``students.student3`` for the configuration; ``upsample`` follows from the front end's
    output size over ``--res`` unless given explicitly."""
    from students import student3

    if config.get("student_version", 3) != 3:
        raise UsageError(f"--student_version {config['student_version']} is not available; allowed: 3")
    upsample = config["upsample"] if "upsample" in config.get("explicit", ()) else None
    if config.get("pretrained_student_path"):
        from students import ConvGRU2D

        return keras.models.load_model(config["pretrained_student_path"], custom_objects={"ConvGRU2D": ConvGRU2D})
    return student3(sample=config["max_length"], res=config["res"], activation=config["student_nl"],
                    dropout=config["dropout"], rnn_dropout=config["rnn_dropout"], num_feature=config["num_feature"],
                    rnn_layer1=config["rnn_layer1"], rnn_layer2=config["rnn_layer2"],
                    layer_norm=config["layer_norm_student"], batch_norm=config["batch_norm_student"],
                    conv_rnn_type=config["conv_rnn_type"], block_size=config["student_block_size"],
                    add_coordinates=config["broadcast"], time_pool=config["time_pool"],
                    dense_interface=config["dense_interface"], loss=config["loss"], upsample=upsample,
                    channels=front_end.input_shape[-1], teacher_output_shape=front_end.output_shape,
                    unroll=config.get("unroll", False))


def student_upsample(student, res):
    """The spatial factor between the student's output and its res x res frames."""
    return int(student.output_shape[1] // res)


def make_datasets(config, data, seed=None, front_end=None):
    """tf.data pipelines of images and trajectories (movies are made in the model's step).

    Training trajectories are drawn for every image in every epoch (from the seed and the epoch
    that ``sets["clock"]``, one of the fit callbacks, reports) by ``--trajectories_num``'s rule
    (-1: fresh ones; N > 0: N + 1 seeded ones; 0: the seed-42 stream); validation ones are drawn
    once and fixed (the validation images repeated ``val_set_mult`` times). With ``front_end``,
    its outputs are cached once per image as the distillation targets when they fit in memory
    (``--target_cache_gb``); otherwise the Distiller computes them in its step."""
    common = dict(n_samples=config["n_samples"], style=config["style"], noise=config["noise"],
                  batch_size=config.get("global_batch_size", BATCH_SIZE), time_sec=config["time_sec"],
                  traj_out_scale=config["traj_out_scale"], snellen=config["snellen"], vm_kappa=config["vm_kappa"],
                  n_trajectories=config["trajectories_num"])
    rng = np.random.default_rng(seed)
    seeds = rng.integers(0, 2 ** 31, 5)
    clock = EpochClock()
    mult = config.get("val_set_mult", 1)
    limit = int(config.get("target_cache_gb", 2.0) * 2 ** 30)
    train_targets = None if front_end is None else cache_targets(front_end, data.x_train, limit)
    cached = (None, None) if train_targets is None else (train_targets, cache_targets(front_end, data.x_val, limit))
    if cached[1] is None:
        cached = (None, None)
    return {
        "clock": clock,
        "train_features": trajectory_dataset(data.x_train, cached[0], seed=int(seeds[0]), clock=clock, **common),
        "val_features": trajectory_dataset(data.x_val, cached[1], shuffle=False, fixed_trajectories=True,
                                           repeat=mult, seed=int(seeds[1]), **common),
        "train_classifier": trajectory_dataset(data.x_train, data.y_train, seed=int(seeds[2]), clock=clock,
                                               **common)
        .map(classifier_inputs),
        "val_classifier": trajectory_dataset(data.x_val, data.y_val, shuffle=False, fixed_trajectories=True,
                                             repeat=mult, seed=int(seeds[3]), **common).map(classifier_inputs),
        "test": lambda: trajectory_dataset(data.x_test, data.y_test, shuffle=False,
                                           seed=int(rng.integers(0, 2 ** 31)), **common).map(classifier_inputs),
    }


# (ReduceLROnPlateau's monitor, EarlyStopping's monitor, EarlyStopping's min_delta) per fit stage
STAGE_MONITORS = {"student": ("val_loss", "val_loss", 5e-5),
                  "decoder": ("val_loss", "val_sparse_categorical_accuracy", 1e-4)}


def stage_callbacks(config, stage, run, clock):
    """The callbacks of a fit stage ('student' or 'decoder'), as the original's: ``clock``, then
    ReduceLROnPlateau (factor sqrt(0.1), ``--learning_patience``, min_lr 0.5e-6) and
    ``drc.core.callbacks.TF2EarlyStopping`` (``--stopping_patience``, restoring the best
    weights) monitoring ``STAGE_MONITORS[stage]``, then BackupAndRestore and the stage's CSV log
    in the run folder (``drc.core.callbacks.plateau_callbacks``)."""
    lr_monitor, stop_monitor, min_delta = STAGE_MONITORS[stage]
    return [clock, *plateau_callbacks(run.backup(stage), os.path.join(run.folder, f"{stage}_history.csv"),
                                      learning_patience=config["learning_patience"],
                                      stopping_patience=config["stopping_patience"], min_delta=min_delta,
                                      lr_monitor=lr_monitor, stop_monitor=stop_monitor, restore_best_weights=True),
            *checkpoints.kill_switch(stage)]


def _jit(config):
    """XLA only when asked (--jit): on CPUs it compiles the ConvRNN loops into slower code."""
    return bool(config.get("jit"))


def train_student(config, student, front_end, sets, run, verbose=None, callbacks=()):
    """Distils the teacher's front end into the student (or loads/skips as configured).

    ``callbacks`` run after the standard ones (learning-rate schedule, early stopping,
    BackupAndRestore, CSV log). Returns (student, history dict) with the original's keys."""
    verbose = config["verbose"] if verbose is None else verbose
    distilled = os.path.join(run.work, "student_distilled.keras")
    if os.path.exists(distilled):
        print(f"resuming: distilled student found at {distilled}")
        student.set_weights(keras.models.load_model(distilled).get_weights())
        with open(os.path.join(run.work, "student_history.json")) as f:
            return student, json.load(f)
    with _strategy(config).scope():
        distiller = Distiller(student, front_end)
        distiller.compile(optimizer=keras.optimizers.Adam(1e-3), loss=config["loss"], metrics=list(STUDENT_METRICS),
                          jit_compile=_jit(config))
    distiller.build_on(sets["val_features"])
    history = {}
    if not config.get("skip_student_training"):
        distiller.fit(sets["train_features"], validation_data=sets["val_features"], epochs=config["epochs"],
                      verbose=verbose, shuffle=False,
                      callbacks=stage_callbacks(config, "student", run, sets["clock"]) + list(callbacks))
        history = history_from_log(os.path.join(run.folder, "student_history.csv"))  # every epoch, resumed or not
    final = distiller.evaluate(sets["val_features"], verbose=0, return_dict=True)
    history["final_val"] = {k: float(v) for k, v in final.items()}
    student.save(distilled)
    with open(os.path.join(run.work, "student_history.json"), "w") as f:
        json.dump(history, f)
    return student, history


def combine_fe_be(config, student, back_end):
    """student -> back end, fed by the sensor; only the back end trains unless
    ``--fine_tune_student``. Compiled with the original's decoder optimiser."""
    optimizer_name = config["decoder_optimizer"]
    if optimizer_name not in DECODER_LEARNING_RATES:
        raise UsageError(f"--decoder_optimizer {optimizer_name!r} is unknown; allowed: Adam, SGD")
    student.trainable = bool(config.get("fine_tune_student"))
    back_end.trainable = True
    with _strategy(config).scope():
        full = combine(student, back_end, name="fro_student_and_decoder")
        classifier = SensorModel(full, name="drc_with_sensor")
        optimizer = getattr(keras.optimizers, optimizer_name)(learning_rate=DECODER_LEARNING_RATES[optimizer_name])
        classifier.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy",
                           metrics=["sparse_categorical_accuracy"], jit_compile=_jit(config))
    return classifier


def fine_tune_DRC(config, classifier, sets, run, verbose=None, callbacks=()):
    """Retrains the back end on the student's output (``callbacks`` run after the standard
    ones); returns the history dict."""
    verbose = config["verbose"] if verbose is None else verbose
    classifier.build_on(sets["val_classifier"])
    before = classifier.evaluate(sets["val_classifier"], verbose=0, return_dict=True)
    config["pre_training_decoder_accur"] = float(before["sparse_categorical_accuracy"])
    print(f"DRC validation accuracy before retraining the back end: {before['sparse_categorical_accuracy']:.4f}")
    epochs = 1 if config.get("testmode") else config["decoder_epochs"]
    classifier.fit(sets["train_classifier"], validation_data=sets["val_classifier"], epochs=epochs,
                   verbose=verbose, shuffle=False,
                   callbacks=stage_callbacks(config, "decoder", run, sets["clock"]) + list(callbacks))
    return history_from_log(os.path.join(run.folder, "decoder_history.csv"))  # every epoch, resumed or not


def evaluate_test(classifier, sets, repeats=TEST_REPEATS):
    """Test accuracy ``repeats`` times, each with new random trajectories."""
    return [float(classifier.evaluate(sets["test"](), verbose=0, return_dict=True)["sparse_categorical_accuracy"])
            for _ in range(repeats)]


def eval_and_save(config, student, back_end, classifier, sets, run, student_history, decoder_history):
    """Saves the models and histories, evaluates on the test set and appends the summary."""
    back_end.save(os.path.join(run.folder, "backend_trained_model.keras"))
    student.save(os.path.join(run.folder, "student.keras"))
    if config.get("fine_tune_student"):
        student.save(os.path.join(run.folder, "student_fine_tuned_model.keras"))
    classifier.inner.save(os.path.join(run.folder, "fro_student_and_decoder_trained.keras"))
    accuracies = evaluate_test(classifier, sets)
    print(f"test accuracy over {len(accuracies)} runs: {np.mean(accuracies):.4f} +- {np.std(accuracies):.4f}")
    write_csv_atomic(os.path.join(run.folder, "histories.csv"), history_frame(student_history, decoder_history))
    with open(os.path.join(run.folder, "config.json"), "w") as f:  # the run's own files before the shared summary
        json.dump(_jsonable(config), f, indent=1, sort_keys=True)
    return append_summary(config, student, student_history, decoder_history, accuracies,
                          folder=config.get("summary_dir") or os.getcwd(), name="DRC_training_data")


def _jsonable(config):
    return {k: v for k, v in config.items() if isinstance(v, (str, int, float, bool, type(None), list, tuple))}


def config_key(config):
    """A short hash of the options that define a run (for resuming an interrupted one)."""
    config = as_dict(config)
    ignored = {"verbose", "explicit", "summary_dir", "save_dir"}
    stable = {k: v for k, v in _jsonable(config).items() if k not in ignored}
    return hashlib.sha1(json.dumps(stable, sort_keys=True, default=str).encode()).hexdigest()[:12]


def make_run_folders(config, root=None, key=None):
    """The run folder ``<root>/saved_models/<run name>`` and the work folder of this
    configuration (``key``, default ``config_key(config)``). An interrupted run of the same
    configuration (its work folder still there) continues in its own run folder; otherwise the
    folder is new (never an existing one)."""
    root = root or config.get("save_dir") or os.getcwd()
    work = os.path.join(root, "saved_models", ".in_progress", key or config_key(config))
    os.makedirs(work, exist_ok=True)
    record = os.path.join(work, "run_folder.txt")
    folder = None
    if os.path.exists(record):
        with open(record) as f:
            folder = os.path.join(root, "saved_models", f.read().strip())
        folder = folder if os.path.isdir(folder) else None
    if folder is None:
        job = os.getenv("LSB_JOBID") or os.getenv("SLURM_JOB_ID") or str(os.getpid())
        base = os.path.join(root, "saved_models", f"{config['run_name_prefix']}_j{job}_t{int(time.time())}")
        folder, i = base, 1
        while True:
            try:
                os.makedirs(folder)
                break
            except FileExistsError:
                folder, i = f"{base}_{i}", i + 1
        with open(record, "w") as f:
            f.write(os.path.basename(folder))
    return RunFolders(folder, work)


def clean_failed_run(run):
    """After a failure: the backup folders and logs of stages that never completed an epoch,
    then the work folder and run folder when nothing of a training is left in them (an
    interrupted run with backups keeps everything, to resume)."""
    stages = ["decoder"] + ([] if os.path.exists(os.path.join(run.work, "student_distilled.keras")) else ["student"])
    for stage in stages:
        checkpoints.discard_untrained(run.backup(stage), [os.path.join(run.folder, f"{stage}_history.csv")])
    return cleanup_failed_run(run.folder, run.work)


def run_drc(config, root=None):
    """The whole pipeline under ``config["strategy"]``; returns the summary row (a dict: the
    options, then what the run found, e.g. ``save_model_path``, ``teacher_val_accuracy``,
    ``test_accuracy_mean``).

    ``config``: a ``drc.config.DRCConfig`` or a dict of its fields (missing ones take the
    defaults); it is not changed (the run records into its own copy). The work folder of an
    interrupted run is keyed by ``config_key(config)``. Only the chief writes under ``root``;
    other workers write into their scratch folders (``drc.core.distribute.worker_root``),
    removed when the run completes."""
    config = as_dict(config)
    name = resolve_dataset(config.get("dataset"), config["n_classes"])
    distribute.check_strategy(config.get("strategy") or "auto")  # before a teacher's weights are fetched
    check_input_files(config, datasets.IMAGE_SHAPES[name], datasets.N_CLASSES[name])
    key = config_key(config)
    strategy = _strategy(config)
    print(f"strategy: {distribute.describe(strategy)}")
    data = load_data(config, teacher_preprocessing(config))
    config["preprocessing_mode"] = data.preprocessing.mode
    seed = distribute_config(config, strategy)
    if seed is not None:
        keras.utils.set_random_seed(seed)
    base = root or config.get("save_dir") or os.getcwd()
    root = distribute.worker_root(base, strategy)
    config["summary_dir"] = distribute.worker_root(config.get("summary_dir") or os.getcwd(), strategy)
    check_appendable(*summary_paths(config["summary_dir"], "DRC_training_data"))  # before hours of training
    run = make_run_folders(config, root, key)
    config["this_run_name"], config["save_model_path"] = os.path.basename(run.folder), run.folder
    print(f"run folder: {run.folder}")
    try:
        with strategy.scope():
            teacher, front_end, back_end = get_teacher(config, data)
            student = get_student(config, front_end)
        config["student_upsample"] = student_upsample(student, config["res"])
        sets = make_datasets(config, data, seed=seed, front_end=front_end)
        student, student_history = train_student(config, student, front_end, sets, run)
        classifier = combine_fe_be(config, student, back_end)
        decoder_history = fine_tune_DRC(config, classifier, sets, run)
        row = eval_and_save(config, student, back_end, classifier, sets, run, student_history, decoder_history)
    except BaseException:
        clean_failed_run(run)
        raise
    shutil.rmtree(run.work, ignore_errors=True)
    with contextlib.suppress(OSError):
        os.rmdir(os.path.dirname(run.work))  # .in_progress, when no other run is in progress
    if root != base:
        shutil.rmtree(root, ignore_errors=True)
        with contextlib.suppress(OSError):
            os.rmdir(os.path.dirname(root))  # .worker_scratch, when no other worker still uses it
    return row


__all__ = ["DRCData", "RunFolders", "combine_fe_be", "default_config", "eval_and_save", "evaluate_test",
           "fine_tune_DRC", "get_student", "get_teacher", "load_data", "make_datasets", "make_run_folders",
           "missing_teacher_config", "run_drc", "stage_callbacks", "train_student", "TF2EarlyStopping"]
