"""The original's checkpoints (``cordsnetr8.pth`` and the training stages' files) <-> Keras.

Keys follow the PyTorch modules of the original: a weight-normalised module ``name`` stores
``name.parametrizations.weight.original0`` (g: (out, 1, 1, 1) for convs, (out, 1) for the
readout) and ``...original1`` (v: (out, in, kh, kw) or (out, in)); ``conv_bias.{j}`` and
``area_bias.{j}`` are (C, H, W) maps; batch norms store ``weight``, ``bias``, ``running_mean``,
``running_var``, ``num_batches_tracked``; the anneal stage's PReLU is ``prelu.weight``. Keras
layer ``area_conv_3`` is PyTorch's ``area_conv.3``; Keras holds NHWC maps and (kh, kw, in, out)
kernels, so arrays are transposed on the way. Files saved from (Distributed)DataParallel carry
a ``module.`` prefix, removed on reading (written with ``data_parallel=True``).
"""
import collections
import re

import numpy as np

import keras

from cordsnet.errors import CheckpointError
from cordsnet.layers import WeightNormConv2D, WeightNormDense
from cordsnet.pth import read_pth, write_pth

WN = ".parametrizations.weight.original"
PREFIX = "module."


def torch_name(keras_name):
    """``area_conv_3`` -> ``area_conv.3`` (layer and weight names of the original)."""
    return re.sub(r"_(\d+)$", r".\1", keras_name)


def _entries(model):
    """(torch key, Keras variable, Keras -> torch array function, inverse) for every weight."""
    out = []

    def add(key, var, to_torch, to_keras):
        out.append((key, var, to_torch, to_keras))

    for layer in model._flatten_layers(include_self=True, recursive=True):
        name = torch_name(layer.name)
        if isinstance(layer, WeightNormConv2D):
            add(f"{name}{WN}0", layer.g, lambda a: a.reshape(-1, 1, 1, 1), lambda a: a.reshape(-1))
            add(f"{name}{WN}1", layer.v, lambda a: a.transpose(3, 2, 0, 1), lambda a: a.transpose(2, 3, 1, 0))
            continue
        if isinstance(layer, WeightNormDense):
            add(f"{name}.bias", layer.bias, lambda a: a, lambda a: a)
            add(f"{name}{WN}0", layer.g, lambda a: a.reshape(-1, 1), lambda a: a.reshape(-1))
            add(f"{name}{WN}1", layer.v, lambda a: a.T, lambda a: a.T)
            continue
        if isinstance(layer, keras.layers.BatchNormalization):
            for suffix, var in (("weight", layer.gamma), ("bias", layer.beta), ("running_mean", layer.moving_mean),
                                ("running_var", layer.moving_variance)):
                add(f"{name}.{suffix}", var, lambda a: a, lambda a: a)
            continue
        for var in layer._trainable_variables + layer._non_trainable_variables:
            if re.match(r"^(target_)?(conv_bias|area_bias)_\d+$", var.name):
                add(torch_name(var.name), var, lambda a: a.transpose(2, 0, 1), lambda a: a.transpose(1, 2, 0))
            elif var.name == "prelu" and getattr(layer, "save_prelu", False):
                add("prelu.weight", var, lambda a: a.reshape(1), lambda a: a.reshape(()))
    order = getattr(model, "TORCH_ORDER", ())
    rank = {name: i for i, name in enumerate(order)}
    return sorted(out, key=lambda e: (rank.get(e[0].split(".")[0], len(order)), _index(e[0])))


def _index(key):
    parts = key.split(".")
    return int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else -1


def torch_state_dict(model, data_parallel=False):
    """The model's weights as the original's state dict (ordered ``{key: float32 array}``)."""
    prefix = PREFIX if data_parallel else ""
    state = collections.OrderedDict()
    for key, var, to_torch, _ in _entries(model):
        state[prefix + key] = np.asarray(to_torch(keras.ops.convert_to_numpy(var)), np.float32)
        if key.endswith("running_var"):
            state[prefix + key[: -len("running_var")] + "num_batches_tracked"] = np.zeros((), np.int64)
    return state


