"""RS-RNN and its controls as Keras models with per-step outputs.

Every model maps images (B, m, m, C) with pixels in [0, 1] to per-step logits (B, T, classes)
(normalisation is inside the model, as the attack set-up wants) and trains with ``fit`` through
its own ``train_step``: cross-entropy at every step plus, for models that move their eyes, the
REINFORCE term for the fixations with a learned baseline.

- ``rsrnn``: retina at l_t -> encoder 1 -> RS-RNN conv GRU -> encoder 2 -> classifier p_t;
  attention (saliency of the GRU and encoder-2 maps, IOR, 2-D softmax) gives l_{t+1}.
- ``base_retina``: the same with a 1-D GRU on pooled encoder-2 features (saliency from the
  encoder-1 and encoder-2 maps).
- ``crop``: crop glimpses (no periphery) instead of the retina.
- ``fixed_retina``: the retina at the image centre every step (no attention, no REINFORCE).
- ``cnn``: a feed-forward CNN of matched width on the whole image (one output step).
"""
import keras
from keras import ops

from rsrnn import attention as attn
from rsrnn.cell import RSRNNCell, VectorGRUCell
from rsrnn.errors import RSRNNError
from rsrnn.names import MODEL_NAMES
from rsrnn.sampler import CropSampler, RetinalSampler

SAMPLERS = ("retina", "crop")
RECURRENCES = ("conv_gru", "gru")
VARIANTS = {
    "rsrnn": dict(sampler="retina", recurrence="conv_gru", attention=True),
    "base_retina": dict(sampler="retina", recurrence="gru", attention=True),
    "crop": dict(sampler="crop", recurrence="conv_gru", attention=True),
    "fixed_retina": dict(sampler="retina", recurrence="conv_gru", attention=False),
}


def _encoder(filters, depth, name, first_stride=2):
    layers = [keras.layers.Conv2D(filters, 3, strides=first_stride if i == 0 else 1, padding="same",
                                  activation="relu", name=f"{name}_conv{i + 1}") for i in range(depth)]
    return keras.Sequential(layers, name=name)


