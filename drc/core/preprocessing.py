"""Image preprocessing for teachers and students, and a record of it that travels with a teacher.

Two modes, as in the original's ``dataset_preprocessing``:

- ``resnet``: Keras' ResNet50 ``preprocess_input`` (caffe: RGB -> BGR, minus the ImageNet mean
  colour [103.939, 116.779, 123.68], no scaling). One-channel images are repeated to RGB first.
- ``mean_norm``: float32, minus the training-set mean image (when centring), divided by
  ``dataset_norm`` (128 by default).

A ``Preprocessing`` record holds the mode, the mean image, the norm and (for teachers trained at
a reduced ``--res``) the resolution images are first shrunk to; ``apply`` reproduces exactly what
a teacher was trained on, so its front end and any student are fed identically. The record is
plain JSON (``to_json`` / ``from_json``) and is stored inside a saved teacher.
"""
import dataclasses
import json
from typing import Optional

import numpy as np

from drc.core.resize import shrink_images

RESNET = "resnet"
MEAN_NORM = "mean_norm"
MODES = (RESNET, MEAN_NORM)


def as_nhwc(images):
    """Adds the channel axis to (N, H, W) or (H, W) grey images; leaves (..., C) alone."""
    images = np.asarray(images)
    return images[..., None] if images.ndim in (2, 3) and images.shape[-1] not in (1, 3) else images


def to_rgb(images):
    """Repeats one-channel images to three channels (numpy or TensorFlow); RGB stays as it is."""
    if images.shape[-1] == 3:
        return images
    if images.shape[-1] != 1:
        raise ValueError(f"expected 1 or 3 channels, got images of shape {tuple(images.shape)}")
    if isinstance(images, np.ndarray):
        return np.repeat(images, 3, axis=-1)
    import tensorflow as tf

    return tf.repeat(images, 3, axis=-1)


def resnet_preprocess(images):
    """Keras ResNet50 (caffe) preprocessing of images in 0..255; never modifies its argument."""
    from keras.applications import resnet50

    if isinstance(images, np.ndarray) or not hasattr(images, "dtype"):
        x = to_rgb(np.array(images, dtype=np.float32))  # a copy: preprocess_input works in place
        return np.asarray(resnet50.preprocess_input(x), dtype=np.float32)
    import tensorflow as tf

    return resnet50.preprocess_input(to_rgb(tf.cast(images, tf.float32)))


def _shrunk_to(images, res):
    if res is not None and tuple(images.shape[1:3]) != (res, res):
        return shrink_images(images, res)
    return images


@dataclasses.dataclass(eq=False)
class Preprocessing:
    """What was done to raw images (uint8, 0..255, NHWC) before a teacher saw them.

    mode: ``resnet`` or ``mean_norm``. norm: divisor (mean_norm). mean_image: (H, W, C) float32
    subtracted first, or None. res: images are first shrunk to res x res (OpenCV cubic) when
    their size differs, or None for the native size.
    """

    mode: str
    norm: float = 1.0
    mean_image: Optional[np.ndarray] = None
    res: Optional[int] = None

    def __post_init__(self):
        if self.mode not in MODES:
            raise ValueError(f"preprocessing mode {self.mode!r} is unknown; allowed: {', '.join(MODES)}")
        if self.mean_image is not None:
            self.mean_image = np.asarray(self.mean_image, dtype=np.float32)
        self.norm = float(self.norm)

    @classmethod
    def fit(cls, train_images, dataset_norm=128.0, resnet_mode=False, center=True, res=None):
        """The record for training images: resnet mode, else mean image (if centring) and norm.

        As in the original, a falsy ``dataset_norm`` means neither centring nor scaling. With
        ``res``, the mean image is that of the images shrunk to res x res.
        """
        if resnet_mode:
            return cls(RESNET, res=res)
        mean = None
        if dataset_norm and center:
            images = _shrunk_to(as_nhwc(train_images), res)
            mean = np.mean(images, axis=0, dtype=np.float64).astype(np.float32)
        return cls(MEAN_NORM, norm=dataset_norm or 1.0, mean_image=mean, res=res)

    def _shrunk(self, images):
        return _shrunk_to(as_nhwc(images), self.res)

    def apply(self, images):
        """Preprocessed float32 copy of raw images (numpy in, numpy out; TensorFlow tensors too,
        which must already have the record's resolution)."""
        if not isinstance(images, np.ndarray) and hasattr(images, "dtype"):
            return self.apply_tensor(images)
        images = self._shrunk(images)
        if self.mode == RESNET:
            return resnet_preprocess(images)
        x = images.astype(np.float32)
        if self.mean_image is not None:
            x -= self.mean_image
        if self.norm != 1.0:
            x /= np.float32(self.norm)
        return x

    def apply_tensor(self, images):
        """The same as ``apply`` inside a TensorFlow graph (e.g. a tf.data map); no shrinking."""
        import tensorflow as tf

        if self.mode == RESNET:
            return resnet_preprocess(images)
        x = tf.cast(images, tf.float32)
        if self.mean_image is not None:
            x = x - tf.constant(self.mean_image)
        return x / self.norm if self.norm != 1.0 else x

    def output_channels(self, input_channels):
        """Channels of preprocessed images for raw images with ``input_channels``."""
        return 3 if self.mode == RESNET else input_channels

    def to_config(self):
        """JSON-serialisable dict (the mean image as nested lists, exact for float32)."""
        return {"mode": self.mode, "norm": self.norm, "res": self.res,
                "mean_image": None if self.mean_image is None else self.mean_image.tolist()}

    @classmethod
    def from_config(cls, config):
        return cls(config["mode"], norm=config.get("norm", 1.0), mean_image=config.get("mean_image"),
                   res=config.get("res"))

    def to_json(self):
        return json.dumps(self.to_config())

    @classmethod
    def from_json(cls, text):
        return cls.from_config(json.loads(text))

    def __eq__(self, other):
        if not isinstance(other, Preprocessing):
            return NotImplemented
        same_mean = (self.mean_image is None and other.mean_image is None) or (
            self.mean_image is not None and other.mean_image is not None
            and self.mean_image.shape == other.mean_image.shape and np.array_equal(self.mean_image, other.mean_image))
        return (self.mode, self.norm, self.res) == (other.mode, other.norm, other.res) and same_mean

    def __repr__(self):
        mean = "None" if self.mean_image is None else f"<{'x'.join(map(str, self.mean_image.shape))} image>"
        return f"Preprocessing(mode={self.mode!r}, norm={self.norm}, mean_image={mean}, res={self.res})"


def dataset_preprocessing(train, test, dataset_norm, resnet_mode=False, return_preprocessing=False):
    """The original's preprocessing of a train and a test set.

    resnet_mode: Keras ResNet50 caffe preprocessing. Else float32, minus the training mean image
    when ``dataset_norm`` is truthy, divided by ``dataset_norm``. Returns (train, test), plus the
    ``Preprocessing`` record with ``return_preprocessing=True``.
    """
    record = Preprocessing.fit(train, dataset_norm=dataset_norm, resnet_mode=resnet_mode)
    out = record.apply(train), record.apply(test)
    return (*out, record) if return_preprocessing else out
