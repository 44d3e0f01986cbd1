"""The paper's "averaged prediction" baseline: one low-resolution classifier applied to every frame
of a sensor trajectory, its softmax outputs averaged over the frames.

Each frame is what the DRC's sensor sees at one position (OpenCV-exact cubic shrinking of the
window to ``res`` x ``res``), enlarged back to the window's size (the naive low-resolution
network's input, the original's ``bad_res101``), in raw pixel units so that the classifier's own
preprocessing applies.
"""
import numpy as np
import tensorflow as tf

from drc.sensor import sensor_frames


def low_res_frames(images, positions, res, window=None):
    """Frames (B, T, window, window, C): each sensor frame shrunk to res x res and enlarged back.

    images: (B, H, W, C) raw images; positions: (B, T, 2) sensor positions (see drc.sensor).
    ``window`` defaults to the image height. Pixels outside the image are 0.
    """
    images = tf.convert_to_tensor(images, tf.float32)
    window = window or images.shape[1]
    return sensor_frames(images, positions, res, window=window, scale=1.0, up_to_window=True)


def averaged_prediction(classifier, images, positions, res, preprocessing=None, batch_size=256):
    """The classifier's class probabilities averaged over each trajectory's frames: (B, K).

    classifier: a Keras model of (N, window, window, C) preprocessed images ending in softmax;
    preprocessing: a ``drc.core.preprocessing.Preprocessing`` applied to the frames (None: none).
    """
    images = np.asarray(images)
    positions = np.asarray(positions)
    if images.ndim != 4 or positions.ndim != 3 or positions.shape[-1] != 2 or len(images) != len(positions):
        raise ValueError(f"expected images (B, H, W, C) and positions (B, T, 2); got {images.shape} and "
                         f"{positions.shape}")
    out = []
    for start in range(0, len(images), batch_size):
        frames = low_res_frames(images[start:start + batch_size], positions[start:start + batch_size], res)
        b, t = frames.shape[0], frames.shape[1]
        flat = tf.reshape(frames, (b * t,) + tuple(frames.shape[2:]))
        if preprocessing is not None:
            flat = preprocessing.apply_tensor(flat)
        probs = classifier.predict(flat, batch_size=256, verbose=0)  # compiled once, reused
        out.append(probs.reshape(b, t, -1).mean(axis=1))
    return np.concatenate(out)


def averaged_accuracy(classifier, images, labels, positions, res, preprocessing=None, batch_size=256):
    """Accuracy of the averaged prediction on labelled images with their trajectories."""
    probs = averaged_prediction(classifier, images, positions, res, preprocessing, batch_size)
    return float(np.mean(np.argmax(probs, axis=-1) == np.asarray(labels)))
