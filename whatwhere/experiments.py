"""The CPU-scale results: What, Where, STN_128x128, ATN and POLO-ATN trained on real MNIST (the
bundled split of the official test set) and Fashion-MNIST with shortened versions of the originals'
curricula, then the benchmark (accuracy vs eccentricity at contrasts 0.3 / 0.5 / 0.7 on fixed test
canvases) as CSV and figure next to the originals' numbers.  ``make results`` calls ``run_results``.

At this scale (a few hundred steps instead of the originals' 48,000-66,000) two of the originals'
optimiser settings do not train: Adam at 5e-3 kills the What LeNet at its first curriculum stage
change (loss back at ln 10), and plain SGD at 1e-2 leaves the transformers at their initial loss.
``Scale`` therefore sets Adam at 1e-3 for the What and the transformers (the Where keeps the
original's Adam 5e-3); the library's defaults stay the originals'.
"""
import dataclasses
import os
import time

import numpy as np

from drc.core.datasets import load_dataset
from drc.core.runs import check_out_dir, machine_info, write_csv_atomic, write_json_atomic
from whatwhere.errors import WhatWhereError
from whatwhere.training import TrainConfig, train

DATASETS = {"mnist": "mnist_subset", "fashion_mnist": "fashion_mnist"}


@dataclasses.dataclass(frozen=True)
class Scale:
    """Sizes of one results run (the full originals train for 60-110 epochs on 60,000 images).

    what_*: the What's images, curriculum (every k-th shift sd stage, epochs per stage) and
    optimiser; n_accuracy: images per shift of its 55 x 55 accuracy map; where_*: the Where's
    images and epochs; transformer_*: the transformers' images (``n_train_stn`` for the costlier
    STN_128x128), curriculum stages kept, epochs per stage and optimiser.
    """
    n_train_what: int = 8000
    what_stage_step: int = 3
    what_epochs_per_stage: int = 2
    what_optimizer: str = "adam"
    what_lr: float = 1e-3
    n_accuracy: int = 20
    n_train_where: int = 8000
    where_epochs: int = 10
    n_train_transformer: int = 1000
    n_train_stn: int = 400
    transformer_stage_step: int = 3
    transformer_epochs_per_stage: int = 2
    transformer_optimizer: str = "adam"
    transformer_lr: float = 1e-3
    transformers: tuple = ("atn", "polo_atn", "stn")
    n_val: int = 200
    n_test: int = 100


SCALES = {"default": Scale(),
          "quick": Scale(n_train_what=400, what_stage_step=5, what_epochs_per_stage=1, n_accuracy=2,
                         n_train_where=300, where_epochs=1, n_train_transformer=200, n_train_stn=100,
                         transformer_stage_step=6, transformer_epochs_per_stage=1, transformers=("polo_atn",),
                         n_val=50, n_test=40)}


def _train(model, out, dataset, scale, overwrite=False, **kwargs):
    path = os.path.join(out, f"{model}.keras")
    if overwrite or not os.path.exists(path):
        train(TrainConfig(model=model, out=out, dataset=dataset, n_val=scale.n_val, overwrite=overwrite, **kwargs))
    from whatwhere.models import load_model
    return load_model(path)


def run_dataset(out, name, scale, cache=None, overwrite=False):
    """Trains the models of one dataset in ``out/<name>/`` and benchmarks them (what is there is kept:
    a finished model is loaded, a finished benchmark read back; ``overwrite`` redoes everything)."""
    from whatwhere.benchmark import benchmark, benchmark_figure
    from whatwhere.polo import polo_operator, PoloConfig
    from whatwhere.retina import Retina
    from drc.core.figures import save_figure
    dataset, folder = DATASETS[name], os.path.join(out, name)
    os.makedirs(folder, exist_ok=True)
    times = {}
    t = time.time()
    models = {"what": _train("what", os.path.join(folder, "what"), dataset, scale, overwrite,
                             n_train=scale.n_train_what, epochs_per_stage=scale.what_epochs_per_stage,
                             stage_step=scale.what_stage_step, optimizer=scale.what_optimizer, lr=scale.what_lr)}
    times["what"] = time.time() - t
    t = time.time()
    models["where"] = _train("where", os.path.join(folder, "where"), dataset, scale, overwrite,
                             n_train=scale.n_train_where,
                             epochs_per_stage=scale.where_epochs, n_accuracy=scale.n_accuracy, cache=cache,
                             what_model=os.path.join(folder, "what", "what.keras"))
    times["where"] = time.time() - t
    for model in scale.transformers:
        t = time.time()
        models[model] = _train(model, os.path.join(folder, model), dataset, scale, overwrite,
                               n_train=scale.n_train_stn if model == "stn" else scale.n_train_transformer,
                               epochs_per_stage=scale.transformer_epochs_per_stage,
                               stage_step=scale.transformer_stage_step, optimizer=scale.transformer_optimizer,
                               lr=scale.transformer_lr)
        times[model] = time.time() - t
    csv = os.path.join(folder, "benchmark.csv")
    if os.path.exists(csv) and not overwrite:
        import pandas as pd
        return pd.read_csv(csv), times
    _, (x_test, y_test) = load_dataset(dataset)
    # test canvases: the last n_test images of the test split (the first n_val validated training)
    x_test, y_test = x_test[-scale.n_test:], y_test[-scale.n_test:]
    t = time.time()
    table = benchmark(models, x_test, y_test, retina=Retina(cache=cache), polo_operator=polo_operator(PoloConfig()))
    times["benchmark"] = time.time() - t
    table.insert(0, "dataset", name)
    write_csv_atomic(csv, table, index=False)
    save_figure(benchmark_figure(table, f"{name}: accuracy vs eccentricity ({scale.n_test} test canvases)",
                                 original=name == "mnist"), os.path.join(folder, "benchmark.png"))
    return table, times


def run_results(out, quick=False, datasets=("mnist", "fashion_mnist"), overwrite=False, cache=None):
    """Runs the results suite into ``out`` (resumable); returns the concatenated benchmark table."""
    import pandas as pd
    for name in datasets:
        if name not in DATASETS:
            raise WhatWhereError(f"dataset={name!r} is unknown; allowed: {', '.join(DATASETS)}")
    scale = SCALES["quick" if quick else "default"]
    check_out_dir(out, ["run_info.json"], overwrite, error=WhatWhereError)
    tables, info = [], {"scale": dataclasses.asdict(scale), "machine": machine_info(), "times_s": {}}
    for name in datasets:
        table, times = run_dataset(out, name, scale, cache, overwrite)
        tables.append(table)
        info["times_s"][name] = times
    table = pd.concat(tables, ignore_index=True)
    write_csv_atomic(os.path.join(out, "benchmark.csv"), table, index=False)
    write_json_atomic(os.path.join(out, "run_info.json"), info)
    return table
