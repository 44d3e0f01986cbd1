"""What the tests share (not collected): real data written in the originals' file layouts, and
references. The fixtures that use them are in tests/conftest.py.

- :data:`ROOT`: the repository; the seed's command lines (:data:`TEACHER_V1`, :data:`DRC_V1`, ...).
- :func:`make_tiny_cifar`: a CIFAR folder in the official pickle layout, of real Fashion-MNIST
  images; :func:`write_idx_gz`, :func:`make_fashion_mnist_folder`: the IDX layout.
- :func:`opencv_frame`: the sensor's reference (OpenCV's INTER_CUBIC of the padded crop).
- Image trees for the BL tests, made of real Fashion-MNIST images written as JPEG files:
  :func:`write_class_tree` (``root/<class>/<prefix><k>.JPEG``); :func:`fake_imagenet`
  (``train/<wnid>/<wnid>_<k>.JPEG`` plus ``image_names/<class>.txt``, the layout
  create_subset_image_directories.py reads); :func:`fake_human_experiment` (``ColorGraySplit/0..4``,
  ``BlurSplit_color/0..4``, ``NoiseSplit_gray_contrast0.2/0..4`` with class names in the file
  names, reformat's input).
"""
import contextlib
import os
import subprocess
import sys

import cv2
import numpy as np
import pytest

from drc.core import datasets

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), os.pardir))
SCRIPTS = os.path.join(ROOT, "scripts", "convrnn")
# The seed's cifar_style.py and DRC_training.py command lines, and the allowed small-run flags.
TEACHER_V1 = ("--stopping_patience 30 --learning_patience 10 --resblocks 5 --no-last_maxpool_en --nl elu "
              "--width_shift_range 0.15 --height_shift_range 0.15 --rotation_range 5").split()
TEACHER_RESNET = ("--stopping_patience 30 --learning_patience 10 --width_shift_range 0.15 --height_shift_range 0.15 "
                  "--rotation_range 5 --network_topology resnet50_on_imagenet").split()
DRC_V1 = ("--student_nl elu --teacher_net {teacher} --dropout 0.0 --rnn_dropout 0.0 --conv_rnn_type gru "
          "--n_samples 10 --epochs 100 --int_epochs 1 --trajectories_num -1 --student_block_size 2 --broadcast 0 "
          "--noise 0.5 --max_length 10 --time_pool average_pool --rnn_layer2 128 --rnn_layer1 64 "
          "--student_version 3 --style spiral_2dir2")
DRC_RESNET = ("--student_nl relu --teacher_net {teacher} --dropout 0.0 --rnn_dropout 0.0 --conv_rnn_type gru "
              "--n_samples 5 --epochs 100 --int_epochs 1 --trajectories_num -1 --student_block_size 2 --broadcast 1 "
              "--style spiral_2dir2  --noise 0.5 --max_length 5 --time_pool average_pool --student_version 3 "
              "--upsample 7 --resnet_mode  --decoder_optimizer SGD --val_set_mult 1 --n_classes 10")
SMALL = ["--epochs", "1", "--decoder_epochs", "1", "--val_size", "20"]
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


def make_tiny_cifar(root, n_classes=10, n_train=60, n_test=20, seed=0, real=True):
    """Writes a tiny CIFAR folder in the official pickle layout under root and returns root.

    With real=True the images are real Fashion-MNIST images (resized to 32x32, grey -> RGB).
    """
    rng = np.random.default_rng(seed)
    (xs, ys), _ = datasets.load_fashion_mnist_subset()
    idx = rng.choice(len(xs), n_train + n_test, replace=False)
    imgs = np.pad(xs[idx], ((0, 0), (2, 2), (2, 2), (0, 0)))
    imgs = np.repeat(imgs, 3, axis=-1) if real else rng.integers(0, 256, imgs.shape[:3] + (3,), dtype=np.uint8)
    labels = ys[idx] % n_classes if n_classes <= 10 else rng.integers(0, n_classes, len(idx))
    folder = os.path.join(root, datasets.CIFAR_FOLDERS[f"cifar{n_classes}"])
    datasets.write_cifar_folder(folder, imgs[:n_train], labels[:n_train], imgs[n_train:], labels[n_train:], n_classes)
    return str(root)


