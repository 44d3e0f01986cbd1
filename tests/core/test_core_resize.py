"""drc.core.resize: every shrink / enlarge helper is OpenCV's INTER_CUBIC."""
import cv2
import numpy as np
import pytest

from drc.core import resize


@pytest.mark.parametrize("dsize", [7, (5, 9), (40, 33)])
def test_resize_image_is_opencv_cubic(dsize):
    image = np.random.default_rng(0).normal(100, 50, (28, 31, 3)).astype(np.float32)
    expected = cv2.resize(image, dsize if not np.isscalar(dsize) else (dsize, dsize), interpolation=cv2.INTER_CUBIC)
    np.testing.assert_allclose(resize.resize_image(image, dsize), expected, atol=2e-3)


def test_shrink_and_enlarge_is_two_opencv_resizes_with_rounding_for_uint8():
    images = np.random.default_rng(1).integers(0, 256, (3, 28, 28, 1), dtype=np.uint8)
    out = resize.shrink_and_enlarge(images, 7)
    assert out.dtype == np.uint8 and out.shape == images.shape
    for image, got in zip(images, out):
        small = cv2.resize(image, (7, 7), interpolation=cv2.INTER_CUBIC)
        expected = cv2.resize(small, (28, 28), interpolation=cv2.INTER_CUBIC)
        assert np.abs(got[..., 0].astype(int) - expected.astype(int)).max() <= 1


def test_shrink_images_keeps_dtype_and_matches_resize_images():
    images = np.random.default_rng(2).normal(size=(2, 32, 32, 3)).astype(np.float32)
    np.testing.assert_array_equal(resize.shrink_images(images, 8), resize.resize_images(images, 8))
    assert resize.shrink_images(images, 8).shape == (2, 8, 8, 3)
