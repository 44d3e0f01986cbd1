"""RS-RNN speed: retinal sampling of a batch (one vectorised call) against a per-image loop, and
training samples/s of RS-RNN against its fixed-retina control, side by side in one run.

python scripts/benchmarks/bench_rsrnn.py [--batch 64] [--canvas 96] [--grid 32] [--repeats 5]
"""
import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))


def best_time(fn, repeats):
    fn()
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return min(times)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--canvas", type=int, default=96)
    parser.add_argument("--grid", type=int, default=32)
    parser.add_argument("--width", type=int, default=8)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)

    import keras
    import numpy as np
    import tensorflow as tf

    import rsrnn
    from drc.core.runs import machine_info

    rng = np.random.default_rng(0)
    images = tf.constant(rng.uniform(size=(args.batch, args.canvas, args.canvas, 1)).astype(np.float32))
    fixations = tf.constant(rng.uniform(-0.9, 0.9, size=(args.batch, 2)).astype(np.float32))
    sampler = rsrnn.RetinalSampler(args.grid, density_ratio=15.0)
    batched = tf.function(lambda x, f: sampler(x, f))
    single = tf.function(lambda x, f: sampler(x, f))

    def loop():
        return [single(images[i:i + 1], fixations[i:i + 1]) for i in range(args.batch)]

    t_batch = best_time(lambda: batched(images, fixations).numpy(), args.repeats)
    t_loop = best_time(lambda: [o.numpy() for o in loop()], args.repeats)
    print(f"machine: {machine_info()['cpu']} ({os.cpu_count()} CPUs), load {os.getloadavg()[0]:.1f}")
    print(f"retina (blur + warp) {args.canvas}->{args.grid}, batch {args.batch}:")
    print(f"  vectorised batch : {args.batch / t_batch:10.0f} images/s")
    print(f"  per-image loop   : {args.batch / t_loop:10.0f} images/s")
    print(f"  ratio            : {t_loop / t_batch:10.1f} x")

    labels = rng.integers(0, 10, size=args.batch)
    x = images.numpy()
    speeds = {}
    for name in ("rsrnn", "fixed_retina", "cnn"):
        model = rsrnn.build_model(name, width=args.width, attention_width=args.width, output_size=args.grid)
        model.compile(optimizer=keras.optimizers.Adam(1e-3))
        step = lambda: model.train_on_batch(x, labels)  # noqa: E731
        speeds[name] = args.batch / best_time(step, args.repeats)
    print(f"training (4 steps, width {args.width}, batch {args.batch}, {args.canvas} px canvas):")
    for name, speed in speeds.items():
        print(f"  {name:13s}: {speed:8.1f} samples/s  ({speed / speeds['rsrnn']:.2f} x rsrnn)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
