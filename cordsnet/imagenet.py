"""The original's checkpoint scripts: ``main.py`` (top-1 accuracy of a checkpoint on a dataset)
and ``run_own_image.py`` (the rates of chosen areas for one image file).

Images are prepared as the original's ``process_image``: the shorter side resized to 256/224
of ``image_size`` (bilinear), the central ``image_size`` square cropped, scaled to [0, 1] and
normalised with the ImageNet mean and std; arrays here are NHWC (the original's are NCHW).
"""
import os

import numpy as np

from cordsnet.errors import CordsNetConfigError
from drc.core.errors import DatasetNotFoundError, UsageError

MEAN = np.array([0.485, 0.456, 0.406], np.float32)
STD = np.array([0.229, 0.224, 0.225], np.float32)
SHARED_DATASETS = ("cifar10", "cifar100", "fashion_mnist", "fashion_mnist_subset", "mnist", "mnist_subset")
DATASETS = ("imagenet",) + SHARED_DATASETS
EVAL_OUTPUTS = ("accuracy.json", "logits.npy", "labels.npy")


def process_image(image, image_size=224):
    """A PIL image -> (image_size, image_size, 3) float32, as the original's ``process_image``."""
    from PIL import Image

    image = image.convert("RGB")
    short = round(image_size * 256 / 224)
    w, h = image.size
    scale = short / min(w, h)
    size = (max(short, round(w * scale)), max(short, round(h * scale)))
    image = image.resize(size, Image.BILINEAR)
    left, top = (size[0] - image_size) // 2, (size[1] - image_size) // 2
    image = image.crop((left, top, left + image_size, top + image_size))
    return (np.asarray(image, np.float32) / 255.0 - MEAN) / STD


def read_image(path, image_size=224, square=True):
    """One image file, processed; ``square`` refuses a rectangular image (the original only works
    on square images: pad it with zeros first)."""
    from PIL import Image

    if not os.path.isfile(path):
        raise DatasetNotFoundError(f"--image {path}: no such file")
    try:
        image = Image.open(path)
    except OSError as err:  # PIL's UnidentifiedImageError included
        raise UsageError(f"--image {path}: not a readable image ({' '.join(str(err).split())})") from None
    with image:
        if square and image.size[0] != image.size[1]:
            raise UsageError(f"--image {path} is {image.size[0]}x{image.size[1]}: the model takes square images "
                             "(pad it with zeros to a square first)")
        return process_image(image, image_size)


def image_folder(path, image_size=224):
    """``path/val/<class>/*`` (the original's ``./imagenet/val``) -> (images NHWC, labels, classes)."""
    from PIL import Image

    from drc.core.image_folders import list_images

    if not os.path.isdir(os.path.join(path, "val")):
        raise DatasetNotFoundError(f"--data_path {path} has no val/ folder (ImageNet layout: val/<class>/*.JPEG)")
    files, labels, classes = list_images(path, "val")
    images = []
    for f in files:
        with Image.open(f) as image:
            images.append(process_image(image, image_size))
    return np.stack(images), np.asarray(labels, np.int64), classes


def shared_dataset(name, image_size=224, channels=3, data_dir=None):
    """The test split of a drc.core.datasets dataset, resized to ``image_size`` (bilinear), as
    ``channels``-channel images, scaled to [0, 1] and ImageNet-normalised."""
    import tensorflow as tf

    from drc.core.datasets import load_dataset

    _, (x, y) = load_dataset(name, data_dir)
    x = np.asarray(x)
    x = x[..., None] if x.ndim == 3 else x
    if channels == 3 and x.shape[-1] == 1:
        x = np.repeat(x, 3, axis=-1)
    x = tf.image.resize(tf.cast(x, tf.float32) / 255.0, (image_size, image_size)).numpy()
    if channels == 3:
        x = (x - MEAN) / STD
    return x.astype(np.float32), np.asarray(y).reshape(-1).astype(np.int64)


def _check_checkpoint(path):
    if not os.path.isfile(path):
        raise DatasetNotFoundError(f"--checkpoint {path}: no such file (a .pth or .keras CordsNet)")


def load_checkpoint(path, alpha):
    """A CordsNet from a ``.pth`` (the original's layout) or ``.keras`` file, with ``alpha``."""
    _check_checkpoint(path)
    if path.endswith(".keras"):
        import keras

        from cordsnet.evaluation import with_timeline

        return with_timeline(keras.saving.load_model(path), alpha=alpha)
    from cordsnet.checkpoints import model_from_torch_checkpoint

    return model_from_torch_checkpoint(path, alpha=alpha)


