"""The DRC's low-resolution sensor as one vectorised TensorFlow operation.

Semantics of the original (``dataset/SYCLOP_env.py``): the preprocessed image is scaled by 1/256
and zero-padded by ``pad`` (100) pixels on every side; a ``window`` x ``window`` crop is taken at
position q = (q0, q1), rows ``[P - q1 - window, P - q1)`` and columns ``[q0, q0 + window)`` of the
padded image (P its height): q0 is the column and q1 the row counted from the bottom; then the
crop is shrunk to ``res`` x ``res`` by OpenCV's ``resize(INTER_CUBIC)``.

Cubic resizing is linear and separable, so a frame is ``R_q @ image @ C_q^T`` per channel, where
R_q (res x H) and C_q (res x W) are the fixed (res x window) OpenCV-cubic matrix shifted to the
crop's offset, with the columns that fall in the zero padding dropped. Building R_q and C_q is a
gather; applying them is two einsums, for a whole batch of images and time steps at once.
"""

import keras
import numpy as np
import tensorflow as tf

from drc.core.resize import cubic_resize_matrix
from drc.core.validation import BadShapeError, check_choice, check_int, check_shape

PAD = 100
SCALE = 1.0 / 256
WINDOW = 32
UP_SAMPLE_WINDOW = 56


def resolution_matrix(window, res, up_to_window=False):
    """Operator from a window-pixel line to what the sensor outputs: down to ``res`` by cubic
    resizing, and with ``up_to_window`` back up to ``window`` (the original's bad_res101)."""
    down = cubic_resize_matrix(window, res)
    return cubic_resize_matrix(res, window) @ down if up_to_window else down


def _shifted_operator(matrix, offsets, size):
    """Places ``matrix`` (out, window) at each start ``offsets`` (...,) of a line of ``size``
    pixels; pixels of the window outside the line are the zero padding. Returns (..., size, out)."""
    window = matrix.shape[1]
    table = tf.concat([tf.transpose(matrix), tf.zeros((1, matrix.shape[0]), matrix.dtype)], axis=0)
    idx = tf.range(size, dtype=offsets.dtype) - offsets[..., None]
    idx = tf.where((idx >= 0) & (idx < window), idx, window)
    return tf.gather(table, idx)


def separable_taps(window, res, up_to_window=False):
    """(weights, first_tap, stride) when every output pixel of the resize uses the same taps at
    a fixed stride with no border clamping (e.g. 32 -> 8: taps [-3, 19, 19, -3] / 32 at stride
    4), else None. Then the sensor is a 4x4 filter of the image sampled at the crop's grid."""
    if up_to_window or window % res:
        return None
    m = resolution_matrix(window, res)
    stride = window // res
    first = int(np.flatnonzero(m[0])[0]) if np.any(m[0]) else 0
    weights = m[0, first:first + 4]
    expected = np.zeros_like(m)
    for d in range(res):
        if first + stride * d + 4 > window:
            return None
        expected[d, first + stride * d:first + stride * d + len(weights)] = weights
    if not np.array_equal(expected, m):
        return None
    return np.pad(weights, (0, 4 - len(weights))).astype(np.float32), first, stride


def _filtered_frames(images, row0, col0, taps, res, scale):
    """Frames by filtering each image once with the separable taps and gathering the grid."""
    weights, first, stride = taps
    k = len(weights)
    height, width = images.shape[1], images.shape[2]
    padded = tf.pad(images, [[0, 0], [k - 1, k], [k - 1, k], [0, 0]])
    rows = sum(float(w) * padded[:, u:u + height + k, :, :] for u, w in enumerate(weights) if w)
    filtered = sum(float(w) * rows[:, :, v:v + width + k, :] for v, w in enumerate(weights) if w)
    # filtered[y + k - 1, x + k - 1] = sum_uv w_u w_v image[y + u, x + v]; index H + k - 1 is 0
    grid = first + stride * tf.range(res, dtype=row0.dtype)

    def index(start, size):
        idx = start[..., None] + grid + (k - 1)
        return tf.where((idx >= 0) & (idx < size + k - 1), idx, size + k - 1)

    rows_f, cols_f = height + k, width + k
    image_idx = tf.range(tf.shape(images)[0], dtype=row0.dtype)[:, None, None, None] * (rows_f * cols_f)
    flat = (image_idx + index(row0, height)[..., :, None] * cols_f + index(col0, width)[..., None, :])
    channels = images.shape[-1] if images.shape[-1] is not None else tf.shape(images)[-1]
    return tf.gather(tf.reshape(filtered, [-1, channels]), flat) * scale


