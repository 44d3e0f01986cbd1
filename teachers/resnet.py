"""The ResNet50 teacher (``resnet50_on_imagenet``): Keras' ResNet50 split after ``pool1_pool``.

Front end: UpSampling2D (224 // input size) then ResNet50 up to ``pool1_pool`` (56x56x64 for a
32x32 input). Back end: the rest of ResNet50, GlobalAveragePooling2D, Flatten, Dense 1024 relu,
Dense 512 relu, Dense n_classes softmax ("classification"). Inputs are preprocessed the caffe way
(``preprocess_image_input``); grey images are repeated to RGB by the preprocessing.

Initial weights (``--resnet_weights``): ``imagenet`` (Keras' cache ``~/.keras/models/`` first,
else a download), ``none`` (random) or the path of a ResNet50 no-top weight file.
"""
import os

import keras

from drc.core.errors import UsageError
from drc.core.preprocessing import resnet_preprocess
from teachers.split import split_model

IMAGENET_NOTOP_FILE = "resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5"
#: Where keras.applications.ResNet50 downloads that file from, and its MD5.
IMAGENET_NOTOP_URL = "https://storage.googleapis.com/tensorflow/keras-applications/resnet/" + IMAGENET_NOTOP_FILE
IMAGENET_NOTOP_MD5 = "4d473c1dd8becc155b73f8504c6f6626"
RESNET_SIDE = 224
SPLIT_LAYER = "pool1_pool"


class ResNetWeightsError(UsageError):
    """The requested ResNet50 weights cannot be had (offline, missing or unreadable file)."""


def preprocess_image_input(input_images):
    """The original's name for Keras' ResNet50 (caffe) preprocessing; returns float32."""
    return resnet_preprocess(input_images)


def keras_cache_weights_path():
    """Where Keras keeps the downloaded ResNet50 no-top ImageNet weights."""
    home = os.environ.get("KERAS_HOME", os.path.join(os.path.expanduser("~"), ".keras"))
    return os.path.join(home, "models", IMAGENET_NOTOP_FILE)


def _options_hint():
    return (f"pass --resnet_weights PATH to a local {IMAGENET_NOTOP_FILE} (or put it in "
            f"{os.path.dirname(keras_cache_weights_path())}/), or --resnet_weights none for random weights "
            f"(also $DRC_RESNET_WEIGHTS)")


def resolve_resnet_weights(spec="imagenet"):
    """``weights`` for keras.applications.ResNet50 from imagenet | none | PATH.

    imagenet -> the cached file when present, else 'imagenet' (a download); none -> None;
    anything else must be an existing file.
    """
    spec = "imagenet" if spec is None else str(spec)
    if spec.lower() == "none":
        return None
    if spec.lower() == "imagenet":
        cached = keras_cache_weights_path()
        return cached if os.path.isfile(cached) else "imagenet"
    path = os.path.expanduser(spec)
    if not os.path.isfile(path):
        raise ResNetWeightsError(f"--resnet_weights {spec}: no such file; expected imagenet, none or the path of "
                                 f"{IMAGENET_NOTOP_FILE}")
    return path


def fetch_resnet_weights(spec="imagenet", origin=None):
    """``resolve_resnet_weights``, downloading uncached ImageNet weights into Keras' cache now:
    a run checks this at its door, so an offline machine is refused before any folder is made."""
    resolved = resolve_resnet_weights(spec)
    if resolved != "imagenet":
        return resolved
    origin = origin or IMAGENET_NOTOP_URL
    try:
        return keras.utils.get_file(IMAGENET_NOTOP_FILE, origin, cache_subdir="models", file_hash=IMAGENET_NOTOP_MD5)
    except Exception as err:  # get_file raises a bare Exception for failed downloads
        raise ResNetWeightsError(f"ResNet50 ImageNet weights are not in Keras' cache and could not be downloaded "
                                 f"from {origin} ({' '.join(str(err).split())[:120]}); {_options_hint()}") from None


def resnet50_backbone(input_shape, weights="imagenet"):
    """Keras ResNet50 without its top for ``input_shape``; ``weights`` as resolve_resnet_weights."""
    resolved = resolve_resnet_weights(weights)
    try:
        return keras.applications.ResNet50(include_top=False, weights=resolved, input_shape=tuple(input_shape))
    except Exception as err:  # keras raises a bare Exception for failed downloads
        if resolved == "imagenet":
            raise ResNetWeightsError(f"ResNet50 ImageNet weights are not in Keras' cache and could not be "
                                     f"downloaded ({' '.join(str(err).split())[:120]}); {_options_hint()}") from None
        if resolved is not None:
            raise ResNetWeightsError(f"--resnet_weights {weights}: not ResNet50 no-top weights "
                                     f"({' '.join(str(err).split())[:160]})") from None
        raise


def classifier(inputs, n_classes=10):
    """The ResNet teacher's head: GAP, Flatten, Dense 1024 relu, Dense 512 relu, softmax."""
    L = keras.layers
    x = L.GlobalAveragePooling2D()(inputs)
    x = L.Flatten()(x)
    x = L.Dense(1024, activation="relu")(x)
    x = L.Dense(512, activation="relu")(x)
    return L.Dense(n_classes, activation="softmax", name="classification")(x)


def upsampling_factors(height, width):
    """UpSampling2D sizes taking an input toward ResNet's 224 (224 // size, at least 1)."""
    return max(1, RESNET_SIDE // height), max(1, RESNET_SIDE // width)


def define_compile_split_model(res=32, metrics=("accuracy",), split_after_layer=SPLIT_LAYER, n_classes=10,
                               input_shape=None, weights="imagenet"):
    """The ResNet50 teacher as Sequential(front end, back end), compiled with SGD (the original's).

    res: side of square RGB inputs, unless ``input_shape`` (H, W, 3) is given. The backbone is
    built for the upsampled size (224 for 32, 28, 16, 8 pixel inputs).
    """
    input_shape = tuple(input_shape) if input_shape is not None else (res, res, 3)
    if input_shape[-1] != 3:
        raise ValueError(f"the ResNet50 teacher takes RGB inputs; got input_shape {input_shape} "
                         "(grey images are repeated to RGB by its preprocessing)")
    factors = upsampling_factors(*input_shape[:2])
    backbone = resnet50_backbone((input_shape[0] * factors[0], input_shape[1] * factors[1], 3), weights)
    bottom, top = split_model(backbone, split_after_layer)

    fe_input = keras.Input(shape=input_shape)
    front_end = keras.Model(fe_input, bottom(keras.layers.UpSampling2D(size=factors)(fe_input)), name="frontend")
    be_input = keras.Input(shape=front_end.output.shape[1:])
    back_end = keras.Model(be_input, classifier(top(be_input), n_classes=n_classes), name="backend")

    teacher = keras.Sequential([keras.Input(shape=input_shape), front_end, back_end], name="resnet50_on_imagenet")
    teacher.compile(optimizer="SGD", loss="sparse_categorical_crossentropy", metrics=list(metrics))
    return teacher
