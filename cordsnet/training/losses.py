"""The ramped cross-entropy of stages 3-5 and an accuracy read at the last step."""
import numpy as np

import keras
from keras import ops

from cordsnet.layers import PACKAGE


def ramp(steps=30):
    """The original's weights of the readout steps: logspace(-3, 0, steps)."""
    return np.logspace(-3, 0, steps).astype("float32")


@keras.saving.register_keras_serializable(package=PACKAGE)
class RampedCrossEntropy(keras.losses.Loss):
    """Mean over the readout steps of ``ramp[t] * cross-entropy(logits[:, t])``; labels one-hot or
    soft (CutMix/MixUp), logits (batch, steps, classes)."""

    def __init__(self, steps=30, name="ramped_cross_entropy", **kwargs):
        super().__init__(name=name, **kwargs)
        self.steps = int(steps)
        self.weights_over_time = ramp(self.steps)

    def call(self, y_true, y_pred):
        y_true = ops.cast(y_true, y_pred.dtype)
        per_step = -ops.sum(y_true[:, None, :] * ops.log_softmax(y_pred, axis=-1), axis=-1)
        return ops.mean(per_step * self.weights_over_time, axis=-1)

    def get_config(self):
        return {**super().get_config(), "steps": self.steps}


@keras.saving.register_keras_serializable(package=PACKAGE)
class LastStepAccuracy(keras.metrics.MeanMetricWrapper):
    """Accuracy of the readout at the last step (argmax of the label, which may be soft)."""

    def __init__(self, name="accuracy", dtype=None):
        super().__init__(_last_step_hits, name=name, dtype=dtype)

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}


def _last_step_hits(y_true, y_pred):
    logits = y_pred[:, -1] if len(y_pred.shape) == 3 else y_pred
    return ops.cast(ops.argmax(logits, axis=-1) == ops.argmax(y_true, axis=-1), "float32")