def sensor_frames(images, positions, res, window=WINDOW, pad=PAD, scale=SCALE, up_to_window=False,
                  method="auto"):
    """Sensor frames for a batch of images and trajectories.

    images: (B, H, W, C) float images (already preprocessed); positions: (B, T, 2) integer q =
    (q0 column, q1 row from the bottom) in padded coordinates. Returns (B, T, res, res, C)
    float32 frames (``window`` x ``window`` with ``up_to_window``). ``method``: 'filter' (filter
    once per image, gather per frame; integer factors without border taps), 'dense' (shifted
    operator matrices, any factor) or 'auto' (filter where exact, else dense).
    """
    check_sensor_arguments(images, positions, res, window, pad, method)
    images = tf.convert_to_tensor(images, tf.float32)
    positions = tf.cast(positions, tf.int32)
    height, width = images.shape[1], images.shape[2]
    row0 = height + pad - positions[..., 1] - window
    col0 = positions[..., 0] - pad
    taps = separable_taps(window, res, up_to_window) if method in ("auto", "filter") else None
    if method == "filter" and taps is None:
        raise ValueError(f"method='filter' needs an integer factor without border taps; got {window} -> {res}")
    if taps is not None:
        return _filtered_frames(images, row0, col0, taps, res, scale)
    matrix = tf.constant(resolution_matrix(window, res, up_to_window))
    rows = _shifted_operator(matrix, row0, height)
    cols = _shifted_operator(matrix, col0, width)
    partial = tf.einsum("bthi,bhwc->btiwc", rows, images)
    return tf.einsum("btiwc,btwj->btijc", partial, cols) * scale


def check_sensor_arguments(images, positions, res, window=WINDOW, pad=PAD, method="auto"):
    """Validates ``sensor_frames``' arguments (static shapes only: no graph is traced)."""
    image_shape = check_shape(images, "images", 4, what="(batch, height, width, channels)")
    position_shape = check_shape(positions, "positions", 3, last=2, what="(batch, time steps, 2)")
    check_int(res, "res", minimum=1)
    check_int(window, "window", minimum=1)
    check_int(pad, "pad", minimum=0)
    check_choice(method, "method", ("auto", "filter", "dense"))
    if image_shape and position_shape and None not in (image_shape[0], position_shape[0]) \
            and image_shape[0] != position_shape[0]:
        raise BadShapeError(f"images has {image_shape[0]} images but positions has {position_shape[0]} "
                            f"trajectories: they must match")


def sensor_window(height, up_sample=False, window=None):
    """The crop size: ``window`` if given, else the original's 56 with ``up_sample``, else the
    image height (32 for CIFAR, as the original's fixed 32x32 window)."""
    return window or (UP_SAMPLE_WINDOW if up_sample else height)


def start_position(height, width, window, pad=PAD):
    """The agent's starting q = (q0, q1) for an image of height x width: max_q // 2."""
    return default_start(width, window, pad), default_start(height, window, pad)


def padded_size(image_size, pad=PAD):
    """Height (or width) of the padded image: positions are normalised by it."""
    return image_size + 2 * pad


def default_start(image_size, window=WINDOW, pad=PAD):
    """The agent's starting position: half its largest position (max_q // 2) on each axis."""
    return (padded_size(image_size, pad) - window) // 2


def position_inputs(positions, image_size, res, broadcast, pad=PAD):
    """The student's position input: q / P as (B, T, 2), or broadcast to (B, T, res, res, 2)."""
    check_choice(broadcast, "broadcast", (0, 1))
    q = tf.cast(positions, tf.float32) / float(padded_size(image_size, pad))
    if broadcast == 1:
        return tf.tile(q[:, :, None, None, :], [1, 1, res, res, 1])
    return q


def left_pad(sequence, max_length):
    """Left-pads the time axis (axis 1) with zeros to max_length, as the original does."""
    missing = max_length - sequence.shape[1]
    if missing <= 0:
        return sequence
    paddings = [[0, 0], [missing, 0]] + [[0, 0]] * (len(sequence.shape) - 2)
    return tf.pad(sequence, paddings)


@keras.saving.register_keras_serializable(package="drc")
class DRCSensor(keras.layers.Layer):
    """The sensor as a Keras layer: inputs (images, positions) -> (frames, position inputs).

    Lets a model make its sensor movies on the accelerator; frames are left-padded to
    ``max_length`` like the original's sequences; ``window`` None means the image size.
    Non-trainable and serialisable.
    """

    def __init__(self, res=8, window=None, pad=PAD, broadcast=0, max_length=None,
                 up_to_window=False, **kwargs):
        check_int(res, "res", minimum=1)
        check_int(window, "window", minimum=1, allow_none=True)
        check_int(pad, "pad", minimum=0)
        check_choice(broadcast, "broadcast", (0, 1))
        check_int(max_length, "max_length", minimum=0, allow_none=True)
        kwargs["trainable"] = False
        super().__init__(**kwargs)
        self.res, self.window, self.pad = res, window, pad
        self.broadcast, self.max_length, self.up_to_window = broadcast, max_length, up_to_window

    def call(self, images, positions):
        window = self.window or images.shape[1]
        frames = sensor_frames(images, positions, self.res, window, self.pad,
                               up_to_window=self.up_to_window)
        where = position_inputs(positions, images.shape[1], self.res, self.broadcast, self.pad)
        if self.max_length:
            frames, where = left_pad(frames, self.max_length), left_pad(where, self.max_length)
        return frames, where

    def get_config(self):
        config = super().get_config()
        config.update(res=self.res, window=self.window, pad=self.pad, broadcast=self.broadcast,
                      max_length=self.max_length, up_to_window=self.up_to_window)
        return config
