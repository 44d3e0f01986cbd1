"""Keras 2 HDF5 weight files (the layout of ``bl_imagenet.h5``): reading by name or topology, writing.

The layout (Keras 2 ``save_weights`` to ``.h5``, also found under ``model_weights`` in full-model
``.h5``/``.hdf5`` files):

- root attribute ``layer_names``: every layer of the model in ``model.layers`` order (an array of
  byte strings, split into ``layer_names0``, ``layer_names1``, ... when longer than 64512 bytes);
- one group per layer, with attribute ``weight_names`` (e.g. ``RCL_0_BConv/kernel:0``) and one
  dataset per weight at ``<layer>/<weight name>`` (so ``RCL_0_BConv/RCL_0_BConv/kernel:0``).

Keras 3's ``load_weights`` cannot load these files by name, so this module reads them with h5py.
Loading validates everything first and only then assigns, so a failed load leaves the model as
it was. Every load returns a :class:`WeightLoadReport` (which layers loaded, which were skipped
and why, which were missing from the file, which file layers went unused).
"""
import dataclasses
import os

import h5py
import numpy as np

from convrnn_bl.errors import MissingWeightsError, WeightFileError

HDF5_OBJECT_HEADER_LIMIT = 64512
# The layout version written into files, as in the TF 1.13-era files the pretrained BLs come in.
KERAS2_LAYOUT_VERSION = "2.2.4-tf"


@dataclasses.dataclass
class WeightLoadReport:
    """What a weight load did.

    Attributes:
        path: the file.
        mode: ``"by_name"`` or ``"topology"``.
        loaded: model layers whose weights were set from the file.
        skipped: model layer -> reason, for layers found in the file but not loaded (mismatch).
        missing: model layers with weights that the file does not have (left unchanged).
        unused: file layers with weights that no model layer took.
        renamed: (model layer, file layer) pairs matched by position under different names
            (topology loading only).
    """

    path: str
    mode: str
    loaded: list = dataclasses.field(default_factory=list)
    skipped: dict = dataclasses.field(default_factory=dict)
    missing: list = dataclasses.field(default_factory=list)
    unused: list = dataclasses.field(default_factory=list)
    renamed: list = dataclasses.field(default_factory=list)

    @property
    def complete(self):
        """True when every model layer with weights was loaded."""
        return not self.skipped and not self.missing

    def __str__(self):
        lines = [f"weights from {self.path} ({self.mode.replace('_', ' ')}): "
                 f"{len(self.loaded)} layers loaded, {len(self.skipped)} skipped, "
                 f"{len(self.missing)} missing from the file, {len(self.unused)} unused in the file"]
        for name, reason in self.skipped.items():
            lines.append(f"  skipped {name}: {reason}")
        for name in self.missing:
            lines.append(f"  missing {name}: not in the file, kept its current values")
        for name in self.unused:
            lines.append(f"  unused  {name}: in the file, no matching model layer")
        for model_name, file_name in self.renamed:
            lines.append(f"  matched {model_name} <- {file_name} by position (names differ)")
        return "\n".join(lines)


# ----------------------------------------------------------------------------- attributes


def _write_string_list(group, name, values):
    encoded = [v.encode("utf8") for v in values]
    if any(len(v) > HDF5_OBJECT_HEADER_LIMIT for v in encoded):
        raise ValueError(f"a name in attribute {name!r} is longer than {HDF5_OBJECT_HEADER_LIMIT} bytes")
    array = np.asarray(encoded) if encoded else np.asarray([])
    chunks = [array]
    while any(c.nbytes > HDF5_OBJECT_HEADER_LIMIT for c in chunks):
        chunks = np.array_split(array, len(chunks) + 1)
    if len(chunks) == 1:
        group.attrs[name] = array
    else:
        for i, chunk in enumerate(chunks):
            group.attrs[f"{name}{i}"] = chunk


def _read_string_list(group, name):
    def decode(values):
        return [v.decode("utf8") if isinstance(v, bytes) else str(v) for v in np.atleast_1d(values)]

    if name in group.attrs:
        return decode(group.attrs[name])
    values, i = [], 0
    while f"{name}{i}" in group.attrs:
        values.extend(decode(group.attrs[f"{name}{i}"]))
        i += 1
    if i == 0:
        raise KeyError(name)
    return values


# ----------------------------------------------------------------------------- model side


def layer_weights(layer):
    """A layer's weights in file order: creation order, which for convolutions, dense and batch
    normalisation layers is Keras 2's order (kernel, bias; gamma, beta, moving mean, variance)."""
    return list(layer.weights)


