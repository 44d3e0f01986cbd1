"""drc.core.image_folders on real JPEG folders written from bundled Fashion-MNIST images."""
import os

import numpy as np
import pytest
from PIL import Image

from drc.core.datasets import load_fashion_mnist_subset
from drc.core.errors import DatasetNotFoundError, UsageError
from drc.core.image_folders import class_names, is_image_folder, list_images, load_image_folder, read_class_list

CLASSES = ("n01440764", "n01443537", "n01484850")


def write_folder(root, per_class=4, classes=CLASSES, fmt="JPEG"):
    """DATA/{train,val}/<wnid>/*.JPEG from Fashion-MNIST images of the classes 0, 1, 2 (RGB)."""
    (x, y), _ = load_fashion_mnist_subset()
    for split in ("train", "val"):
        for label, wnid in enumerate(classes):
            folder = root / split / wnid
            folder.mkdir(parents=True)
            for i, index in enumerate(np.flatnonzero(y == label)[:per_class]):
                Image.fromarray(np.repeat(x[index], 3, -1)).save(folder / f"{wnid}_{i}.{fmt}", quality=95)
    return root


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    return write_folder(tmp_path_factory.mktemp("imagenet"))


def test_classes_are_sorted_folders_and_labels_follow_them(data):
    assert is_image_folder(str(data)) and not is_image_folder(str(data / "train"))
    files, labels, classes = list_images(str(data), "train")
    assert classes == sorted(CLASSES)
    assert labels == [0] * 4 + [1] * 4 + [2] * 4
    assert [os.path.basename(os.path.dirname(f)) for f in files] == [classes[label] for label in labels]


def test_images_are_resized_rgb_in_unit_range_and_match_the_source(data):
    (x_train, y_train), (x_val, y_val) = load_image_folder(str(data), 28)
    assert x_train.shape == (12, 28, 28, 3) and x_val.shape == (12, 28, 28, 3) and x_train.dtype == np.float32
    assert 0.0 <= x_train.min() and x_train.max() <= 1.0 and x_train.max() > 0.5
    assert y_train.tolist() == [0] * 4 + [1] * 4 + [2] * 4 and y_val.tolist() == y_train.tolist()
    (x, y), _ = load_fashion_mnist_subset()
    first = x[np.flatnonzero(y == 0)[0], ..., 0] / 255.0
    assert np.abs(x_train[0, ..., 0] - first).mean() < 0.03  # JPEG loss only
    (big, _), _ = load_image_folder(str(data), 40, n_train=5, n_test=2)
    assert big.shape == (5, 40, 40, 3)


def test_class_list_selects_and_orders_the_classes(data, tmp_path):
    listing = tmp_path / "imagenet100.txt"
    listing.write_text("# subset\nn01484850\n\nn01440764\n")
    assert read_class_list(str(listing)) == ["n01484850", "n01440764"]
    (x_train, y_train), (_, y_val) = load_image_folder(str(data), 16, class_list=str(listing))
    assert len(x_train) == 8 and y_train.tolist() == [0] * 4 + [1] * 4 and y_val.tolist() == y_train.tolist()
    files, _, _ = list_images(str(data), "train", str(listing))
    assert all("n01484850" in f for f in files[:4]) and all("n01440764" in f for f in files[4:])


def test_bad_folders_and_lists_are_one_line_errors(data, tmp_path):
    listing = tmp_path / "list.txt"
    listing.write_text("n01440764\nn09999999\n")
    with pytest.raises(DatasetNotFoundError, match="class 'n09999999' of the class list is not a folder in"):
        class_names(str(data), "train", str(listing))
    with pytest.raises(DatasetNotFoundError, match="no train/ folder"):
        class_names(str(tmp_path / "nowhere"))
    with pytest.raises(DatasetNotFoundError, match="--class_list .*missing.txt: no such file"):
        read_class_list(str(tmp_path / "missing.txt"))
    listing.write_text("n01440764\nn01440764\n")
    with pytest.raises(UsageError, match="names 'n01440764' more than once"):
        read_class_list(str(listing))
    empty = tmp_path / "empty"
    (empty / "train" / "n01440764").mkdir(parents=True)
    with pytest.raises(DatasetNotFoundError, match="n01440764 holds no image"):
        list_images(str(empty))
    with pytest.raises(UsageError, match="--image_size 0 must be a positive integer"):
        load_image_folder(str(data), 0)
