"""OpenCV's INTER_CUBIC resize as an exact linear operator (NumPy; no TensorFlow).

Cubic resizing is linear and separable: an (H, W) image resized to (h, w) is ``R @ img @ C.T``
with R = ``cubic_resize_matrix(H, h)`` and C = ``cubic_resize_matrix(W, w)``. Every family that
shrinks or enlarges images with OpenCV's semantics uses the helpers here: :func:`resize_images`
(a batch), :func:`shrink_images` (a batch to res x res), :func:`shrink_and_enlarge` (a batch to
res x res and back), :func:`resize_image` (one image, OpenCV's ``dsize``).
"""
import math

import numpy as np

CUBIC_A = -0.75


def _cubic_weights(t):
    """OpenCV's four cubic interpolation weights (a = -0.75) for fractional offset t."""
    a = CUBIC_A
    w0 = ((a * (t + 1) - 5 * a) * (t + 1) + 8 * a) * (t + 1) - 4 * a
    w1 = ((a + 2) * t - (a + 3)) * t * t + 1
    w2 = ((a + 2) * (1 - t) - (a + 3)) * (1 - t) * (1 - t) + 1
    return np.array([w0, w1, w2, 1 - w0 - w1 - w2], dtype=np.float32)


def cubic_resize_matrix(src_size, dst_size):
    """The (dst_size, src_size) matrix M with ``M @ v`` = OpenCV INTER_CUBIC resize of v.

    Source coordinate of output pixel d is (d + 0.5) * src/dst - 0.5; taps at floor - 1 .. floor
    + 2 with replicated borders, as OpenCV does (no antialiasing when shrinking).
    """
    scale = src_size / dst_size
    m = np.zeros((dst_size, src_size), dtype=np.float64)
    for d in range(dst_size):
        x = np.float32((d + 0.5) * scale - 0.5)
        base = math.floor(x)
        weights = _cubic_weights(np.float32(x - base))
        for k, w in enumerate(weights):
            m[d, min(max(base - 1 + k, 0), src_size - 1)] += w
    return m.astype(np.float32)


def resize_images(images, height, width=None):
    """Resizes (N, H, W, C) images to (height, width) with OpenCV's INTER_CUBIC; uint8 images
    stay uint8 (rounded and clipped, as OpenCV does), anything else comes back as float32."""
    width = height if width is None else width
    images = np.asarray(images)
    rows = cubic_resize_matrix(images.shape[1], height)
    cols = cubic_resize_matrix(images.shape[2], width)
    out = np.einsum("ih,nhwc,jw->nijc", rows, images.astype(np.float32), cols, optimize=True)
    if images.dtype == np.uint8:
        return np.clip(np.rint(out), 0, 255).astype(np.uint8)
    return out.astype(np.float32)


def shrink_images(images, res):
    """Shrinks (N, H, W, C) images to res x res (the original's ``bad_res102`` for a batch);
    uint8 images stay uint8 (rounded and clipped, as OpenCV does)."""
    return resize_images(images, res)


def shrink_and_enlarge(images, res):
    """(N, H, W, C) images shrunk to res x res and enlarged back to H x W (the original's
    ``bad_res101`` for a batch)."""
    images = np.asarray(images)
    return resize_images(resize_images(images, res), images.shape[1], images.shape[2])


def resize_image(image, dsize):
    """One (H, W[, C]) image resized to ``dsize``: an int (square) or OpenCV's (width, height);
    float32, not rounded (the original's ``bad_res102``)."""
    width, height = (dsize, dsize) if np.isscalar(dsize) else dsize
    image = np.asarray(image, np.float32)
    out = np.einsum("ih,hw...,jw->ij...", cubic_resize_matrix(image.shape[0], height), image,
                    cubic_resize_matrix(image.shape[1], width))
    return out.astype(np.float32)
