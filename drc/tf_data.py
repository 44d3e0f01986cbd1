"""A tf.data pipeline that makes sensor movies inside the graph, batched and prefetched.

Each element is ``((frames, positions), target)`` ready for ``model.fit``. Trajectories of a
training pipeline are fresh for every image in every epoch: NumPy's vectorised sampler draws
blocks of ``TRAJECTORY_BLOCK`` trajectories, fed batch by batch through ``from_generator`` and
zipped with the batches of shuffled images; with ``fixed_trajectories`` they are drawn once per image, as the
original's validation generators do. The sensor itself runs as TensorFlow ops on the batch.
"""
import numpy as np
import tensorflow as tf

from drc import sensor, trajectories
from drc.movies import compiled_movies

TRAJECTORY_BLOCK = 4096


def trajectory_dataset(images, targets=None, *, n_samples=5, style="spiral_2dir2", noise=0.5, batch_size=32,
                       shuffle=True, fixed_trajectories=False, up_sample=False, window=None, seed=None,
                       drop_remainder=False, repeat=1, **traj_kwargs):
    """Batches of ``{"images", "positions"[, "targets"]}``: images with their trajectories (int32,
    (B, n_samples, 2)), for models that make the movies themselves (``drc.sensor.DRCSensor``).

    images: (N, H, W[, C]) preprocessed images; targets: optional (N, ...) labels or targets.
    ``repeat`` repeats the images (the original's ``val_set_mult``). ``traj_kwargs``: time_sec,
    traj_out_scale, snellen, vm_kappa.
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
    rng = np.random.default_rng(seed)

    def draw(batch):
        return trajectories.sample_trajectories(int(batch), n_samples, style, noise, start, rng=rng,
                                                **traj_kwargs).astype(np.int32)

    columns = {"images": images}
    if targets is not None:
        columns["targets"] = np.asarray(targets)
    if fixed_trajectories:
        columns["positions"] = draw(len(images))
    ds = tf.data.Dataset.from_tensor_slices(columns)
    if shuffle:
        ds = ds.shuffle(min(len(images), 50_000), seed=seed, reshuffle_each_iteration=True)
    ds = ds.batch(batch_size, drop_remainder=drop_remainder)
    if fixed_trajectories:
        return ds
    per_block = max(1, min(TRAJECTORY_BLOCK, len(images)) // batch_size + 1)

    def batches_of_trajectories():
        while True:
            block = draw(per_block * batch_size)
            for i in range(per_block):
                yield block[i * batch_size:(i + 1) * batch_size]

    stream = tf.data.Dataset.from_generator(
        batches_of_trajectories, output_signature=tf.TensorSpec((batch_size, n_samples, 2), tf.int32))
    n_batches = len(images) // batch_size if drop_remainder else -(-len(images) // batch_size)
    return tf.data.Dataset.zip(ds, stream).map(
        lambda batch, q: {**batch, "positions": q[:tf.shape(batch["images"])[0]]}).apply(
        tf.data.experimental.assert_cardinality(n_batches))


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
