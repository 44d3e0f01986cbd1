"""A tf.data pipeline that makes sensor movies inside the graph, batched and prefetched.

Training pipelines draw, for every epoch, a new order of the images and a new trajectory for
every image, both from NumPy generators seeded by (seed, epoch): an epoch's data depend on
nothing else (not on how far an abandoned iterator ran ahead, nor on the process), so a run
resumed at epoch k sees what an uninterrupted one would have, and every worker of a
multi-worker run builds the same stream. The epoch comes from an :class:`EpochClock` callback
given to ``fit``; without it, each new pass over the data counts as the next epoch. With
``fixed_trajectories`` the trajectories are drawn once per image, as the original's validation
generators do. The sensor itself runs as TensorFlow ops on the batch.
"""
import numpy as np
import tensorflow as tf

from drc import sensor, trajectories
from drc.core.distribute import shard_by_data
from drc.core.epoch_data import EpochClock
from drc.movies import compiled_movies, select_trajectories


def trajectory_dataset(images, targets=None, *, n_samples=5, style="spiral_2dir2", noise=0.5, batch_size=32,
                       shuffle=True, fixed_trajectories=False, up_sample=False, window=None, seed=None,
                       drop_remainder=False, repeat=1, clock=None, n_trajectories=-1, **traj_kwargs):
    """Batches of ``{"images", "positions"[, "targets"]}``: images with their trajectories (int32,
    (B, n_samples, 2)), for models that make the movies themselves (``drc.sensor.DRCSensor``).

    images: (N, H, W[, C]) preprocessed images; targets: optional (N, ...) labels or targets.
    ``repeat`` repeats the images (the original's ``val_set_mult``). ``clock``: the
    :class:`EpochClock` (pass it to ``fit`` too) whose epoch, with ``seed``, seeds each pass.
    ``n_trajectories`` (``--trajectories_num``) follows ``drc.movies.generate_drc_images``: -1 a
    fresh trajectory per image, N > 0 one of N + 1 seeded ones, 0 the seed-42 stream (k-th
    trajectory to the k-th image of each call: of every batch, or of the whole fixed set).
    ``traj_kwargs``: time_sec, traj_out_scale, snellen, vm_kappa.
    """
    trajectories.check_style(style)
    images = np.asarray(images, np.float32)
    images = images[..., None] if images.ndim == 3 else images
    if repeat > 1:
        images = np.repeat(images, repeat, axis=0)
        targets = None if targets is None else np.repeat(np.asarray(targets), repeat, axis=0)
    height, width = images.shape[1:3]
    window = sensor.sensor_window(height, up_sample, window)
    start = sensor.start_position(height, width, window)

    def draw(count, rng):
        return select_trajectories(int(count), n_samples, style, noise, start, n_trajectories=n_trajectories,
                                   rng=rng, **traj_kwargs).astype(np.int32)

    columns = {"images": images}
    if targets is not None:
        columns["targets"] = np.asarray(targets)
    if fixed_trajectories:
        columns["positions"] = draw(len(images), np.random.default_rng(seed))
        ds = tf.data.Dataset.from_tensor_slices(columns)
        if shuffle:
            ds = ds.shuffle(min(len(images), 50_000), seed=seed, reshuffle_each_iteration=True)
        return shard_by_data(ds.batch(batch_size, drop_remainder=drop_remainder))

    n = len(images)
    n_batches = n // batch_size if drop_remainder else -(-n // batch_size)
    entropy = np.random.SeedSequence(seed).entropy
    clock = clock if clock is not None else EpochClock()

    def epoch_batches():
        rng = np.random.default_rng([entropy, clock.next_key()])
        order = (rng.permutation(n) if shuffle else np.arange(n)).astype(np.int64)
        positions = draw(n, rng) if n_trajectories != 0 else draw(batch_size, rng)[np.arange(n) % batch_size]
        for i in range(n_batches):
            yield order[i * batch_size:(i + 1) * batch_size], positions[i * batch_size:(i + 1) * batch_size]

    table = {k: tf.constant(v) for k, v in columns.items()}
    stream = tf.data.Dataset.from_generator(
        epoch_batches, output_signature=(tf.TensorSpec((None,), tf.int64),
                                         tf.TensorSpec((None, n_samples, 2), tf.int32)))
    batches = stream.map(lambda idx, q: {**{k: tf.gather(v, idx) for k, v in table.items()}, "positions": q})
    return shard_by_data(batches.apply(tf.data.experimental.assert_cardinality(n_batches)))


def make_drc_dataset(images, targets=None, *, res=8, n_samples=5, style="spiral_2dir2", noise=0.5,
                     max_length=None, broadcast=0, batch_size=32, shuffle=True, fixed_trajectories=False,
                     up_sample=False, window=None, seed=None, target_fn=None, drop_remainder=False,
                     repeat=1, prefetch=tf.data.AUTOTUNE, **traj_kwargs):
    """Batches of ``((frames, positions), target)`` with the movies made in the pipeline.

    Arguments as ``trajectory_dataset``, plus the sensor's (res, broadcast, max_length) and
    ``target_fn`` (a function of the batch of images, e.g. a teacher front end) when no
    ``targets`` are given.
    """
    if targets is None and target_fn is None:
        raise ValueError("make_drc_dataset needs targets or a target_fn")
    images = np.asarray(images, np.float32)
    ds = trajectory_dataset(images, targets, n_samples=n_samples, style=style, noise=noise, batch_size=batch_size,
                            shuffle=shuffle, fixed_trajectories=fixed_trajectories, up_sample=up_sample,
                            window=window, seed=seed, drop_remainder=drop_remainder, repeat=repeat, **traj_kwargs)
    window = sensor.sensor_window(images.shape[1], up_sample, window)
    movies = compiled_movies(res, window, False, max(max_length or n_samples, n_samples), broadcast)

    def to_movies(batch):
        frames, where = movies(batch["images"], batch["positions"])
        target = batch["targets"] if "targets" in batch else target_fn(batch["images"])
        return (frames, where), target

    return ds.map(to_movies, num_parallel_calls=tf.data.AUTOTUNE).prefetch(prefetch)
