"""Every GPU benchmark of BENCHMARKS.md in one command (under 5 minutes on one GPU): one table, one JSON.

python scripts/benchmarks/bench_gpu.py [--out bench_gpu.json] [--tiny]      (make bench-gpu)

Rows, each against its baseline in the same process:

- sensor movies: the original's per-image Python + OpenCV loop vs ``drc.sensor.DRCSensor`` in a
  jit-compiled step (images/s);
- DRC distillation: the original's structure (per-batch loop sensor + ``teacher.predict`` in a
  PyDataset) vs ``drc.distillation.Distiller`` plain, ``--jit``, ``--mixed_precision`` and both
  (samples/s of ``fit``);
- BL inference: the original's unrolled graph vs ``bl_net`` and ``fused_bl_inference``, with and
  without XLA (samples/s);
- the new families' forward and training steps where their packages exist: a family's own
  ``scripts/benchmarks/bench_<family>.py`` may define ``gpu_cases(tiny)``; otherwise a small
  model of the family is timed here (a family that cannot be built is listed as skipped).

Without a GPU it runs a tiny version (seconds of work per row) and says that no GPU was found:
the CPU figures of BENCHMARKS.md come from the individual bench_*.py scripts.
"""
import argparse
import importlib
import importlib.util
import json
import os
import platform
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(1, os.path.dirname(os.path.dirname(HERE)))

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from drc.core.progress import progress  # noqa: E402

FAMILIES = ("cordsnet", "rsrnn", "whatwhere")


def best_rate(fn, samples, repeats):
    """samples/s of the best of ``repeats`` timed calls after one warm-up call."""
    fn()
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return samples / best


def row(benchmark, variant, rate, baseline=None, note=""):
    return {"benchmark": benchmark, "variant": variant, "samples_per_s": rate,
            "ratio": None if baseline is None or rate is None else rate / baseline, "note": note}


def sensor_rows(scale):
    from bench_sensor import in_model_sensor, loop_reference

    images = np.random.default_rng(0).normal(0, 60, (scale["sensor_images"], 32, 32, 3)).astype(np.float32)
    reference = images[:scale["loop_images"]]
    rows = []
    for n in (5, 10):
        batch = scale["batch"]
        batches = [images[i:i + batch] for i in range(0, len(images) - batch + 1, batch)]
        loop = best_rate(lambda: loop_reference(reference, 8, n, 1, n), len(reference), scale["repeats"])
        step = in_model_sensor(8, n, 1, batch)
        ours = best_rate(lambda: step(batches), len(batches) * batch, scale["repeats"])
        rows += [row("sensor movies", f"loop + OpenCV, n={n}", loop, loop),
                 row("sensor movies", f"DRCSensor jit step, n={n}", ours, loop)]
    return rows


def distillation_rows(scale, tiny):
    from bench_distillation import OriginalStyleGenerator, build, timed_fit

    from drc.distillation import Distiller, cache_targets
    from drc.tf_data import trajectory_dataset

    args = argparse.Namespace(n_samples=5, broadcast=1, rnn_layer1=16, rnn_layer2=32, block_size=1, resblocks=1)
    batch, batches = scale["batch"], scale["batches"]
    images = np.random.default_rng(0).normal(0, 0.5, ((batches + 2) * batch, 32, 32, 3)).astype(np.float32)
    n = batches * batch
    front_end, student = build(args)
    student.compile(optimizer=keras.optimizers.Adam(1e-3), loss="mse")
    baseline = n / timed_fit(student, OriginalStyleGenerator(images, front_end, batch, 8, 5, 1), batches)
    rows = [row("DRC distillation", "original structure", baseline, baseline)]
    for jit, mixed in ((False, False), (True, False), (False, True), (True, True)):
        variant = "Distiller" + (" --jit" if jit else "") + (" --mixed_precision" if mixed else "")
        if tiny and (jit or mixed):  # XLA compilation and float16 emulation take minutes on a CPU
            rows.append(row("DRC distillation", variant, None, note="GPU only (not in the tiny version)"))
            continue
        keras.mixed_precision.set_global_policy("mixed_float16" if mixed else "float32")
        try:
            front_end, student = build(args)
            distiller = Distiller(student, front_end)
            distiller.compile(optimizer=keras.optimizers.Adam(1e-3), loss="mse", jit_compile=jit)
            data = trajectory_dataset(images, cache_targets(front_end, images), n_samples=5, batch_size=batch,
                                      drop_remainder=True)
            distiller.build_on(data)
            rate = n / timed_fit(distiller, data.repeat(), batches, shuffle=False)
            note = ""
        except Exception as err:  # a variant this device cannot run is reported, not fatal
            rate, note = None, f"failed: {type(err).__name__}: {str(err).splitlines()[0][:120]}"
        finally:
            keras.mixed_precision.set_global_policy("float32")
        rows.append(row("DRC distillation", variant, rate, baseline, note))
    return rows


def bl_rows(scale, tiny):
    from bench_bl import original_style_bl

    from convrnn_bl import bl_net
    from convrnn_bl.fused import fused_bl_inference

    size, batch, steps, width = scale["bl_size"], scale["bl_batch"], 8, scale["bl_width"]
    model = bl_net(keras.Input((size, size, 3)), classes=1000, n_timesteps=steps, width_multiplier=width)
    original = original_style_bl(keras.Input((size, size, 3)), 1000, steps, width)
    original.set_weights(model.get_weights())
    x = tf.constant(np.random.default_rng(0).uniform(-1, 1, (batch, size, size, 3)).astype(np.float32))
    candidates = {"original graph": original, "bl_net": model, "fused": fused_bl_inference(model)}
    rows, baseline = [], None
    for jit in (False,) if tiny else (False, True):  # XLA compilation of BL takes minutes on a CPU
        for name, fn in candidates.items():
            call = tf.function(lambda im, f=fn: f(im, training=False) if isinstance(f, keras.Model) else f(im),
                               jit_compile=jit)
            rate = best_rate(lambda: [t.numpy() for t in tf.nest.flatten(call(x))], batch, scale["repeats"])
            baseline = baseline or rate
            rows.append(row(f"BL inference {size}px x{width:g}", name + (" (XLA)" if jit else ""), rate, baseline))
    return rows