class PerStepClassifier(keras.Model):
    """Common training: cross-entropy at every step (+ REINFORCE with a baseline when the model
    returns fixation log-probabilities). Subclasses define ``unroll(images, steps, training)``
    returning a dict with ``logits`` (B, T, classes) and optionally ``log_pi`` and ``baseline``
    (B, T - 1)."""

    def __init__(self, n_classes=10, pixel_mean=0.0, pixel_std=1.0, rl_weight=1.0, **kwargs):
        super().__init__(**kwargs)
        if not float(pixel_std) > 0:
            raise RSRNNError(f"pixel_std={pixel_std!r} must be > 0")
        self.n_classes = int(n_classes)
        self.pixel_mean = float(pixel_mean)
        self.pixel_std = float(pixel_std)
        self.rl_weight = float(rl_weight)
        self.loss_tracker = keras.metrics.Mean(name="loss")
        self.ce_tracker = keras.metrics.Mean(name="cross_entropy")
        self.rl_tracker = keras.metrics.Mean(name="reinforce")
        self.accuracy_tracker = keras.metrics.SparseCategoricalAccuracy(name="accuracy")

    @property
    def metrics(self):
        return [self.loss_tracker, self.ce_tracker, self.rl_tracker, self.accuracy_tracker]

    def normalise(self, images):
        return (ops.cast(images, "float32") - self.pixel_mean) / self.pixel_std

    def call(self, inputs, training=None, steps=None):
        return self.unroll(inputs, steps=steps, training=bool(training))["logits"]

    def build(self, input_shape):
        if len(input_shape) != 4:
            raise RSRNNError(f"images must be (batch, height, width, channels), got shape {tuple(input_shape)}")
        self.unroll(ops.zeros((1,) + tuple(input_shape[1:])), steps=2, training=False)
        self.built = True

    def losses_of(self, out, labels):
        """(total, cross-entropy, REINFORCE) losses of an ``unroll`` output."""
        logits = out["logits"]
        labels = ops.cast(ops.reshape(labels, (-1,)), "int32")
        steps = logits.shape[1]
        per_step = keras.losses.sparse_categorical_crossentropy(
            ops.repeat(labels[:, None], steps, axis=1), logits, from_logits=True)
        ce = ops.mean(per_step)
        if "log_pi" not in out:
            return ce, ce, ops.zeros(())
        reward = ops.cast(ops.equal(ops.cast(ops.argmax(logits[:, -1], axis=-1), "int32"), labels), "float32")
        advantage = ops.stop_gradient(reward[:, None] - out["baseline"])
        reinforce = -ops.mean(out["log_pi"] * advantage) + ops.mean((out["baseline"] - reward[:, None]) ** 2)
        return ce + self.rl_weight * reinforce, ce, reinforce

    def _update_metrics(self, out, labels, losses):
        total, ce, reinforce = losses
        self.loss_tracker.update_state(total)
        self.ce_tracker.update_state(ce)
        self.rl_tracker.update_state(reinforce)
        self.accuracy_tracker.update_state(ops.reshape(labels, (-1,)), out["logits"][:, -1])
        return {m.name: m.result() for m in self.metrics}

    def train_step(self, data):
        import tensorflow as tf

        images, labels = data[0], data[1]
        if not self.built:
            self.build(images.shape)
        with tf.GradientTape() as tape:
            out = self.unroll(images, steps=None, training=True)
            losses = self.losses_of(out, labels)
        grads = tape.gradient(losses[0], self.trainable_variables)
        self.optimizer.apply_gradients(zip(grads, self.trainable_variables))
        return self._update_metrics(out, labels, losses)

    def test_step(self, data):
        images, labels = data[0], data[1]
        if not self.built:
            self.build(images.shape)
        out = self.unroll(images, steps=None, training=False)
        return self._update_metrics(out, labels, self.losses_of(out, labels))

    def get_config(self):
        return {"name": self.name, "n_classes": self.n_classes, "pixel_mean": self.pixel_mean,
                "pixel_std": self.pixel_std, "rl_weight": self.rl_weight}


