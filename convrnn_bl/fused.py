"""A leaner inference path for a built BL: same outputs, fewer operations per time step.

``bl_net`` keeps rcnn-sat's layer-per-operation graph (the weight files and activation names
depend on it). For inference, :func:`fused_bl_inference` reads that model's weights once and runs
each recurrent layer at step ``t >= 1`` as *one* convolution over the channel-concatenation of
its bottom-up and lateral inputs (kernel ``[W_B; W_L]``, equal to the sum of the two
convolutions), followed by the batch-norm scale and shift (folded to ``x * s + c``) and ReLU.
The image's bottom-up convolution is computed once, as in BL.
"""
import re

import keras
import numpy as np
import tensorflow as tf


def _bn_affine(layer):
    gamma, beta, mean, variance = (np.asarray(keras.ops.convert_to_numpy(w), np.float32)
                                   for w in (layer.gamma, layer.beta, layer.moving_mean,
                                             layer.moving_variance))
    scale = gamma / np.sqrt(variance + layer.epsilon)
    return scale, beta - mean * scale


def _value(variable):
    return np.asarray(keras.ops.convert_to_numpy(variable), np.float32)


def fused_bl_inference(model, jit_compile=False):
    """Returns ``f(images) -> list of T softmax outputs`` computing what ``model`` computes.

    Args:
        model: a BL from :func:`convrnn_bl.bl_net` (any width, time steps, readout mode),
            channels-last.
        jit_compile: compile the function with XLA.

    The weights are copied when this is called; rebuild the function after changing them.
    """
    names = {layer.name for layer in model.layers}
    n_layers = len([n for n in names if re.fullmatch(r"RCL_\d+_BConv", n)])
    n_steps = len([n for n in names if re.fullmatch(r"Sotfmax_Time_\d+", n)])
    if not n_layers or not n_steps:
        raise ValueError(f"model {model.name!r} is not a BL (no RCL_*_BConv / Sotfmax_Time_* layers)")
    cumulative = any(n.startswith("CumulativeReadout_Time_") for n in names)

    bottom_up = [tf.constant(_value(model.get_layer(f"RCL_{n}_BConv").kernel)) for n in range(n_layers)]
    lateral = [tf.constant(_value(model.get_layer(f"RCL_{n}_LConv").kernel)) for n in range(n_layers)]
    # one kernel over concat(bottom-up input, lateral input) along input channels
    joint = [tf.concat([b, l], axis=2) for b, l in zip(bottom_up, lateral)]
    affine = [[tuple(tf.constant(v) for v in _bn_affine(model.get_layer(f"BatchNorm_Layer_{n}_Time_{t}")))
               for n in range(n_layers)] for t in range(n_steps)]
    dense = model.get_layer("ReadoutDense")
    dense_kernel, dense_bias = tf.constant(_value(dense.kernel)), tf.constant(_value(dense.bias))

    def conv(x, kernel):
        return tf.nn.conv2d(x, kernel, strides=1, padding="SAME")

    def pool(x):
        return tf.nn.max_pool2d(x, 2, 2, padding="VALID")

    @tf.function(jit_compile=jit_compile, reduce_retracing=True)
    def run(images):
        images = tf.cast(images, tf.float32)
        image_conv = conv(images, bottom_up[0])
        previous, logits_sum, outputs = [], None, []
        for t in range(n_steps):
            current = []
            for n in range(n_layers):
                if n == 0:
                    x = image_conv if t == 0 else image_conv + conv(previous[0], lateral[0])
                elif t == 0:
                    x = conv(pool(current[n - 1]), bottom_up[n])
                else:
                    x = conv(tf.concat([pool(current[n - 1]), previous[n]], axis=-1), joint[n])
                scale, shift = affine[t][n]
                current.append(tf.nn.relu(x * scale + shift))
            previous = current
            logits = tf.matmul(tf.reduce_mean(current[-1], axis=[1, 2]), dense_kernel) + dense_bias
            logits_sum = logits if (logits_sum is None or not cumulative) else logits_sum + logits
            outputs.append(tf.nn.softmax(logits_sum))
        return outputs

    return run
