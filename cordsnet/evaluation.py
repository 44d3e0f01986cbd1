"""Measurements on a trained CordsNet: accuracy over time, under noise, the return to
spontaneous activity after the image, and activity traces (NumPy outputs, no files)."""
import numpy as np

from cordsnet.model import CordsNet


def with_timeline(net, **changes):
    """A copy of ``net`` (same weights) with other timeline arguments, e.g. a readout at every
    image step (``readout_steps=net.image_steps``)."""
    config = {**net.get_config(), **changes}
    config.pop("name", None)
    config.pop("trainable", None)
    config.pop("dtype", None)
    copy = CordsNet(**config)
    copy.build((None, *net.image_shape))
    copy.set_weights(net.get_weights())
    return copy


def predict_batches(fn, images, batch_size):
    return np.concatenate([np.asarray(fn(images[i:i + batch_size])) for i in range(0, len(images), batch_size)])


def accuracy_over_time(net, images, labels, batch_size=100):
    """Accuracy of the readout after each image step (array of ``image_steps``)."""
    every = with_timeline(net, readout_steps=net.image_steps, after_steps=0)
    spontaneous = every.spontaneous_state()
    logits = predict_batches(lambda x: every.simulate(x, spontaneous)[0], images, batch_size)
    return (logits.argmax(-1) == np.asarray(labels)[:, None]).mean(0)


def accuracy(model, images, labels, batch_size=100):
    """Accuracy of ``model(x)`` (a CordsNet at its last step, or a CNN)."""
    logits = predict_batches(lambda x: model(x, training=False), images, batch_size)
    logits = logits[:, -1] if logits.ndim == 3 else logits
    return float((logits.argmax(-1) == np.asarray(labels)).mean())


def return_to_spontaneous(net, images, after_steps=100):
    """Per area, the distance of the rates from the spontaneous state after the image is
    removed, relative to the distance at the end of the image: (after_steps, depth)."""
    blank, shown = net.blank_steps, net.image_steps
    spontaneous = [np.asarray(s) for s in net.spontaneous_state()]
    steps = range(blank + shown - 1, blank + shown + after_steps)
    layers = list(range(net.depth))
    distances = []
    for _, states in net.iter_record(images, layers, steps=steps, after_steps=after_steps):
        distances.append([np.sqrt(((states[j] - spontaneous[j]) ** 2).sum(axis=(1, 2, 3))) for j in layers])
    d = np.array(distances)
    return (d[1:] / np.maximum(d[:1], 1e-12)).mean(axis=-1)


def activity_traces(net, images, after_steps=0):
    """Mean rate of every area at every step of the timeline: (steps, depth)."""
    layers = list(range(net.depth))
    return np.array([[states[j].mean() for j in layers]
                     for _, states in net.iter_record(images, layers, after_steps=after_steps)])
