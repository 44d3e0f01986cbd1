"""CordsNet speed: this package's model vs a per-area-per-step loop of the original's structure.

python scripts/benchmarks/bench_cordsnet.py [--depth 8] [--image_size 224] [--batch_size 2]
    [--train_image_size 64] [--train_batch_size 2] [--repeats 1] [--json FILE]

Side by side in one process, same weights and inputs, everything inside ``tf.function``:

- ``original loop``: the original's ``forward`` written out in TensorFlow: for every step and
  every area j = depth-1 .. 0, the stem recomputed (7x7/2 conv + pool of the image, or of a zero
  image in the blank period), the area's input built, the area updated in place; the 100 blank
  steps run on the whole batch.
- ``CordsNet call``: ``model(x)``: stem once per image, every area updated from the previous
  step at once, the blank period on a batch of one (broadcast).
- ``CordsNet cached``: ``model.simulate(x, model.spontaneous_state())``: the spontaneous state
  computed once per set of weights, so a forward pass is the 100 image steps only.

Prints images/s (best of ``--repeats`` interleaved timed calls after a warm-up), the ratio to the original
loop, and the largest logit difference to it; then the same for one training step (ramped loss
over the last 30 steps, gradients of every weight) at ``--train_image_size``.
"""
import argparse
import json
import os
import platform
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, os.path.abspath(os.path.join(os.path.dirname(__file__), os.pardir, os.pardir)))

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from cordsnet import CordsNet  # noqa: E402
from cordsnet import architecture as arch  # noqa: E402
from cordsnet.layers import avg_pool_3x3_s2  # noqa: E402
from cordsnet.training.losses import RampedCrossEntropy  # noqa: E402


def original_loop(model, images, blank, shown, readout_steps=1):
    """The original's loop structure; returns the readout at the last ``readout_steps`` steps."""
    k = model._kernels()
    batch = tf.shape(images)[0]
    zero = tf.zeros_like(images)

    def area(j, r, img):
        stem = avg_pool_3x3_s2(model.inp_conv(img))
        if j == 0:
            inp = stem
        elif j == 1:
            inp = tf.nn.relu(r[0]) + model.inp_skip(stem)
        elif arch.skip_index(j) is None:
            inp = tf.nn.relu(r[j - 1]) + tf.nn.relu(r[j - 2])
        else:
            s = arch.skip_index(j)
            inp = tf.nn.relu(r[j - 1]) + model.skip_area[s].convolve(tf.nn.relu(r[j - 2]), k["skip_area"][s])
        pre = (model.area_conv[j].convolve(r[j], k["area_conv"][j]) + model.conv_bias[j]
               + model.area_area[j].convolve(inp, k["area_area"][j]))
        return (1 - model.alpha) * r[j] + model.alpha * tf.nn.relu(pre)

    def step(img):
        def body(t, *r):
            r = list(r)
            for j in range(model.depth - 1, -1, -1):
                r[j] = area(j, r, img)
            return (t + 1, *r)
        return body

    r = [tf.zeros((batch, *s)) for s in model.state_shapes()]
    r = tf.while_loop(lambda t, *_: t < blank, step(zero), (tf.constant(0), *r))[1:]
    r = [tf.stop_gradient(x) for x in r]
    r = tf.while_loop(lambda t, *_: t < shown - readout_steps, step(images), (tf.constant(0), *r))[1:]
    out = []
    for _ in range(readout_steps):
        r = list(step(images)(0, *r)[1:])
        out.append(model.readout(r, k))
    return tf.stack(out, axis=1)


def timed_all(fns, repeats):
    """Best time of every function over ``repeats`` rounds (after one warm-up call each), the
    functions interleaved call by call so that a change of machine load hits them alike."""
    outputs = {name: fn() for name, fn in fns.items()}
    best = {name: float("inf") for name in fns}
    for _ in range(repeats):
        for name, fn in fns.items():
            start = time.perf_counter()
            outputs[name] = fn()
            best[name] = min(best[name], time.perf_counter() - start)
    return best, outputs


