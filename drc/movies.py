"""Sensor movies for arrays of images: ``generate_drc_images`` with the original's arguments.

The trajectory of each image is chosen by the original's rules (``trajectories_num``):
-1 draws a fresh trajectory per image; N > 0 gives each image one of N + 1 fixed trajectories
(those the original draws after ``np.random.seed(s)``, s = 0..N); 0 gives image k of every call
the k-th trajectory of the stream seeded with 42; a nonzero int ``trajectory_list`` gives every
image the trajectory of that seed; a list/array ``trajectory_list`` gives explicit trajectories.
Frames come from ``drc.sensor.sensor_frames`` in chunks: no Python loop per image or per step.
"""
import functools

import numpy as np
import tensorflow as tf

from drc import sensor, trajectories
from drc.core.validation import BadShapeError, check_choice, check_int, check_shape
from drc.core.resize import resize_image

CHUNK = 512
SEED_STREAM = 42


def _as_nhwc(images):
    images = np.asarray(images)
    return images[..., None] if images.ndim == 3 else images


def bad_res102(img, res):
    """Shrinks an (H, W[, C]) image to ``res`` (an int or OpenCV's (width, height)) with
    OpenCV-exact cubic interpolation (``drc.core.resize.resize_image``)."""
    return resize_image(img, res)


def bad_res101(img, res):
    """Shrinks to ``res`` and enlarges back to the original size, both OpenCV-exact cubic."""
    small = bad_res102(img, res)
    return bad_res102(small, (img.shape[1], img.shape[0]))


@functools.lru_cache(maxsize=64)
def _seeded_bank(seeds, n_samples, style, noise, start, traj_items):
    return trajectories.trajectory_bank(seeds, n_samples, style, noise, start, **dict(traj_items))


@functools.lru_cache(maxsize=16)
def _stream_bank(count, n_samples, style, noise, start, traj_items):
    rng = np.random.RandomState(SEED_STREAM)
    return np.stack([np.trunc(trajectories.create_trajectory(np.array(start), n_samples, style, noise,
                                                             rng=rng, **dict(traj_items))).astype(np.int64)
                     for _ in range(count)])


def select_trajectories(n_images, n_samples, style, noise, start, mixed_state=True, n_trajectories=-1,
                        trajectory_list=0, rng=None, **traj_kwargs):
    """(n_images, n_samples, 2) int64 trajectories by the original's rules (module docstring)."""
    trajectories.check_style(style)
    check_int(n_trajectories, "n_trajectories", minimum=-1)
    if not isinstance(trajectory_list, (int, np.integer)):
        chosen = np.trunc(np.asarray(trajectory_list, dtype=np.float64)).astype(np.int64)
        if chosen.shape[0] < n_images or chosen.shape[-1] != 2:
            raise ValueError(f"trajectory_list has shape {chosen.shape}; need ({n_images}, n, 2)")
        return chosen[:n_images]
    rng = np.random.default_rng() if rng is None else rng
    start = tuple(int(s) for s in start)
    items = tuple(sorted(traj_kwargs.items()))
    count = n_images if mixed_state else 1
    if trajectory_list and n_trajectories != -1:
        chosen = np.repeat(_seeded_bank((int(trajectory_list),), n_samples, style, noise, start, items), count, 0)
    elif n_trajectories == -1:
        chosen = trajectories.sample_trajectories(count, n_samples, style, noise, start, rng=rng, **traj_kwargs)
    elif n_trajectories > 0:
        bank = _seeded_bank(tuple(range(n_trajectories + 1)), n_samples, style, noise, start, items)
        chosen = bank[rng.integers(0, n_trajectories + 1, count)]
    else:
        chosen = _stream_bank(count, n_samples, style, noise, start, items)
    return np.broadcast_to(chosen, (n_images,) + chosen.shape[1:]).copy()


