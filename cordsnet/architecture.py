"""The wiring of CordsNet-R2..R8 as data: widths, strides, skip connections and area sizes.

Area ``j`` (0-based) receives a drive built from lower areas' rates (see :func:`area_inputs`),
convolves it with ``area_area[j]`` (3x3, stride ``STRIDES[j]``) and has its own recurrent
``area_conv[j]`` (3x3, stride 1). The stem (7x7/2 conv + 3x3/2 average pool) feeds area 0 and,
through ``inp_skip``, area 1. Odd areas above 1 also get a 1x1/2 ``skip_area`` projection of
the area two below. Everything here is plain Python (no TensorFlow).
"""
from cordsnet.errors import CordsNetConfigError

DEPTHS = (2, 4, 6, 8)
CHANNELS = (64, 64, 128, 128, 256, 256, 512, 512)
STRIDES = (1, 1, 2, 1, 2, 1, 2, 1)
ALPHA = 0.2
BLANK_STEPS = 100
IMAGE_STEPS = 100


def check_depth(depth):
    """``depth`` as an int; a one-line error unless it is one of :data:`DEPTHS`."""
    if isinstance(depth, bool) or not isinstance(depth, int) or depth not in DEPTHS:
        raise CordsNetConfigError(f"depth={depth!r} is not a CordsNet depth; allowed: {', '.join(map(str, DEPTHS))}")
    return depth


def area_channels(depth, channels=None):
    """The widths of the ``depth`` areas: ``channels`` (one per area, equal within each pair of
    areas, as the skip-free inputs ``relu(r_{2k+1}) + relu(r_{2k})`` need) or the original's."""
    check_depth(depth)
    widths = tuple(CHANNELS[:depth] if channels is None else channels)
    if len(widths) != depth or not all(isinstance(c, int) and not isinstance(c, bool) and c > 0 for c in widths):
        raise CordsNetConfigError(f"channels={channels!r} must be {depth} positive ints, one per area")
    for k in range(0, depth, 2):
        if widths[k] != widths[k + 1]:
            raise CordsNetConfigError(f"channels={list(widths)}: areas {k} and {k + 1} must have the same width "
                                      f"(got {widths[k]} and {widths[k + 1]})")
    return widths


def conv_out(size, kernel, stride, pad):
    """Output length of a zero-padded convolution or pooling (PyTorch's floor rule)."""
    return (size + 2 * pad - kernel) // stride + 1


def stem_size(size):
    """Side of the stem's output: 7x7/2 pad 3 conv, then 3x3/2 pad 1 average pool."""
    return conv_out(conv_out(size, 7, 2, 3), 3, 2, 1)


def area_sizes(depth, height, width):
    """(H, W) of each area for an image of ``height`` x ``width`` (224 gives 56 56 28 28 14 14 7 7).

    Raises a one-line error when the image is too small for ``depth``: every stride-2 stage must
    receive at least 2 pixels, so that it really halves the map.
    """
    check_depth(depth)
    halvings = 2 + sum(1 for s in STRIDES[:depth] if s == 2)
    minimum = 2 ** (halvings - 1) + 1
    if min(height, width) < minimum:
        raise CordsNetConfigError(f"image size {height}x{width} is too small for depth {depth}: it needs at least "
                                  f"{minimum} pixels a side ({halvings} stride-2 stages)")
    h, w = stem_size(height), stem_size(width)
    sizes = []
    for j in range(depth):
        h, w = conv_out(h, 3, STRIDES[j], 1), conv_out(w, 3, STRIDES[j], 1)
        sizes.append((h, w))
    return sizes


def skip_index(area):
    """Index ``k`` of the ``skip_area`` conv feeding ``area`` (3 -> 0, 5 -> 1, 7 -> 2), or None."""
    return (area - 3) // 2 if area >= 3 and area % 2 == 1 else None


def n_skips(depth):
    """Number of ``skip_area`` convs of a depth-``depth`` CordsNet (the original's blockdepth)."""
    return depth // 2 - 1
