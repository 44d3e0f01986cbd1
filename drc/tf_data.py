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


def make_drc_dataset(images, targets=None, *, res=8, n_samples=5, style="spiral_2dir2", noise=0.5,
                     max_length=None, broadcast=0, batch_size=32, shuffle=True, fixed_trajectories=False,
                     up_sample=False, window=None, seed=None, target_fn=None, drop_remainder=False,
                     repeat=1, prefetch=tf.data.AUTOTUNE, **traj_kwargs):
    """Builds the dataset.

    images: (N, H, W[, C]) preprocessed images; targets: (N, ...) labels or precomputed targets,
    or None with ``target_fn`` (a function of the batch of images, e.g. a teacher front end,
    run in the pipeline). ``repeat`` repeats the images (the original's ``val_set_mult``).
    ``traj_kwargs``: time_sec, traj_out_scale, snellen, vm_kappa.
    """
    trajectories.check_style(style)
    images = np.asarray(images, np.float32)
    images = images[..., None] if images.ndim == 3 else images
    if repeat > 1:
        images = np.repeat(images, repeat, axis=0)
        targets = None if targets is None else np.repeat(np.asarray(targets), repeat, axis=0)
    height, width = images.shape[1:3]
    max_length = max(max_length or n_samples, n_samples)
    window = window or (sensor.UP_SAMPLE_WINDOW if up_sample else height)
    start = (sensor.default_start(width, window), sensor.default_start(height, window))
    rng = np.random.default_rng(seed)
    movies = compiled_movies(res, window, False, max_length, broadcast)

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
    if not fixed_trajectories:
        per_block = max(1, min(TRAJECTORY_BLOCK, len(images)) // batch_size + 1)

        def batches_of_trajectories():
            while True:
                block = draw(per_block * batch_size)
                for i in range(per_block):
                    yield block[i * batch_size:(i + 1) * batch_size]

        stream = tf.data.Dataset.from_generator(
            batches_of_trajectories, output_signature=tf.TensorSpec((batch_size, n_samples, 2), tf.int32))
        ds = tf.data.Dataset.zip(ds, stream).map(
            lambda batch, q: {**batch, "positions": q[:tf.shape(batch["images"])[0]]})

    def to_movies(batch):
        imgs, positions = batch["images"], batch["positions"]
        frames, where = movies(imgs, positions)
        target = batch["targets"] if "targets" in batch else target_fn(imgs)
        return (frames, where), target

    if targets is None and target_fn is None:
        raise ValueError("make_drc_dataset needs targets or a target_fn")
    return ds.map(to_movies, num_parallel_calls=tf.data.AUTOTUNE).prefetch(prefetch)
