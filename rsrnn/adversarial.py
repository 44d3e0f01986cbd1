"""The per-step adversarial evaluation of a trained model (``scripts/rsrnn/adv_attack.py``).

As the authors' set-up: L-inf PGD (5 iterations, step eps/3, random start, pixels in [0, 1],
untargeted, normalisation inside the model) through the model's first ``attack_steps`` steps;
the model then runs ``eval_steps`` steps on the adversarial image and its top-1 accuracy is read
at every step, for each eps. Writes ``adv_accuracy_per_step.csv`` (model, eps, step, accuracy, n,
attack_steps) and ``attack_info.json``.
"""
import json
import os
from dataclasses import dataclass, field

from rsrnn.errors import RSRNNError

EPS_LIST = (0.001, 0.002, 0.003, 0.005, 0.007, 0.01)
CSV = "adv_accuracy_per_step.csv"
INFO = "attack_info.json"


@dataclass
class AttackConfig:
    """What to attack, with which eps, on which images."""

    checkpoint_path: str
    out: str = None
    data_path: str = None
    dataset: str = None
    canvas_size: int = None
    image_size: int = None
    class_list: str = None
    eps: tuple = field(default_factory=lambda: EPS_LIST)
    attack_steps: int = 4
    eval_steps: int = 16
    nb_iter: int = 5
    n_images: int = 500
    batch_size: int = 100
    seed: int = 0
    overwrite: bool = False

    def __post_init__(self):
        for eps in self.eps:
            if not eps >= 0:
                raise RSRNNError(f"--eps {eps!r} must be >= 0 (an L-inf radius in pixel units)")
        for name in ("attack_steps", "eval_steps", "n_images", "batch_size"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise RSRNNError(f"--{name} {value!r} must be a positive integer")
        if self.eval_steps < self.attack_steps:
            raise RSRNNError(f"--eval_steps {self.eval_steps} must be >= --attack_steps {self.attack_steps}")
        if self.nb_iter < 0:
            raise RSRNNError(f"--nb_iter {self.nb_iter!r} must be >= 0")


def checkpoint_file(path):
    """The .keras file of ``path`` (the file itself, or a run folder's model_weights.keras)."""
    from rsrnn.training import CHECKPOINT

    if os.path.isdir(path):
        path = os.path.join(path, CHECKPOINT)
    if not os.path.isfile(path):
        raise RSRNNError(f"--checkpoint_path {path}: no such checkpoint (a .keras file or a run folder written by "
                         "train.py)")
    if not path.endswith(".keras"):
        raise RSRNNError(f"--checkpoint_path {path} is not a .keras file")
    return path


def load_checkpoint(path):
    """The model saved at ``path`` (a ``.keras`` file, or a run folder holding model_weights.keras)."""
    path = checkpoint_file(path)
    import keras

    import rsrnn.models  # noqa: F401  (registers the classes)

    return keras.models.load_model(path)


def _run_info(checkpoint_path):
    from rsrnn.training import INFO as TRAIN_INFO

    folder = checkpoint_path if os.path.isdir(checkpoint_path) else os.path.dirname(checkpoint_path)
    path = os.path.join(folder, TRAIN_INFO)
    if not os.path.isfile(path):
        return {}
    with open(path, encoding="utf8") as f:
        return json.load(f).get("config", {})


def attack_model(model, images, labels, eps_list, attack_steps=4, eval_steps=16, nb_iter=5, batch_size=100,
                 seed=0):
    """Accuracy per step under attack (a DataFrame: eps, step, accuracy, n) of a loaded model."""
    from drc.core.attacks import attack_per_step

    def attacked_steps(x):
        return model(x, steps=attack_steps)

    def read_steps(x):
        return model(x, steps=eval_steps)

    return attack_per_step(attacked_steps, read_steps, images, labels, eps_list, batch_size=batch_size, seed=seed,
                           nb_iter=nb_iter, attack_step=attack_steps)


def attack_checkpoint(config):
    """Runs the evaluation of ``config``; returns the table (also written to ``config.out``)."""
    from drc.core.runs import check_out_dir, machine_info, write_csv_atomic, write_json_atomic
    from rsrnn.data import load_data, resolve_dataset

    out = config.out or (config.checkpoint_path if os.path.isdir(config.checkpoint_path)
                         else os.path.dirname(config.checkpoint_path) or ".")
    checkpoint_file(config.checkpoint_path)
    check_out_dir(out, (CSV,), overwrite=config.overwrite, error=RSRNNError, create=False)
    trained = _run_info(config.checkpoint_path)
    data_path = config.data_path or trained.get("data_path")
    dataset = resolve_dataset(config.dataset or trained.get("dataset"), data_path)
    canvas = config.image_size or config.canvas_size or trained.get("canvas_size", 96)
    (_, (x_test, y_test)), n_classes = load_data(dataset, canvas, data_path, trained.get("seed", 0),
                                                 n_train=0, n_test=config.n_images,
                                                 class_list=config.class_list or trained.get("class_list"))
    model = load_checkpoint(config.checkpoint_path)
    if n_classes != model.n_classes:
        raise RSRNNError(f"--dataset {dataset} has {n_classes} classes but the checkpoint's classifier has "
                         f"{model.n_classes}")
    check_out_dir(out, (CSV,), overwrite=config.overwrite, error=RSRNNError)  # the inputs are good: now the folder
    table = attack_model(model, x_test, y_test, [0.0, *config.eps], config.attack_steps, config.eval_steps,
                         config.nb_iter, config.batch_size, config.seed)
    table.insert(0, "model", model.name)
    table["attack_steps"] = config.attack_steps
    write_csv_atomic(os.path.join(out, CSV), table)
    write_json_atomic(os.path.join(out, INFO), {"checkpoint": config.checkpoint_path, "dataset": dataset,
                                                "data_path": data_path, "class_list": config.class_list,
                                                "canvas_size": canvas, "n_images": len(y_test),
                                                "eps": list(config.eps), "nb_iter": config.nb_iter,
                                                "attack_steps": config.attack_steps,
                                                "eval_steps": config.eval_steps, "machine": machine_info()})
    return table
