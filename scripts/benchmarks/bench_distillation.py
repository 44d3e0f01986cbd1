"""DRC distillation: the original's structure against ours, side by side in one process.

Original structure: a Keras data generator whose every batch runs the per-image Python + OpenCV
sensor loop and ``teacher.predict`` on the batch, fed to ``student.fit``. Ours: batches of
images, trajectories and the front end's outputs cached once per image; the sensor and the
student run in one compiled step (``drc.distillation.Distiller``; with --no_cache_targets the
front end runs in the step too).

Usage: python scripts/benchmarks/bench_distillation.py [--batches 20] [--seed_v1] [--jit] [--mixed_precision]
Prints (a) the time per batch spent on inputs and targets and (b) distillation samples/s.
"""
import argparse
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_sensor import loop_reference  # noqa: E402

from drc.distillation import Distiller, cache_targets, sensor_for  # noqa: E402
from drc.tf_data import trajectory_dataset  # noqa: E402
from drc.trajectories import sample_trajectories  # noqa: E402
from students import student3  # noqa: E402
from teachers.training import build_teacher  # noqa: E402


class OriginalStyleGenerator(keras.utils.PyDataset):
    """Every batch: the Python + OpenCV sensor loop, then ``teacher.predict`` on the images."""

    def __init__(self, images, front_end, batch_size, res, n_samples, broadcast):
        super().__init__()
        self.images, self.front_end, self.batch_size = images, front_end, batch_size
        self.res, self.n_samples, self.broadcast = res, n_samples, broadcast
        self.input_seconds = 0.0

    def __len__(self):
        return len(self.images) // self.batch_size

    def __getitem__(self, index):
        t0 = time.perf_counter()
        batch = self.images[index * self.batch_size:(index + 1) * self.batch_size]
        frames, where = loop_reference(batch, self.res, self.n_samples, self.broadcast, self.n_samples)
        target = self.front_end.predict(batch, verbose=0)
        self.input_seconds += time.perf_counter() - t0
        return (frames.astype(np.float32), where.astype(np.float32)), target


def build(args):
    teacher = build_teacher("default", (32, 32, 3), 10, dict(resblocks=args.resblocks))
    front_end = teacher.layers[0]
    student = student3(sample=args.n_samples, res=8, activation="elu", num_feature=64, rnn_layer1=args.rnn_layer1,
                       rnn_layer2=args.rnn_layer2, layer_norm=True, conv_rnn_type="gru",
                       block_size=args.block_size, add_coordinates=args.broadcast, time_pool="average_pool",
                       channels=3, teacher_output_shape=front_end.output_shape)
    return front_end, student


def timed_fit(model, data, batches, **kwargs):
    model.fit(data, epochs=1, verbose=0, steps_per_epoch=2, **kwargs)  # warm-up: tracing, compilation
    t0 = time.perf_counter()
    model.fit(data, epochs=1, verbose=0, steps_per_epoch=batches, **kwargs)
    return time.perf_counter() - t0


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, default=20)
    parser.add_argument("--batch_size", type=int, default=32)
    parser.add_argument("--n_samples", type=int, default=5)
    parser.add_argument("--broadcast", type=int, default=1)
    parser.add_argument("--seed_v1", action="store_true",
                        help="the seed's v1 setting: 10 samples, student 64/128 filters, blocks of 2, resblocks 5")
    parser.add_argument("--jit", action="store_true", help="XLA-compile our step")
    parser.add_argument("--mixed_precision", action="store_true")
    parser.add_argument("--no_cache_targets", dest="cache_targets", action="store_false",
                        help="compute the teacher's targets in every step instead of once per image")
    args = parser.parse_args()
    args.rnn_layer1, args.rnn_layer2, args.block_size, args.resblocks = 16, 32, 1, 1
    if args.seed_v1:
        args.n_samples, args.broadcast = 10, 0
        args.rnn_layer1, args.rnn_layer2, args.block_size, args.resblocks = 64, 128, 2, 5
    if args.mixed_precision:
        keras.mixed_precision.set_global_policy("mixed_float16")
    n = args.batches * args.batch_size
    images = np.random.default_rng(0).normal(0, 0.5, (n + 2 * args.batch_size, 32, 32, 3)).astype(np.float32)
    device = tf.config.list_logical_devices()[-1]
    print(f"device {device.device_type} ({device.name}), TensorFlow {tf.__version__}, {os.cpu_count()} CPUs; "
          f"batch {args.batch_size}, {args.batches} batches, n_samples {args.n_samples}, broadcast {args.broadcast}, "
          f"student {args.rnn_layer1}/{args.rnn_layer2} x{args.block_size}, teacher resblocks {args.resblocks}")

    front_end, student = build(args)
    original = OriginalStyleGenerator(images, front_end, args.batch_size, 8, args.n_samples, args.broadcast)
    student.compile(optimizer=keras.optimizers.Adam(1e-3), loss="mse")
    t_original = timed_fit(student, original, args.batches)
    original.input_seconds = 0.0
    t_original = timed_fit(student, original, args.batches)
    original_inputs = original.input_seconds / args.batches

    front_end, student = build(args)
    distiller = Distiller(student, front_end)
    distiller.compile(optimizer=keras.optimizers.Adam(1e-3), loss="mse", jit_compile=args.jit)
    targets = cache_targets(front_end, images) if args.cache_targets else None
    data = trajectory_dataset(images, targets, n_samples=args.n_samples, batch_size=args.batch_size,
                              drop_remainder=True)
    distiller.build_on(data)
    t_ours = timed_fit(distiller, data.repeat(), args.batches, shuffle=False)

    sensor = sensor_for(student)
    if args.cache_targets:
        inputs_and_targets = tf.function(lambda im, q: (sensor(im, q), tf.gather(targets, tf.range(args.batch_size))))
    else:
        inputs_and_targets = tf.function(lambda im, q: (sensor(im, q), front_end(im, training=False)),
                                         jit_compile=args.jit)
    batch = tf.constant(images[:args.batch_size])
    q = tf.constant(sample_trajectories(args.batch_size, args.n_samples, "spiral_2dir2", 0.5), tf.int32)
    inputs_and_targets(batch, q)
    t0 = time.perf_counter()
    for _ in range(args.batches):
        q = tf.constant(sample_trajectories(args.batch_size, args.n_samples, "spiral_2dir2", 0.5), tf.int32)
        out = inputs_and_targets(batch, q)
    _ = out[1].numpy()
    ours_inputs = (time.perf_counter() - t0) / args.batches

    print(f"{'':34} {'original':>12} {'ours':>12} {'ratio':>8}")
    print(f"{'inputs + targets per batch (ms)':34} {1000 * original_inputs:>12.1f} {1000 * ours_inputs:>12.1f} "
          f"{original_inputs / ours_inputs:>8.1f}")
    step_original, step_ours = t_original / args.batches, t_ours / args.batches
    print(f"{'share of a training step':34} {original_inputs / step_original:>12.1%} "
          f"{ours_inputs / step_ours:>12.1%}")
    print(f"{'distillation samples/s':34} {n / t_original:>12.1f} {n / t_ours:>12.1f} {t_original / t_ours:>8.2f}")


if __name__ == "__main__":
    main()
