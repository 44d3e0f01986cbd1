"""CordsNet-R2 on real Fashion-MNIST at CPU scale: the initialisation pipeline vs training from
scratch vs the equivalent CNN (``run_results``; ``make results`` calls it).

Measured: test accuracy; accuracy after every image step; accuracy under Gaussian pixel noise;
the return to spontaneous activity after the image is removed; the spectral radius (and the
largest real part) of every area's recurrent operator, alone (W) and linearised at the
spontaneous state (D W); mean activity over the timeline. The CPU scale shortens everything
(image size, widths, images, epochs, the timeline: see ``SCALES``) and is recorded in
``summary.json`` beside the numbers.
"""
import dataclasses
import os
import time

import numpy as np

from cordsnet.errors import CordsNetConfigError

OUTPUTS = ("summary.json", "accuracy_over_time.csv", "noise.csv", "spontaneous_return.csv", "spectral_radius.csv")
NOISE = (0.0, 0.1, 0.2, 0.3, 0.5)
SCALES = {
    "full": dict(train_size=1500, test_size=500, image_size=16, channels=(8, 8), blank_steps=10, image_steps=10,
                 readout_steps=4, after_steps=10, penalty_steps=3, cnn_epochs=2, inverse_epochs=1, linear_epochs=1,
                 parametric_epochs=3, finetune_epochs=1, scratch_epochs=3, cnn_batch=64, rnn_batch=32),
    "quick": dict(train_size=256, test_size=200, image_size=16, channels=(8, 8), blank_steps=5, image_steps=6,
                  readout_steps=3, after_steps=6, penalty_steps=2, cnn_epochs=1, inverse_epochs=1, linear_epochs=1,
                  parametric_epochs=2, finetune_epochs=1, scratch_epochs=3, cnn_batch=64, rnn_batch=32),
}
LR = dict(cnn=0.1, inverse=1e-3, rnn=1e-3)


def _configs(scale, work):
    from cordsnet.training.config import stage_defaults

    common = dict(dataset="fashionmnist", depth=2, channels=scale["channels"], image_size=scale["image_size"],
                  train_size=scale["train_size"], test_size=scale["test_size"], blank_steps=scale["blank_steps"],
                  image_steps=scale["image_steps"], readout_steps=scale["readout_steps"],
                  after_steps=scale["after_steps"], penalty_steps=scale["penalty_steps"], mix=False, verbose=0,
                  results_dir=work, overwrite=True, strategy="default")
    folder = os.path.join(work, "results_2_fashionmnist")

    def make(stage, **kw):
        return dataclasses.replace(stage_defaults(stage), **{**common, **kw})

    e = scale
    return [
        make("compatibility", epochs=e["cnn_epochs"], batch_size=e["cnn_batch"], lr=LR["cnn"], warmup_batches=10),
        make("folding", epochs=e["cnn_epochs"], batch_size=e["cnn_batch"],
             init=os.path.join(folder, f"1_compatibility_3_{e['cnn_epochs']}.pth")),
        make("inverse", epochs=e["inverse_epochs"], batch_size=e["cnn_batch"], lr=LR["inverse"]),
        make("linear", epochs=e["linear_epochs"], batch_size=e["rnn_batch"], lr=LR["rnn"],
             init=os.path.join(folder, f"2_inverse_{e['inverse_epochs']}.pth")),
        make("parametric", epochs=e["parametric_epochs"], batch_size=e["rnn_batch"], lr=LR["rnn"],
             anneal_step=0.95 / max(e["parametric_epochs"] - 1, 1),
             init=os.path.join(folder, f"3_linear_{e['linear_epochs']}.pth")),
        make("finetune", epochs=e["finetune_epochs"], batch_size=e["rnn_batch"], lr=LR["rnn"],
             init=os.path.join(folder, f"4_parametric_{e['parametric_epochs']}.pth")),
        make("finetune", epochs=e["scratch_epochs"], batch_size=e["rnn_batch"], lr=LR["rnn"], from_scratch=True,
             results_dir=os.path.join(work, "scratch")),
    ]


