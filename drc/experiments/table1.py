"""The DRC paper's Table 1 as one experiment: every setting x several seeds, on one dataset.

    scale = default_scale("fashion_mnist")            # or quick_scale(), or paper scale for CIFAR
    run_table1(scale, seeds=[0, 1, 2], out="results/drc_table1")

Per seed: a full-resolution teacher (``teachers.training.train_teacher``), the same network
trained on low-resolution images (naive), the naive network's averaged prediction over 5 sensor
frames, and DRC runs (``drc.pipeline.run_drc``) for each DRC setting; the teacher is shared by
the seed's DRC runs. Images are the first ``train_size + val_size`` training and ``test_size``
test images, written to ``<out>/data`` in the loader's layout (the pipeline loads from there).

``<out>`` gets ``table1.csv`` (one row per condition x seed, written after each), and from it
``table1_summary.csv``, ``table1.md``, ``table1.png``; ``run_info.json``; teachers under
``teachers/``, DRC run folders under ``runs/``, the seed-0 10-step curved student with position
as ``students/drc10_pos_seed0.keras``. A folder holding another configuration's results is
refused unless ``overwrite``; the same configuration resumes, skipping finished rows.
"""
import dataclasses
import json
import os
import shutil
import time

import numpy as np
import pandas as pd

from drc.config import DRC_PRESETS
from drc.core import runs
from drc.core.errors import UsageError
from drc.core.progress import progress
from drc.experiments import conditions as cond
from drc.experiments.table1_report import markdown_table, summarize
from drc.figures import plot_summary
from teachers.config import TEACHER_PRESETS

TEST_REPEATS = 5
NOISE = 0.5
ROWS = "table1.csv"
SETTINGS = "settings.json"
OUTPUT_FILES = (ROWS, "table1_summary.csv", "table1.md", "table1.png", "run_info.json", SETTINGS)
OUTPUT_FOLDERS = ("data", "teachers", "students", "runs")
FULL_SIZES = {"fashion_mnist": (60000, 10000), "fashion_mnist_subset": (5000, 1000),
              "cifar10": (50000, 10000), "cifar100": (50000, 10000)}


@dataclasses.dataclass(frozen=True)
class Scale:
    """Everything that defines a Table 1 run except the seeds and the conditions run."""
    dataset: str
    res: int
    train_size: int
    val_size: int
    test_size: int
    teacher_epochs: int
    student_epochs: int
    decoder_epochs: int
    teacher_topology: str = "default"
    teacher_options: tuple = ()
    drc_options: tuple = ()

    def as_dict(self):
        d = dataclasses.asdict(self)
        d["teacher_options"], d["drc_options"] = dict(self.teacher_options), dict(self.drc_options)
        return d


_SMALL_TEACHER = tuple(TEACHER_PRESETS["small_cpu"].items())
_SMALL_STUDENT = tuple({**DRC_PRESETS["small_cpu"], "unroll": True}.items())
#: The paper's ResNet50 teacher (spec: the cifar_style ResNet50 command line); its topology is
#: the Scale's ``teacher_topology``.
_PAPER_TEACHER = tuple((k, v) for k, v in TEACHER_PRESETS["paper_resnet50_cifar"].items() if k != "network_topology")
#: The paper's DRC with a ResNet50 teacher (spec: the DRC_training ResNet50 command line).
_PAPER_STUDENT = tuple(DRC_PRESETS["paper_resnet50_cifar"].items())


def default_scale(dataset="fashion_mnist"):
    """The default scale: Fashion-MNIST at CPU scale (about 17 minutes a seed on 2 cores), CIFAR at the
    paper's (ResNet50 teacher for 200 epochs, students 100, back ends 10; for a GPU)."""
    if dataset in ("cifar10", "cifar100"):
        return Scale(dataset, res=8, train_size=45000, val_size=5000, test_size=10000, teacher_epochs=200,
                     student_epochs=100, decoder_epochs=10, teacher_topology="resnet50_on_imagenet",
                     teacher_options=_PAPER_TEACHER, drc_options=_PAPER_STUDENT)
    if dataset not in FULL_SIZES:
        raise UsageError(f"dataset {dataset!r} is unknown; allowed: {', '.join(FULL_SIZES)}")
    return Scale(dataset, res=7, train_size=3000, val_size=500, test_size=2000, teacher_epochs=5,
                 student_epochs=4, decoder_epochs=2, teacher_options=_SMALL_TEACHER, drc_options=_SMALL_STUDENT)


