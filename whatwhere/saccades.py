"""Saccades of the What/Where model: the Where net's collicular map picks a cell, the eye moves to
the pixel argmax of that cell's collicular filter, the What net classifies the 28x28 glimpse there.

Several saccades follow the original's ``multi_test``: before each saccade the What net's top
probability on the current glimpse is compared with the Where net's predicted accuracy at the next
target (read on the pseudo-inverse of the collicular map); the search stops (``dynamic``) as soon as
the former exceeds the latter; offsets accumulate and are clipped so the glimpse stays on the canvas.
"""
import numpy as np

from whatwhere.canvas import shift_images


def sigmoid(x):
    return 1 / (1 + np.exp(-np.asarray(x, dtype=np.float64)))


def index_prediction(pred_accuracy, retina):
    """(i_pred, j_pred): the target of the best collicular cell (first maximum, (azimuth, eccentricity) order)."""
    cells = np.asarray(pred_accuracy).reshape(len(pred_accuracy), -1).argmax(axis=1)
    return retina.cell_targets[cells, 0], retina.cell_targets[cells, 1]


def clip_to_canvas(offset, N_pic, w):
    border = N_pic // 2 - w // 2
    return np.clip(offset, -border, border)


def extract(fullfields, i_offset, j_offset, w=28):
    """The (B, w, w, 1) glimpses centred ``(i_offset, j_offset)`` from the canvas centre."""
    n = fullfields.shape[-1]
    mid, rad = n // 2, w // 2
    moved = shift_images(fullfields, -np.asarray(i_offset), -np.asarray(j_offset), 0.5)
    return moved[:, mid - rad:mid + rad, mid - rad:mid + rad, None].astype(np.float32)


def predict(model, x, batch_size=500):
    """``model`` applied batch by batch (direct calls: no predict-function tracing per input size)."""
    return np.concatenate([np.asarray(model(x[s:s + batch_size], training=False))
                           for s in range(0, len(x), batch_size)])


def _probabilities(what_model, glimpses, batch_size=500):
    logits = predict(what_model, glimpses, batch_size)
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def saccade_search(what_model, where_model, retina, fullfields, n_saccades=1, dynamic=True, w=28,
                   codes=None, batch_size=500):
    """Classifies canvases (B, N, N) after up to ``n_saccades`` saccades.

    Returns a dict: ``prediction`` (B,), ``i_offset``/``j_offset`` (final fixation), ``n_saccades``
    (saccades made per image).  ``n_saccades=0`` classifies the centre; ``1`` saccades once to the
    best cell (no stopping test, as the original's single-saccade test).
    """
    fullfields = np.asarray(fullfields, dtype=np.float32)
    b, n = len(fullfields), fullfields.shape[-1]
    i_ref, j_ref, made = np.zeros(b, int), np.zeros(b, int), np.zeros(b, int)
    codes = retina.code(fullfields) if codes is None and n_saccades else codes
    active = np.ones(b, bool)
    for k in range(n_saccades):
        if k:
            codes = retina.code(shift_images(fullfields, -i_ref, -j_ref, 0.5))
        pred = sigmoid(predict(where_model, codes, batch_size))
        i_pred, j_pred = index_prediction(pred, retina)
        if n_saccades > 1 and dynamic:
            posterior_what = _probabilities(what_model, extract(fullfields, i_ref, j_ref, w), batch_size).max(axis=1)
            posterior_where = retina.accuracy_invert(pred)[np.arange(b), n // 2 + i_pred, n // 2 + j_pred]
            active &= ~(posterior_what > posterior_where)
        i_ref = np.where(active, clip_to_canvas(i_ref + i_pred, n, w), i_ref)
        j_ref = np.where(active, clip_to_canvas(j_ref + j_pred, n, w), j_ref)
        made += active
    prediction = _probabilities(what_model, extract(fullfields, i_ref, j_ref, w), batch_size).argmax(axis=1)
    return {"prediction": prediction, "i_offset": i_ref, "j_offset": j_ref, "n_saccades": made}
