"""Image trees for the BL tests, made of real Fashion-MNIST images written as JPEG files.

- :func:`write_class_tree`: ``root/<class>/<prefix><k>.JPEG``.
- :func:`fake_imagenet`: ``train/<wnid>/<wnid>_<k>.JPEG`` plus ``image_names/<class>.txt`` (the
  layout create_subset_image_directories.py reads).
- :func:`fake_human_experiment`: ``ColorGraySplit/0..4``, ``BlurSplit_color/0..4``,
  ``NoiseSplit_gray_contrast0.2/0..4`` with class names in the file names (reformat's input).
"""
import os
import subprocess
import sys

import cv2
import numpy as np

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), os.pardir))
SCRIPTS = os.path.join(ROOT, "scripts", "convrnn")
# SATBench's 16 classes; class i gets Fashion-MNIST images of label i % 10 (classes 10..15 take
# later images of labels 0..5, so no image is used twice when fewer than 50 are taken).
CLASSES = ("airplane", "bear", "bicycle", "bird", "boat", "bottle", "car", "cat", "chair", "clock",
           "dog", "elephant", "keyboard", "knife", "oven", "truck")


def write_jpeg(path, image, color=False):
    """Writes a uint8 (H, W, 1) image as JPEG (grey, or grey repeated to BGR with color=True)."""
    image = np.asarray(image, np.uint8)[..., 0]
    if color:
        image = np.stack([image, 255 - image, image // 2], axis=-1)
    ok, data = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 95])
    assert ok
    with open(path, "wb") as f:
        f.write(data.tobytes())


def pick(images, labels, class_index, n, offset=0):
    """n images for class ``class_index``: label class_index % 10, disjoint across classes."""
    start = offset + (class_index // 10) * 50
    chosen = images[np.flatnonzero(labels == class_index % 10)[start:start + n]]
    assert len(chosen) == n, "not enough images of that label"
    return chosen


def write_class_tree(root, images, labels, per_class, classes=CLASSES, color=False, offset=0):
    """``root/<class>/img<k>.JPEG`` with ``per_class`` images per class (see :func:`pick`)."""
    for i, name in enumerate(classes):
        folder = os.path.join(root, name)
        os.makedirs(folder, exist_ok=True)
        for k, image in enumerate(pick(images, labels, i, per_class, offset)):
            write_jpeg(os.path.join(folder, f"img{k:03d}.JPEG"), image, color)
    return str(root)


def fake_imagenet(root, images, labels, per_wnid=5):
    """An ImageNet-like train/ tree with 2 wnids per class and the image_names/ mapping.

    Returns (dataset_root, experiment_root, {wnid: class}); one unmapped wnid is added too.
    """
    dataset_root, experiment_root = os.path.join(root, "imagenet"), os.path.join(root, "experiment")
    os.makedirs(os.path.join(experiment_root, "image_names"))
    mapping = {}
    for i, name in enumerate(CLASSES):
        wnids = [f"n{i:02d}{j:06d}" for j in range(2)]  # 9 characters, as WordNet ids
        with open(os.path.join(experiment_root, "image_names", f"{name}.txt"), "w") as f:
            for j, wnid in enumerate(wnids):
                mapping[wnid] = name
                folder = os.path.join(dataset_root, "train", wnid)
                os.makedirs(folder)
                for k, image in enumerate(pick(images, labels, i, per_wnid, offset=j * per_wnid)):
                    write_jpeg(os.path.join(folder, f"{wnid}_{k}.JPEG"), image, color=True)
                f.write(f"{wnid}_{k}.JPEG\n")
    other = os.path.join(dataset_root, "train", "n09999999")  # not one of the 16 classes
    os.makedirs(other)
    write_jpeg(os.path.join(other, "n09999999_0.JPEG"), images[0], color=True)
    return dataset_root, experiment_root, mapping


HUMAN_FOLDERS = ("ColorGraySplit", "BlurSplit_color", "NoiseSplit_gray_contrast0.2")


def fake_human_experiment(root, images, labels, per_class_block=1):
    """Human-experiment folders; ColorGraySplit holds ``_c_`` and ``_g_`` versions of each image.

    File names: ``<k>_<mode>_<class>_<block>.JPEG`` (mode c/g) and ``<k>_<class>_<block>.JPEG``.
    Also a ``notes.txt`` naming no class (it must not be copied).
    """
    old = os.path.join(root, "human")
    for experiment in HUMAN_FOLDERS:
        for block in range(5):
            folder = os.path.join(old, experiment, str(block))
            os.makedirs(folder)
            for i, name in enumerate(CLASSES):
                chosen = pick(images, labels, i, per_class_block, offset=block * per_class_block)
                for k, image in enumerate(chosen):
                    if experiment == "ColorGraySplit":
                        write_jpeg(os.path.join(folder, f"{k}_c_{name}_{block}.JPEG"), image, True)
                        write_jpeg(os.path.join(folder, f"{k}_g_{name}_{block}.JPEG"), image, False)
                    else:
                        write_jpeg(os.path.join(folder, f"{k}_{name}_{block}.JPEG"), image, True)
            with open(os.path.join(folder, "notes.txt"), "w") as f:
                f.write("not an image\n")
    return old


def run_script(name, *args, timeout=600):
    """Runs scripts/convrnn/<name> in a subprocess; returns the CompletedProcess."""
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""),
               TF_CPP_MIN_LOG_LEVEL="2", CUDA_VISIBLE_DEVICES="")
    return subprocess.run([sys.executable, os.path.join(SCRIPTS, name), *map(str, args)],
                          capture_output=True, text=True, timeout=timeout, env=env)