def quick_scale():
    """A smoke-test scale (minutes): the bundled subset, small sizes, 2-3 epochs."""
    return Scale("fashion_mnist_subset", res=7, train_size=2000, val_size=300, test_size=500, teacher_epochs=3,
                 student_epochs=3, decoder_epochs=2, teacher_options=_SMALL_TEACHER, drc_options=_SMALL_STUDENT)


def check_scale(scale):
    """Raises UsageError for sizes or epochs the dataset cannot give."""
    n_train, n_test = FULL_SIZES[scale.dataset]
    for name in ("res", "train_size", "val_size", "test_size", "teacher_epochs", "student_epochs", "decoder_epochs"):
        if getattr(scale, name) < 1:
            raise UsageError(f"--{name} {getattr(scale, name)} must be at least 1")
    if scale.train_size + scale.val_size > n_train:
        raise UsageError(f"--train_size {scale.train_size} + --val_size {scale.val_size} is more than the "
                         f"{n_train} training images of {scale.dataset}")
    if scale.test_size > n_test:
        raise UsageError(f"--test_size {scale.test_size} is more than the {n_test} test images of {scale.dataset}")


# --------------------------------------------------------------------------------------------
# The results folder: refuse another run's files, resume this one's
# --------------------------------------------------------------------------------------------

def prepare_out(out, scale, overwrite=False):
    """Makes ``out`` ready for ``scale``; returns the rows already done there (a DataFrame).

    A folder with results of another scale (or with results but no settings) is refused with a
    UsageError unless ``overwrite``, which deletes this experiment's files and folders there.
    """
    settings = scale.as_dict()
    settings_path = os.path.join(out, SETTINGS)
    ours = [f for f in OUTPUT_FILES + OUTPUT_FOLDERS if os.path.exists(os.path.join(out, f))]
    if ours and not overwrite:
        previous = None
        if os.path.isfile(settings_path):
            with open(settings_path) as f:
                previous = json.load(f)
        if previous != json.loads(json.dumps(settings)):
            what = "results of other settings" if previous else "results without settings.json"
            raise UsageError(f"{out} holds {what} ({', '.join(sorted(ours))}); pass --overwrite to replace "
                             f"them or choose another --out")
    if overwrite:
        for name in ours:
            path = os.path.join(out, name)
            shutil.rmtree(path) if os.path.isdir(path) else os.remove(path)
    os.makedirs(out, exist_ok=True)
    with open(settings_path, "w") as f:
        json.dump(settings, f, indent=1, sort_keys=True)
    return read_rows(out)


def read_rows(out):
    """The rows of ``<out>/table1.csv`` (empty DataFrame when absent)."""
    path = os.path.join(out, ROWS)
    return pd.read_csv(path) if os.path.isfile(path) else pd.DataFrame(columns=["condition", "seed"])


def is_done(rows, condition, seed):
    """Whether ``rows`` hold a result of ``condition`` (name) for ``seed``."""
    if rows.empty:
        return False
    return bool(((rows["condition"] == condition) & (rows["seed"].astype(int) == int(seed))).any())


def append_row(out, row):
    """Adds one row to ``<out>/table1.csv`` (rewritten atomically); returns all rows."""
    rows = pd.concat([read_rows(out), pd.DataFrame([row])], ignore_index=True)
    path = os.path.join(out, ROWS)
    rows.to_csv(path + ".partial", index=False)
    os.replace(path + ".partial", path)
    return rows


def write_reports(out, rows, scale):
    """table1_summary.csv, table1.md and table1.png from the rows; returns the summary."""
    summary = summarize(rows)
    summary.to_csv(os.path.join(out, "table1_summary.csv"), index=False)
    size = 28 if scale.dataset.startswith("fashion") else 32
    averaged = cond.BY_NAME["averaged_5"]
    notes = (f"\n{cond.STATIC_DESCRIPTION[0].upper()}{cond.STATIC_DESCRIPTION[1:]}. Averaged prediction: the "
             f"naive low-resolution network's softmax averaged over the {averaged.n_samples} frames of a "
             f"{averaged.style} trajectory (frames enlarged back to {size}x{size}). Straight: style {cond.STRAIGHT}; "
             f"every other DRC row: {cond.CURVED}. DRC and averaged rows: mean over {TEST_REPEATS} test passes with "
             f"new trajectories; ± is the std over seeds.\n")
    with open(os.path.join(out, "table1.md"), "w") as f:
        f.write(markdown_table(summary, scale.dataset, size, scale.res) + notes)
    if len(summary):
        plot_summary(summary, os.path.join(out, "table1.png"), scale.dataset)
    return summary


# --------------------------------------------------------------------------------------------
# Running the conditions
# --------------------------------------------------------------------------------------------

