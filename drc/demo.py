"""The README demo: a small DRC on the bundled real Fashion-MNIST subset, on a CPU in minutes.

1. A picture of sensor movies next to their trajectories.
2. A small v1 teacher on full-resolution 28x28 images.
3. The naive low-resolution baseline: the same network trained on images shrunk to 7x7 (and
   enlarged back, as the original's ``bad_res101`` does).
4. DRC: a ConvGRU student distilled from the teacher's front end over 7x7 sensor movies, then
   the teacher's back end retrained on the student.
Prints test accuracies as a table and writes ``results.csv`` and ``accuracy.png``.
"""
import os

import keras
import numpy as np
import pandas as pd

from drc import pipeline
from drc.config import drc_config
from drc.core import datasets
from drc.figures import plot_demo_results, plot_sensor_movie
from drc.core.preprocessing import Preprocessing
from drc.core.resize import shrink_and_enlarge
from drc.trajectories import sample_trajectories

CLASS_NAMES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
               "Ankle boot")
TEACHER_OPTIONS = dict(resblocks=1, last_layer_size=64)
VAL_SIZE = 500


def sensor_pictures(out, res=7, n_samples=10, style="spiral_2dir2", seed=0):
    """Writes sensor_movie.png (and two more) from three bundled images; returns the paths."""
    from drc.movies import generate_drc_images

    (x, y), _ = datasets.load_fashion_mnist_subset()
    picks = [int(np.flatnonzero(y == c)[0]) for c in (0, 7, 9)]
    images = x[picks].astype(np.float32)
    traj = sample_trajectories(len(images), n_samples, style, 0.5, rng=np.random.default_rng(seed))
    frames, _ = generate_drc_images(images, res, n_samples=n_samples, trajectory_list=traj, max_length=n_samples)
    paths = []
    for i, idx in enumerate(picks):
        path = os.path.join(out, "sensor_movie.png" if i == 0 else f"sensor_movie_{i}.png")
        plot_sensor_movie(images[i], frames[i], traj[i], path,
                          title=f"{CLASS_NAMES[y[idx]]}: 28x28 image, {res}x{res} sensor, style {style}")
        paths.append(path)
    return paths


def _train_classifier(images, labels, val, epochs, verbose):
    from teachers.training import build_teacher

    model = build_teacher("default", images.shape[1:], 10, TEACHER_OPTIONS)
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy",
                  metrics=["sparse_categorical_accuracy"])
    model.fit(images, labels, validation_data=val, epochs=epochs, batch_size=32, verbose=verbose)
    return model


def _accuracy(model, images, labels):
    return float(model.evaluate(images, labels, batch_size=256, verbose=0, return_dict=True)
                 ["sparse_categorical_accuracy"])


def naive_low_res(images, res):
    """Images shrunk to res x res and enlarged back (OpenCV-exact cubic, the original's
    ``bad_res101``), for the whole batch at once."""
    return shrink_and_enlarge(images, res)


def run_demo(out="demo_output", res=7, n_samples=5, teacher_epochs=3, student_epochs=3, decoder_epochs=2,
             seed=0, verbose=2):
    """Runs the demo; returns the results table (a DataFrame)."""
    os.makedirs(out, exist_ok=True)
    keras.utils.set_random_seed(seed)
    pictures = sensor_pictures(out, res)
    (x, y), (xt, yt) = datasets.load_fashion_mnist_subset()
    pre = Preprocessing.fit(x[:-VAL_SIZE])
    xs, xts = pre.apply(x), pre.apply(xt)
    val = (xs[-VAL_SIZE:], y[-VAL_SIZE:])
    print("== teacher (full resolution 28x28)", flush=True)
    teacher = _train_classifier(xs[:-VAL_SIZE], y[:-VAL_SIZE], val, teacher_epochs, verbose)
    print(f"== naive low resolution ({res}x{res}, enlarged back)", flush=True)
    low = naive_low_res(xs, res)
    naive = _train_classifier(low[:-VAL_SIZE], y[:-VAL_SIZE], (low[-VAL_SIZE:], y[-VAL_SIZE:]), teacher_epochs,
                              verbose)
    teacher_path = os.path.join(out, f"teacher_{os.getpid()}.keras")
    from teachers.saving import save_teacher

    save_teacher(teacher, pre, teacher_path)
    print(f"== DRC: {n_samples}-step {res}x{res} sensor movies, ConvGRU student, retrained back end", flush=True)
    config = drc_config("small_cpu", teacher_net=teacher_path, dataset="fashion_mnist_subset", n_classes=10,
                        val_size=VAL_SIZE, res=res, n_samples=n_samples, max_length=n_samples, epochs=student_epochs,
                        decoder_epochs=decoder_epochs, broadcast=1, verbose=verbose, save_dir=out)
    try:
        row = pipeline.run_drc(config)
    finally:
        os.remove(teacher_path)
    table = pd.DataFrame([
        {"model": "teacher, full resolution 28x28", "test_accuracy": _accuracy(teacher, xts, yt)},
        {"model": f"naive low resolution {res}x{res}", "test_accuracy": _accuracy(naive, naive_low_res(xts, res), yt)},
        {"model": f"DRC, {n_samples} steps {res}x{res}, with position",
         "test_accuracy": row["test_accuracy_mean"], "std_over_5_runs": row["test_accuracy_std"]},
    ])
    table.to_csv(os.path.join(out, "results.csv"), index=False)
    plot_demo_results(table, os.path.join(out, "accuracy.png"))
    print(table.to_string(index=False, float_format=lambda v: f"{v:.4f}"))
    print("wrote " + ", ".join(pictures + [os.path.join(out, "results.csv"), os.path.join(out, "accuracy.png")]))
    return table