def strip_data_parallel(state):
    """The state dict without DataParallel's ``module.`` prefix (when every key has it)."""
    if state and all(k.startswith(PREFIX) for k in state):
        return collections.OrderedDict((k[len(PREFIX):], v) for k, v in state.items())
    return state


def _build_from_state(model, state, source):
    """Builds an unbuilt CordsNet for the image size the checkpoint's biases imply (224 for
    area-0 maps of 56) and its input channels."""
    try:
        channels = state[f"inp_conv{WN}1"].shape[1]
        size = state["conv_bias.0"].shape[1:]
    except KeyError as err:
        raise CheckpointError(f"{source} has no {err.args[0]}: not a CordsNet checkpoint") from None
    model.build((None, 4 * size[0], 4 * size[1], channels))


def assign_state_dict(model, state, strict=True, source="state dict", partial=False):
    """Assigns a PyTorch-layout state dict to ``model``; every name and shape is checked
    before anything is assigned, and the first mismatch is a one-line CheckpointError.
    ``strict``: keys the model lacks are an error; ``partial``: keys the file lacks are
    skipped (a ResNet-18 start without readout), not an error."""
    state = strip_data_parallel(collections.OrderedDict(state))
    if not model.built:
        _build_from_state(model, state, source)
    entries = _entries(model)
    expected = {key for key, *_ in entries}
    if strict:
        extra = [k for k in state if k not in expected and not k.endswith("num_batches_tracked")]
        if extra:
            raise CheckpointError(f"{source} holds {extra[0]}, which {model.name} (depth {getattr(model, 'depth', '?')}) "
                                  f"lacks ({len(extra)} such key(s): a deeper or other model?)")
    new_values = []
    for key, var, to_torch, to_keras in entries:
        if key not in state and partial:
            continue
        if key not in state:
            raise CheckpointError(f"{source} lacks {key} (needed by {model.name}: another model, depth or stage?)")
        value = to_keras(np.asarray(state[key]))
        if tuple(value.shape) != tuple(var.shape):
            raise CheckpointError(f"{source}: {key} has shape {tuple(np.asarray(state[key]).shape)}, "
                                  f"{model.name} needs {to_torch(np.zeros(var.shape)).shape} "
                                  f"(another width, depth or image size?)")
        new_values.append((var, value))
    for var, value in new_values:
        var.assign(value.astype(var.dtype))
    return model


def load_torch_checkpoint(model, path, strict=True):
    """Loads the original's ``.pth`` (e.g. ``cordsnetr8.pth``) into ``model`` without PyTorch;
    returns the model. An unbuilt CordsNet is built for the checkpoint's image size."""
    return assign_state_dict(model, read_pth(path), strict=strict, source=str(path))


def save_torch_checkpoint(model, path, data_parallel=False):
    """Writes the model's weights as a ``.pth`` the original loads (``data_parallel`` adds the
    ``module.`` prefix of the training scripts' files); returns ``path``."""
    return write_pth(path, torch_state_dict(model, data_parallel=data_parallel))


def model_from_torch_checkpoint(path, **kwargs):
    """A CordsNet with the depth, widths, classes and image size a ``.pth`` file implies, and its
    weights; ``kwargs`` go to :class:`~cordsnet.model.CordsNet` (timeline, alpha, ...)."""
    from cordsnet.model import CordsNet

    state = strip_data_parallel(read_pth(path))
    depth = sum(1 for k in state if re.match(rf"^area_conv\.\d+{re.escape(WN)}0$", k))
    try:
        channels = [int(state[f"area_conv.{j}{WN}0"].shape[0]) for j in range(depth)]
        n_classes = int(state["out_fc.bias"].shape[0])
    except KeyError as err:
        raise CheckpointError(f"{path} has no {err.args[0]}: not a CordsNet checkpoint") from None
    if depth not in (2, 4, 6, 8):
        raise CheckpointError(f"{path} has {depth} area_conv modules: not a CordsNet checkpoint (depth 2, 4, 6, 8)")
    model = CordsNet(depth=depth, n_classes=n_classes, channels=channels, **kwargs)
    return assign_state_dict(model, state, strict=False, source=str(path))