class Table1Run:
    """One seed's shared pieces (data, teacher, naive network) and how to run each condition."""

    def __init__(self, scale, out, data_dir=None, verbose=2):
        from drc.experiments.subsets import write_subset

        self.scale, self.out, self.verbose = scale, out, verbose
        n_train, n_test = FULL_SIZES[scale.dataset]
        wanted = scale.train_size + scale.val_size
        if scale.dataset in ("cifar10", "cifar100") and (wanted, scale.test_size) == (n_train, n_test):
            self.load_name, self.data_dir = scale.dataset, data_dir
        else:
            self.load_name, self.data_dir = write_subset(scale.dataset, os.path.join(out, "data"), wanted,
                                                         scale.test_size, data_dir)
        from drc.core import datasets

        self.data = datasets.load_dataset(self.load_name, self.data_dir)
        self.n_classes = 100 if scale.dataset == "cifar100" else 10

    def sizes(self):
        (x, _), (xt, _) = self.data
        return {"train": len(x) - self.scale.val_size, "val": self.scale.val_size, "test": len(xt)}

    def classifier_path(self, kind, seed):
        return os.path.join(self.out, "teachers", f"{kind}_seed{seed}.keras")

    def _images(self, kind):
        if kind == "teacher":
            return self.data
        from drc.demo import naive_low_res

        (x, y), (xt, yt) = self.data
        return (naive_low_res(x, self.scale.res), y), (naive_low_res(xt, self.scale.res), yt)

    def classifier(self, kind, seed):
        """The seed's teacher or naive network (trained once, then loaded): (model, preprocessing, path)."""
        from teachers.saving import load_teacher

        path = self.classifier_path(kind, seed)
        if not os.path.exists(path):
            from teachers.training import train_teacher

            config = dict(self.scale.teacher_options, dataset=self.load_name, n_classes=self.n_classes,
                          network_topology=self.scale.teacher_topology, epochs=self.scale.teacher_epochs,
                          val_size=self.scale.val_size)
            train_teacher(config, data=self._images(kind), path=path, verbose=self.verbose)
        model, preprocessing = load_teacher(path)
        return model, preprocessing, path

    def run_classifier(self, condition, seed):
        """Test accuracy of the teacher or the naive network (on its own kind of images)."""
        model, preprocessing, _ = self.classifier(condition.kind, seed)
        _, (xt, yt) = self._images(condition.kind)
        result = model.evaluate(preprocessing.apply(xt), yt, batch_size=256, verbose=0, return_dict=True)
        accuracy = next(v for k, v in result.items() if "accuracy" in k)
        return {"test_accuracy": float(accuracy), "test_accuracy_std_repeats": 0.0, "n_test_repeats": 1}

    def run_averaged(self, condition, seed):
        """The naive network's averaged prediction over each test image's trajectory frames."""
        from drc import sensor
        from drc.experiments.averaged import averaged_accuracy
        from drc.trajectories import sample_trajectories

        model, preprocessing, _ = self.classifier("naive", seed)
        _, (xt, yt) = self.data
        start = sensor.start_position(xt.shape[1], xt.shape[2], xt.shape[1])
        rng = np.random.default_rng(seed)
        accuracies = [averaged_accuracy(model, xt, yt, sample_trajectories(
            len(xt), condition.n_samples, condition.style, NOISE, start, rng=rng), self.scale.res, preprocessing)
            for _ in range(TEST_REPEATS)]
        return {"test_accuracy": float(np.mean(accuracies)), "test_accuracy_std_repeats": float(np.std(accuracies)),
                "n_test_repeats": TEST_REPEATS}

    def drc_config(self, condition, seed, teacher_path):
        """The DRC_training configuration of a DRC condition."""
        from drc import pipeline

        runs = os.path.join(self.out, "runs")
        options = dict(self.scale.drc_options, **condition.trajectory_options())
        config = pipeline.default_config(
            teacher_net=teacher_path, dataset=self.load_name, data_dir=self.data_dir, n_classes=self.n_classes,
            val_size=self.scale.val_size, res=self.scale.res, n_samples=condition.n_samples,
            max_length=condition.n_samples, epochs=self.scale.student_epochs,
            decoder_epochs=self.scale.decoder_epochs, broadcast=condition.broadcast, noise=NOISE, save_dir=runs,
            run_name_prefix=f"{condition.name}_seed{seed}", verbose=self.verbose, **options)
        config["summary_dir"] = runs
        config["seed"] = seed_of(condition, seed)
        return config

    def run_drc(self, condition, seed):
        """One DRC run; saves the student named by ``conditions.SAVED_STUDENT``."""
        from drc import pipeline

        _, _, teacher_path = self.classifier("teacher", seed)
        config = self.drc_config(condition, seed, teacher_path)
        summary = pipeline.run_drc(config)
        result = {"test_accuracy": float(summary["test_accuracy_mean"]),
                  "test_accuracy_std_repeats": float(summary["test_accuracy_std"]),
                  "n_test_repeats": len(summary["test_accuracies"]),
                  "teacher_val_accuracy": summary.get("teacher_val_accuracy"),
                  "run_folder": os.path.relpath(summary["save_model_path"], self.out)}
        if (condition.name, seed) == cond.SAVED_STUDENT:
            saved = save_student(summary["save_model_path"], self.student_path(seed))
            result["student_path"] = os.path.relpath(saved, self.out)
        return result

    def student_path(self, seed):
        return os.path.join(self.out, "students", f"{cond.SAVED_STUDENT[0]}_seed{seed}.keras")

    def run(self, condition, seed):
        """Runs one condition for one seed; returns its row."""
        import keras

        keras.utils.set_random_seed(seed_of(condition, seed))
        started = time.time()
        runner = {"teacher": self.run_classifier, "naive": self.run_classifier, "averaged": self.run_averaged,
                  "drc": self.run_drc}[condition.kind]
        result = runner(condition, seed)
        trajectory = ("" if condition.kind in ("teacher", "naive") else
                      "static" if condition.static else condition.style)
        return {"condition": condition.name, "setting": condition.label, "seed": seed,
                "dataset": self.scale.dataset, "res": self.scale.res, "n_samples": condition.n_samples,
                "broadcast": condition.broadcast if condition.kind == "drc" else "", "trajectory": trajectory,
                **result, "wall_s": round(time.time() - started, 1)}


