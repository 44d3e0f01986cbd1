"""Models that make sensor movies inside the training step: distillation and classification.

Batches are ``{"images": preprocessed images, "positions": (B, n, 2) int trajectories}`` (from
``drc.tf_data.trajectory_dataset``). The sensor (``DRCSensor``), the teacher's front end (the
distillation target) and the student all run in one compiled step, on the CPU or an
accelerator, so neither movies nor targets are made outside the graph and the teacher is never
called with ``predict`` per batch.
"""
import keras
import numpy as np
from keras import ops

from drc.sensor import DRCSensor


def sensor_for(student, res=None, broadcast=None, max_length=None, window=None):
    """A DRCSensor whose frames and positions fit ``student``'s two inputs."""
    frames_shape, positions_shape = (tuple(t.shape) for t in student.inputs[:2])
    res = res or frames_shape[2]
    broadcast = (1 if len(positions_shape) == 5 else 0) if broadcast is None else broadcast
    return DRCSensor(res=res, broadcast=broadcast, max_length=max_length or frames_shape[1],
                     window=window, name="sensor")


@keras.saving.register_keras_serializable(package="drc")
class SensorModel(keras.Model):
    """``inner`` (a model of (frames, positions)) fed by a sensor over images and trajectories.

    ``inner`` is the student for distillation or the student -> back end for classification.
    """

    def __init__(self, inner, sensor=None, **kwargs):
        super().__init__(**kwargs)
        self.inner = inner
        self.sensor = sensor if sensor is not None else sensor_for(inner)

    def call(self, inputs, training=False):
        frames, where = self.sensor(inputs["images"], inputs["positions"])
        return self.inner([frames, where], training=training)

    def build_on(self, dataset):
        """Builds the model on one batch of ``dataset`` (BackupAndRestore needs a built model)."""
        batch = next(iter(dataset.take(1)))
        x = batch[0] if isinstance(batch, (tuple, list)) else batch
        self({"images": x["images"][:1], "positions": x["positions"][:1]})
        return self

    def get_config(self):
        config = super().get_config()
        config.update(inner=keras.saving.serialize_keras_object(self.inner),
                      sensor=keras.saving.serialize_keras_object(self.sensor))
        return config

    @classmethod
    def from_config(cls, config):
        inner = keras.saving.deserialize_keras_object(config.pop("inner"))
        sensor = keras.saving.deserialize_keras_object(config.pop("sensor"))
        return cls(inner, sensor, **config)


@keras.saving.register_keras_serializable(package="drc")
class Distiller(SensorModel):
    """Trains the student to reproduce ``teacher_front_end(images)`` from the sensor's movies.

    The target is the batch's ``"targets"`` when the data carry them (front-end outputs cached
    once per image, see ``cache_targets``), else it is computed in the train/test step itself
    (frozen teacher, no gradient).
    """

    def __init__(self, inner, teacher_front_end, sensor=None, **kwargs):
        super().__init__(inner, sensor, **kwargs)
        self.teacher_front_end = teacher_front_end
        self.teacher_front_end.trainable = False

    def _targets(self, x, y=None):
        if y is not None:
            return y
        if "targets" in x:
            return x["targets"]
        return ops.stop_gradient(self.teacher_front_end(x["images"], training=False))

    def _with_targets(self, data):
        x = data[0] if isinstance(data, (tuple, list)) else data
        return {"images": x["images"], "positions": x["positions"]}, self._targets(x)

    def train_step(self, data):
        return super().train_step(self._with_targets(data))

    def test_step(self, data):
        return super().test_step(self._with_targets(data))

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        # The steps pass the targets; Keras' own build (under a distribution strategy) does not.
        return super().compute_loss(x, self._targets(x, y), y_pred, sample_weight, training)

    def compute_metrics(self, x, y, y_pred, sample_weight=None):
        return super().compute_metrics(x, self._targets(x, y), y_pred, sample_weight)

    def get_config(self):
        config = super().get_config()
        config["teacher_front_end"] = keras.saving.serialize_keras_object(self.teacher_front_end)
        return config

    @classmethod
    def from_config(cls, config):
        front_end = keras.saving.deserialize_keras_object(config.pop("teacher_front_end"))
        inner = keras.saving.deserialize_keras_object(config.pop("inner"))
        sensor = keras.saving.deserialize_keras_object(config.pop("sensor"))
        return cls(inner, front_end, sensor, **config)


def cache_targets(front_end, images, max_bytes=2 ** 31, batch_size=256):
    """The front end's outputs for all images, computed once on this process, or None when they
    would take more than ``max_bytes`` (e.g. ResNet50's 56x56x64 maps of 45,000 images).

    A compiled call per batch rather than ``predict``: under a multi-worker strategy every
    worker needs all the targets, not its shard of them."""
    size = int(np.prod(front_end.output_shape[1:])) * 4 * len(images)
    if size > max_bytes:
        return None
    import tensorflow as tf

    call = tf.function(lambda x: front_end(x, training=False))
    return np.concatenate([ops.convert_to_numpy(call(images[i:i + batch_size]))
                           for i in range(0, len(images), batch_size)])


def classifier_inputs(batch):
    """Maps a labelled trajectory batch to (inputs, labels) for ``SensorModel.fit``."""
    return {"images": batch["images"], "positions": batch["positions"]}, batch["targets"]


def combine(student, back_end, name="drc"):
    """student -> back end as one model of (frames, positions), the original's full DRC."""
    frames, positions = (keras.Input(t.shape[1:], dtype=t.dtype, name=n)
                         for t, n in zip(student.inputs[:2], ("frames", "positions")))
    return keras.Model([frames, positions], back_end(student([frames, positions])), name=name)
