"""DRC_training faithfulness fixes of issue 12: what the original does, checked on our pipeline."""
import dataclasses
import os
import runpy
import sys

import keras
import numpy as np
import pytest

from drc import pipeline, sensor, trajectories

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), os.pardir, os.pardir))
STYLE, NOISE, N_SAMPLES = "spiral_2dir2", 0.5, 5


def _small_data(config, n_train=320, n_val=64):
    data = pipeline.load_data(config)
    return dataclasses.replace(data, x_train=data.x_train[:n_train], y_train=data.y_train[:n_train],
                               x_val=data.x_val[:n_val], y_val=data.y_val[:n_val],
                               x_test=data.x_test[:n_val], y_test=data.y_test[:n_val])


def _config(**overrides):
    return pipeline.default_config(dataset="fashion_mnist_subset", val_size=200, val_set_mult=1, style=STYLE,
                                   noise=NOISE, n_samples=N_SAMPLES, **overrides)


def _epochs_of_positions(dataset, clock, epochs=2):
    """The positions of every batch of ``epochs`` passes, as fit would run them."""
    out = []
    for epoch in range(epochs):
        clock.on_epoch_begin(epoch)
        out.append(np.concatenate([batch["positions"].numpy() for batch in dataset]))
    return out


def _distinct(positions):
    return {p.tobytes() for p in np.asarray(positions, np.int32)}


@pytest.fixture(scope="module")
def start():
    return sensor.start_position(28, 28, 28)


def test_trajectories_num_n_gives_the_n_plus_1_seeded_trajectories_in_training_and_validation(start):
    config = _config(trajectories_num=2)
    sets = pipeline.make_datasets(config, _small_data(config), seed=0)
    bank = trajectories.trajectory_bank(range(3), N_SAMPLES, STYLE, NOISE, start).astype(np.int32)
    train = _epochs_of_positions(sets["train_features"], sets["clock"])
    assert _distinct(np.concatenate(train)) == _distinct(bank)  # all three seeds, nothing else
    val = np.concatenate([b["positions"].numpy() for b in sets["val_features"]])
    assert _distinct(val) <= _distinct(bank)


def test_trajectories_num_0_gives_the_seed_42_stream_per_batch_as_the_original_generator(start):
    config = _config(trajectories_num=0)
    sets = pipeline.make_datasets(config, _small_data(config), seed=0)
    rng = np.random.RandomState(42)  # the original: np.random.seed(42), then one draw per image of a call
    stream = np.stack([np.trunc(trajectories.create_trajectory(np.array(start), N_SAMPLES, STYLE, NOISE, rng=rng))
                       for _ in range(64)]).astype(np.int32)
    for epoch in _epochs_of_positions(sets["train_features"], sets["clock"]):
        # the training generator calls generate_drc_images per batch of 32: position k gets draw k
        np.testing.assert_array_equal(epoch, stream[np.arange(len(epoch)) % 32])
    val = np.concatenate([b["positions"].numpy() for b in sets["val_features"]])
    np.testing.assert_array_equal(val, stream[:len(val)])  # validation: one call over the whole set


def test_trajectories_num_minus_1_draws_fresh_trajectories_every_epoch():
    config = _config(trajectories_num=-1)
    sets = pipeline.make_datasets(config, _small_data(config), seed=0)
    first, second = _epochs_of_positions(sets["train_features"], sets["clock"])
    assert len(_distinct(first)) > 0.9 * len(first)
    assert len(_distinct(first) & _distinct(second)) < 0.2 * len(first)


def _callbacks(stage, **flags):
    config = _config(**flags)
    run = pipeline.RunFolders("unused_folder", "unused_work")
    found = pipeline.stage_callbacks(config, stage, run, keras.callbacks.Callback())
    by_type = {type(c).__name__: c for c in found}
    return by_type["ReduceLROnPlateau"], by_type["TF2EarlyStopping"]


def test_decoder_reduces_the_learning_rate_on_val_loss_and_stops_on_val_accuracy():
    lr, stop = _callbacks("decoder")
    assert lr.monitor == "val_loss"
    assert stop.monitor == "val_sparse_categorical_accuracy" and stop.min_delta == pytest.approx(1e-4)
    lr, stop = _callbacks("student")
    assert lr.monitor == stop.monitor == "val_loss" and stop.min_delta == pytest.approx(5e-5)