def seed_of(condition, seed):
    """The random seed of one condition x seed (distinct across conditions)."""
    return 1000 * int(seed) + [c.name for c in cond.CONDITIONS].index(condition.name)


def save_student(run_folder, path):
    """Copies the run's distilled student (``student.keras``) to ``path``; returns ``path``."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    shutil.copyfile(os.path.join(run_folder, "student.keras"), path)
    return path


def run_table1(scale, seeds=(0, 1, 2), names=None, out="results/drc_table1", overwrite=False, data_dir=None,
               verbose=2, command=None):
    """Runs (or resumes) Table 1; returns the summary DataFrame. See the module docstring."""
    check_scale(scale)
    chosen = cond.select(names)
    started = time.time()
    rows = prepare_out(out, scale, overwrite)
    runner = Table1Run(scale, out, data_dir, verbose)
    info = {"command": command, "started": time.strftime("%Y-%m-%d %H:%M:%S"), "seeds": list(seeds),
            "conditions": [c.name for c in chosen], "machine": runs.machine_info(), "dataset": scale.dataset,
            "dataset_sizes": runner.sizes(), "settings": scale.as_dict(), "not_moving": cond.STATIC_DESCRIPTION,
            "test_repeats": TEST_REPEATS}
    skipped = 0
    for seed in seeds:
        for condition in progress(chosen, f"Table 1, seed {seed}", unit="row"):
            if is_done(rows, condition.name, seed):
                skipped += 1
                continue
            print(f"== {condition.name} ({condition.label}), seed {seed}", flush=True)
            row = runner.run(condition, seed)
            print(f"== {condition.name}, seed {seed}: test accuracy {row['test_accuracy']:.4f} "
                  f"({row['wall_s']:.0f} s)", flush=True)
            rows = append_row(out, row)
            write_reports(out, rows, scale)
            write_info(out, info, rows, runner, started, skipped)
    summary = write_reports(out, rows, scale)
    write_info(out, info, rows, runner, started, skipped, finished=True)
    return summary


def write_info(out, info, rows, runner, started, skipped, finished=False):
    """Writes ``run_info.json``: ``info`` plus the times so far and the saved student's path."""
    student = runner.student_path(cond.SAVED_STUDENT[1])
    wall = pd.to_numeric(rows["wall_s"], errors="coerce") if "wall_s" in rows else pd.Series(dtype=float)
    info = dict(info, wall_time_s=round(time.time() - started, 1), rows_skipped_as_done=skipped,
                rows_done=len(rows), compute_time_s_all_rows=float(wall.sum()),
                student_path=os.path.relpath(student, out) if os.path.exists(student) else None,
                finished=time.strftime("%Y-%m-%d %H:%M:%S") if finished else None)
    with open(os.path.join(out, "run_info.json"), "w") as f:
        json.dump(info, f, indent=1)
