"""The attention module of RS-RNN: where to look next.

A saliency head turns the recurrent map and the encoder-2 map into a map over retinal space;
inhibition of return (IOR), kept as a map over the image, decays each step
(``ior = 1 - decay (1 - ior)``), is seen through the current retina and multiplies the saliency;
a 2-D softmax over the result gives the next fixation (argmax at test, a sample in training),
whose log-probability under the saliency alone (without the IOR, as in the original) feeds
REINFORCE. The chosen cell becomes retinal coordinates ``(index / size - 0.5) * 2 * 0.95`` and
then image coordinates through the sampler's own map.
"""
import keras
from keras import ops

from rsrnn.retina import bilinear_sample, gaussian_map, regular_grid

IOR_DECAY = 0.631
IOR_SIGMA = 25 / 224
"""Width of the inhibited region: the original's 25 px on 224-px images, as a fraction of the side."""
FIXATION_SCALE = 0.95


@keras.saving.register_keras_serializable(package="rsrnn")
class SaliencyHead(keras.layers.Layer):
    """Saliency in [0, 1] on the recurrent map's grid: (tanh(conv1x1(relu(conv3x3([up(e2), h])))) + 1) / 2.

    Args:
        filters: channels of the 3 x 3 convolution.
    """

    def __init__(self, filters=16, **kwargs):
        super().__init__(**kwargs)
        self.filters = int(filters)
        self.conv5 = keras.layers.Conv2D(self.filters, 3, padding="same", activation="relu", name="conv5")
        self.conv6 = keras.layers.Conv2D(1, 1, name="conv6")

    def call(self, recurrent_map, encoder_map):
        size = recurrent_map.shape[1:3]
        upsampled = ops.image.resize(encoder_map, size, interpolation="bilinear")
        saliency = ops.tanh(self.conv6(self.conv5(ops.concatenate([upsampled, recurrent_map], -1))))
        return (saliency[..., 0] + 1) / 2

    def get_config(self):
        return {**super().get_config(), "filters": self.filters}


def decay_ior(ior, decay=IOR_DECAY):
    """One step of recovery from inhibition: 1 - decay * (1 - ior)."""
    return 1 - decay * (1 - ior)


def inhibit(ior, fixations, sigma):
    """relu(ior - Gaussian at ``fixations``) on the (B, m, m) IOR map; ``sigma`` in pixels."""
    size = ior.shape[1]
    return ops.relu(ior - gaussian_map(fixations, sigma, size, size))


def ior_in_retina(ior, sampler, fixations, map_size):
    """The (B, S, S) IOR map seen through the sampler at ``fixations`` on the saliency grid."""
    grid = sampler.to_image(fixations, regular_grid(map_size)[None], ior.shape[1])
    return bilinear_sample(ior[..., None], grid)[..., 0]


def cell_to_retina(index, map_size, scale=FIXATION_SCALE):
    """Retinal (x, y) of flat cell indices of a map_size x map_size map."""
    index = ops.cast(index, "int32")
    rows, cols = index // map_size, index % map_size
    to_coord = lambda i: (ops.cast(i, "float32") / map_size - 0.5) * 2 * scale  # noqa: E731
    return ops.stack([to_coord(cols), to_coord(rows)], axis=-1)


def choose_fixation(saliency, ior_retina, sample, seed=None):
    """(flat index, log pi) of the next fixation from (B, S, S) saliency and IOR: the argmax or a
    sample of softmax(saliency * ior); log pi under softmax(saliency) (no IOR)."""
    batch = ops.shape(saliency)[0]
    inhibited = ops.reshape(saliency * ior_retina, (batch, -1))
    if sample:
        index = ops.cast(keras.random.categorical(inhibited, 1, seed=seed)[:, 0], "int32")
    else:
        index = ops.cast(ops.argmax(inhibited, axis=-1), "int32")
    log_probs = ops.log_softmax(ops.reshape(saliency, (batch, -1)), axis=-1)
    log_pi = ops.take_along_axis(log_probs, index[:, None], axis=1)[:, 0]
    return index, log_pi


def next_fixation(saliency, ior, sampler, fixations, sigma, decay=IOR_DECAY, sample=False, seed=None):
    """One saccade: decays the (B, m, m) IOR map, chooses the next fixation from the (B, S, S)
    saliency (retinal space of the sampler at ``fixations``) times the IOR seen there, maps the
    chosen cell to image coordinates (clipped to [-1, 1], not differentiated) and inhibits a
    Gaussian of ``sigma`` pixels around it. Returns (next fixations, IOR map, log pi)."""
    map_size = saliency.shape[1]
    image_size = ior.shape[1]
    ior = decay_ior(ior, decay)
    index, log_pi = choose_fixation(saliency, ior_in_retina(ior, sampler, fixations, map_size), sample, seed)
    cell = cell_to_retina(index, map_size)
    chosen = sampler.to_image(fixations, cell[:, None, :], image_size)[:, 0]
    chosen = ops.stop_gradient(ops.clip(chosen, -1.0, 1.0))
    return chosen, inhibit(ior, chosen, sigma), log_pi
