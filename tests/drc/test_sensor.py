"""The vectorised sensor against OpenCV's resize(INTER_CUBIC) of the same crop."""
import cv2
import numpy as np
import pytest

from drc import sensor
from tests.helpers import opencv_frame


@pytest.mark.parametrize("window,res,channels", [(32, 8, 3), (56, 8, 3), (32, 8, 1), (32, 5, 3), (32, 13, 2)])
def test_sensor_equals_opencv_on_random_images(window, res, channels):
    rng = np.random.default_rng(0)
    images = rng.normal(0, 60, (4, 32, 32, channels)).astype(np.float32)
    low = 50 if window == 32 else 40
    positions = rng.integers(low, 150, (4, 6, 2))
    frames = sensor.sensor_frames(images, positions, res, window=window).numpy()
    assert frames.shape == (4, 6, res, res, channels)
    for b in range(4):
        for t in range(6):
            ref = opencv_frame(images[b], positions[b, t], res, window)
            np.testing.assert_allclose(frames[b, t], ref, atol=1e-5)


def test_sensor_equals_opencv_on_real_images(fmnist_subset):
    (x, _), _ = fmnist_subset
    images = np.float32(x[:8]) - 128.0
    rng = np.random.default_rng(1)
    positions = rng.integers(95, 106, (8, 5, 2))
    frames = sensor.sensor_frames(images, positions, 7, window=28).numpy()
    for b in range(8):
        for t in range(5):
            np.testing.assert_allclose(frames[b, t], opencv_frame(images[b], positions[b, t], 7, 28), atol=1e-5)
    assert np.abs(frames).max() > 0.1  # real content, not the padding


def test_start_position_gives_the_downsampled_original():
    rng = np.random.default_rng(2)
    image = rng.uniform(0, 255, (32, 32, 3)).astype(np.float32)
    start = sensor.default_start(32)
    assert start == 100
    frame = sensor.sensor_frames(image[None], np.array([[[start, start]]]), 8).numpy()[0, 0]
    np.testing.assert_allclose(frame, cv2.resize(image / 256, (8, 8), interpolation=cv2.INTER_CUBIC), atol=1e-5)


def test_32_to_8_operator_is_the_documented_separable_filter():
    m = sensor.cubic_resize_matrix(32, 8)
    taps = np.array([-3, 19, 19, -3]) / 32
    for d in range(8):
        np.testing.assert_allclose(m[d, 4 * d:4 * d + 4], taps, atol=1e-6)
        assert np.count_nonzero(m[d]) == 4


def test_q_axes_column_and_row_from_bottom():
    image = np.zeros((32, 32, 1), np.float32)
    image[27, 0, 0] = 256.0  # left edge, 4 rows above the bottom
    f = sensor.sensor_frames(image[None], np.array([[[100, 100], [104, 100], [100, 104], [100, 96]]]), 32).numpy()[0]
    assert f[0, 27, 0, 0] == pytest.approx(1.0)
    assert f[1].max() == 0.0  # q0 + 4 moves the window right: the pixel leaves through the left edge
    assert f[2, 31, 0, 0] == pytest.approx(1.0)  # q1 + 4 moves the window up: the pixel is 4 rows lower
    assert f[3, 23, 0, 0] == pytest.approx(1.0)  # q1 - 4 moves it down


def test_keras_layer_roundtrip_and_padding(tmp_path):
    import keras

    layer = sensor.DRCSensor(res=8, broadcast=1, max_length=7)
    images = keras.Input((32, 32, 3))
    positions = keras.Input((5, 2), dtype="int32")
    frames, where = layer(images, positions)
    model = keras.Model([images, positions], [frames, where])
    path = str(tmp_path / "sensor.keras")
    model.save(path)
    loaded = keras.models.load_model(path)
    x = np.random.default_rng(3).normal(size=(2, 32, 32, 3)).astype(np.float32)
    q = np.full((2, 5, 2), 100, np.int32)
    out = loaded.predict([x, q], verbose=0)
    assert out[0].shape == (2, 7, 8, 8, 3) and out[1].shape == (2, 7, 8, 8, 2)
    assert np.all(out[0][:, :2] == 0) and np.all(out[1][:, :2] == 0)
    np.testing.assert_allclose(out[1][:, 2:], 100 / 232, rtol=1e-6)
