"""Speed of the canvas generator and of the retina code: one matmul for a batch against the
original's per-image matrix-vector product and a per-filter loop, side by side in one run; and
where a spatial transformer's training step spends its time (localisation, sampler, classifier)."""
import time

import numpy as np

from whatwhere.canvas import CanvasConfig, MotionCloudTextures, what_canvases, WhatCanvasConfig, where_canvases


def _rate(fn, n, repeat=1):
    best = np.inf
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return n / best


def measure(images, retina, n_canvas=200, n_codes=200, n_loop=5):
    """A dict of rates (per second) and the dense bank's memory; ``images`` (N, 28, 28[, 1]) uint8."""
    images = images[:max(n_canvas, n_codes)]
    textures128, textures28 = MotionCloudTextures(retina.config.N_pic), MotionCloudTextures(28)
    n = retina.config.N_pic
    cfg = CanvasConfig(N_pic=n, offset_max=min(34., n / 2 - 14))
    seeds = np.arange(n_canvas)
    out = {"where_canvases_per_s": _rate(lambda: where_canvases(images[:n_canvas], seeds, cfg, textures128), n_canvas),
           "what_canvases_per_s": _rate(lambda: what_canvases(images[:n_canvas], seeds, WhatCanvasConfig(),
                                                               textures28), n_canvas)}
    full = where_canvases(images[:n_codes], np.arange(n_codes), cfg, textures128)["fullfield"]
    white = retina.whiten(full).astype(np.float32)
    flat = white.reshape(n_codes, -1)
    vector = retina.vector
    out["whiten_per_s"] = _rate(lambda: retina.whiten(full), n_codes, 3)
    out["codes_matmul_per_s"] = _rate(lambda: flat @ vector.T, n_codes, 3)
    out["codes_per_image_matvec_per_s"] = _rate(lambda: [vector @ v for v in flat], n_codes, 3)

    def per_filter():
        for v in flat[:n_loop]:
            np.array([np.dot(f, v) for f in vector])
    out["codes_per_filter_loop_per_s"] = _rate(per_filter, n_loop, 2)
    out["matmul_vs_matvec"] = out["codes_matmul_per_s"] / out["codes_per_image_matvec_per_s"]
    out["matmul_vs_per_filter_loop"] = out["codes_matmul_per_s"] / out["codes_per_filter_loop_per_s"]
    out["bank_shape"] = list(vector.shape)
    out["bank_MB_float32"] = vector.nbytes / 2 ** 20
    out["bank_MB_float64_original"] = vector.size * 8 / 2 ** 20
    np.testing.assert_allclose(flat[:3] @ vector.T, np.stack([vector @ v for v in flat[:3]]), rtol=1e-4, atol=1e-3)
    return out


def transformer_profile(model_name="stn", batch=32, repeat=5, seed=0):
    """ms per image of one training step (forward, backward, SGD update) of a 128-pixel transformer
    and, measured the same way, of its parts alone: the localisation network (canvas -> theta), the
    grid sampler (forward + gradient in theta, at the model's glimpse size) and the classifier (a
    LeNet of the model's shapes on glimpses).  The steps run in turn, ``repeat`` rounds, best of each."""
    import keras
    import tensorflow as tf
    from whatwhere.models import _lenet, build_model
    from whatwhere.sampler import affine_grid, grid_sample
    if model_name not in ("stn", "atn"):
        raise ValueError(f"model_name={model_name!r} is not profiled; allowed: stn, atn")
    rng = np.random.RandomState(seed)
    x = tf.constant(rng.rand(batch, 128, 128, 1).astype(np.float32))
    y = tf.constant(rng.randint(0, 10, batch))
    model = build_model(model_name)
    size = model.get_layer("transformer").output.shape[1]
    glimpse = keras.Input((size, size, 1))
    classifier = keras.Model(glimpse, _lenet(glimpse, **({"conv2": 100, "fc1": 128} if model_name == "stn" else {})))
    localisation = keras.Model(model.inputs, model.get_layer("fc_loc_2").output)
    theta = tf.Variable(np.tile(np.array([[.9, .05, .02], [-.03, .8, .01]], np.float32), (batch, 1, 1)))
    loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)

    def training_step(net, inputs):
        optimizer = keras.optimizers.SGD(0.01)

        @tf.function
        def step():
            with tf.GradientTape() as tape:
                value = loss(y, net(inputs, training=True))
            grads = tape.gradient(value, net.trainable_weights)
            optimizer.apply_gradients(zip(grads, net.trainable_weights))
        return step

    @tf.function
    def localisation_step():
        with tf.GradientTape() as tape:
            value = tf.reduce_sum(localisation(x, training=True) ** 2)
        return tape.gradient(value, localisation.trainable_weights)

    @tf.function
    def sampler_step():
        with tf.GradientTape() as tape:
            value = tf.reduce_sum(grid_sample(x, affine_grid(theta, size, size)) ** 2)
        return tape.gradient(value, theta)

    steps = {"train_step": training_step(model, x), "localisation": localisation_step, "sampler": sampler_step,
             "classifier": training_step(classifier, x[:, :size, :size])}
    best = {name: np.inf for name in steps}
    for step in steps.values():
        step()  # traces
    for _ in range(repeat):
        for name, step in steps.items():
            t = time.perf_counter()
            step()
            best[name] = min(best[name], time.perf_counter() - t)
    return {"model": model_name, "batch": batch, **{f"{name}_ms_per_image": best[name] / batch * 1000
                                                     for name in steps}}