def movie_fn(res, window, up_to_window, max_length, broadcast, method="auto"):
    """A function from (images, positions) to padded (frames, position inputs)."""

    def movies(images, positions):
        frames = sensor.sensor_frames(images, positions, res, window, up_to_window=up_to_window, method=method)
        where = sensor.position_inputs(positions, images.shape[1], res, broadcast)
        return sensor.left_pad(frames, max_length), sensor.left_pad(where, max_length)

    return movies


@functools.lru_cache(maxsize=32)
def compiled_movies(res, window, up_to_window, max_length, broadcast):
    """``movie_fn`` compiled with XLA (which fuses the filter-and-gather sensor)."""
    return tf.function(movie_fn(res, window, up_to_window, max_length, broadcast), jit_compile=True,
                       reduce_retracing=True)


def make_movies(images, positions, res, window, max_length, broadcast=0, up_to_window=False):
    """Padded frames and position inputs as float32 NumPy arrays, in fixed-size chunks."""
    run = compiled_movies(res, window, up_to_window, max_length, broadcast)
    frames, where = [], []
    for i in range(0, max(len(images), 1), CHUNK):
        chunk, pos = images[i:i + CHUNK], positions[i:i + CHUNK]
        n = len(chunk)
        if n < CHUNK < len(images):  # pad the last chunk: one compiled shape
            chunk = np.concatenate([chunk, np.zeros((CHUNK - n,) + chunk.shape[1:], chunk.dtype)])
            pos = np.concatenate([pos, np.zeros((CHUNK - n,) + pos.shape[1:], pos.dtype)])
        f, w = run(tf.constant(chunk, tf.float32), tf.constant(pos, tf.int32))
        frames.append(f.numpy()[:n])
        where.append(w.numpy()[:n])
    return np.concatenate(frames), np.concatenate(where)


def generate_drc_images(images, res, n_samples=5, mixed_state=True, add_traject=True, trajectory_list=0,
                        n_trajectories=20, bad_res_func=bad_res102, up_sample=False, broadcast=0,
                        style="brownian", noise=0.15, max_length=20, loud=False, rng=None, window=None,
                        **kwargs):
    """Sensor movies of ``images`` (N, H, W[, C]), already preprocessed.

    Returns ``(frames, positions)`` (or frames alone with ``add_traject=False``): frames
    (N, max_length, res, res, C) float32, positions (N, max_length, 2) or, with broadcast=1,
    (N, max_length, res, res, 2), both left-padded with zeros. ``up_sample`` uses the original's
    56x56 window; then ``bad_res_func=bad_res101`` gives frames enlarged back to 56x56.
    ``kwargs`` are the trajectory options (time_sec, traj_out_scale, snellen, vm_kappa).
    ``rng`` (a np.random.Generator) drives the fresh and the seed-choosing draws.
    """
    shape = check_shape(images, "images", (3, 4), what="(N, H, W[, C])")
    if shape and shape[0] == 0:
        raise BadShapeError(f"images has shape {shape}: needs at least one image")
    check_int(res, "res", minimum=1)
    check_int(n_samples, "n_samples", minimum=1)
    check_int(max_length, "max_length", minimum=1)
    check_choice(broadcast, "broadcast", (0, 1))
    images = _as_nhwc(images)
    if n_samples > max_length:
        if loud:
            print(f"max_length ({max_length}) < n_samples ({n_samples}): using max_length = {n_samples}")
        max_length = n_samples
    height, width = images.shape[1], images.shape[2]
    window = sensor.sensor_window(height, up_sample, window)
    up_to_window = bool(up_sample) and bad_res_func is bad_res101
    start = sensor.start_position(height, width, window)
    positions = select_trajectories(len(images), n_samples, style, noise, start, mixed_state, n_trajectories,
                                    trajectory_list, rng, **kwargs)
    if loud:
        print("trajectory of the last image:", positions[-1].tolist())
    frames, where = make_movies(images, positions, res, window, max_length, broadcast, up_to_window)
    return (frames, where) if add_traject else frames