def _check_size(model, image_size):
    if tuple(model.image_shape[:2]) != (image_size, image_size):
        raise UsageError(f"--image_size {image_size}: the checkpoint takes {model.image_shape[0]}x"
                         f"{model.image_shape[1]} images")


def evaluate(checkpoint="./cordsnetr8.pth", dataset="imagenet", data_path="./imagenet", image_size=224,
             batch_size=64, alpha=0.2, out="cordsnet_eval", overwrite=False):
    """``main.py``: top-1 accuracy of ``checkpoint`` on ``dataset``; writes accuracy.json, logits.npy
    and labels.npy to ``out`` (refusing an earlier run's unless ``overwrite``); returns the accuracy."""
    from drc.core.runs import check_out_dir, write_json_atomic

    if dataset not in DATASETS:
        raise UsageError(f"--dataset {dataset!r} is not one of {', '.join(DATASETS)}")
    if batch_size < 1:
        raise UsageError(f"--batch_size {batch_size} must be at least 1")
    from drc.core.validation import check_int

    check_int(image_size, "--image_size", minimum=1)
    _check_checkpoint(checkpoint)
    check_out_dir(out, EVAL_OUTPUTS, overwrite, create=False)
    model = load_checkpoint(checkpoint, alpha)
    _check_size(model, image_size)
    if dataset == "imagenet":
        images, labels, _ = image_folder(data_path, image_size)
    else:
        images, labels = shared_dataset(dataset, image_size, model.image_shape[-1])
    check_out_dir(out, EVAL_OUTPUTS, overwrite)  # the inputs are good: now the folder
    logits = model.predict(images, batch_size=batch_size, verbose=0)
    logits = logits[:, -1] if logits.ndim == 3 else logits
    acc = float((logits.argmax(-1) == labels).mean())
    np.save(os.path.join(out, "logits.npy"), logits)
    np.save(os.path.join(out, "labels.npy"), labels)
    write_json_atomic(os.path.join(out, "accuracy.json"),
                      {"top1": acc, "n_images": int(len(labels)), "checkpoint": checkpoint, "dataset": dataset,
                       "alpha": alpha, "image_size": image_size})
    print(f"top-1 accuracy {acc:.4f} on {len(labels)} images of {dataset}")
    return acc


def run_own_image(image, checkpoint="./cordsnetr8.pth", layers=(6, 7), image_size=224, alpha=0.2,
                  out="own_image", overwrite=False):
    """``run_own_image.py``: records ``layers`` of the checkpoint over its whole timeline (blank
    then image steps) for one image file; saves ``activity.npz`` (``layer_<j>``: (steps, 1, H, W,
    C), NHWC) and ``top5.json`` to ``out``; returns (activity dict, top-5 class indices)."""
    from drc.core.runs import check_out_dir, write_json_atomic

    from drc.core.validation import check_int

    check_int(image_size, "--image_size", minimum=1)
    _check_checkpoint(checkpoint)
    read_image(image, image_size)
    check_out_dir(out, ("activity.npz", "top5.json"), overwrite, create=False)
    model = load_checkpoint(checkpoint, alpha)
    _check_size(model, image_size)
    try:
        model._check_layers(layers)
    except CordsNetConfigError as err:
        raise UsageError(f"--layers: {err}") from None
    check_out_dir(out, ("activity.npz", "top5.json"), overwrite)  # the inputs are good: now the folder
    x = read_image(image, image_size)[None]
    activity = model.record(x, layers)
    logits = np.asarray(model.predict(x, verbose=0))
    logits = logits[:, -1] if logits.ndim == 3 else logits
    top5 = [int(k) for k in np.argsort(-logits[0])[:5]]
    np.savez(os.path.join(out, "activity.npz"), **{f"layer_{j}": a for j, a in activity.items()})
    write_json_atomic(os.path.join(out, "top5.json"), {"top5": top5, "logits": logits[0].tolist()})
    print("top-5 classes: " + ", ".join(str(k) for k in top5))
    for j, a in activity.items():
        print(f"layer {j}: activity {a.shape} (steps, images, H, W, C)")
    return activity, top5


