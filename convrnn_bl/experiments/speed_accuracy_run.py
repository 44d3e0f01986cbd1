"""The BL speed-accuracy experiment end to end: data, training of BL and B, evaluation, outputs.

:func:`run_experiment` trains BL (one readout per time step) and B (feed-forward, same layers
and width) from scratch, evaluates both under every condition, and writes to ``out``:
results.csv (every number), table.md, per_step.png, speed_accuracy.png, run_info.json,
training_BL.csv / training_B.csv (per-epoch logs), and (not meant for version control)
scores.npz (softmax outputs) and BL.keras / B.keras.
"""
import os
import time
from dataclasses import asdict

import keras
import numpy as np

from convrnn_bl.experiments import conditions as cond
from convrnn_bl.experiments import evaluation, fit, report
from convrnn_bl.experiments.outputs import OUTPUTS
from convrnn_bl.experiments.settings import Config  # noqa: F401 (run_experiment's config; was defined here)
from convrnn_bl.speed_accuracy import default_thresholds, flops_per_exit
from drc.core import runs
from drc.core.progress import progress

IMAGE_SIZE = 32
REPORT_THRESHOLDS = (0.1, 0.5, 1.0)
AUGMENT_NOTE = {
    "mix": "BL and B are each trained once on a mix: every training image is clean, noisy or "
           "blurred with probability 1/3, at a level drawn uniformly up to the largest test level "
           "(SATBench instead trains one model per condition)",
    "clean": "BL and B are trained on clean images only; noise and blur are unseen at test time",
}


def split(x_train, y_train, x_test, y_test, config):
    """Disjoint random train / validation images from the training set; random test images."""
    rng = np.random.default_rng(config.seed)
    order = rng.permutation(len(x_train))
    val, train = order[:config.val_size], order[config.val_size:config.val_size + config.train_size]
    test = np.sort(rng.permutation(len(x_test))[:config.test_size])
    return (x_train[train], y_train[train]), (x_train[val], y_train[val]), (x_test[test], y_test[test])


def _train(model, name, train, val, augment, config, out):
    n_out = len(model.outputs)
    fit.compile_model(model, config.learning_rate, config.adam_epsilon)
    train_ds = fit.training_dataset(*train, n_out, augment, config.batch_size, config.seed, IMAGE_SIZE)
    val_ds = fit.training_dataset(*val, n_out, lambda x, step: x, config.batch_size, config.seed, IMAGE_SIZE)
    start = time.perf_counter()
    history = fit.fit_model(model, train_ds, val_ds, config.epochs,
                            [keras.callbacks.CSVLogger(os.path.join(out, f"training_{name}.csv"))])
    fit.recalibrate(model, train_ds, n_batches=max(1, min(20, len(train[1]) // config.batch_size)))
    model.save(os.path.join(out, f"{name}.keras"))
    return history, time.perf_counter() - start


def run_experiment(config, out, command="", overwrite=False):
    """Runs the experiment; returns ``(table, run_info)``. Refuses an earlier run's ``out``."""
    from drc.core.datasets import load_dataset

    runs.check_out_dir(out, OUTPUTS, overwrite)
    start, load_at_start = time.perf_counter(), [round(v, 2) for v in os.getloadavg()]
    keras.utils.set_random_seed(config.seed)
    (x_train, y_train), (x_test, y_test) = load_dataset(config.dataset)
    train, val, test = split(x_train, y_train, x_test, y_test, config)
    classes = int(max(y_train.max(), y_test.max())) + 1
    conditions = cond.conditions(config.noise_sds, config.blur_sigmas)
    augment = cond.TrainingMix(max(config.noise_sds, default=0.0), max(config.blur_sigmas, default=0.0),
                               config.seed, config.augment)

    bl, b = fit.build_models(IMAGE_SIZE, classes, config.n_timesteps, config.width_multiplier)
    bl_history, bl_seconds = _train(bl, "BL", train, val, augment, config, out)
    b_history, b_seconds = _train(b, "B", train, val, augment, config, out)

    eval_start = time.perf_counter()
    bl_flops, b_flops = flops_per_exit(bl), flops_per_exit(b)
    thresholds = np.unique(np.r_[default_thresholds(classes, 41), REPORT_THRESHOLDS])
    rows, scores = [], {}
    for i, condition in enumerate(progress(conditions, "BL conditions", unit="condition")):
        images = evaluation.test_images(test[0], condition, config.seed + i, IMAGE_SIZE)
        bl_probs = evaluation.predict_probabilities(bl, images)
        b_probs = evaluation.predict_probabilities(b, images)
        scores[f"BL_{condition.name}"], scores[f"B_{condition.name}"] = bl_probs, b_probs
        rows.append(evaluation.condition_rows(condition, bl_probs, b_probs, test[1], bl_flops,
                                              b_flops, thresholds))
    table = evaluation.results_table(rows)
    eval_seconds = time.perf_counter() - eval_start

    np.savez_compressed(os.path.join(out, "scores.npz"), labels=test[1],
                        **{k: v.astype(np.float16) for k, v in scores.items()})
    table.to_csv(os.path.join(out, "results.csv"), index=False)
    report.write_markdown(table, os.path.join(out, "table.md"), REPORT_THRESHOLDS,
                          preamble=f"Training: {AUGMENT_NOTE[config.augment]}.")
    report.plot_curves(table, os.path.join(out, "per_step.png"), "per_step")
    report.plot_curves(table, os.path.join(out, "speed_accuracy.png"), "entropy_threshold")
    run_info = {
        "command": command, "config": asdict(config), "training": AUGMENT_NOTE[config.augment],
        "wall_time_s": round(time.perf_counter() - start, 1),
        "phases_s": {"train_BL": round(bl_seconds, 1), "train_B": round(b_seconds, 1),
                     "evaluate": round(eval_seconds, 1)},
        "machine": {**runs.machine_info(), "load_average_at_start": load_at_start},
        "sizes": {"train": len(train[1]), "validation": len(val[1]), "test_per_condition": len(test[1]),
                  "image": [IMAGE_SIZE, IMAGE_SIZE, 1], "classes": classes,
                  "bl_layers": sum(layer.name.endswith("_BConv") for layer in bl.layers),
                  "params_BL": bl.count_params(), "params_B": b.count_params(),
                  "flops_BL_per_exit": bl_flops.tolist(), "flops_B": b_flops.tolist()},
        "conditions": [c.name for c in conditions],
        "final_epoch": {"BL": {k: v[-1] for k, v in bl_history.items()},
                        "B": {k: v[-1] for k, v in b_history.items()}},
    }
    report.write_json(run_info, os.path.join(out, "run_info.json"))
    return table, run_info


def run_and_report(config, out, command="", overwrite=False):
    """:func:`run_experiment`, then B's and BL's per-step accuracies printed per condition;
    returns ``(table, run_info)`` (scripts/experiments/bl_speed_accuracy.py)."""
    table, info = run_experiment(config, out, command, overwrite)
    steps = table[(table.curve == "per_step")]
    for name, group in steps.groupby("condition", sort=False):
        bl = group[group.model == "BL"].sort_values("time_step").accuracy
        b = group[group.model == "B"].accuracy.iloc[0]
        print(f"{name:>10}: B {b:.3f} | BL " + " ".join(f"{a:.3f}" for a in bl))
    print(f"wall time {info['wall_time_s']} s; wrote {out}")
    return table, info
