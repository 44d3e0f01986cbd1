"""Keras data sources of noisy canvases (``keras.utils.PyDataset``), a tf.data wrapper, and the
curriculum callback that changes a source's canvas configuration by epoch.

A sample's canvas depends only on its image, its seed (its index + ``seed_offset``) and the
configuration, so test sets are fixed and training resumes on the same canvases.  Samples of the
current configuration are generated once and kept in memory (``cache=True``).
"""
import keras
import numpy as np

from whatwhere.canvas import CanvasConfig, MotionCloudTextures, what_canvases, WhatCanvasConfig, where_canvases
from whatwhere.errors import WhatWhereError

KINDS = ("what", "canvas", "where", "polo")


class CanvasDataset(keras.utils.PyDataset):
    """Batches of one kind of sample from images (N, 28, 28[, 1]) uint8 and labels (N,).

    kind: ``what`` -> (28x28 canvases, label) with a WhatCanvasConfig; ``canvas`` -> (128x128 canvas,
    label); ``where`` -> (retina code, collicular target) (needs ``retina`` and ``accuracy_map``);
    ``polo`` -> ({canvas, polo code}, label) (needs ``polo_operator``).
    """

    def __init__(self, images, labels, config, kind="canvas", batch_size=100, shuffle=True, retina=None,
                 accuracy_map=None, polo_operator=None, polo_shape=(8, 6, 16), seed=0, cache=True, **kwargs):
        super().__init__(**kwargs)
        if kind not in KINDS:
            raise WhatWhereError(f"kind={kind!r} is unknown; allowed: {', '.join(KINDS)}")
        if kind == "where" and (retina is None or accuracy_map is None):
            raise WhatWhereError("kind='where' needs a retina and an accuracy_map")
        if kind == "polo" and polo_operator is None:
            raise WhatWhereError("kind='polo' needs a polo_operator")
        self.images, self.labels = np.asarray(images), np.asarray(labels).astype(np.int64)
        self.kind, self.batch_size, self.shuffle = kind, int(batch_size), shuffle
        self.retina, self.accuracy_map = retina, accuracy_map
        self.polo_operator, self.polo_shape, self.cache = polo_operator, tuple(polo_shape), cache
        self._rng = np.random.RandomState(seed)
        self._order = np.arange(len(self.images))
        self._store, self._textures = None, {}
        self.set_config(config)
        self.on_epoch_end()

    def set_config(self, config):
        """Switches to another canvas configuration (the curriculum); drops the cached samples."""
        expected = WhatCanvasConfig if self.kind == "what" else CanvasConfig
        if not isinstance(config, expected):
            raise WhatWhereError(f"kind={self.kind!r} needs a {expected.__name__}, not {type(config).__name__}")
        if getattr(self, "config", None) != config:
            self.config, self._store = config, None

    def __len__(self):
        return int(np.ceil(len(self.images) / self.batch_size))

    def on_epoch_end(self):
        if self.shuffle:
            self._order = self._rng.permutation(len(self.images))

    def _texture(self, n, sf_0, b_sf):
        key = (n, sf_0, b_sf)
        if key not in self._textures:
            self._textures[key] = MotionCloudTextures(n, sf_0, b_sf)
        return self._textures[key]

    def samples(self, index):
        """Inputs and targets of the samples ``index`` (an int array), in that order."""
        c = self.config
        x = self.images[index]
        if self.kind == "what":
            canvases, _, _ = what_canvases(x, index, c, self._texture(c.w, c.sf_0, c.B_sf))
            return canvases, self.labels[index]
        out = where_canvases(x, index, c, self._texture(c.N_pic, c.sf_0, c.B_sf))
        full = out["fullfield"]
        if self.kind == "canvas":
            return full[..., None], self.labels[index]
        if self.kind == "polo":
            code = (full.reshape(len(full), -1) @ self.polo_operator.T).reshape((len(full),) + self.polo_shape)
            return {"canvas": full[..., None], "polo": code}, self.labels[index]
        return (self.retina.code(full),
                self.retina.where_target(self.accuracy_map, out["i_offset"], out["j_offset"]))

    def _all(self):
        if self._store is None:
            parts = [self.samples(np.arange(s, min(s + 500, len(self.images))))
                     for s in range(0, len(self.images), 500)]
            x0 = parts[0][0]
            xs = ({k: np.concatenate([p[0][k] for p in parts]) for k in x0} if isinstance(x0, dict)
                  else np.concatenate([p[0] for p in parts]))
            self._store = (xs, np.concatenate([p[1] for p in parts]))
        return self._store

    def __getitem__(self, i):
        index = np.sort(self._order[i * self.batch_size:(i + 1) * self.batch_size])
        if not self.cache:
            return self.samples(index)
        xs, ys = self._all()
        x = {k: v[index] for k, v in xs.items()} if isinstance(xs, dict) else xs[index]
        return x, ys[index]


class Curriculum(keras.callbacks.Callback):
    """Sets the datasets' canvas configuration at each epoch from ``stages``: a list of
    (n_epochs, {field: value}) applied to ``base`` in turn (the last stage holds afterwards)."""

    def __init__(self, datasets, base, stages):
        super().__init__()
        self.datasets, self.base, self.stages = list(datasets), base, list(stages)

    def config_at(self, epoch):
        start = 0
        for n_epochs, changes in self.stages:
            if epoch < start + n_epochs:
                return self.base.replace(**changes)
            start += n_epochs
        return self.base.replace(**self.stages[-1][1]) if self.stages else self.base

    def on_epoch_begin(self, epoch, logs=None):
        for dataset in self.datasets:
            dataset.set_config(self.config_at(epoch))


def to_tf_dataset(dataset):
    """The batches of a CanvasDataset as a tf.data.Dataset (one pass, in the dataset's order)."""
    import tensorflow as tf
    x, y = dataset[0]
    spec = tf.nest.map_structure(lambda a: tf.TensorSpec((None,) + a.shape[1:], tf.as_dtype(a.dtype)), (x, y))
    return tf.data.Dataset.from_generator(lambda: (dataset[i] for i in range(len(dataset))), output_signature=spec)
