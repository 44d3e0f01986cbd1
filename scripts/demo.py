"""Demo on the bundled real Fashion-MNIST subset: a drifting 7x7 sensor over 28x28 images.

Usage: python scripts/demo.py [--out demo_output] [--style spiral_2dir2] [--n_samples 10]
Writes <out>/sensor_movie.png: each movie next to its trajectory over the full image.
"""
import argparse
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402

from drc import datasets, trajectories  # noqa: E402
from drc.movies import generate_drc_images  # noqa: E402
from drc.plots import plot_sensor_movie  # noqa: E402

CLASS_NAMES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
               "Ankle boot")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="demo_output")
    parser.add_argument("--style", default="spiral_2dir2", choices=trajectories.STYLES)
    parser.add_argument("--n_samples", type=int, default=10)
    parser.add_argument("--res", type=int, default=7)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    if args.n_samples < 1 or args.res < 1:
        parser.error(f"--n_samples {args.n_samples} and --res {args.res} must be positive")
    os.makedirs(args.out, exist_ok=True)
    (x, y), _ = datasets.load_fashion_mnist_subset()
    picks = [int(np.flatnonzero(y == c)[0]) for c in (0, 7, 9)]
    images = x[picks].astype(np.float32)
    # explicit trajectories, so the plot has them in padded pixels (the movie's are normalised)
    rng = np.random.default_rng(args.seed)
    traj = trajectories.sample_trajectories(len(images), args.n_samples, args.style, 0.5, rng=rng)
    frames, _ = generate_drc_images(images, args.res, n_samples=args.n_samples, trajectory_list=traj,
                                    max_length=args.n_samples)
    paths = []
    for i, idx in enumerate(picks):
        path = os.path.join(args.out, "sensor_movie.png" if i == 0 else f"sensor_movie_{i}.png")
        plot_sensor_movie(images[i], frames[i], traj[i], path,
                          title=f"{CLASS_NAMES[y[idx]]}: 28x28 image, {args.res}x{args.res} sensor, "
                                f"style {args.style}")
        paths.append(path)
    print("wrote " + ", ".join(paths))
    return 0


if __name__ == "__main__":
    sys.exit(main())
