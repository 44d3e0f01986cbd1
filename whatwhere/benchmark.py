"""Accuracy against the digit's eccentricity and contrast on fixed test canvases (int-lab-book's
``benchmark.ipynb``): every image at each eccentricity (4.4 .. 40 px, random direction from its
seed) and fixed contrast; the originals' numbers for comparison; the benchmark figure."""
import numpy as np
import pandas as pd

from drc.core.progress import progress
from whatwhere.canvas import CanvasConfig, MotionCloudTextures, where_canvases
from whatwhere.errors import check_contrast, WhatWhereError
from whatwhere.saccades import predict, saccade_search

ECCENTRICITIES = tuple(float(e) for e in np.linspace(40, 0, 9, endpoint=False)[::-1])
CONTRASTS = (0.3, 0.5, 0.7)

#: int-lab-book benchmark.ipynb (MNIST, 128x128), near -> far; What/Where arrays re-ordered from far -> near.
ORIGINAL = {
    "whatwhere_0": {0.3: [.528, .455, .342, .182, .131, .103, .103, .115, .093],
                    0.5: [.823, .699, .478, .306, .151, .108, .127, .105, .111],
                    0.7: [.899, .756, .532, .287, .159, .104, .102, .112, .111]},
    "whatwhere_1": {0.3: [.538, .512, .466, .397, .368, .318, .252, .234, .164],
                    0.5: [.833, .811, .762, .717, .66, .625, .566, .537, .422],
                    0.7: [.89, .889, .846, .81, .799, .714, .726, .69, .62]},
    "stn": {0.7: [.9715, .9657, .9628, .965, .9623, .9621, .9572, .9548, .9558],
            0.5: [.9548, .9553, .9539, .9533, .9509, .9433, .9483, .9424, .9433],
            0.3: [.7656, .7598, .7455, .7433, .7367, .7242, .7422, .7437, .6892]},
    "atn": {0.7: [.9606, .9509, .9417, .9324, .9224, .9218, .9147, .9335, .9456],
            0.5: [.9314, .9316, .9248, .9334, .9258, .9152, .9177, .9179, .9264],
            0.3: [.7122, .6868, .676, .6779, .6871, .6744, .6549, .6768, .6111]},
    "polo_atn": {0.7: [.8654, .8457, .8002, .7282, .6109, .4977, .4231, .3836, .3362],
                 0.5: [.7733, .7443, .6974, .6212, .5517, .4665, .3947, .3196, .2394],
                 0.3: [.4094, .3913, .3405, .2858, .248, .2055, .1752, .1487, .1151]},
}


def original_table():
    """The originals' benchmark numbers as rows (model, contrast, eccentricity, accuracy)."""
    return pd.DataFrame([{"model": m, "contrast": c, "eccentricity": e, "accuracy": a}
                         for m, by_c in ORIGINAL.items() for c, accs in by_c.items()
                         for e, a in zip(ECCENTRICITIES, accs)])


def benchmark(models, images, labels, contrasts=CONTRASTS, eccentricities=ECCENTRICITIES, N_pic=128,
              retina=None, polo_operator=None, saccades=(0, 1), batch_size=200):
    """Accuracy of every model per (contrast, eccentricity) on fixed canvases (seed = image index).

    models: a dict of trained Keras models among ``what`` (with ``where`` and a ``retina``:
    What/Where with each number of ``saccades``), ``stn``, ``atn``, ``polo_atn`` (with
    ``polo_operator``).  Returns a DataFrame (model, contrast, eccentricity, accuracy, n).
    """
    border = N_pic / 2 - 14
    for e in eccentricities:
        if not 0 <= e <= border:
            raise WhatWhereError(f"eccentricity={e!r} is beyond the {N_pic}-pixel canvas; allowed: 0 .. {border:g}")
    for c in contrasts:
        check_contrast(c)
    labels = np.asarray(labels)
    textures = MotionCloudTextures(N_pic)
    rows = []
    for c in progress(contrasts, "contrasts"):
        for e in eccentricities:
            out = where_canvases(images, np.arange(len(images)),
                                 CanvasConfig(N_pic=N_pic, radius=e, offset_max=min(34., border), contrast=c), textures)
            full = out["fullfield"]
            preds = {}
            if "what" in models and "where" in models and retina is not None:
                codes = retina.code(full)
                for k in saccades:
                    preds[f"whatwhere_{k}"] = saccade_search(models["what"], models["where"], retina, full, k,
                                                             codes=codes)["prediction"]
            for name in ("stn", "atn"):
                if name in models:
                    preds[name] = predict(models[name], full[..., None], batch_size).argmax(1)
            if "polo_atn" in models and polo_operator is not None:
                code = (full.reshape(len(full), -1) @ polo_operator.T).reshape(len(full), 8, 6, 16)
                preds["polo_atn"] = np.concatenate([np.asarray(models["polo_atn"](
                    [full[s:s + batch_size, ..., None], code[s:s + batch_size]], training=False)).argmax(1)
                    for s in range(0, len(full), batch_size)])
            rows += [{"model": m, "contrast": c, "eccentricity": e, "accuracy": float((p == labels).mean()),
                      "n": len(labels)} for m, p in preds.items()]
    return pd.DataFrame(rows)