def _test_images(config, sigma=0.0, seed=0):
    from cordsnet.training.data import load_arrays, normalise

    _, (x, y) = load_arrays(config.dataset)
    x, y = x[: config.test_size], y[: config.test_size]
    x = x.astype("float32")
    if sigma:
        x = np.clip(x + 255.0 * sigma * np.random.default_rng(seed).standard_normal(x.shape), 0, 255)
    return np.asarray(normalise(x, config.dataset, config.image_size)), y


def _load_net(config, path):
    from cordsnet.checkpoints import assign_state_dict, strip_data_parallel
    from cordsnet.pth import read_pth
    from cordsnet.training.stages import make_cordsnet

    net = make_cordsnet(config, readout_steps=1, spontaneous_weight=0.0)
    return assign_state_dict(net, strip_data_parallel(read_pth(path)), strict=False, source=path)


def _load_cnn(config, path):
    from cordsnet.checkpoints import assign_state_dict, strip_data_parallel
    from cordsnet.pth import read_pth
    from cordsnet.training.cnn import FoldedCNN

    cnn = FoldedCNN(config.depth, 10, config.channels)
    cnn.build((None, config.image_size, config.image_size, 1))
    return assign_state_dict(cnn, strip_data_parallel(read_pth(path)), strict=False, source=path)


def _final_checkpoint(config):
    if config.stage == "folding":
        return config.path("1_compatibility_fused.pth")
    if config.stage == "compatibility":
        return config.path(f"1_compatibility_{config.phases}_{config.epochs}.pth")
    from cordsnet.training.config import PREFIX

    return config.path(f"{PREFIX[config.stage]}_{config.epochs}.pth")


def run_results(out="results/cordsnet", quick=False, overwrite=False, resume=True):
    """Trains (pipeline and scratch), measures, writes tables, figures and summary.json in
    ``out``; returns the summary. With ``resume``, a stage whose last checkpoint is already in
    ``out/training`` (an interrupted run) is not trained again."""
    import json

    import pandas as pd

    from cordsnet import evaluation, spectral
    from cordsnet.training.stages import run_stage
    from drc.core.runs import check_out_dir, machine_info, write_csv_atomic, write_json_atomic

    check_out_dir(out, OUTPUTS, overwrite)
    scale = SCALES["quick" if quick else "full"]
    work = os.path.join(out, "training")
    configs = _configs(scale, work)
    record = os.path.join(work, "stages.json")
    done = json.load(open(record)) if resume and os.path.isfile(record) else {}
    for config in configs:
        key = "scratch" if config.from_scratch else config.stage
        if key in done and os.path.isfile(_final_checkpoint(config)):
            continue
        start = time.time()
        summary = run_stage(config)
        history = summary.get("history", {k: v for k, v in summary.items() if k != "checkpoint"})
        done[key] = {"seconds": round(time.time() - start, 1), "history": history}
        print(f"{key}: {done[key]}", flush=True)
        write_json_atomic(record, done)
    timings = {k: v["seconds"] for k, v in done.items()}
    histories = {k: v["history"] for k, v in done.items()}
    finetune, scratch = configs[5], configs[6]
    nets = {"pipeline": _load_net(finetune, finetune.path(f"5_finetune_{finetune.epochs}.pth")),
            "scratch": _load_net(scratch, scratch.path(f"5_finetune_{scratch.epochs}.pth"))}
    cnn = _load_cnn(finetune, finetune.path("1_compatibility_fused.pth"))
    x, y = _test_images(finetune)
    result = {"scale": {k: list(v) if isinstance(v, tuple) else v for k, v in scale.items()}, "learning_rates": LR,
              "seconds": timings, "histories": histories, "machine": machine_info()}
    result["accuracy"] = {"cnn": evaluation.accuracy(cnn, x, y), **{k: evaluation.accuracy(n, x, y) for k, n in nets.items()}}
    over_time = pd.DataFrame({"step": np.arange(1, finetune.image_steps + 1),
                              **{k: evaluation.accuracy_over_time(n, x, y) for k, n in nets.items()}})
    noise_rows = []
    for sigma in NOISE:
        xn, _ = _test_images(finetune, sigma, seed=1)
        noise_rows.append({"sigma": sigma, "cnn": evaluation.accuracy(cnn, xn, y),
                           **{k: evaluation.accuracy(n, xn, y) for k, n in nets.items()}})
    noise = pd.DataFrame(noise_rows)
    after = 3 * finetune.image_steps
    returns = pd.concat([pd.DataFrame(evaluation.return_to_spontaneous(n, x[:100], after),
                                      columns=[f"area_{j}" for j in range(n.depth)]).assign(model=k, step=np.arange(1, after + 1))
                         for k, n in nets.items()])
    spectra_rows = []
    for k, n in nets.items():
        for kind, state in (("W", None), ("DW_spontaneous", n.spontaneous_state())):
            for j in range(n.depth):
                op, shape = spectral.area_operator(n, j, state)
                values = spectral.eigenvalues(op, shape, iterations=min(200, int(np.prod(shape))), qr_iterations=100)
                spectra_rows.append({"model": k, "operator": kind, "area": j, "spectral_radius": float(np.abs(values[0])),
                                     "max_real_part": float(values.real.max())})
    spectra = pd.DataFrame(spectra_rows)
    traces = {k: evaluation.activity_traces(n, x[:20], after_steps=after) for k, n in nets.items()}
    result.update(accuracy_over_time=over_time.to_dict("list"), noise=noise.to_dict("list"),
                  spectral=spectra.to_dict("records"),
                  spontaneous_return_at_end=returns.groupby("model").tail(1).to_dict("records"))
    write_csv_atomic(os.path.join(out, "accuracy_over_time.csv"), over_time)
    write_csv_atomic(os.path.join(out, "noise.csv"), noise)
    write_csv_atomic(os.path.join(out, "spontaneous_return.csv"), returns)
    write_csv_atomic(os.path.join(out, "spectral_radius.csv"), spectra)
    _figures(out, over_time, noise, returns, traces, finetune, after)
    write_json_atomic(os.path.join(out, "summary.json"), result)
    return result


