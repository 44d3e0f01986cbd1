"""Pictures: canvases, their whitened version, their retina codes inverted back to images, the
collicular map (the Where net's prediction, or the log-polar cells) with the saccade, and the
glimpses each transformer samples."""
import os

import numpy as np

from whatwhere.canvas import CanvasConfig, where_canvases
from whatwhere.errors import check_contrast, WhatWhereError


def pictures(out, models, dataset="mnist_subset", n=4, contrast=0.7, cache=None, overwrite=False):
    """Writes ``whatwhere_pictures.png`` (and ``transformer_glimpses.png`` when transformers are
    given) into ``out``; ``models``: name -> .keras path.  Returns the written paths."""
    import matplotlib.pyplot as plt
    from drc.core.datasets import load_dataset
    from drc.core.figures import save_figure
    from drc.core.runs import check_out_dir
    from whatwhere.models import glimpse_model, load_model
    from whatwhere.polo import polo_operator, PoloConfig
    from whatwhere.retina import Retina
    from whatwhere.saccades import saccade_search, sigmoid
    check_contrast(contrast)
    if n < 1:
        raise WhatWhereError(f"n={n!r} must be >= 1")
    check_out_dir(out, ["whatwhere_pictures.png", "transformer_glimpses.png"], overwrite, error=WhatWhereError)
    loaded = {k: load_model(v) for k, v in models.items()}
    _, (x, y) = load_dataset(dataset)
    canvases = where_canvases(x[-n:], np.arange(n), CanvasConfig(contrast=contrast))
    full = canvases["fullfield"]
    retina = Retina(cache=cache)
    codes = retina.code(full)
    rows = [("canvas", full), ("whitened", retina.whiten(full)), ("retina code inverted", retina.invert(codes))]
    if "where" in loaded:
        rows.append(("predicted accuracy (colliculus)",
                     retina.accuracy_invert(sigmoid(loaded["where"].predict(codes, verbose=0)))))
    else:
        rows.append(("collicular cells", np.broadcast_to(retina.colliculus.sum((0, 1)).reshape(128, 128), full.shape)))
    fixation = None
    if "what" in loaded and "where" in loaded:
        fixation = saccade_search(loaded["what"], loaded["where"], retina, full, 1)
    fig, axes = plt.subplots(len(rows), n, figsize=(2.4 * n, 2.4 * len(rows)), squeeze=False)
    for r, (title, images) in enumerate(rows):
        for c in range(n):
            ax = axes[r][c]
            ax.imshow(images[c], cmap="gray" if r < 3 else "viridis")
            ax.plot(64 + canvases["j_offset"][c], 64 + canvases["i_offset"][c], "r+", ms=10)
            if fixation is not None:
                ax.plot(64 + fixation["j_offset"][c], 64 + fixation["i_offset"][c], "gx", ms=10)
            ax.set_xticks([])
            ax.set_yticks([])
            if c == 0:
                ax.set_ylabel(title, fontsize=8)
    paths = [os.path.join(out, "whatwhere_pictures.png")]
    save_figure(fig, paths[0], title="red +: digit; green x: saccade" if fixation is not None else "red +: digit")
    transformers = [k for k in ("stn", "atn", "polo_atn") if k in loaded]
    if transformers:
        fig, axes = plt.subplots(len(transformers), n, figsize=(2.4 * n, 2.4 * len(transformers)), squeeze=False)
        for r, name in enumerate(transformers):
            inputs = full[..., None]
            if name == "polo_atn":
                op = polo_operator(PoloConfig())
                inputs = [inputs, (full.reshape(n, -1) @ op.T).reshape(n, 8, 6, 16)]
            glimpses = glimpse_model(loaded[name]).predict(inputs, verbose=0)
            for c in range(n):
                axes[r][c].imshow(glimpses[c, ..., 0], cmap="gray")
                axes[r][c].set_xticks([])
                axes[r][c].set_yticks([])
            axes[r][0].set_ylabel(name)
        paths.append(os.path.join(out, "transformer_glimpses.png"))
        save_figure(fig, paths[1], title="what each transformer samples")
    return paths
