"""The BL recurrent convnet family of Spoerer et al. and SATBench's speed-accuracy experiments.

``from convrnn_bl import bl_net, preprocess_image`` replaces ``from rcnn_sat import ...``.

Modules: ``models`` (bl_net, b_net, b_k_net, b_f_net, b_d_net), ``preprocess``, ``weights``
(Keras 2 HDF5 files: load by name / topology with a report, write), ``perturbations`` (grayscale,
contrast-reduced noise, Gaussian blur as Keras layers), ``data`` (image folders, class weights,
the 16-class mapping), ``folders`` (the subset / test-folder builders, no TensorFlow), ``training``
(what scripts/convrnn/train.py and test.py run), ``speed_accuracy`` (entropy-threshold reaction
times, FLOPs per exit, SATBench's metrics, plots), ``fused`` (a leaner inference path for BL),
``layout`` (the scripts' folder and file names), ``cli`` (one-line errors), ``errors``.

Attributes are imported lazily so that the TensorFlow-free parts (folders, layout, cli, errors)
start fast.
"""
from drc.core.lazy import lazy_exports

_EXPORTS = {
    "bl_net": "models",
    "b_net": "models",
    "b_k_net": "models",
    "b_f_net": "models",
    "b_d_net": "models",
    "ConvSum": "models",
    "preprocess_image": "preprocess",
    "load_keras2_weights": "weights",
    "save_keras2_weights": "weights",
    "read_keras2_weights": "weights",
    "WeightLoadReport": "weights",
    "ConvRNNError": "errors",
    "WeightFileError": "errors",
    "MissingWeightsError": "errors",
    "DataError": "errors",
}

__getattr__, __dir__, __all__ = lazy_exports(
    __name__, {f"{__name__}.{module}": tuple(n for n, m in _EXPORTS.items() if m == module)
               for module in set(_EXPORTS.values())})
