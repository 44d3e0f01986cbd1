"""The networks of the What/Where model and of the spatial-transformer family, as Keras models.

Layer names keep the originals' attribute names (conv1, conv2, fc1, fc2, bn1, bn1_bn, ...,
localization, fc_loc).  Convolutions are channels-last; before the first dense layer the features
are put in PyTorch's (channels, rows, columns) order so that ``fc1`` reads them as the original.
Every model outputs logits.  Weights start as PyTorch's defaults (``torch_init``); the last
localisation layer starts at zero weights and the transform's bias, as the originals.
"""
import keras
import numpy as np

from whatwhere.errors import WhatWhereError, check_count
from whatwhere.names import MODELS
from whatwhere.sampler import AffineSampler, AttentionTheta


def torch_init(fan_in):
    """PyTorch's default initialisation of Linear / Conv2d: weights and biases ~ U(+-1/sqrt(fan_in))."""
    bound = float(1 / np.sqrt(fan_in))
    return {"kernel_initializer": keras.initializers.VarianceScaling(1 / 3, "fan_in", "uniform"),
            "bias_initializer": keras.initializers.RandomUniform(-bound, bound)}


def conv(x, filters, kernel, name, activation=None):
    return keras.layers.Conv2D(filters, kernel, activation=activation, name=name,
                               **torch_init(kernel * kernel * x.shape[-1]))(x)


def dense(x, units, name, activation=None):
    return keras.layers.Dense(units, activation=activation, name=name, **torch_init(x.shape[-1]))(x)


def _lenet(x, conv2=50, fc1=500):
    x = conv(x, 20, 5, "conv1", "relu")
    x = keras.layers.MaxPooling2D(2, name="pool1")(x)
    x = conv(x, conv2, 5, "conv2", "relu")
    x = keras.layers.MaxPooling2D(2, name="pool2")(x)
    x = keras.layers.Permute((3, 1, 2), name="to_channels_first")(x)
    x = keras.layers.Flatten(name="flatten")(x)
    return dense(dense(x, fc1, "fc1", "relu"), 10, "fc2")


def what_net(w=28, name="WhatNet"):
    """LeNet of the What pathway: 20@5x5, pool, 50@5x5, pool, 500, 10 on (w, w, 1) glimpses."""
    inputs = keras.Input((w, w, 1), name="glimpse")
    return keras.Model(inputs, _lenet(inputs), name=name)


def where_net(n_features=2880, N_azimuth=24, N_eccentricity=10, dim1=1000, dim2=1000,
              bn_momentum=0.5, name="WhereNet"):
    """The Where MLP: retina code -> dim1 -> dim2 -> N_azimuth * N_eccentricity logits of the
    collicular accuracy map; each hidden layer ReLU then BatchNorm (PyTorch momentum 1 - bn_momentum, i.e. Keras momentum bn_momentum)."""
    for arg, value in (("n_features", n_features), ("N_azimuth", N_azimuth), ("N_eccentricity", N_eccentricity),
                       ("dim1", dim1), ("dim2", dim2)):
        check_count(arg, value)
    inputs = keras.Input((n_features,), name="retina_code")
    x = inputs
    for i, dim in ((1, dim1), (2, dim2)):
        x = dense(x, dim, f"bn{i}", "relu")
        x = keras.layers.BatchNormalization(momentum=bn_momentum,
                                            epsilon=1e-5, name=f"bn{i}_bn")(x)
    return keras.Model(inputs, dense(x, N_azimuth * N_eccentricity, "bn3"), name=name)


def _localization(x, channels, kernels):
    for i, (c, k) in enumerate(zip(channels, kernels)):
        x = conv(x, c, k, f"localization_{3 * i}")
        x = keras.layers.MaxPooling2D(2, name=f"localization_{3 * i + 1}")(x)
        x = keras.layers.ReLU(name=f"localization_{3 * i + 2}")(x)
    x = keras.layers.Permute((3, 1, 2), name="localization_to_channels_first")(x)
    return keras.layers.Flatten(name="localization_flatten")(x)


