"""The CPU-scale results of RS-RNN (RESULTS.md): every model trained on the MNIST canvas task,
its clean accuracy per step, and PGD accuracy per step attacked through the first 4 steps and
read up to 16; fixation and retina figures of RS-RNN.

``run_results(out, quick=False)`` writes, in ``out``: ``runs/<model>/`` (train.py's run folders),
``adv_accuracy_per_step.csv`` (all models), ``summary.csv`` (clean and attacked accuracy at
steps 1, 4 and 16), ``accuracy_per_step.png``, ``fixations.png``, ``retina.gif`` and
``results_info.json`` (scale, times, machine). A model whose run finished is not trained again
and one whose attack table exists is not attacked again, so an interrupted call continues;
``overwrite`` starts afresh (the earlier runs and tables are removed first).
"""
import json
import os
import time

from rsrnn.names import MODEL_NAMES

FULL = dict(n_train=6000, n_test=1000, epochs=3, width=8, batch_size=64, learning_rate=2e-3, n_images=200,
            eps=(0.003, 0.01, 0.03, 0.1))
QUICK = dict(n_train=256, n_test=64, epochs=1, width=4, batch_size=32, learning_rate=2e-3, n_images=32,
             eps=(0.01, 0.1))
ATTACK_STEPS, EVAL_STEPS = 4, 16


def _scale(quick):
    return QUICK if quick else FULL


def _train(out, name, scale, log):
    from rsrnn.training import INFO, TrainConfig, train

    run = os.path.join(out, "runs", name)
    info = os.path.join(run, INFO)
    if os.path.isfile(info):
        with open(info, encoding="utf8") as f:
            if json.load(f).get("finished"):
                log(f"{name}: trained already ({run})")
                return run
    config = TrainConfig(out=run, model=name, dataset="mnist_subset", n_train=scale["n_train"],
                         n_test=scale["n_test"], width=scale["width"], attention_width=scale["width"],
                         epochs=scale["epochs"], batch_size=scale["batch_size"], learning_rate=scale["learning_rate"],
                         strategy="default", verbose=2)
    started = time.time()
    train(config)
    log(f"{name}: trained in {time.time() - started:.0f} s")
    return run


def _attack(run, name, scale, log):
    import pandas as pd

    from drc.core.runs import write_csv_atomic
    from rsrnn.adversarial import attack_model, load_checkpoint
    from rsrnn.canvas import load_canvas_dataset

    path = os.path.join(run, "adv_accuracy_per_step.csv")
    if os.path.isfile(path):
        return pd.read_csv(path)
    model = load_checkpoint(run)
    _, (x_test, y_test) = load_canvas_dataset("mnist_subset", 96, seed=0, n_test=scale["n_images"])
    started = time.time()
    table = attack_model(model, x_test, y_test, [0.0, *scale["eps"]], ATTACK_STEPS, EVAL_STEPS,
                         batch_size=scale["n_images"])
    table.insert(0, "model", name)
    write_csv_atomic(path, table)
    log(f"{name}: attacked in {time.time() - started:.0f} s")
    return table


def summarise(table):
    """Accuracy at steps 1, 4 and 16 per model and eps (a model with one step: its only one)."""
    import pandas as pd

    rows = []
    for (name, eps), group in table.groupby(["model", "eps"], sort=False):
        read = group.set_index("step").accuracy
        at = lambda s: float(read.get(s, read.iloc[-1]))  # noqa: E731
        rows.append({"model": name, "eps": eps, "step_1": at(1), "step_4": at(ATTACK_STEPS),
                     "step_16": at(EVAL_STEPS), "rises_4_to_16": at(EVAL_STEPS) - at(ATTACK_STEPS)})
    return pd.DataFrame(rows)


def _figures(out, run, log):
    import numpy as np

    from rsrnn.adversarial import load_checkpoint
    from rsrnn.canvas import load_canvas_dataset
    from rsrnn.plots import plot_fixations, retina_gif

    model = load_checkpoint(run)
    _, (x_test, y_test) = load_canvas_dataset("mnist_subset", 96, seed=0, n_test=6)
    result = model.unroll(x_test, steps=8, training=False, return_glimpses=True)
    predictions = np.asarray(result["logits"])[:, -1].argmax(-1)
    plot_fixations(x_test, np.asarray(result["fixations"]), os.path.join(out, "fixations.png"), y_test, predictions)
    retina_gif(np.asarray(result["glimpses"]), os.path.join(out, "retina.gif"))
    log("figures: fixations.png, retina.gif")


def run_results(out="results/rsrnn", quick=False, models=MODEL_NAMES, overwrite=False, log=print):
    """Trains, attacks and summarises ``models`` at the CPU (or ``quick``) scale; returns the
    summary DataFrame. See the module docstring for the files."""
    import shutil

    import pandas as pd

    from drc.core.runs import machine_info, write_csv_atomic, write_json_atomic
    from rsrnn.plots import plot_accuracy_per_step

    scale = _scale(quick)
    if overwrite:
        shutil.rmtree(os.path.join(out, "runs"), ignore_errors=True)
    os.makedirs(out, exist_ok=True)
    started = time.time()
    tables = []
    for name in models:
        run = _train(out, name, scale, log)
        tables.append(_attack(run, name, scale, log))
    table = pd.concat(tables, ignore_index=True)
    write_csv_atomic(os.path.join(out, "adv_accuracy_per_step.csv"), table)
    summary = summarise(table)
    write_csv_atomic(os.path.join(out, "summary.csv"), summary)
    plot_accuracy_per_step(table, os.path.join(out, "accuracy_per_step.png"), ATTACK_STEPS)
    if "rsrnn" in models:
        _figures(out, os.path.join(out, "runs", "rsrnn"), log)
    write_json_atomic(os.path.join(out, "results_info.json"),
                      {"scale": {k: list(v) if isinstance(v, tuple) else v for k, v in scale.items()},
                       "quick": quick, "attack_steps": ATTACK_STEPS, "eval_steps": EVAL_STEPS,
                       "seconds_this_call": round(time.time() - started, 1), "machine": machine_info()})
    return summary
