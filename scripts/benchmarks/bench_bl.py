"""BL inference speed: the original's unrolled Keras graph vs convrnn_bl, with and without XLA.

python scripts/benchmarks/bench_bl.py [--image_size 128] [--n_timesteps 8] [--batch_size 8]
    [--width_multiplier 1.0] [--repeats 5] [--classes 1000]

Side by side in one process, on the same weights and inputs:

- ``original``: the graph built the way rcnn-sat builds it (tf.keras layers, a ``Lambda(tf.add_n)``
  per convolution sum, one BatchNormalization layer per layer and time step);
- ``bl_net``: this package's Keras 3 model (same structure and names, a ``ConvSum`` layer);
- ``fused``: ``convrnn_bl.fused.fused_bl_inference`` (one convolution over concatenated bottom-up
  and lateral inputs, folded batch norm).

Each runs inside ``tf.function`` with ``jit_compile`` False and True. Prints samples/s (best of
``--repeats`` timed calls after warm-up, the six variants interleaved call by call), the ratio to
``original`` without XLA, and the largest output difference to ``original``.
"""
import argparse
import os
import platform
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, os.path.abspath(os.path.join(os.path.dirname(__file__), os.pardir, os.pardir)))

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from convrnn_bl import bl_net  # noqa: E402
from convrnn_bl.fused import fused_bl_inference  # noqa: E402
from convrnn_bl.models import BL_LAYERS, scaled_filters  # noqa: E402


def original_style_bl(input_tensor, classes, n_timesteps, width_multiplier):
    """BL unrolled the original's way: a conv pair per layer, summed by Lambda(tf.add_n)."""
    layers = keras.layers
    convs = []
    for n, (filters, kernel) in enumerate(BL_LAYERS):
        filters = scaled_filters(filters, width_multiplier)
        make = lambda suffix: layers.Conv2D(  # noqa: E731
            filters, kernel, padding="same", use_bias=False, name=f"RCL_{n}_{suffix}")
        convs.append((make("BConv"), make("LConv"), layers.Lambda(tf.add_n, name=f"RCL_{n}_ConvSum")))
    dense = layers.Dense(classes, name="ReadoutDense")
    image_conv, previous, outputs = None, None, []
    for t in range(n_timesteps):
        current = []
        for n, (b_conv, l_conv, conv_sum) in enumerate(convs):
            if n == 0:
                if image_conv is None:
                    image_conv = b_conv(input_tensor)
                terms = [image_conv]
            else:
                pooled = layers.MaxPool2D((2, 2), name=f"MaxPool_Layer_{n}_Time_{t}")(current[n - 1])
                terms = [b_conv(pooled)]
            if t > 0:
                terms.append(l_conv(previous[n]))
            x = conv_sum(terms)
            x = layers.BatchNormalization(-1, name=f"BatchNorm_Layer_{n}_Time_{t}")(x)
            current.append(layers.Activation("relu", name=f"ReLU_Layer_{n}_Time_{t}")(x))
        previous = current
        x = layers.GlobalAveragePooling2D(name=f"GlobalAvgPool_Time_{t}")(current[-1])
        outputs.append(layers.Activation("softmax", name=f"Sotfmax_Time_{t}")(dense(x)))
    return keras.Model(input_tensor, outputs, name="original_bl")


def run_once(fn, x):
    start = time.perf_counter()
    [o.numpy() for o in fn(x)]
    return time.perf_counter() - start


def best_times(candidates, x, repeats):
    """Best-of-``repeats`` seconds per call for each candidate. Calls are interleaved (one call of
    each candidate per round) so that load from other processes affects all of them alike."""
    for fn in candidates.values():  # trace / compile, then one warm call
        run_once(fn, x)
        run_once(fn, x)
    best = {name: float("inf") for name in candidates}
    for _ in range(repeats):
        for name, fn in candidates.items():
            best[name] = min(best[name], run_once(fn, x))
    return best


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--image_size", type=int, default=128)
    parser.add_argument("--n_timesteps", type=int, default=8)
    parser.add_argument("--batch_size", type=int, default=8)
    parser.add_argument("--width_multiplier", type=float, default=1.0)
    parser.add_argument("--classes", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()

    shape = (args.image_size, args.image_size, 3)
    ours = bl_net(keras.Input(shape), args.classes, args.n_timesteps,
                  width_multiplier=args.width_multiplier)
    rng = np.random.default_rng(0)
    for w in ours.weights:  # glorot convolutions, non-trivial batch-norm parameters
        if "BatchNorm" in w.path:
            value = rng.uniform(0.5, 1.5, w.shape) if "variance" in w.path or "gamma" in w.path \
                else rng.normal(0, 0.1, w.shape)
            w.assign(value.astype("float32"))
    original = original_style_bl(keras.Input(shape), args.classes, args.n_timesteps, args.width_multiplier)
    for layer in original.layers:
        if layer.weights:
            layer.set_weights(ours.get_layer(layer.name).get_weights())
    x = tf.constant(rng.uniform(-1, 1, (args.batch_size,) + shape).astype("float32"))

    devices = [d.device_type for d in tf.config.list_physical_devices()]
    print(f"BL inference: {args.n_timesteps} steps, {args.image_size}x{args.image_size}, batch "
          f"{args.batch_size}, width multiplier {args.width_multiplier}, {ours.count_params():,} "
          f"parameters; TF {tf.__version__}, Keras {keras.__version__}, {platform.processor() or platform.machine()}, "
          f"{os.cpu_count()} CPUs, devices {devices}")
    reference = [o.numpy() for o in original(x, training=False)]
    candidates = {}
    for jit in (False, True):
        candidates[("original", jit)] = tf.function(lambda v: original(v, training=False), jit_compile=jit)
        candidates[("bl_net", jit)] = tf.function(lambda v: ours(v, training=False), jit_compile=jit)
        candidates[("fused", jit)] = fused_bl_inference(ours, jit_compile=jit)
    seconds = best_times(candidates, x, args.repeats)
    results = {}
    for (name, jit), fn in candidates.items():
        diff = max(float(np.abs(a - b.numpy()).max()) for a, b in zip(reference, fn(x)))
        results[(name, jit)] = args.batch_size / seconds[(name, jit)]
        print(f"  {name:9s} xla={'on ' if jit else 'off'} {results[(name, jit)]:9.2f} samples/s "
              f"({seconds[(name, jit)] * 1000:8.1f} ms/batch)  max |diff| vs original {diff:.1e}")
    base = results[("original", False)]
    print("ratios to original without XLA:")
    for (name, jit), rate in results.items():
        print(f"  {name:9s} xla={'on ' if jit else 'off'} {rate / base:5.2f}x")


if __name__ == "__main__":
    main()
