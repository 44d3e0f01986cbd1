"""RS-RNN's GPU-scale data sources on tiny real fixtures: CIFAR folders in the official pickle
layout and ImageNet-style JPEG class folders (both from bundled Fashion-MNIST images), through
rsrnn.data and adv_attack.py's command line (in process: one TensorFlow start)."""
import json
import os

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from drc.core.cli import run_cli
from drc.core.datasets import load_fashion_mnist_subset, write_cifar_folder
from rsrnn.cli import attack_main
from rsrnn.data import load_data, resolve_dataset

WNIDS = ("n01440764", "n01443537", "n02102040")


@pytest.fixture(scope="module")
def images():
    (x, y), _ = load_fashion_mnist_subset()
    return np.repeat(np.pad(x[:60], ((0, 0), (2, 2), (2, 2), (0, 0))), 3, -1), y[:60]


@pytest.fixture(scope="module")
def image_folder(tmp_path_factory, images):
    root = tmp_path_factory.mktemp("imagenet100")
    x, y = images
    for split in ("train", "val"):
        for label, wnid in enumerate(WNIDS):
            (root / split / wnid).mkdir(parents=True)
            for i in np.flatnonzero(y == label)[:3]:
                Image.fromarray(x[i]).save(root / split / wnid / f"{wnid}_{i}.JPEG", quality=95)
    return str(root)


@pytest.mark.parametrize("n_classes", [10, 100])
def test_cifar_images_are_whole_images_resized_to_the_input(tmp_path, images, n_classes):
    x, y = images
    folder = {10: "cifar-10-batches-py", 100: "cifar-100-python"}[n_classes]
    write_cifar_folder(str(tmp_path / folder), x[:40], y[:40], x[40:], y[40:], n_classes)
    ((x_train, y_train), (x_test, y_test)), classes = load_data(f"cifar{n_classes}", 48, str(tmp_path), n_test=8)
    assert classes == n_classes and x_train.shape == (40, 48, 48, 3) and x_test.shape == (8, 48, 48, 3)
    assert x_train.dtype == np.float32 and 0.0 <= x_train.min() and x_train.max() <= 1.0
    assert y_train.tolist() == y[:40].tolist() and y_test.dtype == np.int32
    ((same, _), _), _ = load_data(f"cifar{n_classes}", 32, str(tmp_path), n_train=2)
    np.testing.assert_allclose(same, x[:2] / 255.0, atol=1e-6)  # the native size: no resampling


def test_image_folder_is_detected_and_the_class_list_chooses_the_labels(image_folder, tmp_path):
    assert resolve_dataset(None, image_folder) == "image_folder"
    assert resolve_dataset(None, None) == "mnist_subset" and resolve_dataset("cifar10", image_folder) == "cifar10"
    ((x_train, y_train), (x_test, y_test)), classes = load_data("image_folder", 40, image_folder)
    assert classes == 3 and x_train.shape == (9, 40, 40, 3) and sorted(y_test.tolist()) == [0, 0, 0, 1, 1, 1, 2, 2, 2]
    listing = tmp_path / "classes.txt"
    listing.write_text("n02102040\nn01440764\n")
    ((_, y_train), _), classes = load_data("image_folder", 16, image_folder, class_list=str(listing))
    assert classes == 2 and y_train.tolist() == [0, 0, 0, 1, 1, 1]
    with pytest.raises(ValueError, match="--class_list applies to --dataset image_folder, not 'cifar10'"):
        load_data("cifar10", 32, None, class_list=str(listing))
    with pytest.raises(ValueError, match="--dataset image_folder needs --data_path"):
        load_data("image_folder", 32)