def write_idx_gz(path, array):
    """Writes a uint8 array as a gzipped IDX file (the MNIST / Fashion-MNIST format)."""
    import gzip

    array = np.ascontiguousarray(array, dtype=np.uint8)
    header = bytes([0, 0, 0x08, array.ndim]) + b"".join(int(d).to_bytes(4, "big") for d in array.shape)
    with gzip.open(path, "wb") as f:
        f.write(header + array.tobytes())


def make_fashion_mnist_folder(root, n_train=2000, n_test=500):
    """A Fashion-MNIST folder (the four IDX files) holding the first images of the bundled subset."""
    (x, y), (xt, yt) = datasets.load_fashion_mnist_subset()
    os.makedirs(root, exist_ok=True)
    arrays = {"x_train": x[:n_train, ..., 0], "y_train": y[:n_train], "x_test": xt[:n_test, ..., 0],
              "y_test": yt[:n_test]}
    for key, name in datasets.FASHION_MNIST_FILES.items():
        write_idx_gz(os.path.join(root, name), arrays[key])
    return str(root)


def opencv_frame(image, q, res, window, pad=100):
    """Reference: pad with zeros, crop rows [P - q1 - window, P - q1), cols [q0, q0 + window)."""
    padded = cv2.copyMakeBorder(np.float32(image) / 256, pad, pad, pad, pad, cv2.BORDER_CONSTANT)
    if padded.ndim == 2:
        padded = padded[..., None]
    size = padded.shape[0]
    crop = padded[size - q[1] - window:size - q[1], q[0]:q[0] + window]
    out = cv2.resize(crop, (res, res), interpolation=cv2.INTER_CUBIC)
    return out.reshape(res, res, -1)


class Interrupted(Exception):
    """What :func:`interrupt_at`'s callback raises (a Ctrl-C in the middle of an epoch)."""


def interrupt_at(epoch, batch):
    """A stand-in for ``drc.core.checkpoints.kill_switch`` (monkeypatched in): its callback raises
    :class:`Interrupted` at ``batch`` of ``epoch``, so a test can interrupt a fit in process."""
    import keras

    class Interrupt(keras.callbacks.Callback):
        def on_epoch_begin(self, e, logs=None):
            self.epoch = e

        def on_train_batch_begin(self, b, logs=None):
            if (self.epoch, b) == (epoch, batch):
                raise Interrupted(f"epoch {epoch}, batch {batch}")

    return lambda stage: [Interrupt()]


def run_killable(argv, kill_at=None, timeout=900):
    """Runs the command ``argv`` (a training script) in a subprocess on the CPU; with ``kill_at``
    (``stage:epoch:batch`` or ``stage:epoch:backup``, drc.core.checkpoints' ``DRC_KILL_AT``) it is
    killed with SIGKILL at that point. Returns the CompletedProcess (output as text)."""
    env = {k: v for k, v in os.environ.items() if k != "DRC_KILL_AT"}
    env.update(TF_CPP_MIN_LOG_LEVEL="3", CUDA_VISIBLE_DEVICES="")
    if kill_at:
        env["DRC_KILL_AT"] = kill_at
    return subprocess.run([sys.executable, *map(str, argv)], capture_output=True, text=True, env=env, timeout=timeout)


needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="mounting a small tmpfs needs root")


@contextlib.contextmanager
def small_disk(folder, size):
    """A tmpfs of ``size`` (mount's syntax: "3m", "256k") at the new folder ``folder``, for
    full-disk tests (root only: mark them :data:`needs_root`); yields ``resize(new_size)``;
    unmounted at the end."""
    os.makedirs(folder)
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)], check=True)
    try:
        yield lambda new_size: subprocess.run(["mount", "-o", f"remount,size={new_size}", str(folder)], check=True)
    finally:
        subprocess.run(["umount", str(folder)], check=True)
