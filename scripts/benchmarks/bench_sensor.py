"""Sensor-movie throughput: a per-image Python + OpenCV loop (the original's structure) against
the vectorised pipeline, side by side in one process.

Usage: python scripts/benchmarks/bench_sensor.py [--images 2048] [--batch 32] [--repeats 3]
Prints images/s for each configuration (n = 5, 10; broadcast 0, 1) and the ratio.
"""
import argparse
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import cv2
import numpy as np
import tensorflow as tf

from drc import sensor
from drc.movies import generate_drc_images
from drc.tf_data import make_drc_dataset
from drc.generator import DRC_dataset_generator
from drc.trajectories import create_trajectory, sample_trajectories


class _View:
    """The per-step work of the original's sensor object: crop, resize, change ("dvs") view and
    central view, kept as attributes between steps."""

    def __init__(self, res, window):
        self.res, self.window = res, window
        self.frame_view = cv2.resize(np.zeros((window, window, 3)), (res, res), interpolation=cv2.INTER_CUBIC)
        self.dvs_view = np.zeros_like(self.frame_view)

    def update(self, image, q):
        size = image.shape[0]
        view = image[size - q[1] - self.window:size - q[1], q[0]:q[0] + self.window]
        view = cv2.resize(view, (self.res, self.res), interpolation=cv2.INTER_CUBIC)
        self.dvs_view = view - self.frame_view
        self.frame_view = view
        self.central_frame_view = self.frame_view[0:self.res, 0:self.res]


def loop_reference(images, res, n_samples, broadcast, max_length, style="spiral_2dir2"):
    """One image and one step at a time, with OpenCV, structured as the original's generator:
    pad, draw a trajectory, step a sensor object through it, broadcast positions with a loop,
    then left-pad every movie in a second loop."""
    movies, where = [], []
    view = _View(res, 32)
    for image in images:
        padded = cv2.copyMakeBorder(1.0 / 256 * image, 100, 100, 100, 100, cv2.BORDER_CONSTANT)
        size = padded.shape[0]
        steps = np.array(create_trajectory(np.array([100, 100]), n_samples, style, 0.5)).astype(int)
        frames = []
        for q in steps:
            view.update(padded, q)
            frames.append(view.frame_view)
        movies.append(np.array(frames))
        if broadcast == 1:
            place = np.ones((n_samples, res, res, 2))
            for i in range(n_samples):
                place[i, :, :, 0] *= steps[i, 0]
                place[i, :, :, 1] *= steps[i, 1]
            where.append(place / size)
        else:
            where.append(steps / size)
    for i in range(len(movies)):
        movie = np.zeros((max_length, res, res, 3))
        place = np.zeros((max_length, res, res, 2) if broadcast == 1 else (max_length, 2))
        movie[-n_samples:] = movies[i]
        place[-n_samples:] = where[i]
        movies[i], where[i] = movie * 1, place * 1
    return np.array(movies), np.array(where)


def in_model_sensor(res, n_samples, broadcast, batch):
    """The sensor as the first layer of a jit-compiled model step: images and trajectories in,
    movies out (what model.fit does with drc.sensor.DRCSensor and jit_compile=True)."""
    layer = sensor.DRCSensor(res=res, broadcast=broadcast, max_length=n_samples)
    step = tf.function(lambda im, q: layer(im, q), jit_compile=True)
    rng = np.random.default_rng(0)

    def run(batches):
        for b in batches:
            q = sample_trajectories(len(b), n_samples, "spiral_2dir2", 0.5, rng=rng)
            step(tf.constant(b), tf.constant(q, tf.int32))[0].numpy()
    return run


def rate(fn, n_images, repeats):
    fn()  # warm-up (tracing, XLA compilation)
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return n_images / best


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=2048)
    parser.add_argument("--batch", type=int, default=32, help="batch size of the per-batch call")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    images = np.random.default_rng(0).normal(0, 60, (args.images, 32, 32, 3)).astype(np.float32)
    ref_images = images[: max(256, args.images // 8)]
    print(f"device: {tf.config.list_logical_devices()[-1].device_type}, images: {args.images}, "
          f"TensorFlow {tf.__version__}, {os.cpu_count()} CPUs")
    print(f"{'n':>3} {'bcast':>5} {'loop+OpenCV':>12} {'PyDataset':>10} {'one call':>10} {'tf.data':>10} "
          f"{'in model':>10} | ratios to the loop")
    for n in (5, 10):
        for broadcast in (0, 1):
            kw = dict(res=8, n_samples=n, n_trajectories=-1, style="spiral_2dir2", noise=0.5,
                      broadcast=broadcast, max_length=n)
            batches = [images[i:i + args.batch] for i in range(0, args.images - args.batch + 1, args.batch)]
            n_batched = len(batches) * args.batch
            results = {
                "loop": rate(lambda: loop_reference(ref_images, 8, n, broadcast, n), len(ref_images), args.repeats)}
            gen = DRC_dataset_generator(images, np.zeros(len(images)), batch_size=args.batch, prep_data_per_batch=True,
                                        **kw)

            def epoch():
                gen.on_epoch_end()
                for i in range(len(gen)):
                    gen[i]
            results["pydataset"] = rate(epoch, len(gen) * args.batch, args.repeats)
            results["one call"] = rate(lambda: generate_drc_images(images, **kw), args.images, args.repeats)
            ds = make_drc_dataset(images, np.zeros(len(images)), res=8, n_samples=n, broadcast=broadcast,
                                  batch_size=args.batch, shuffle=False, drop_remainder=True)
            results["tf.data"] = rate(lambda: [None for _ in ds], n_batched, args.repeats)
            model_step = in_model_sensor(8, n, broadcast, args.batch)
            results["in model"] = rate(lambda: model_step(batches), n_batched, args.repeats)
            loop = results["loop"]
            print(f"{n:>3} {broadcast:>5} " + " ".join(f"{v:>10.0f}" for v in results.values()) + " | "
                  + " ".join(f"{k} x{v / loop:.1f}" for k, v in list(results.items())[1:]))
    print("images/s. PyDataset: DRC_dataset_generator epoch with fresh trajectories per batch; one call: "
          "generate_drc_images on all images (validation mode); tf.data: make_drc_dataset; in model: "
          "DRCSensor in a jit-compiled step per batch with trajectories drawn per batch")


if __name__ == "__main__":
    main()