def bench_forward(args):
    model = CordsNet(depth=args.depth, n_classes=1000)
    model.build((None, args.image_size, args.image_size, 3))
    x = tf.constant(np.random.default_rng(0).standard_normal((args.batch_size, args.image_size, args.image_size, 3)),
                    tf.float32)
    start = time.perf_counter()
    state = model.spontaneous_state()
    spont = time.perf_counter() - start
    cached = tf.function(lambda images, s: model.simulate(images, s)[0][:, -1])
    loop = tf.function(lambda images: original_loop(model, images, model.blank_steps, model.image_steps)[:, -1])
    call = tf.function(lambda images: model(images))
    fns = {"original loop": lambda: loop(x), "CordsNet call": lambda: call(x), "CordsNet cached": lambda: cached(x, state)}
    best, outputs = timed_all(fns, args.repeats)
    reference = np.asarray(outputs["original loop"])
    results = {name: (best[name], float(np.abs(np.asarray(outputs[name]) - reference).max())) for name in fns}
    return results, {"spontaneous_state_seconds_once_per_weights": spont}


def bench_train(args):
    model = CordsNet(depth=args.depth, n_classes=1000, readout_steps=30)
    size = args.train_image_size
    model.build((None, size, size, 3))
    rng = np.random.default_rng(1)
    x = tf.constant(rng.standard_normal((args.train_batch_size, size, size, 3)), tf.float32)
    y = tf.constant(np.eye(1000, dtype="float32")[rng.integers(0, 1000, args.train_batch_size)])
    loss_fn = RampedCrossEntropy(30)
    variables = model.trainable_variables

    def make(forward):
        @tf.function
        def train():
            with tf.GradientTape() as tape:
                loss = loss_fn(y, forward())
            grads = tape.gradient(loss, variables)
            return loss, tf.add_n([tf.reduce_sum(g * g) for g in grads if g is not None])
        return train

    fns = {"original loop": make(lambda: original_loop(model, x, model.blank_steps, model.image_steps, 30)),
           "CordsNet call": make(lambda: model(x, training=True))}
    best, outputs = timed_all(fns, args.repeats)
    loss0, g0 = (float(v) for v in outputs["original loop"])
    return {name: (best[name], abs(float(outputs[name][0]) - loss0) + abs(float(outputs[name][1]) - g0) / max(g0, 1e-12))
            for name in fns}


def report(title, results, batch):
    base = results["original loop"][0]
    print(title)
    rows = {}
    for name, (seconds, diff) in results.items():
        rows[name] = {"images_per_s": batch / seconds, "seconds": seconds, "speedup": base / seconds, "difference": diff}
        print(f"  {name:16s} {batch / seconds:9.3f} images/s  {base / seconds:5.2f}x  (max |diff| to original {diff:.2e})")
    return rows


def main():
    # The original runs eagerly in PyTorch: every stem is computed. Keep TensorFlow's graph
    # optimiser from merging the identical stems of one step or folding the blank image's stem.
    tf.config.optimizer.set_experimental_options({"constant_folding": False, "common_subgraph_elimination": False,
                                                  "loop_optimization": False})
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--depth", type=int, default=8)
    p.add_argument("--image_size", type=int, default=224)
    p.add_argument("--batch_size", type=int, default=2)
    p.add_argument("--train_image_size", type=int, default=64)
    p.add_argument("--train_batch_size", type=int, default=2)
    p.add_argument("--repeats", type=int, default=2)
    p.add_argument("--skip_train", action="store_true")
    p.add_argument("--json", default=None, help="also write the figures to this JSON file")
    args = p.parse_args()
    cpu = platform.processor()
    try:
        cpu = next(l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name"))
    except (OSError, StopIteration):
        pass
    print(f"machine: {os.cpu_count()} CPUs ({cpu}), TensorFlow {tf.__version__}, "
          f"GPUs: {len(tf.config.list_physical_devices('GPU'))}")
    forward, extra = bench_forward(args)
    out = {"args": vars(args), "cpu": cpu, "nproc": os.cpu_count(),
           "forward": report(f"R{args.depth} forward, 100 blank + 100 image steps, {args.image_size} px, "
                             f"batch {args.batch_size}", forward, args.batch_size), **extra}
    print(f"  (spontaneous state, once per set of weights: {extra['spontaneous_state_seconds_once_per_weights']:.2f} s)")
    if not args.skip_train:
        out["train_step"] = report(f"R{args.depth} training step (ramped loss, last 30 of 100 image steps), "
                                   f"{args.train_image_size} px, batch {args.train_batch_size}",
                                   bench_train(args), args.train_batch_size)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(out, f, indent=2)


if __name__ == "__main__":
    main()
