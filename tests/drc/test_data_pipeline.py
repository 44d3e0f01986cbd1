"""generate_drc_images, DRC_dataset_generator and the tf.data pipeline."""
import keras
import numpy as np
import pytest
import tensorflow as tf

from drc import sensor, trajectories
from drc.compat import DRC_dataset_generator, bad_res101, generate_drc_images
from drc.tf_data import make_drc_dataset
from tests.helpers import opencv_frame


def _images(n=12, size=32, channels=3, seed=0):
    return np.random.default_rng(seed).normal(0, 50, (n, size, size, channels)).astype(np.float32)


def test_explicit_trajectory_list_equals_vectorised_sensor_and_opencv():
    images = _images()
    traj = trajectories.sample_trajectories(len(images), 5, "spiral_2dir2", rng=np.random.default_rng(1))
    frames, where = generate_drc_images(images, 8, n_samples=5, trajectory_list=traj, max_length=5, broadcast=0)
    np.testing.assert_allclose(frames, sensor.sensor_frames(images, traj, 8).numpy(), atol=1e-6)
    for b in (0, 7):
        for t in (0, 4):
            np.testing.assert_allclose(frames[b, t], opencv_frame(images[b], traj[b, t], 8, 32), atol=1e-5)
    np.testing.assert_allclose(where, traj / 232.0, rtol=1e-6)


def test_left_padding_and_broadcast_shapes():
    images = _images(4, channels=1)
    frames, where = generate_drc_images(images, 8, n_samples=5, n_trajectories=-1, broadcast=1, max_length=10,
                                        style="spiral_2dir2")
    assert frames.shape == (4, 10, 8, 8, 1) and where.shape == (4, 10, 8, 8, 2)
    assert np.all(frames[:, :5] == 0) and np.all(where[:, :5] == 0)
    assert np.all(where[:, 5, :, :, 0] == 100 / 232) and np.abs(frames[:, 5:]).max() > 0
    frames, where = generate_drc_images(images, 8, n_samples=7, n_trajectories=-1, broadcast=0, max_length=3)
    assert frames.shape == (4, 7, 8, 8, 1) and where.shape == (4, 7, 2)


def test_trajectories_num_seeding_rules():
    images = _images(64)
    kw = dict(n_samples=5, style="spiral_2dir2", max_length=5, broadcast=0)
    _, fresh = generate_drc_images(images, 8, n_trajectories=-1, **kw)
    assert len({w.tobytes() for w in fresh}) > 50
    _, seeded = generate_drc_images(images, 8, n_trajectories=3, **kw)
    distinct = {w.tobytes() for w in seeded}
    bank = trajectories.trajectory_bank(range(4), 5, "spiral_2dir2", 0.15)
    assert distinct <= {np.float32(b / 232.0).tobytes() for b in bank} and len(distinct) >= 2
    _, stream_a = generate_drc_images(images, 8, n_trajectories=0, **kw)
    _, stream_b = generate_drc_images(images[:10], 8, n_trajectories=0, **kw)
    np.testing.assert_array_equal(stream_a[:10], stream_b)
    assert len({w.tobytes() for w in stream_a}) > 50
    _, same = generate_drc_images(images, 8, n_trajectories=5, mixed_state=False, **kw)
    assert len({w.tobytes() for w in same}) == 1
    _, one_seed = generate_drc_images(images, 8, n_trajectories=5, trajectory_list=7, **kw)
    np.testing.assert_allclose(one_seed[0], trajectories.trajectory_bank([7], 5, "spiral_2dir2", 0.15)[0] / 232)


def test_up_sample_window_and_down_up_function():
    images = _images(3)
    frames, where = generate_drc_images(images, 8, n_samples=2, up_sample=True, n_trajectories=0, style="degenerate",
                                        max_length=2)
    assert frames.shape == (3, 2, 8, 8, 3)
    assert np.all(where[:, 0] == 88 / 232)  # start = (232 - 56) // 2
    start = np.full((3, 2, 2), 88)
    big, _ = generate_drc_images(images, 8, n_samples=2, up_sample=True, bad_res_func=bad_res101,
                                 trajectory_list=start, max_length=2)
    assert big.shape == (3, 2, 56, 56, 3)
    padded = np.pad(images[0] / 256, ((12, 12), (12, 12), (0, 0)))
    import cv2

    ref = cv2.resize(cv2.resize(padded, (8, 8), interpolation=cv2.INTER_CUBIC), (56, 56), interpolation=cv2.INTER_CUBIC)
    np.testing.assert_allclose(big[0, 0], ref, atol=1e-5)


