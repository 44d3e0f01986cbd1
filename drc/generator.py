"""``DRC_dataset_generator``: the original's Keras data generator as a ``keras.utils.PyDataset``.

Batches are ``((frames, positions), target)``. The target is the label, or the teacher's output
for the batch's images when a teacher (e.g. its front end) is given. Teacher outputs do not
depend on the trajectory, so they are computed once for all images when they fit in memory
(``teacher_cache_bytes``) and otherwise per batch by a compiled call, never ``predict`` per batch.
In validation mode the movies (and so the trajectories) are made once and stay fixed; in
training mode with ``prep_data_per_batch`` every batch gets fresh trajectories.
"""
import keras
import numpy as np
import tensorflow as tf

from drc.movies import generate_drc_images

PYDATASET_ARGS = ("workers", "use_multiprocessing", "max_queue_size")


class DRC_dataset_generator(keras.utils.PyDataset):
    """Sensor movies and targets for ``model.fit``; arguments as in the original.

    ``kwargs`` go to ``syclopic_function`` (``generate_drc_images``: res, n_samples, style, ...),
    except ``workers``, ``use_multiprocessing`` and ``max_queue_size``, which go to PyDataset.
    ``augmenter`` (optional) maps a batch of images to augmented images before the sensor.
    ``block_batches``: with fresh independent trajectories per image (``n_trajectories=-1``) and
    one worker, movies are made for this many batches per call, which amortises the per-call
    overhead without changing what any batch contains in distribution.
    """

    def __init__(self, images, labels, batch_size=None, movie_dim=None, position_dim=None, n_classes=None,
                 shuffle=True, syclopic_function=generate_drc_images, retutn_x0_only=False,
                 prep_data_per_batch=False, one_hot_labels=False, one_random_sample=False, validation_mode=False,
                 loud_en=False, teacher=None, preprocess_fun=lambda x: x, augmenter=None,
                 teacher_cache_bytes=2 ** 31, block_batches=16, **kwargs):
        super().__init__(**{k: kwargs.pop(k) for k in PYDATASET_ARGS if k in kwargs})
        if batch_size is None or batch_size < 1:
            raise ValueError(f"batch_size={batch_size!r}; need a positive int")
        self.images = np.asarray(images)
        self.labels = None if labels is None else np.asarray(labels)
        self.batch_size = batch_size
        self.movie_dim, self.position_dim, self.n_classes = movie_dim, position_dim, n_classes
        self.shuffle = shuffle
        self.syclopic_function = syclopic_function
        self.retutn_x0_only = retutn_x0_only
        self.prep_data_per_batch = prep_data_per_batch and not validation_mode
        self.one_hot_labels = one_hot_labels
        self.one_random_sample = one_random_sample
        self.validation_mode = validation_mode
        self.loud_en = self.loud = loud_en
        self.teacher = teacher
        self.preprocess_fun = preprocess_fun
        self.augmenter = augmenter
        self.kwargs = kwargs
        self.rng = np.random.default_rng(kwargs.pop("seed", None))
        self.teacher_targets = None
        if teacher is not None:
            self._teacher_call = tf.function(lambda x: teacher(x, training=False))
            out_size = int(np.prod(teacher.output_shape[1:])) * 4
            if augmenter is None and out_size * len(self.images) <= teacher_cache_bytes:
                self.teacher_targets = teacher.predict(self.images, batch_size=256, verbose=0)
        self.indexes = np.arange(len(self.images))
        self.full_syclopic_view = self.epoch_images = None
        independent = kwargs.get("n_trajectories", 20) == -1 and syclopic_function is generate_drc_images
        self.block_batches = block_batches if independent and self.workers <= 1 else 1
        self._block = (None, None)
        self._new_epoch()

    def __len__(self):
        return len(self.images) // self.batch_size

    def _augmented(self, images):
        return images if self.augmenter is None else np.asarray(self.augmenter(images))

    def _views(self, images):
        return self.syclopic_function(images, loud=self.loud, rng=self.rng, **self.kwargs)

    def _new_epoch(self):
        self._block = (None, None)
        if self.shuffle:
            self.rng.shuffle(self.indexes)
        if not self.prep_data_per_batch:
            self.epoch_images = self._augmented(self.images)
            self.full_syclopic_view = self._views(self.epoch_images)

    def on_epoch_end(self):
        if not self.validation_mode:
            self._new_epoch()

    def __getitem__(self, index):
        if index >= len(self):
            raise IndexError(f"batch {index} out of range; the generator has {len(self)} batches")
        ids = self.indexes[index * self.batch_size:(index + 1) * self.batch_size]
        if self.prep_data_per_batch:
            images, frames, positions = self._fresh_views(index)
            self.loud = False
        else:
            images = self.epoch_images[ids]
            frames, positions = self.full_syclopic_view[0][ids], self.full_syclopic_view[1][ids]
        frames = self.preprocess_fun(frames)
        target = self._targets(ids, images)
        if self.one_random_sample:
            n = self.kwargs.get("n_samples", 5)
            pick = frames.shape[1] - n + self.rng.integers(0, n, len(ids))
            return frames[np.arange(len(ids)), pick], target
        if self.retutn_x0_only:
            return frames, target
        return (frames, positions), target

    def _fresh_views(self, index):
        """(images, frames, positions) of batch ``index``, made a block of batches at a time."""
        block, offset = divmod(index, self.block_batches)
        if self._block[0] != block:
            size = self.block_batches * self.batch_size
            images = self._augmented(self.images[self.indexes[block * size:(block + 1) * size]])
            self._block = (block, (images,) + tuple(self._views(images)))
        part = slice(offset * self.batch_size, (offset + 1) * self.batch_size)
        return tuple(a[part] for a in self._block[1])

    def _targets(self, ids, images):
        if self.teacher is None:
            labels = self.labels[ids]
            return keras.utils.to_categorical(labels, self.n_classes) if self.one_hot_labels else labels
        if self.teacher_targets is not None:
            return self.teacher_targets[ids]
        return self._teacher_call(tf.constant(images, tf.float32)).numpy()