def _fc_loc(x, bias):
    x = dense(x, 32, "fc_loc_0", "relu")
    return keras.layers.Dense(len(bias), kernel_initializer="zeros",
                              bias_initializer=keras.initializers.Constant(np.asarray(bias, dtype="float32")),
                              name="fc_loc_2")(x)


IDENTITY = (1., 0., 0., 0., 1., 0.)


def stn_28x28(w=28, name="STN"):
    """int-lab-book's STN on 28x28 canvases: localisation 8@7, 10@5 (pool + ReLU each) -> 32 -> 6
    (identity init), affine sampling at the input size, then the What LeNet."""
    inputs = keras.Input((w, w, 1), name="canvas")
    theta = _fc_loc(_localization(inputs, (8, 10), (7, 5)), IDENTITY)
    glimpse = AffineSampler(name="transformer")(inputs, theta)
    return keras.Model(inputs, _lenet(glimpse), name=name)


def stn_128x128(N_pic=128, name="STN_128x128"):
    """int-lab-book's STN_128x128: localisation 16@7, 32@5, 64@5, 128@5 (pool + ReLU each) ->
    32 -> 6 (identity init), affine sampling at 128x128, classifier 20@5, pool, 100@5, pool, 128, 10."""
    inputs = keras.Input((N_pic, N_pic, 1), name="canvas")
    theta = _fc_loc(_localization(inputs, (16, 32, 64, 128), (7, 5, 5, 5)), IDENTITY)
    glimpse = AffineSampler(name="transformer")(inputs, theta)
    return keras.Model(inputs, _lenet(glimpse, conv2=100, fc1=128), name=name)


def attention_trans_net(N_pic=128, w=28, name="AttentionTransNet"):
    """ATN: the STN_128x128 localisation -> 32 -> (s, tx, ty) initialised (0.2, 0, 0), a (w, w)
    glimpse at ``[[s, 0, tx], [0, s, ty]]``, then the What LeNet."""
    inputs = keras.Input((N_pic, N_pic, 1), name="canvas")
    params = _fc_loc(_localization(inputs, (16, 32, 64, 128), (7, 5, 5, 5)), (0.2, 0., 0.))
    theta = AttentionTheta(name="theta")(params)
    glimpse = AffineSampler(w, w, name="transformer")(inputs, theta)
    return keras.Model(inputs, _lenet(glimpse), name=name)


def polo_attention_trans_net(N_pic=128, w=28, code_shape=(8, 6, 16), scale=0.2, name="Polo_AttentionTransNet"):
    """POLO-ATN: the POLO code -> 32 -> (tx, ty) (zero init) at the fixed scale 0.2, a (w, w) glimpse
    of the canvas, then the What LeNet.  Inputs: [canvas, polo code]."""
    canvas = keras.Input((N_pic, N_pic, 1), name="canvas")
    code = keras.Input(tuple(code_shape), name="polo")
    params = _fc_loc(keras.layers.Flatten(name="polo_flatten")(code), (0., 0.))
    theta = AttentionTheta(scale=scale, name="theta")(params)
    glimpse = AffineSampler(w, w, name="transformer")(canvas, theta)
    return keras.Model([canvas, code], _lenet(glimpse), name=name)


def build_model(name, **kwargs):
    """One of MODELS by name (WhatWhereError for another)."""
    builders = {"what": what_net, "where": where_net, "stn_28x28": stn_28x28, "stn": stn_128x128,
                "atn": attention_trans_net, "polo_atn": polo_attention_trans_net}
    if name not in builders:
        raise WhatWhereError(f"model={name!r} is unknown; allowed: {', '.join(MODELS)}")
    return builders[name](**kwargs)


def glimpse_model(model):
    """The sub-model from a transformer's inputs to the glimpse it samples (for pictures)."""
    return keras.Model(model.inputs, model.get_layer("transformer").output)


def load_model(path):
    """A saved model of the family (``.keras``); this module registers the custom layers it needs."""
    return keras.models.load_model(path)