def _small_classifier(max_length, res, channels, broadcast):
    frames = keras.Input((max_length, res, res, channels))
    where = keras.Input((max_length, 2) if broadcast == 0 else (max_length, res, res, 2))
    x = keras.layers.TimeDistributed(keras.layers.Flatten())(frames)
    x = keras.layers.GlobalAveragePooling1D()(x)
    out = keras.layers.Dense(10, activation="softmax")(x)
    model = keras.Model([frames, where], out)
    model.compile(keras.optimizers.Adam(3e-3), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def test_pydataset_trains_with_fit_and_keeps_validation_fixed(fmnist_subset):
    (x, y), _ = fmnist_subset
    images = (x[:2000].astype(np.float32) - 73.0) * 2
    params = dict(batch_size=50, res=7, n_samples=5, max_length=5, n_trajectories=-1, style="spiral_2dir2",
                  broadcast=0, mixed_state=True)
    train = DRC_dataset_generator(images[:1500], y[:1500], prep_data_per_batch=True, **params)
    val = DRC_dataset_generator(images[1500:], y[1500:2000], validation_mode=True, **params)
    first = val[0][0][1].copy()
    fixed_order = DRC_dataset_generator(images[:200], y[:200], prep_data_per_batch=True, shuffle=False, **params)
    before = fixed_order[1][0][1].copy()
    assert len({w.tobytes() for w in before}) > 40  # a fresh trajectory per image
    fixed_order.on_epoch_end()
    assert not np.array_equal(fixed_order[1][0][1], before)  # and fresh again next epoch
    model = _small_classifier(5, 7, 1, 0)
    hist = model.fit(train, validation_data=val, epochs=3, verbose=0)
    np.testing.assert_array_equal(val[0][0][1], first)  # validation trajectories stay fixed
    assert hist.history["loss"][-1] < hist.history["loss"][0]
    assert hist.history["val_accuracy"][-1] > 0.5


def test_pydataset_teacher_targets_cached_and_per_batch():
    images = _images(40)
    teacher = keras.Sequential([keras.Input((32, 32, 3)), keras.layers.Conv2D(4, 3, strides=4)])
    cached = DRC_dataset_generator(images, None, batch_size=8, teacher=teacher, res=8, n_samples=3, max_length=3,
                                   n_trajectories=-1, prep_data_per_batch=True, shuffle=False)
    per_batch = DRC_dataset_generator(images, None, batch_size=8, teacher=teacher, res=8, n_samples=3, max_length=3,
                                      n_trajectories=-1, prep_data_per_batch=True, shuffle=False, teacher_cache_bytes=0)
    assert cached.teacher_targets is not None and per_batch.teacher_targets is None
    expected = teacher(images[8:16]).numpy()
    np.testing.assert_allclose(cached[1][1], expected, atol=1e-5)
    np.testing.assert_allclose(per_batch[1][1], expected, atol=1e-5)
    with pytest.raises(IndexError):
        cached[len(cached)]


def test_tf_data_pipeline_trains_with_fit(fmnist_subset):
    (x, y), _ = fmnist_subset
    images = (x[:2000].astype(np.float32) - 73.0) * 2
    train = make_drc_dataset(images[:1500], y[:1500], res=7, n_samples=5, broadcast=1, batch_size=50, seed=0)
    val = make_drc_dataset(images[1500:], y[1500:2000], res=7, n_samples=5, broadcast=1, batch_size=50,
                           shuffle=False, fixed_trajectories=True, seed=1)
    (frames, where), target = next(iter(train))
    assert frames.shape == (50, 5, 7, 7, 1) and where.shape == (50, 5, 7, 7, 2) and target.shape == (50,)
    v1 = next(iter(val))[0][1].numpy()
    v2 = next(iter(val))[0][1].numpy()
    np.testing.assert_array_equal(v1, v2)
    model = _small_classifier(5, 7, 1, 1)
    hist = model.fit(train, validation_data=val, epochs=3, verbose=0)
    assert hist.history["loss"][-1] < hist.history["loss"][0]
    assert hist.history["val_accuracy"][-1] > 0.5


def test_tf_data_with_target_fn_and_errors():
    images = _images(16)
    fe = keras.Sequential([keras.Input((32, 32, 3)), keras.layers.AveragePooling2D(4)])
    ds = make_drc_dataset(images, target_fn=lambda im: fe(im, training=False), res=8, batch_size=8, shuffle=False)
    (_, _), target = next(iter(ds))
    np.testing.assert_allclose(target.numpy(), fe(images[:8]).numpy(), atol=1e-6)
    with pytest.raises(ValueError, match="valid styles"):
        make_drc_dataset(images, np.zeros(16), style="bad")
    with pytest.raises(ValueError, match="targets or a target_fn"):
        make_drc_dataset(images)
