"""Stage 2's model: each area's recurrent weights fitted to the folded CNN's layer.

With the CNN's activities x fixed, area j's feedforward input is u = W_ff(input_j) (the CNN's
wiring of x) and the CNN's pre-activation is ``Wc(u + b_a) + b_c``. A linear area at rest
satisfies r = W r + b + u; three iterations from ``b + u`` give the 4-term Neumann series
``(I + W + W^2 + W^3)(b + u)``, which is fitted to the CNN's pre-activation (mean squared
error), while ``W^3 (b + u)`` is penalised (a small remainder: a contracting W). Only the
recurrent convolutions W and biases b train; W keeps PyTorch's default initialisation and b
starts at zero (they are not copied from the CNN).
"""
import keras
from keras import ops

from cordsnet import architecture as arch
from cordsnet.layers import PACKAGE
from cordsnet.model import CordsNet
from cordsnet.training.cnn import FoldedCNN


@keras.saving.register_keras_serializable(package=PACKAGE)
class InverseModel(keras.Model):
    """``rnn`` (a CordsNet: its area_conv and conv_bias train) and ``target`` (the folded CNN,
    frozen, weights named ``target_*`` as in the original's ``2_inverse_*.pth``). Calling it
    adds the loss ``mean(errors) + eigen_weight * mean(eigens)`` and returns the per-area errors.

    Args:
        depth, n_classes, channels: as :class:`cordsnet.CordsNet`.
        eigen_weight: weight of the ``W^3 (b + u)`` penalty (the original's 10).
    """

    def __init__(self, depth=2, n_classes=10, channels=None, eigen_weight=10.0, **kwargs):
        super().__init__(**kwargs)
        self.depth, self.n_classes, self.eigen_weight = depth, n_classes, float(eigen_weight)
        self.rnn = CordsNet(depth, n_classes, channels, name="rnn")
        self.target = FoldedCNN(depth, n_classes, channels, prefix="target_", name="target")

    def build(self, input_shape):
        self.rnn.build(input_shape)
        self.target.build(input_shape)
        self.target.trainable = False
        for layer in [self.rnn.inp_conv, self.rnn.inp_skip, self.rnn.out_fc, *self.rnn.area_area, *self.rnn.skip_area]:
            layer.trainable = False
        self.built = True

    def call(self, images, training=None):
        t, rnn = self.target, self.rnn
        fixed = t.activities(images)
        stem = t.stem(images)
        inputs = [stem, fixed[0] + rnn.inp_skip(stem)]
        for j in range(2, self.depth):
            k = arch.skip_index(j)
            inputs.append(fixed[j - 1] + (fixed[j - 2] if k is None else rnn.skip_area[k](fixed[j - 2])))
        errors, eigens = [], []
        for j in range(self.depth):
            u = t.area_area[j](inputs[j])
            target = t.area_conv[j](u) + t.area_conv[j](t.area_bias[j][None]) + t.conv_bias[j]
            b, w = rnn.conv_bias[j], rnn.area_conv[j]
            steady = remainder = b + u
            for _ in range(3):
                steady = w(steady) + b + u
                remainder = w(remainder)
            errors.append(ops.mean(ops.square(target - steady)))
            eigens.append(ops.mean(ops.square(remainder)))
        errors, eigens = ops.stack(errors), ops.stack(eigens)
        self.add_loss(ops.mean(errors) + self.eigen_weight * ops.mean(eigens))
        return ops.broadcast_to(errors[None], (ops.shape(images)[0], self.depth))

    def get_config(self):
        return {**super().get_config(), "depth": self.depth, "n_classes": self.n_classes,
                "channels": list(self.rnn.channels), "eigen_weight": self.eigen_weight}
