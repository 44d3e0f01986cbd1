"""What/Where: foveated search on noisy canvases (Dauce, Albiges & Perrinet 2020) and the spatial
transformer family (STN, ATN, POLO-ATN) of int-lab-book, in Keras 3.

``log_gabor_bank`` / ``whitening_filter`` / ``Retina``: the Where pathway's sensor;
``where_canvases`` / ``what_canvases`` / ``CanvasDataset``: the noisy canvases; ``build_model``:
the networks; ``saccade_search``: one or several saccades; ``train``: the originals' schedules;
``benchmark``: accuracy vs eccentricity and contrast; ``run_results``: the CPU-scale results.

Names load on first use, so that parsing a script's flags does not import TensorFlow.
"""
from drc.core.lazy import lazy_exports

_EXPORTS = {
    "whatwhere.bank": ("log_gabor_bank", "retina_inverse", "cache_dir"),
    "whatwhere.fourier": ("whitening_filter",),
    "whatwhere.loggabor": ("colliculus_map", "compute_log_gabor_bank", "filter_parameters"),
    "whatwhere.retina": ("Retina", "RetinaConfig"),
    "whatwhere.canvas": ("CanvasConfig", "WhatCanvasConfig", "where_canvases", "what_canvases", "whiten"),
    "whatwhere.data": ("CanvasDataset", "Curriculum", "to_tf_dataset"),
    "whatwhere.polo": ("PoloConfig", "polo_operator"),
    "whatwhere.sampler": ("affine_grid", "grid_sample", "AffineSampler", "AttentionTheta"),
    "whatwhere.models": ("build_model", "what_net", "where_net", "stn_28x28", "stn_128x128", "attention_trans_net",
                         "polo_attention_trans_net"),
    "whatwhere.saccades": ("saccade_search",),
    "whatwhere.training": ("TrainConfig", "train", "accuracy_map", "SCHEDULES"),
    "whatwhere.benchmark": ("benchmark", "benchmark_figure", "ORIGINAL", "ECCENTRICITIES"),
    "whatwhere.experiments": ("run_results",),
    "whatwhere.errors": ("WhatWhereError",),
    "whatwhere.names": ("MODELS",),
}
__getattr__, __dir__, __all__ = lazy_exports(__name__, _EXPORTS)
