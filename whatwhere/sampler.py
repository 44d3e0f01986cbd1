"""PyTorch's ``affine_grid`` / ``grid_sample`` (bilinear, align_corners=False, zero padding) in TF ops,
channels-last, and the Keras layer the spatial transformers sample with."""
import keras
import tensorflow as tf

PACKAGE = "whatwhere"


def affine_grid(theta, height, width):
    """Sampling grid (B, height, width, 2) of normalised (x, y) source coordinates for affine ``theta``
    (B, 2, 3); output pixel centres are at ``(2k + 1) / n - 1`` (align_corners=False)."""
    theta = tf.convert_to_tensor(theta)
    xs = (2 * tf.range(width, dtype=theta.dtype) + 1) / width - 1
    ys = (2 * tf.range(height, dtype=theta.dtype) + 1) / height - 1
    x, y = tf.meshgrid(xs, ys)
    base = tf.stack([x, y, tf.ones_like(x)], axis=-1)
    return tf.einsum("hwk,bik->bhwi", base, theta)


def grid_sample(images, grid):
    """Bilinear samples of ``images`` (B, H, W, C) at ``grid`` (B, h, w, 2) of normalised (x, y);
    source pixel ``((g + 1) n - 1) / 2``; neighbours outside the image count as zeros."""
    images = tf.convert_to_tensor(images)
    grid = tf.cast(grid, images.dtype)
    shape = tf.shape(images)
    n_b, n_h, n_w = shape[0], shape[1], shape[2]
    x = ((grid[..., 0] + 1) * tf.cast(n_w, images.dtype) - 1) / 2
    y = ((grid[..., 1] + 1) * tf.cast(n_h, images.dtype) - 1) / 2
    x0, y0 = tf.floor(x), tf.floor(y)
    flat = tf.reshape(images, [n_b, n_h * n_w, -1])
    out = 0.
    for dy in (0., 1.):
        for dx in (0., 1.):
            xi, yi = x0 + dx, y0 + dy
            weight = (1 - tf.abs(x - xi)) * (1 - tf.abs(y - yi))
            inside = (xi >= 0) & (xi <= tf.cast(n_w - 1, x.dtype)) & (yi >= 0) & (yi <= tf.cast(n_h - 1, y.dtype))
            index = tf.cast(tf.clip_by_value(yi, 0, tf.cast(n_h - 1, y.dtype)), tf.int32) * n_w + \
                tf.cast(tf.clip_by_value(xi, 0, tf.cast(n_w - 1, x.dtype)), tf.int32)
            values = tf.gather(flat, tf.reshape(index, [n_b, -1]), batch_dims=1)
            values = tf.reshape(values, tf.concat([tf.shape(index), [-1]], 0))
            out += values * tf.where(inside, weight, 0.)[..., None]
    return out


@keras.saving.register_keras_serializable(package=PACKAGE)
class AffineSampler(keras.layers.Layer):
    """Samples an (height, width) glimpse of ``images`` at the affine transform ``theta`` (B, 2, 3)
    (or its 6 entries, row-major) with ``affine_grid`` + ``grid_sample``.

    Args:
        height, width: glimpse size; None keeps the input's size (the affine STN).
    """

    def __init__(self, height=None, width=None, **kwargs):
        super().__init__(**kwargs)
        self.height, self.width = height, width

    def call(self, images, theta):
        theta = tf.reshape(tf.cast(theta, images.dtype), [-1, 2, 3])
        height = self.height or images.shape[1]
        width = self.width or images.shape[2]
        return grid_sample(images, affine_grid(theta, height, width))

    def compute_output_shape(self, images_shape, theta_shape=None):
        return (images_shape[0], self.height or images_shape[1], self.width or images_shape[2], images_shape[3])

    def get_config(self):
        return {**super().get_config(), "height": self.height, "width": self.width}


@keras.saving.register_keras_serializable(package=PACKAGE)
class AttentionTheta(keras.layers.Layer):
    """Builds the attention transform ``[[s, 0, tx], [0, s, ty]]`` from (s, tx, ty) (ATN) or from
    (tx, ty) with the fixed scale ``scale`` (POLO-ATN)."""

    def __init__(self, scale=None, **kwargs):
        super().__init__(**kwargs)
        self.scale = scale

    def call(self, params):
        if self.scale is None:
            s, tx, ty = params[:, 0], params[:, 1], params[:, 2]
        else:
            tx, ty = params[:, 0], params[:, 1]
            s = tf.fill(tf.shape(tx), tf.cast(self.scale, params.dtype))
        zero = tf.zeros_like(s)
        return tf.reshape(tf.stack([s, zero, tx, zero, s, ty], axis=-1), [-1, 2, 3])

    def compute_output_shape(self, shape):
        return (shape[0], 2, 3)

    def get_config(self):
        return {**super().get_config(), "scale": self.scale}