def _weight_base_name(name):
    base = name.split("/")[-1]
    return base.split(":")[0]


def _weighted_layers(model):
    return [layer for layer in model.layers if layer.weights]


# ----------------------------------------------------------------------------- writing


def save_keras2_weights(model, path):
    """Writes ``model``'s weights to ``path`` in the Keras 2 ``save_weights`` HDF5 layout.

    Layers are listed in ``model.layers`` order (what topology loading relies on); weight names
    are ``<layer>/<weight>:0`` (e.g. ``RCL_0_BConv/kernel:0``, ``BatchNorm_Layer_0_Time_0/gamma:0``).
    The file loads with :func:`load_keras2_weights`, with Keras 2's ``load_weights`` (by name or
    topology) and with Keras 3's legacy ``.h5`` loading.
    """
    import keras

    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    with h5py.File(path, "w") as f:
        _write_string_list(f, "layer_names", [layer.name for layer in model.layers])
        f.attrs["backend"] = keras.backend.backend().encode("utf8")
        f.attrs["keras_version"] = KERAS2_LAYOUT_VERSION.encode("utf8")
        f.attrs["written_by"] = f"convrnn_bl (Keras {keras.__version__})".encode("utf8")
        for layer in sorted(model.layers, key=lambda item: item.name):
            group = f.create_group(layer.name)
            weights = layer_weights(layer)
            names = []
            for w in weights:
                inner = w.path if w.path.startswith(layer.name + "/") else f"{layer.name}/{w.name}"
                names.append(f"{inner}:0")
            if len(set(names)) != len(names):
                raise ValueError(f"layer {layer.name!r} has duplicate weight names {names}")
            _write_string_list(group, "weight_names", names)
            for name, w in zip(names, weights):
                value = np.asarray(keras.ops.convert_to_numpy(w))
                dataset = group.create_dataset(name, value.shape, dtype=value.dtype)
                dataset[()] = value
    return path


# ----------------------------------------------------------------------------- reading


def _open_keras2(path):
    """Opens a Keras 2 weight file: (h5py file, weights root, layer names)."""
    if not os.path.isfile(path):
        raise MissingWeightsError(f"weights file not found: {path}")
    try:
        f = h5py.File(path, "r")
    except OSError as err:
        raise WeightFileError(f"{path} is not a readable HDF5 file (corrupt or truncated?): "
                              f"{str(err).splitlines()[0]}") from None
    root = f["model_weights"] if "model_weights" in f else f
    try:
        layer_names = _read_string_list(root, "layer_names")
    except KeyError:
        keras3 = "layers" in f or "vars" in f
        f.close()
        hint = " (it looks like a Keras 3 '.weights.h5' file: use model.load_weights)" if keras3 else ""
        raise WeightFileError(f"{path} has no 'layer_names' attribute: not a Keras 2 weights "
                              f"file{hint}") from None
    return f, root, layer_names


def _corrupt(path, name, err):
    detail = str(err).splitlines()[0] if str(err) else ""
    return WeightFileError(f"{path} is corrupt: layer {name!r} cannot be read "
                           f"({type(err).__name__}: {detail})")


def keras2_layer_names(path):
    """Names of the layers with weights in a Keras 2 weight file, in file order (no arrays read)."""
    f, root, layer_names = _open_keras2(path)
    with f:
        names = []
        for name in layer_names:
            try:
                if _read_string_list(root[name], "weight_names"):
                    names.append(name)
            except (KeyError, OSError, ValueError) as err:
                raise _corrupt(path, name, err) from None
    return names


def read_keras2_weights(path):
    """Reads a Keras 2 weight file: ``(all layer names, {layer: [(weight name, array), ...]})``.

    Only layers with at least one weight appear in the dict (in file order). Raises
    :class:`MissingWeightsError` for a missing file and :class:`WeightFileError` for a file that
    is not HDF5, is truncated, or is not in the Keras 2 layout.
    """
    f, root, layer_names = _open_keras2(path)
    layers = {}
    with f:
        for name in layer_names:
            try:
                group = root[name]
                weight_names = _read_string_list(group, "weight_names")
                if weight_names:
                    layers[name] = [(wn, np.asarray(group[wn])) for wn in weight_names]
            except (KeyError, OSError, ValueError) as err:
                raise _corrupt(path, name, err) from None
    return layer_names, layers


