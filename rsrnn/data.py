"""RS-RNN's data sources: the canvas task (rsrnn.canvas) at CPU scale, and for GPU scale whole
images resized to the model's input: CIFAR-10/100 (the official pickle folders) and ImageNet-style
image folders (``DATA/train/<class>/``, ``DATA/val/<class>/``; the paper's ImageNet-100 subset is
chosen with a class list file)."""
import numpy as np

from rsrnn.canvas import CANVAS_DATASETS
from rsrnn.errors import RSRNNError

WHOLE_IMAGE_DATASETS = ("cifar10", "cifar100", "image_folder")
DATASETS = CANVAS_DATASETS + WHOLE_IMAGE_DATASETS


def resolve_dataset(dataset, data_path, default="mnist_subset"):
    """``dataset``, or ``image_folder`` when it is None and ``data_path`` holds train/ and val/
    class folders (the seed's ``--data_path PATH_TO_DATASET``), else ``default``."""
    from drc.core.image_folders import is_image_folder

    if dataset is None:
        return "image_folder" if is_image_folder(data_path) else default
    if dataset not in DATASETS:
        raise RSRNNError(f"--dataset {dataset!r} is unknown; allowed: {', '.join(DATASETS)}")
    return dataset


def load_data(dataset, image_size, data_path=None, seed=0, n_train=None, n_test=None, class_list=None):
    """(((x_train, y_train), (x_test, y_test)), n_classes): float32 images in [0, 1] of side
    ``image_size`` (the canvas side for a canvas dataset) and int32 labels; the first ``n_train`` /
    ``n_test`` images (drawn at random with ``seed`` for an image folder)."""
    if class_list is not None and dataset != "image_folder":
        raise RSRNNError(f"--class_list applies to --dataset image_folder, not {dataset!r}")
    if dataset in CANVAS_DATASETS:
        from rsrnn.canvas import load_canvas_dataset

        return load_canvas_dataset(dataset, image_size, data_path, seed, n_train, n_test), 10
    if dataset == "image_folder":
        from drc.core.image_folders import class_names, load_image_folder

        if data_path is None:
            raise RSRNNError("--dataset image_folder needs --data_path (a folder holding train/<class>/ and "
                             "val/<class>/)")
        classes = class_names(data_path, "train", class_list)
        return load_image_folder(data_path, image_size, classes, n_train, n_test, seed), len(classes)
    if dataset not in WHOLE_IMAGE_DATASETS:
        raise RSRNNError(f"--dataset {dataset!r} is unknown; allowed: {', '.join(DATASETS)}")
    from drc.core.datasets import N_CLASSES, load_dataset
    from drc.core.resize import resize_images

    splits = []
    for (x, y), n in zip(load_dataset(dataset, data_path), (n_train, n_test)):
        images = np.asarray(x[:n], np.float32) / 255.0
        if images.shape[1:3] != (image_size, image_size):
            images = np.clip(resize_images(images, image_size), 0.0, 1.0).astype(np.float32)
        splits.append((images, np.asarray(y[:n], np.int32).reshape(-1)))
    return tuple(splits), N_CLASSES[dataset]