def test_adv_attack_takes_the_seeds_command_line_on_an_image_folder(image_folder, images, tmp_path, capsys):
    import rsrnn

    x, y = images
    write_cifar_folder(str(tmp_path / "cifar-100-python"), x[:4], y[:4], x[4:8], y[4:8], 100)

    model = rsrnn.build_model("rsrnn", n_classes=3, width=4, steps=2, output_size=16)
    model.build((None, 32, 32, 3))
    model.save(tmp_path / "model_weights.keras")
    argv = ["--checkpoint_path", str(tmp_path / "model_weights.keras"), "--data_path", image_folder,
            "--image_size", "32", "--eps", "0.01", "--attack_steps", "1", "--eval_steps", "2", "--nb_iter", "1"]
    assert run_cli(attack_main, argv, prog="adv_attack.py") == 0
    table = pd.read_csv(tmp_path / "adv_accuracy_per_step.csv")
    assert sorted(set(table.eps)) == [0.0, 0.01] and sorted(set(table.step)) == [1, 2]
    assert (table.n == 9).all() and table.accuracy.between(0, 1).all()
    info = json.load(open(tmp_path / "attack_info.json"))
    assert info["dataset"] == "image_folder" and info["data_path"] == image_folder

    listing = tmp_path / "classes.txt"
    listing.write_text("n01440764\nn09999999\n")
    for extra, message in [(["--class_list", str(listing)], "class 'n09999999' of the class list is not a folder"),
                           (["--dataset", "cifar100", "--data_path", str(tmp_path)],
                            "--dataset cifar100 has 100 classes but the checkpoint's classifier has 3"),
                           (["--class_list", str(tmp_path / "none.txt")], "none.txt: no such file")]:
        with pytest.raises(SystemExit) as exit_info:
            run_cli(attack_main, argv + extra + ["--overwrite"], prog="adv_attack.py")
        err = capsys.readouterr().err.strip()
        assert exit_info.value.code == 2 and message in err and len(err.splitlines()) == 1, err
    with pytest.raises(SystemExit) as exit_info:
        run_cli(attack_main, argv + ["--dataset", "imagenet"], prog="adv_attack.py")
    assert exit_info.value.code == 2 and "invalid choice: 'imagenet'" in capsys.readouterr().err
    assert os.path.isfile(tmp_path / "adv_accuracy_per_step.csv")


TINY = ["--width", "4", "--grid_size", "16", "--image_size", "32", "--n_steps", "2", "--epochs", "1",
        "--batch_size", "8", "--strategy", "default"]


@pytest.mark.slow
def test_train_takes_the_seeds_command_line_on_an_image_folder_and_cifar(image_folder, images, tmp_path, capsys):
    from rsrnn.cli import train_main

    run = str(tmp_path / "in3")
    assert run_cli(train_main, ["--data_path", image_folder, "--model", "rsrnn", "--out", run, *TINY]) == 0
    log = pd.read_csv(os.path.join(run, "training_log.csv"))
    assert log.epoch.tolist() == [0] and np.isfinite(log.loss).all()
    info = json.load(open(os.path.join(run, "run_info.json")))
    assert info["config"]["dataset"] == "image_folder" and info["n_train"] == 9 and info["finished"]
    assert run_cli(attack_main, ["--checkpoint_path", run, "--data_path", image_folder, "--eps", "0.01",
                                 "--attack_steps", "1", "--eval_steps", "2", "--nb_iter", "1"]) == 0
    assert sorted(set(pd.read_csv(os.path.join(run, "adv_accuracy_per_step.csv")).step)) == [1, 2]

    x, y = images
    write_cifar_folder(str(tmp_path / "cifar-100-python"), x[:16], y[:16], x[16:24], y[16:24], 100)
    cifar = str(tmp_path / "c100")
    assert run_cli(train_main, ["--dataset", "cifar100", "--data_path", str(tmp_path), "--model", "cnn",
                                "--out", cifar, *TINY]) == 0
    assert len(pd.read_csv(os.path.join(cifar, "training_log.csv"))) == 1
    with pytest.raises(SystemExit) as exit_info:
        run_cli(train_main, ["--data_path", image_folder, "--class_list", str(tmp_path / "none.txt"),
                             "--out", str(tmp_path / "bad"), *TINY], prog="train.py")
    err = capsys.readouterr().err.strip()
    assert exit_info.value.code == 2 and "none.txt: no such file" in err and len(err.splitlines()) == 1