def _match_values(layer, file_weights):
    """Pairs a layer's variables with file arrays. Returns (pairs, None) or (None, reason)."""
    variables = layer_weights(layer)
    if len(variables) != len(file_weights):
        return None, (f"the file has {len(file_weights)} weights, the layer has {len(variables)}")
    file_bases = [_weight_base_name(wn) for wn, _ in file_weights]
    model_bases = [v.name for v in variables]
    if sorted(file_bases) == sorted(model_bases) and len(set(file_bases)) == len(file_bases):
        by_base = dict(zip(file_bases, file_weights))
        ordered = [by_base[b] for b in model_bases]
    else:  # different naming (e.g. other Keras versions): Keras 2's positional matching
        ordered = file_weights
    pairs = []
    for variable, (wn, value) in zip(variables, ordered):
        if tuple(variable.shape) != tuple(value.shape):
            return None, (f"shape mismatch for {_weight_base_name(wn)}: file {tuple(value.shape)}, "
                          f"model {tuple(variable.shape)}")
        pairs.append((variable, value))
    return pairs, None


def load_keras2_weights(model, path, by_name=False, skip_mismatch=False, verbose=False):
    """Loads a Keras 2 HDF5 weight file into ``model`` and returns a :class:`WeightLoadReport`.

    Args:
        model: a built Keras 3 model (e.g. from :func:`convrnn_bl.bl_net`).
        path: the ``.h5``/``.hdf5`` file (weights-only or full-model Keras 2 file).
        by_name: True: layers are matched by name (Keras 2 ``load_weights(by_name=True)``);
            layers absent from the file keep their values. False: matched by position among
            the layers that have weights (Keras 2's topological loading); the counts must agree.
        skip_mismatch: with a layer whose weight count or shapes differ from the file's, skip
            it (reported) instead of raising. (Keras 2 skipped per weight; a layer here is
            loaded whole or not at all.)
        verbose: print the report.

    Raises:
        MissingWeightsError: the file does not exist.
        WeightFileError: corrupt or non-Keras-2 file, a file for another model (no layer in
            common, or a different number of layers for topology loading), or a mismatch
            without ``skip_mismatch``. The model is unchanged when this is raised.
    """
    _, file_layers = read_keras2_weights(path)
    report = WeightLoadReport(path=str(path), mode="by_name" if by_name else "topology")
    model_layers = _weighted_layers(model)
    assignments = []

    def accept(layer, file_name):
        pairs, reason = _match_values(layer, file_layers[file_name])
        if reason is None:
            assignments.extend(pairs)
            report.loaded.append(layer.name)
        elif skip_mismatch:
            report.skipped[layer.name] = reason
        else:
            raise WeightFileError(f"cannot load layer {layer.name!r} from {path}: {reason} "
                                  f"(pass skip_mismatch=True to skip it)")

    if by_name:
        common = [layer for layer in model_layers if layer.name in file_layers]
        # Mostly disjoint names: the file is for another architecture.
        if 2 * len(common) < min(len(model_layers), len(file_layers)) or not common:
            raise WeightFileError(
                f"only {len(common)} of model {model.name!r}'s {len(model_layers)} layers with "
                f"weights {'is' if len(common) == 1 else 'are'} in {path} ({len(file_layers)} "
                f"layers with weights, e.g. {_preview(file_layers)}): is it a file for another model?")
        for layer in model_layers:
            if layer.name in file_layers:
                accept(layer, layer.name)
            else:
                report.missing.append(layer.name)
        used = {layer.name for layer in common}
        report.unused = [name for name in file_layers if name not in used]
    else:
        if len(model_layers) != len(file_layers):
            raise WeightFileError(
                f"layer count mismatch: model {model.name!r} has {len(model_layers)} layers with "
                f"weights, {path} has {len(file_layers)}; is it a file for another model? "
                f"(by_name=True with skip_mismatch=True loads the layers that match)")
        for layer, file_name in zip(model_layers, file_layers):
            if layer.name != file_name:
                report.renamed.append((layer.name, file_name))
            accept(layer, file_name)

    if not report.loaded:
        raise WeightFileError(f"no layer could be loaded from {path}; every match was skipped "
                              f"(e.g. {next(iter(report.skipped.items()))[0]}: "
                              f"{next(iter(report.skipped.items()))[1]})")
    for variable, value in assignments:
        variable.assign(value.astype(variable.dtype, copy=False))
    if verbose:
        print(report)
    return report


def _preview(names, n=3):
    names = list(names)
    return ", ".join(names[:n]) + (", ..." if len(names) > n else "")