def test_learning_and_stopping_patience_flags_are_honoured():
    for stage in ("student", "decoder"):
        lr, stop = _callbacks(stage)
        assert (lr.patience, stop.patience) == (5, 10)  # the flags' defaults, the original's hard-coded values
        lr, stop = _callbacks(stage, learning_patience=2, stopping_patience=7)
        assert (lr.patience, stop.patience) == (2, 7)
        assert lr.factor == pytest.approx(np.sqrt(0.1)) and lr.min_lr == pytest.approx(0.5e-6)


def _drive(callback, val_losses):
    """Runs ``callback`` through epochs whose weights are the epoch index and whose val_loss is given;
    returns the final weight and whether training was stopped."""
    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1, use_bias=False)])
    model.stop_training = False  # what fit sets
    callback.set_model(model)
    callback.on_train_begin()
    for epoch, loss in enumerate(val_losses):
        model.set_weights([np.full((1, 1), float(epoch), np.float32)])
        callback.on_epoch_end(epoch, {"val_loss": loss})
        if model.stop_training:
            break
    callback.on_train_end()
    return float(model.get_weights()[0][0, 0]), bool(model.stop_training)


def test_best_weights_restored_only_when_early_stopping_ended_training():
    losses = [1.0, 0.5, 0.8, 0.9, 0.95]  # best at epoch 1
    weight, stopped = _drive(pipeline.TF2EarlyStopping(patience=10, restore_best_weights=True), losses)
    assert not stopped and weight == 4.0  # ran to the end: the last epoch's weights (tf.keras 2)
    weight, _ = _drive(keras.callbacks.EarlyStopping(patience=10, restore_best_weights=True), losses)
    assert weight == 1.0  # what Keras 3 alone would do
    weight, stopped = _drive(pipeline.TF2EarlyStopping(patience=2, restore_best_weights=True), losses)
    assert stopped and weight == 1.0  # early stopping fired at epoch 3: the best weights come back


def test_a_missing_teacher_trains_with_cifar_style_defaults():
    typed = dict(teacher_net="no/such/teacher.keras", epochs=3, res=8, dataset="fashion_mnist_subset",
                 val_size=500, network_topology="default", dropout=0.0)
    config = dict(pipeline.default_config(**typed), explicit=sorted(typed))  # as typed on the command line
    teacher = pipeline.missing_teacher_config(config)
    assert teacher["epochs"] == 200 and teacher["nl"] == "elu" and teacher["resblocks"] == 5
    assert (teacher["stopping_patience"], teacher["learning_patience"]) == (30, 10)
    assert teacher["rotation_range"] == 5 and teacher["width_shift_range"] == teacher["height_shift_range"] == 0.15
    assert teacher["last_maxpool_en"] is False
    assert (teacher["network_topology"], teacher["dataset"], teacher["val_size"]) == ("default",
                                                                                    "fashion_mnist_subset", 500)
    more = dict(typed, nl="relu", resblocks=2)
    teacher = pipeline.missing_teacher_config(dict(pipeline.default_config(**more), explicit=sorted(more)))
    assert (teacher["nl"], teacher["resblocks"], teacher["epochs"]) == ("relu", 2, 200)
    teacher = pipeline.missing_teacher_config(dict(pipeline.default_config(n_classes=100), explicit=["n_classes"]))
    assert (teacher["network_topology"], teacher["n_classes"], teacher["nl"]) == ("resnet50_on_imagenet", 100, "elu")


def _run_script(argv, capsys, monkeypatch):
    monkeypatch.setattr(sys, "argv", ["DRC_training.py", *argv])
    with pytest.raises(SystemExit) as exit_info:
        runpy.run_path(os.path.join(ROOT, "scripts", "DRC_training.py"), run_name="__main__")
    return exit_info.value.code, capsys.readouterr().err


def test_broadcast_2_is_refused_with_one_line(capsys, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    code, err = _run_script(["--broadcast", "2"], capsys, monkeypatch)
    assert code == 2
    assert len(err.strip().splitlines()) == 1 and "--broadcast 2" in err and "allowed: 0" in err
    assert "Traceback" not in err and os.listdir(tmp_path) == []
