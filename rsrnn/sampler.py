"""Keras layers that take a glimpse of a batch of images at given fixations.

``RetinalSampler``: the foveal blur, then the retinal warp (``rsrnn.retina``). ``CropSampler``:
the Crop control, an n x n window at image resolution (no periphery), same blur and sampling.
Both are called as ``sampler(images, fixations)`` on channels-last images and (B, 2) fixations in
[-1, 1], and map retinal coordinates to image coordinates with ``to_image`` (used to turn an
attention-map cell into the next fixation).
"""
import keras

from rsrnn import retina
from rsrnn.errors import RSRNNError, check_fixations_in_range


class _Sampler(keras.layers.Layer):
    """Common part: arguments, the blur and the shape check."""

    def __init__(self, output_size, blur=True, blur_sigmas=retina.FOVEA_SIGMAS, blur_radii=retina.FOVEA_RADII,
                 blur_kernel_size=retina.BLUR_KERNEL_SIZE, **kwargs):
        super().__init__(**kwargs)
        if isinstance(output_size, bool) or not isinstance(output_size, int) or output_size < 2:
            raise RSRNNError(f"output_size={output_size!r} must be an integer >= 2 (pixels)")
        if len(blur_sigmas) != len(blur_radii) or not blur_sigmas:
            raise RSRNNError(f"blur_sigmas {tuple(blur_sigmas)} and blur_radii {tuple(blur_radii)} must be non-empty "
                             "and of the same length")
        if blur_kernel_size < 1 or blur_kernel_size % 2 == 0:
            raise RSRNNError(f"blur_kernel_size={blur_kernel_size!r} must be a positive odd integer")
        self.output_size = output_size
        self.blur = bool(blur)
        self.blur_sigmas = tuple(float(s) for s in blur_sigmas)
        self.blur_radii = tuple(float(r) for r in blur_radii)
        self.blur_kernel_size = int(blur_kernel_size)

    def _image_size(self, shape):
        height, width = shape[1], shape[2]
        if height is None or width is None:
            raise RSRNNError("the sampler needs images of known height and width")
        if height != width:
            raise RSRNNError(f"images must be square (got {height} x {width}); pad them to a square first")
        if height < self.output_size:
            raise RSRNNError(f"the image ({height} px) is smaller than the retina's output ({self.output_size} px); "
                             "use output_size <= image size")
        return height

    def call(self, images, fixations):
        if _is_concrete(fixations):
            check_fixations_in_range(fixations)
        image_size = self._image_size(images.shape)
        x = images
        if self.blur:
            x = retina.foveal_blur(x, fixations, self.blur_sigmas, self.blur_radii, self.blur_kernel_size)
        grid = self.to_image(fixations, retina.regular_grid(self.output_size)[None], image_size)
        return retina.bilinear_sample(x, grid)

    def compute_output_shape(self, images_shape, fixations_shape=None):
        return (images_shape[0], self.output_size, self.output_size, images_shape[-1])

    def get_config(self):
        config = super().get_config()
        config.update(output_size=self.output_size, blur=self.blur, blur_sigmas=self.blur_sigmas,
                      blur_radii=self.blur_radii, blur_kernel_size=self.blur_kernel_size)
        return config


def _per_image(coords, fixations):
    """``coords`` (1 or B, ..., 2) broadcast to the batch of ``fixations``."""
    from keras import ops

    coords = ops.convert_to_tensor(coords, dtype="float32")
    batch = ops.shape(ops.convert_to_tensor(fixations))[0]
    return ops.broadcast_to(coords, (batch,) + tuple(coords.shape[1:]))


def _is_concrete(value):
    import tensorflow as tf

    return not isinstance(value, tf.Tensor) or tf.executing_eagerly()


@keras.saving.register_keras_serializable(package="rsrnn")
class RetinalSampler(_Sampler):
    """Retinal images (B, n, n, C) of ``images`` (B, m, m, C) at ``fixations`` (B, 2).

    Args:
        output_size: n, the retina's side in pixels (<= m).
        density_ratio: d > 1, the area density ratio between fovea and periphery (the original's
            ventral stream uses 15).
        blur: whether the foveal blur precedes the warp.
        blur_sigmas: the blur's Gaussian sigmas in pixels.
        blur_radii: widths of its blend masks as fractions of the image side.
        blur_kernel_size: side of the blur kernels (odd).
    """

    def __init__(self, output_size, density_ratio=15.0, **kwargs):
        super().__init__(output_size, **kwargs)
        retina.warp_constants(self.output_size, self.output_size, density_ratio)
        self.density_ratio = float(density_ratio)

    def to_image(self, fixations, coords, image_size):
        """Image coordinates of retinal coordinates ``coords`` (B, ..., 2) (broadcast over B)."""
        return retina.retina_to_image(fixations, _per_image(coords, fixations), image_size, self.output_size,
                                      self.density_ratio)

    def get_config(self):
        return {**super().get_config(), "density_ratio": self.density_ratio}


@keras.saving.register_keras_serializable(package="rsrnn")
class CropSampler(_Sampler):
    """Crop glimpses (B, n, n, C): the n x n window of ``images`` at full resolution around each
    fixation (zero outside the image). Arguments as :class:`RetinalSampler` without the warp."""

    def to_image(self, fixations, coords, image_size):
        """Image coordinates of window coordinates ``coords`` (B, ..., 2) (broadcast over B)."""
        return retina.crop_to_image(fixations, _per_image(coords, fixations), image_size, self.output_size)