def _keras_steps(family, variant, model, inputs, labels, repeats):
    """Forward (jit call) and training (``fit`` steps) samples/s of a classifier."""
    forward = tf.function(lambda x: model(x, training=False))
    batch = len(labels)
    fwd = best_rate(lambda: tf.nest.flatten(forward(inputs))[0].numpy(), batch, repeats)
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy")
    data = tf.data.Dataset.from_tensors((inputs, labels)).repeat()
    fit = dict(epochs=1, verbose=0, shuffle=False)
    model.fit(data, steps_per_epoch=1, **fit)
    train = best_rate(lambda: model.fit(data, steps_per_epoch=repeats, **fit), batch * repeats, 1)
    return [row(family, f"{variant} forward", fwd), row(family, f"{variant} training step", train)]


def _fallback_cases(family, tiny):
    """A small model of each family, timed here when the family has no gpu_cases of its own."""
    batch = 4 if tiny else 64
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 10, batch)
    if family == "cordsnet":
        from cordsnet import CordsNet

        model = CordsNet(depth=2, n_classes=10, channels=(16, 16) if tiny else None, blank_steps=2, image_steps=4)
        return "CordsNet-R2", model, rng.normal(size=(batch, 32, 32, 3)).astype(np.float32), labels
    if family == "rsrnn":
        from rsrnn.models import build_model

        model = build_model("cnn", n_classes=10)
        return "RS-RNN cnn", model, rng.normal(size=(batch, 28, 28, 1)).astype(np.float32), labels
    from whatwhere.models import build_model

    model = build_model("stn_28x28")
    return "What/Where STN 28x28", model, rng.normal(size=(batch, 28, 28, 1)).astype(np.float32), labels


def family_rows(scale, tiny):
    rows = []
    for family in FAMILIES:
        if importlib.util.find_spec(family) is None:
            continue
        try:
            own = os.path.join(HERE, f"bench_{family}.py")
            module = importlib.import_module(f"bench_{family}") if os.path.exists(own) else None
            if module is not None and hasattr(module, "gpu_cases"):
                for case in module.gpu_cases(tiny):
                    rate = best_rate(case["fn"], case["samples"], scale["repeats"])
                    rows.append(row(family, case["variant"], rate, note=case.get("note", "")))
                continue
            variant, model, inputs, labels = _fallback_cases(family, tiny)
            rows += _keras_steps(family, variant, model, inputs, labels, scale["repeats"])
        except Exception as err:  # a family still being written must not stop the others
            rows.append(row(family, "skipped", None, note=f"{type(err).__name__}: {str(err).splitlines()[0][:120]}"))
    return rows


SCALES = {
    "gpu": dict(sensor_images=8192, loop_images=512, batch=256, batches=20, repeats=3, bl_size=128, bl_batch=64,
                bl_width=1.0),
    "tiny": dict(sensor_images=64, loop_images=16, batch=16, batches=2, repeats=1, bl_size=64, bl_batch=2,
                 bl_width=1 / 16),
}


def machine():
    gpus = tf.config.list_physical_devices("GPU")
    names = [tf.config.experimental.get_device_details(g).get("device_name", g.name) for g in gpus]
    return {"gpus": names, "cpus": os.cpu_count(), "processor": platform.processor() or platform.machine(),
            "tensorflow": tf.__version__, "keras": keras.__version__, "python": platform.python_version()}


def print_table(rows):
    print(f"{'benchmark':34} {'variant':36} {'samples/s':>11} {'ratio':>7}  note")
    for r in rows:
        rate = "" if r["samples_per_s"] is None else f"{r['samples_per_s']:.1f}"
        ratio = "" if r["ratio"] is None else f"{r['ratio']:.2f}"
        print(f"{r['benchmark']:34} {r['variant']:36} {rate:>11} {ratio:>7}  {r['note']}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="bench_gpu.json", help="JSON file for the table and the machine")
    parser.add_argument("--tiny", action="store_true", help="the tiny version even on a GPU")
    parser.add_argument("--only", nargs="+", choices=("sensor", "distillation", "bl", "families"),
                        help="run only these groups")
    args = parser.parse_args(argv)
    info = machine()
    tiny = args.tiny or not info["gpus"]
    if not info["gpus"]:
        print("no GPU found: running the tiny CPU version (its figures are not GPU figures)")
    else:
        print(f"GPU: {', '.join(info['gpus'])}")
    scale = SCALES["tiny" if tiny else "gpu"]
    groups = {"sensor": lambda: sensor_rows(scale), "distillation": lambda: distillation_rows(scale, tiny),
              "bl": lambda: bl_rows(scale, tiny), "families": lambda: family_rows(scale, tiny)}
    rows, t0 = [], time.perf_counter()
    for name in progress(args.only or list(groups), "bench-gpu groups"):
        started = time.perf_counter()
        rows += groups[name]()
        print(f"[{name}: {time.perf_counter() - started:.0f} s]", flush=True)
    print_table(rows)
    result = {"machine": info, "tiny": tiny, "seconds": time.perf_counter() - t0, "scale": scale, "rows": rows}
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump(result, f, indent=1)
    print(f"wrote {args.out} ({result['seconds']:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