def benchmark_figure(table, title="", original=True):
    """The original's benchmark figure: one panel per contrast, accuracy against eccentricity per
    model (ours solid; the originals' dashed), chance at 0.1."""
    import matplotlib.pyplot as plt
    contrasts = sorted(table["contrast"].unique(), reverse=True)
    fig, axes = plt.subplots(1, len(contrasts), figsize=(6 * len(contrasts), 5), squeeze=False)
    ref = original_table()
    colours = dict(zip(["whatwhere_0", "whatwhere_1", "whatwhere_2", "stn", "atn", "polo_atn"],
                       ["#562c2c", "#f2542d", "#d8a47f", "#0e9594", "#127475", "#9649CB"]))
    for ax, c in zip(axes[0], contrasts):
        for m, part in table[table.contrast == c].groupby("model"):
            ax.plot(part.eccentricity, part.accuracy, ".-", color=colours.get(m), label=m)
            theirs = ref[(ref.model == m) & (ref.contrast == c)]
            if original and len(theirs):
                ax.plot(theirs.eccentricity, theirs.accuracy, "--", color=colours.get(m), alpha=.6,
                        label=f"{m} (original)")
        ax.axhline(.1, color="r", linestyle=":")
        ax.set_ylim(0, 1)
        ax.set_title(f"Contrast = {int(round(c * 100))}%")
        ax.set_xlabel("Eccentricity (pixels)")
    axes[0][0].set_ylabel("Accuracy")
    axes[0][-1].legend(fontsize=7)
    fig.suptitle(title)
    return fig


def benchmark_saved(out, models, dataset="mnist_subset", n_test=200, contrasts=CONTRASTS,
                    eccentricities=ECCENTRICITIES, saccades=(0, 1), cache=None, overwrite=False):
    """Benchmarks saved models (a dict name -> .keras path) on the last ``n_test`` test images of
    ``dataset``; writes ``benchmark.csv`` and ``benchmark.png`` into ``out``; returns the table."""
    import os
    from drc.core.runs import check_out_dir, write_csv_atomic
    unknown = sorted(set(models) - {"what", "where", "stn", "atn", "polo_atn"})
    if unknown:
        raise WhatWhereError(f"model={unknown[0]!r} is unknown; allowed: what, where, stn, atn, polo_atn")
    for c in contrasts:
        check_contrast(c)
    for e in eccentricities:
        if not 0 <= e <= 50:
            raise WhatWhereError(f"eccentricity={e!r} is beyond the 128-pixel canvas; allowed: 0 .. 50")
    check_out_dir(out, ["benchmark.csv", "benchmark.png"], overwrite, error=WhatWhereError)
    from drc.core.datasets import load_dataset
    from whatwhere.models import load_model
    from drc.core.figures import save_figure
    from whatwhere.polo import polo_operator, PoloConfig
    from whatwhere.retina import Retina
    loaded = {name: load_model(path) for name, path in models.items()}
    _, (x, y) = load_dataset(dataset)
    table = benchmark(loaded, x[-n_test:], y[-n_test:], contrasts, eccentricities,
                      retina=Retina(cache=cache) if "where" in loaded else None,
                      polo_operator=polo_operator(PoloConfig()) if "polo_atn" in loaded else None, saccades=saccades)
    write_csv_atomic(os.path.join(out, "benchmark.csv"), table, index=False)
    save_figure(benchmark_figure(table, f"{dataset}: {n_test} test canvases"), os.path.join(out, "benchmark.png"))
    return table
