"""CordsNet: a convolutional RNN run as a continuous-time dynamical system (Soo et al., 2024).

Each area ``j`` holds rates ``r_j`` (NHWC) obeying ``T dr/dt = -r + phi(W_rec r + b + W_inp h)``,
integrated by forward Euler with ``alpha = dt / tau``::

    r_j <- (1 - alpha) r_j + alpha * phi(area_conv_j(r_j) + conv_bias_j + area_area_j(input_j))

The original updates areas ``depth-1 .. 0`` in turn within a step; as each area reads only
itself and lower areas, which that order has not updated yet, every area reads the previous
step's rates, and this module updates all areas at once from them (the same numbers). ``phi``
is ReLU (``negative_slope`` 0), the identity (1, the linear stage) or a fixed-slope PReLU.

Timeline of one forward pass: rates start at 0; ``blank_steps`` steps with a blank (zero)
image settle the spontaneous activity (no gradient); ``image_steps`` steps with the image; the
readout ``out_fc(mean_hw(relu(r_last) + relu(r_second_last)))`` is read at the last step (or at
each of the last ``readout_steps``). A zero image drives nothing (the stem has no bias), so the
spontaneous state is the same for every image: it is computed once on a batch of one and
broadcast, and :meth:`CordsNet.spontaneous_state` caches it per set of weights. The stem is
computed once per image, not per area and step as in the original.
"""
import numpy as np

import keras
from keras import ops

import tensorflow as tf

from cordsnet import architecture as arch
from cordsnet.errors import CordsNetConfigError
from cordsnet.layers import PACKAGE, WeightNormConv2D, WeightNormDense, avg_pool_3x3_s2


def _check_steps(name, value, minimum=0):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise CordsNetConfigError(f"{name}={value!r} must be an int >= {minimum}")
    return int(value)