def _figures(out, over_time, noise, returns, traces, config, after):
    import matplotlib.pyplot as plt

    from drc.core.figures import save_figure

    fig, ax = plt.subplots(figsize=(4.5, 3))
    for k in ("pipeline", "scratch"):
        ax.plot(over_time["step"], over_time[k], label=k)
    ax.set(xlabel="image step (2 ms each)", ylabel="test accuracy")
    ax.legend()
    save_figure(fig, os.path.join(out, "accuracy_over_time.png"), title="CordsNet-R2, Fashion-MNIST")
    fig, ax = plt.subplots(figsize=(4.5, 3))
    for k in ("cnn", "pipeline", "scratch"):
        ax.plot(noise["sigma"], noise[k], marker="o", label=k)
    ax.set(xlabel="Gaussian pixel noise (sd, image in [0, 1])", ylabel="test accuracy")
    ax.legend()
    save_figure(fig, os.path.join(out, "noise.png"), title="Accuracy under noise")
    fig, ax = plt.subplots(figsize=(4.5, 3))
    for (k, part) in returns.groupby("model"):
        for col in [c for c in part.columns if c.startswith("area_")]:
            ax.plot(part["step"], part[col], label=f"{k} {col}")
    ax.set(xlabel="steps after the image", ylabel="|r - r_spont| / at image end", yscale="log")
    ax.legend(fontsize=7)
    save_figure(fig, os.path.join(out, "spontaneous_return.png"), title="Return to spontaneous activity")
    fig, axes = plt.subplots(1, len(traces), figsize=(4.5 * len(traces), 3), squeeze=False)
    for ax, (k, trace) in zip(axes[0], traces.items()):
        for j in range(trace.shape[1]):
            ax.plot(np.arange(1, len(trace) + 1), trace[:, j], label=f"area {j}")
        ax.axvspan(config.blank_steps, config.blank_steps + config.image_steps, color="0.9")
        ax.set(title=k, xlabel="step (blank | image | blank)", ylabel="mean rate")
        ax.legend(fontsize=7)
    save_figure(fig, os.path.join(out, "activity.png"), title="Mean activity over the timeline")


def check_scale(name):
    if name not in SCALES:
        raise CordsNetConfigError(f"scale {name!r} is unknown; allowed: {', '.join(SCALES)}")
    return name