@keras.saving.register_keras_serializable(package="rsrnn")
class RecurrentAttentionModel(PerStepClassifier):
    """RS-RNN (``sampler="retina", recurrence="conv_gru", attention=True``) and its recurrent controls.

    Args:
        n_classes: classes of the classifier.
        steps: time steps (fixations) per image in training and by default.
        sampler: ``"retina"`` (RetinalSampler) or ``"crop"`` (CropSampler).
        recurrence: ``"conv_gru"`` (the RS-RNN cell) or ``"gru"`` (Base-Retina's 1-D GRU).
        attention: move the fixation with the attention module; False keeps the image centre.
        output_size: side of the glimpse in pixels (the attention map is half of it).
        density_ratio: the retina's area density ratio d.
        blur: the foveal blur before sampling.
        width: channels of encoder 1 and of the recurrent map (encoder 2 has twice as many).
        encoder_depth: convolutions of encoder 1 (the first has stride 2).
        attention_width: channels of the saliency head.
        ior_decay: recovery factor of inhibition of return per step.
        ior_sigma: width of the inhibited region, as a fraction of the image side.
        first_fixation_range: the training's first fixation is uniform in +- this.
        pixel_mean, pixel_std: the normalisation inside the model.
        rl_weight: weight of the REINFORCE term.
        seed: seed of the fixation sampling.
    """

    def __init__(self, n_classes=10, steps=4, sampler="retina", recurrence="conv_gru", attention=True,
                 output_size=32, density_ratio=15.0, blur=True, width=16, encoder_depth=1, attention_width=16,
                 ior_decay=attn.IOR_DECAY, ior_sigma=attn.IOR_SIGMA, first_fixation_range=0.9,
                 pixel_mean=0.0, pixel_std=1.0, rl_weight=1.0, seed=None, **kwargs):
        super().__init__(n_classes=n_classes, pixel_mean=pixel_mean, pixel_std=pixel_std, rl_weight=rl_weight,
                         **kwargs)
        if sampler not in SAMPLERS:
            raise RSRNNError(f"sampler={sampler!r} is unknown; allowed: {', '.join(SAMPLERS)}")
        if recurrence not in RECURRENCES:
            raise RSRNNError(f"recurrence={recurrence!r} is unknown; allowed: {', '.join(RECURRENCES)}")
        for name, value in (("steps", steps), ("width", width), ("encoder_depth", encoder_depth),
                            ("attention_width", attention_width)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise RSRNNError(f"{name}={value!r} must be a positive integer")
        if output_size % 4:
            raise RSRNNError(f"output_size={output_size!r} must be a multiple of 4 (two stride-2 encoders)")
        self.steps, self.sampler_name, self.recurrence = steps, sampler, recurrence
        self.attention, self.output_size, self.density_ratio = bool(attention), int(output_size), float(density_ratio)
        self.blur, self.width, self.encoder_depth = bool(blur), width, encoder_depth
        self.attention_width, self.ior_decay, self.ior_sigma = attention_width, float(ior_decay), float(ior_sigma)
        self.first_fixation_range, self.seed = float(first_fixation_range), seed
        if sampler == "retina":
            self.sampler = RetinalSampler(self.output_size, self.density_ratio, blur=self.blur, name="retina")
        else:
            self.sampler = CropSampler(self.output_size, blur=self.blur, name="crop")
        self.encoder1 = _encoder(width, encoder_depth, "encoder1")
        self.encoder2 = _encoder(2 * width, 1, "encoder2")
        self.cell = RSRNNCell(width, name="rsrnn_cell") if recurrence == "conv_gru" else \
            VectorGRUCell(2 * width, name="gru_cell")
        self.classifier = keras.layers.Dense(n_classes, name="fc")
        if self.attention:
            self.saliency = attn.SaliencyHead(attention_width, name="agent")
            self.baseline = keras.layers.Dense(1, name="baseline")
        self.seed_generator = keras.random.SeedGenerator(seed)

    def _first_fixations(self, batch, training):
        if training and self.attention:
            return keras.random.uniform((batch, 2), -self.first_fixation_range, self.first_fixation_range,
                                        seed=self.seed_generator)
        return ops.zeros((batch, 2))

    def unroll(self, images, steps=None, training=False, return_glimpses=False):
        """Runs ``steps`` (default ``self.steps``) fixations; returns a dict of ``logits`` (B, T, classes),
        ``fixations`` (B, T, 2) and, with attention, ``log_pi`` and ``baseline`` (B, T - 1); with
        ``return_glimpses`` also ``glimpses`` (B, T, n, n, C) and ``saliency`` (B, T - 1, S, S)."""
        steps = self.steps if steps is None else int(steps)
        if steps < 1:
            raise RSRNNError(f"steps={steps!r} must be >= 1")
        x = self.normalise(images)
        image_size = x.shape[1]
        batch = ops.shape(x)[0]
        fix = self._first_fixations(batch, training)
        sigma = self.ior_sigma * image_size
        ior = attn.inhibit(ops.ones((batch, image_size, image_size)), fix, sigma) if self.attention else None
        state = None
        out = {k: [] for k in ("logits", "fixations", "log_pi", "baseline", "glimpses", "saliency")}
        for t in range(steps):
            out["fixations"].append(fix)
            glimpse = self.sampler(x, fix)
            features1 = self.encoder1(glimpse)
            if self.recurrence == "conv_gru":
                state = self.cell.initial_state(features1) if state is None else state
                state = self.cell(features1, state)
                recurrent_map = state
                features2 = self.encoder2(state)
                pooled = ops.mean(features2, axis=(1, 2))
                logits = self.classifier(pooled)
            else:
                features2 = self.encoder2(features1)
                pooled = ops.mean(features2, axis=(1, 2))
                state = self.cell.initial_state(pooled) if state is None else state
                state = self.cell(pooled, state)
                recurrent_map = features1
                logits = self.classifier(state)
                pooled = state
            out["logits"].append(logits)
            if return_glimpses:
                out["glimpses"].append(glimpse)
            if not self.attention or t == steps - 1:
                continue
            saliency = self.saliency(recurrent_map, features2)
            fix, ior, log_pi = attn.next_fixation(saliency, ior, self.sampler, fix, sigma, self.ior_decay,
                                                  sample=training, seed=self.seed_generator)
            out["log_pi"].append(log_pi)
            out["baseline"].append(self.baseline(ops.stop_gradient(pooled))[:, 0])
            if return_glimpses:
                out["saliency"].append(saliency)
        result = {"logits": ops.stack(out["logits"], axis=1), "fixations": ops.stack(out["fixations"], axis=1)}
        if out["log_pi"]:
            result["log_pi"] = ops.stack(out["log_pi"], axis=1)
            result["baseline"] = ops.stack(out["baseline"], axis=1)
        if return_glimpses:
            result["glimpses"] = ops.stack(out["glimpses"], axis=1)
            if out["saliency"]:
                result["saliency"] = ops.stack(out["saliency"], axis=1)
        return result

    def get_config(self):
        return {**super().get_config(), "steps": self.steps, "sampler": self.sampler_name,
                "recurrence": self.recurrence, "attention": self.attention, "output_size": self.output_size,
                "density_ratio": self.density_ratio, "blur": self.blur, "width": self.width,
                "encoder_depth": self.encoder_depth, "attention_width": self.attention_width,
                "ior_decay": self.ior_decay, "ior_sigma": self.ior_sigma,
                "first_fixation_range": self.first_fixation_range, "seed": self.seed}


@keras.saving.register_keras_serializable(package="rsrnn")
class FeedForwardCNN(PerStepClassifier):
    """The feed-forward CNN control on the whole image: encoder 1 and encoder 2 of the recurrent
    models' widths after a stride-2 stem, global pooling, classifier; one output step.

    Args:
        n_classes, width, encoder_depth, pixel_mean, pixel_std: as RecurrentAttentionModel.
    """

    def __init__(self, n_classes=10, width=16, encoder_depth=1, pixel_mean=0.0, pixel_std=1.0, **kwargs):
        kwargs.pop("rl_weight", None)
        super().__init__(n_classes=n_classes, pixel_mean=pixel_mean, pixel_std=pixel_std, **kwargs)
        self.width, self.encoder_depth, self.steps = int(width), int(encoder_depth), 1
        self.stem = _encoder(width, 1, "stem")
        self.encoder1 = _encoder(width, encoder_depth, "encoder1")
        self.encoder2 = _encoder(2 * width, 1, "encoder2")
        self.classifier = keras.layers.Dense(n_classes, name="fc")

    def unroll(self, images, steps=None, training=False, return_glimpses=False):
        """One step: ``logits`` (B, 1, classes) whatever ``steps`` asks."""
        features = self.encoder2(self.encoder1(self.stem(self.normalise(images))))
        return {"logits": self.classifier(ops.mean(features, axis=(1, 2)))[:, None]}

    def get_config(self):
        return {**super().get_config(), "width": self.width, "encoder_depth": self.encoder_depth}


def build_model(name, **kwargs):
    """The model ``name`` (one of MODEL_NAMES) with keyword arguments of its class."""
    if name not in MODEL_NAMES:
        raise RSRNNError(f"--model {name!r} is unknown; allowed: {', '.join(MODEL_NAMES)}")
    if name == "cnn":
        allowed = ("n_classes", "width", "encoder_depth", "pixel_mean", "pixel_std", "name")
        return FeedForwardCNN(**{k: v for k, v in kwargs.items() if k in allowed})
    kwargs.setdefault("name", name)
    return RecurrentAttentionModel(**{**kwargs, **VARIANTS[name]})
