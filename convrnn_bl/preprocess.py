"""Input scaling for the pretrained BL weights: uint8 pixels in [0, 255] -> floats in [-1, 1]."""
import numpy as np


def preprocess_image(image):
    """Scales an unscaled uint8 image (or batch) to ``image / 127.5 - 1``.

    Args:
        image: ``np.ndarray`` or ``tf.Tensor`` of dtype uint8 (values 0..255).

    Returns:
        The scaled image: float64 for a NumPy array (NumPy's division), float32 for a tensor.

    Raises:
        TypeError: if the image is not uint8, or neither an array nor a tensor.
    """
    if isinstance(image, np.ndarray):
        if image.dtype != np.uint8:
            raise TypeError(f"image should be uint8, got {image.dtype}")
        return image / 127.5 - 1.0

    import tensorflow as tf

    if isinstance(image, (tf.Tensor, tf.Variable)):
        if image.dtype != tf.uint8:
            raise TypeError(f"image should be uint8, got {image.dtype.name}")
        return tf.cast(image, tf.float32) / 127.5 - 1.0
    raise TypeError(f"image should be tf.Tensor or np.ndarray, got {type(image).__name__}")