@keras.saving.register_keras_serializable(package=PACKAGE)
class CordsNet(keras.Model):
    """CordsNet-R``depth`` (depth 2, 4, 6 or 8), for images of any size (NHWC, normalised).

    Args:
        depth: number of recurrent areas (2, 4, 6, 8).
        n_classes: readout units.
        channels: width of each area (``depth`` ints, equal within pairs); default the
            original's 64 64 128 128 256 256 512 512. The stem has the width of area 0.
        alpha: Euler step over time constant, dt / tau (0.2: 2 ms steps, 10 ms tau).
        blank_steps: steps with a blank image before the image (spontaneous activity).
        image_steps: steps with the image.
        readout_steps: the readout is returned for the last ``readout_steps`` image steps
            (shape (batch, readout_steps, n_classes)); 1 returns (batch, n_classes).
        after_steps: blank steps after the image, run in training when
            ``spontaneous_weight`` > 0 for the return-to-spontaneous-activity penalty.
        penalty_steps: the last steps of ``after_steps`` the penalty averages over.
        spontaneous_weight: weight of that penalty (mean squared distance of every area's
            rates from the spontaneous state, per area and step), added with ``add_loss``.
        negative_slope: fixed slope of ``phi`` for negative inputs (0 ReLU, 1 linear); a
            non-trainable weight, so a schedule can change it between epochs.
    """

    TORCH_ORDER = ("prelu", "inp_conv", "inp_skip", "area_conv", "conv_bias", "area_area", "skip_area", "out_fc")

    def __init__(self, depth=8, n_classes=1000, channels=None, alpha=arch.ALPHA, blank_steps=arch.BLANK_STEPS,
                 image_steps=arch.IMAGE_STEPS, readout_steps=1, after_steps=0, penalty_steps=10,
                 spontaneous_weight=0.0, negative_slope=0.0, **kwargs):
        super().__init__(**kwargs)
        self.depth = arch.check_depth(depth)
        self.channels = arch.area_channels(depth, channels)
        self.n_classes = _check_steps("n_classes", n_classes, 1)
        self.alpha = float(alpha)
        if not 0.0 < self.alpha <= 1.0:
            raise CordsNetConfigError(f"alpha={alpha!r} must be in (0, 1] (dt / tau)")
        self.blank_steps = _check_steps("blank_steps", blank_steps)
        self.image_steps = _check_steps("image_steps", image_steps, 1)
        self.readout_steps = _check_steps("readout_steps", readout_steps, 1)
        if self.readout_steps > self.image_steps:
            raise CordsNetConfigError(f"readout_steps={readout_steps} exceeds image_steps={image_steps}")
        self.after_steps = _check_steps("after_steps", after_steps)
        self.penalty_steps = _check_steps("penalty_steps", penalty_steps, 1)
        if self.after_steps and self.penalty_steps > self.after_steps:
            raise CordsNetConfigError(f"penalty_steps={penalty_steps} exceeds after_steps={after_steps}")
        self.spontaneous_weight = float(spontaneous_weight)
        self.negative_slope = float(negative_slope)
        if not 0.0 <= self.negative_slope <= 1.0:
            raise CordsNetConfigError(f"negative_slope={negative_slope!r} must be in [0, 1] (0 ReLU, 1 linear)")
        c = self.channels
        self.inp_conv = WeightNormConv2D(c[0], 7, 2, 3, name="inp_conv")
        self.inp_skip = WeightNormConv2D(c[0], 3, 1, 1, name="inp_skip")
        self.area_conv = [WeightNormConv2D(c[j], 3, 1, 1, name=f"area_conv_{j}") for j in range(depth)]
        self.area_area = [WeightNormConv2D(c[j], 3, arch.STRIDES[j], 1, name=f"area_area_{j}") for j in range(depth)]
        self.skip_area = [WeightNormConv2D(c[2 * k + 3], 1, 2, 0, name=f"skip_area_{k}")
                          for k in range(arch.n_skips(depth))]
        self.out_fc = WeightNormDense(self.n_classes, name="out_fc")
        self._spontaneous_cache = None

    # ----------------------------------------------------------------------------- building
    def build(self, input_shape):
        _, height, width, in_channels = input_shape
        if height is None or width is None or in_channels is None:
            raise CordsNetConfigError(f"CordsNet needs a fixed image size (its biases are per neuron); got {input_shape}")
        self.sizes = arch.area_sizes(self.depth, int(height), int(width))
        self.image_shape = (int(height), int(width), int(in_channels))
        c = self.channels
        stem = (arch.stem_size(int(height)), arch.stem_size(int(width)))
        self.inp_conv.build((None, height, width, in_channels))
        self.inp_skip.build((None, *stem, c[0]))
        for j in range(self.depth):
            self.area_conv[j].build((None, *self.sizes[j], c[j]))
            self.area_area[j].build((None, *(stem if j == 0 else self.sizes[j - 1]), c[max(j - 1, 0)]))
        for k, layer in enumerate(self.skip_area):
            layer.build((None, *self.sizes[2 * k + 1], c[2 * k + 1]))
        self.out_fc.build((None, c[-1]))
        self.conv_bias = [self.add_weight(name=f"conv_bias_{j}", shape=(*self.sizes[j], c[j]), initializer="zeros")
                          for j in range(self.depth)]
        self.prelu = self.add_weight(name="prelu", shape=(), trainable=False,
                                     initializer=keras.initializers.Constant(self.negative_slope))
        self.built = True

    def set_negative_slope(self, value):
        """Sets the fixed slope of ``phi`` below zero, in [0, 1] (the anneal schedule of stage 4);
        phi(x) = max(x, slope * x)."""
        if not 0.0 <= float(value) <= 1.0:
            raise CordsNetConfigError(f"negative slope {value!r} must be in [0, 1]")
        self.prelu.assign(float(value))

    def state_shapes(self):
        """(H, W, C) of every area's rates."""
        return [(*hw, c) for hw, c in zip(self.sizes, self.channels)]

    # ----------------------------------------------------------------------------- one step
    def _kernels(self):
        """Every effective (weight-normalised) kernel and every other weight the time steps
        use, read once per forward pass and handed to the loops (see :meth:`_run`)."""
        return {"area_conv": [l.kernel() for l in self.area_conv], "area_area": [l.kernel() for l in self.area_area],
                "skip_area": [l.kernel() for l in self.skip_area], "out_fc": self.out_fc.kernel(),
                "out_bias": ops.convert_to_tensor(self.out_fc.bias),
                "conv_bias": [ops.convert_to_tensor(b) for b in self.conv_bias],
                "prelu": ops.convert_to_tensor(self.prelu)}

    def stem(self, images):
        """The stem's output (7x7/2 conv, 3x3/2 average pool), constant over time."""
        return avg_pool_3x3_s2(self.inp_conv(images))

    def _drives(self, images, kernels):
        """The constant feedforward terms of one image: area 0's whole drive, and the stem's
        ``inp_skip`` term that area 1 adds to relu(r_0)."""
        stem = self.stem(images)
        return self.area_area[0].convolve(stem, kernels["area_area"][0]), self.inp_skip(stem)

    def pre_activations(self, states, drive0, skip_in, kernels):
        """``area_conv_j(r_j) + conv_bias_j + area_area_j(input_j)`` of every area from the
        previous step's rates. ``drive0``/``skip_in`` are None in a blank period (a zero image
        gives zero stem terms)."""
        rates = [ops.relu(r) for r in states]
        out = []
        for j, r in enumerate(states):
            ff = self.area_area[j]
            kernel = kernels["area_area"][j]
            if j == 0:
                drive = drive0
            elif j == 1:
                drive = ff.convolve(rates[0] if skip_in is None else rates[0] + skip_in, kernel)
            elif arch.skip_index(j) is None:
                drive = ff.convolve(rates[j - 1] + rates[j - 2], kernel)
            else:
                k = arch.skip_index(j)
                skip = self.skip_area[k].convolve(rates[j - 2], kernels["skip_area"][k])
                drive = ff.convolve(rates[j - 1] + skip, kernel)
            pre = self.area_conv[j].convolve(r, kernels["area_conv"][j]) + kernels["conv_bias"][j]
            out.append(pre if drive is None else pre + drive)
        return out

    def _step(self, states, drive0, skip_in, kernels, alpha):
        """One Euler step of every area."""
        pres = self.pre_activations(states, drive0, skip_in, kernels)
        slope = kernels["prelu"]
        return [(1.0 - alpha) * r + alpha * ops.maximum(p, slope * p) for r, p in zip(states, pres)]

    def readout(self, states, kernels=None):
        """Logits from the last two areas: out_fc(mean_hw(relu(r_last) + relu(r_second_last)))."""
        kernels = self._kernels() if kernels is None else kernels
        pooled = ops.mean(ops.relu(states[-1]) + ops.relu(states[-2]), axis=(1, 2))
        return ops.matmul(pooled, kernels["out_fc"]) + kernels["out_bias"]

    def _run(self, states, steps, drive0, skip_in, kernels, alpha, emit=None, initial=None):
        """``steps`` Euler steps in one ``tf.while_loop``: ``(states, accumulated)``, where
        ``emit(t, accumulated, states, kernels)`` (optional) folds each step's new states into
        ``accumulated`` (a TensorArray of readouts, a running penalty). The kernels and drives
        travel as loop variables rather than captures: TensorFlow's gradient of a loop that
        captures tensors fails intermittently (``AddN ... Input 0: [0] != input 1``)."""
        if steps == 0:
            return list(states), initial
        structure = {"kernels": kernels, "drive0": drive0, "skip_in": skip_in}
        constants = tf.nest.flatten(structure)
        present = [i for i, c in enumerate(constants) if c is not None]  # no drives in a blank period
        n = len(states)

        def body(t, accumulated, carried, *s):
            flat = [None] * len(constants)
            for i, c in zip(present, carried):
                flat[i] = c
            c = tf.nest.pack_sequence_as(structure, flat)
            s = self._step(list(s), c["drive0"], c["skip_in"], c["kernels"], alpha)
            if emit is not None:
                accumulated = emit(t, accumulated, s, c["kernels"])
            return (t + 1, accumulated, carried, *s)

        initial = ops.zeros(()) if initial is None else initial
        carried = [constants[i] for i in present]
        out = tf.while_loop(lambda t, *_: t < steps, body, (tf.constant(0), initial, carried, *states))
        return list(out[3:3 + n]), out[1]

    def zero_states(self, batch):
        return [ops.zeros((batch, *shape)) for shape in self.state_shapes()]

    # ----------------------------------------------------------------------------- timelines
    def blank_states(self, steps=None, alpha=None, kernels=None):
        """The rates after ``steps`` (default ``blank_steps``) blank steps from 0, batch of one,
        without gradient."""
        kernels = self._kernels() if kernels is None else kernels
        steps = self.blank_steps if steps is None else steps
        out, _ = self._run(self.zero_states(1), steps, None, None, kernels, self.alpha if alpha is None else alpha)
        return [ops.stop_gradient(s) for s in out]

    def _fingerprint(self):
        return tuple(float(ops.convert_to_numpy(ops.sum(w))) for w in self.weights) + (self.blank_steps, self.alpha)

    def spontaneous_state(self, refresh=False):
        """The spontaneous rates (after the blank period; batch of one), cached per set of
        weights: recomputed when any weight (or ``blank_steps``/``alpha``) changed since."""
        fingerprint = self._fingerprint()
        if refresh or self._spontaneous_cache is None or self._spontaneous_cache[0] != fingerprint:
            states = [ops.convert_to_tensor(s) for s in _blank_fn(self)()]
            self._spontaneous_cache = (fingerprint, states)
        return self._spontaneous_cache[1]

    @tf.autograph.experimental.do_not_convert
    def simulate(self, images, spontaneous=None, training=False):
        """The forward pass: ``(logits, final_states, penalty)``. ``logits`` is (B, R, K) for the
        last R = ``readout_steps`` image steps; ``penalty`` is the return-to-spontaneous term
        (0 unless training with ``after_steps`` and ``spontaneous_weight``). ``spontaneous``:
        precomputed spontaneous rates (batch of one), e.g. :meth:`spontaneous_state`."""
        images = ops.convert_to_tensor(images)
        kernels = self._kernels()
        batch = ops.shape(images)[0]
        base = self.blank_states(kernels=kernels) if spontaneous is None else [ops.stop_gradient(s) for s in spontaneous]
        states = [ops.broadcast_to(s, (batch, *shape)) for s, shape in zip(base, self.state_shapes())]
        drive0, skip_in = self._drives(images, kernels)
        states, _ = self._run(states, self.image_steps - self.readout_steps, drive0, skip_in, kernels, self.alpha)
        states, logits = self._run(states, self.readout_steps, drive0, skip_in, kernels, self.alpha,
                                   emit=lambda t, out, s, k: out.write(t, self.readout(s, k)),
                                   initial=tf.TensorArray(states[0].dtype, size=self.readout_steps))
        logits = ops.transpose(logits.stack(), (1, 0, 2))
        penalty = ops.zeros(())
        if training and self.after_steps and self.spontaneous_weight:
            penalty = self._after_penalty(states, base, kernels)
        return logits, states, penalty

    def _after_penalty(self, states, base, kernels):
        states, _ = self._run(states, self.after_steps - self.penalty_steps, None, None, kernels, self.alpha)
        scale = 1.0 / (self.depth * self.penalty_steps)

        def emit(t, total, s, k):
            return total + scale * sum(ops.mean(ops.square(r - b)) for r, b in zip(s, base))

        return self._run(states, self.penalty_steps, None, None, kernels, self.alpha, emit=emit)[1]

    @tf.autograph.experimental.do_not_convert
    def call(self, images, training=None):
        logits, _, penalty = self.simulate(images, training=bool(training))
        if training and self.after_steps and self.spontaneous_weight:
            self.add_loss(self.spontaneous_weight * penalty)
        return logits[:, -1] if self.readout_steps == 1 else logits

    def compute_output_shape(self, input_shape):
        if self.readout_steps == 1:
            return (input_shape[0], self.n_classes)
        return (input_shape[0], self.readout_steps, self.n_classes)

    # ----------------------------------------------------------------------------- recording
    def iter_record(self, images, layers=None, steps=None, blank_steps=None, image_steps=None, after_steps=0,
                    alpha=None):
        """Streams the rates of ``layers`` (area indices; default the last two) over the
        timeline blank -> image -> blank (``after_steps``): yields ``(t, {layer: (B, H, W, C)
        NumPy array})`` after step ``t`` (0-based over the whole timeline) for every ``t`` in
        ``steps`` (default all), so that long recordings need not be held in memory."""
        images = ops.convert_to_tensor(images, "float32")
        if not self.built:
            self.build(images.shape)
        layers = self._check_layers(layers)
        blank = self.blank_steps if blank_steps is None else _check_steps("blank_steps", blank_steps)
        shown = self.image_steps if image_steps is None else _check_steps("image_steps", image_steps)
        after = _check_steps("after_steps", after_steps)
        total = blank + shown + after
        wanted = sorted(set(range(total) if steps is None else (int(t) for t in steps)))
        if wanted and not 0 <= wanted[0] <= wanted[-1] < total:
            raise CordsNetConfigError(f"steps must lie in 0..{total - 1} (the timeline of {total} steps); "
                                      f"got {wanted[0]}..{wanted[-1]}")
        alpha = self.alpha if alpha is None else float(alpha)
        batch = int(images.shape[0])
        step, drives = _step_fn(self), _drives_fn(self)
        drive0, skip_in = drives(images)
        states = self.zero_states(1)
        wanted_set = set(wanted)
        for t in range(wanted[-1] + 1 if wanted else 0):
            if t == blank:
                states = [ops.broadcast_to(s, (batch, *ops.shape(s)[1:])) for s in states]
            in_image = blank <= t < blank + shown
            states = step(states, drive0 if in_image else None, skip_in if in_image else None, alpha)
            if t in wanted_set:
                yield t, {j: np.broadcast_to(ops.convert_to_numpy(states[j]), (batch, *self.state_shapes()[j]))
                          for j in layers}

    def record(self, images, layers=None, steps=None, **timeline):
        """The rates of ``layers`` at ``steps`` as ``{layer: array (len(steps), B, H, W, C)}``
        (NHWC; the original returns (T, B, C, H, W)). Timeline arguments as :meth:`iter_record`.
        Memory is len(steps) x B x H x W x C x 4 bytes per layer: choose steps and layers, or
        stream with :meth:`iter_record`."""
        frames = {}
        for _, states in self.iter_record(images, layers, steps, **timeline):
            for j, value in states.items():
                frames.setdefault(j, []).append(np.array(value))
        return {j: np.stack(v) for j, v in frames.items()}

    def _check_layers(self, layers):
        layers = (self.depth - 2, self.depth - 1) if layers is None else tuple(layers)
        bad = [j for j in layers if not isinstance(j, (int, np.integer)) or not 0 <= j < self.depth]
        if bad or not layers:
            raise CordsNetConfigError(f"layers={list(layers)} must be area indices in 0..{self.depth - 1}")
        return tuple(int(j) for j in layers)

    def get_config(self):
        return {**super().get_config(), "depth": self.depth, "n_classes": self.n_classes,
                "channels": list(self.channels), "alpha": self.alpha, "blank_steps": self.blank_steps,
                "image_steps": self.image_steps, "readout_steps": self.readout_steps,
                "after_steps": self.after_steps, "penalty_steps": self.penalty_steps,
                "spontaneous_weight": self.spontaneous_weight, "negative_slope": self.negative_slope}


def _cached_fn(model, key, make):
    cache = model.__dict__.setdefault("_compiled_fns", {})
    if key not in cache:
        cache[key] = make()
    return cache[key]


def _blank_fn(model):
    def blank():
        return model.blank_states()

    return _cached_fn(model, "blank", lambda: tf.function(blank))


def _step_fn(model):
    def step(states, drive0, skip_in, alpha):
        return model._step(states, drive0, skip_in, model._kernels(), alpha)

    return _cached_fn(model, "step", lambda: tf.function(step, reduce_retracing=True))


def _drives_fn(model):
    def drives(images):
        return model._drives(images, model._kernels())

    return _cached_fn(model, "drives", lambda: tf.function(drives))
