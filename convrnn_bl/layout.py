"""Where the convrnn scripts read and write (no TensorFlow): folders, checkpoint and result names.

Checked before TensorFlow starts, so that a wrong path fails in a fraction of a second.
"""
import os
import re

from convrnn_bl.errors import DataError, MissingWeightsError, WeightFileError

PRETRAINED_FILE = "bl_imagenet.h5"
PRETRAINED_SOURCE = "https://osf.io/mz9hw/ (rcnn-sat's pretrained models)"
# test.py of SATBench loads this fixed name, whatever the tag.
ORIGINAL_TEST_CHECKPOINT = "pretrained_mp_color-gray.hdf5"
TAGS = ("color", "grayscale", "blur-color", "noise-contrast-gray")
TEST_FOLDER_OF_TAG = {"color": "color", "grayscale": "grayscale", "blur-color": "blur_color",
                      "noise-contrast-gray": "noise_grayscale"}
# The original test.py looked for this folder name for the noise tag.
ORIGINAL_NOISE_TEST_FOLDER = "noise-contrast-gray"
_BL_WEIGHTED = re.compile(r"^(RCL_\d+_[BL]Conv|BatchNorm_Layer_\d+_Time_\d+|ReadoutDense)$")


def checkpoint_path(model_dir, tag):
    """train.py's checkpoint: ``M/model/ckpt/pretrained_mp_noise_{tag}_new.hdf5``."""
    return os.path.join(model_dir, "model", "ckpt", f"pretrained_mp_noise_{tag}_new.hdf5")


def predictions_path(model_dir, tag):
    """test.py's output: ``M/model/results/predictions_{tag}.csv``."""
    return os.path.join(model_dir, "model", "results", f"predictions_{tag}.csv")


def scores_path(model_dir, tag):
    """test.py's optional softmax scores: ``M/model/results/scores_{tag}.npz``."""
    return os.path.join(model_dir, "model", "results", f"scores_{tag}.npz")


def check_new_predictions(model_dir, tag, save_scores, overwrite):
    """Refuses (OutputExistsError) an earlier run's predictions_{tag}.csv (or scores_{tag}.npz
    with ``save_scores``) unless ``overwrite``: the original replaced them silently."""
    from drc.core.errors import OutputExistsError

    outputs = [predictions_path(model_dir, tag)] + ([scores_path(model_dir, tag)] if save_scores else [])
    existing = next((path for path in outputs if os.path.exists(path)), None)
    if existing and not overwrite:
        raise OutputExistsError(f"{existing} holds an earlier run's results; pass --overwrite to replace them")


def training_dirs(data_dir):
    """``D/train_16classes`` and ``D/val_16classes`` (the original's), else ``D/train`` and
    ``D/val`` (what create_subset_image_directories.py writes)."""
    for train, val in (("train_16classes", "val_16classes"), ("train", "val")):
        train_dir, val_dir = os.path.join(data_dir, train), os.path.join(data_dir, val)
        if os.path.isdir(train_dir) and os.path.isdir(val_dir):
            return train_dir, val_dir
    raise DataError(f"--data_dir {data_dir} has neither train_16classes/ + val_16classes/ nor "
                    f"train/ + val/ image folders")


def test_dir(test_data_dir, tag):
    """The test folder of a tag under --test_data_dir (see TEST_FOLDER_OF_TAG)."""
    folder = os.path.join(test_data_dir, TEST_FOLDER_OF_TAG[tag])
    if not os.path.isdir(folder) and tag == "noise-contrast-gray":
        legacy = os.path.join(test_data_dir, ORIGINAL_NOISE_TEST_FOLDER)
        if os.path.isdir(legacy):
            return legacy
    if not os.path.isdir(folder):
        raise DataError(f"test folder {folder} not found (make it with reformat_test_data_dir.py)")
    return folder


def bl_weighted_layers(layer_names):
    """The names among ``layer_names`` that are BL layers with weights."""
    return [name for name in layer_names if _BL_WEIGHTED.match(name)]


def check_bl_weight_file(path):
    """Fails early (without TensorFlow) on a missing, corrupt, non-Keras-2 or non-BL file."""
    from convrnn_bl.weights import keras2_layer_names

    names = keras2_layer_names(path)
    if not bl_weighted_layers(names):
        raise WeightFileError(f"{path} has no BL layer (RCL_*_BConv, BatchNorm_Layer_*_Time_*, "
                              f"ReadoutDense): is it a file for another model?")
    return path


def pretrained_weights(model_dir, weights=None):
    """The pretrained BL file: --weights, else ``M/bl_imagenet.h5``; a clear error if missing."""
    path = weights or os.path.join(model_dir, PRETRAINED_FILE)
    if not os.path.isfile(path):
        raise MissingWeightsError(
            f"pretrained weights {path} not found: download {PRETRAINED_FILE} from "
            f"{PRETRAINED_SOURCE} into --model_dir, pass --weights PATH, or train from scratch "
            f"with --pretrained False")
    return check_bl_weight_file(path)


def test_weights(model_dir, tag, weights=None):
    """test.py's checkpoint: --weights, else train.py's checkpoint for the tag, else the
    original's fixed ``M/model/ckpt/pretrained_mp_color-gray.hdf5``."""
    if weights:
        candidates = [weights]
    else:
        candidates = [checkpoint_path(model_dir, tag),
                      os.path.join(model_dir, "model", "ckpt", ORIGINAL_TEST_CHECKPOINT)]
    for path in candidates:
        if os.path.isfile(path):
            return check_bl_weight_file(path)
    raise MissingWeightsError(f"no trained checkpoint: {' or '.join(candidates)} not found (run "
                              f"train.py with the same --model_dir and --tag, or pass --weights PATH)")
