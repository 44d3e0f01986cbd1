"""SLIP's Fourier-domain conventions: the frequency grid, the retina envelope, the whitening filter.

Frequencies follow SLIP's ``fourier_grid`` (``fftshift``-ed, rows first, cycles per pixel); the
zero frequency sits at index ``(N + 1) // 2`` of each axis, where the radius is set to 1e-6 to keep
divisions finite.  Filters are applied as SLIP's ``FTfilter``: ``ifft2(ifftshift(fftshift(fft2(x)) K))``.
"""
import numpy as np

#: SLIP / LogGabor parameters of the original (``pe`` in WhereIsMyMNIST's display.py).
WHITE_F_0 = 0.4
WHITE_ALPHA = 1.4
WHITE_STEEPNESS = 4.0
RETINA_DF = 0.07
RETINA_SIGMA = 0.5


def fourier_grid(n_x, n_y=None):
    """(f_x, f_y): the centred frequency of every Fourier coefficient, rows then columns."""
    n_y = n_x if n_y is None else n_y
    f_x, f_y = np.mgrid[(-n_x // 2):(n_x + 1) // 2, (-n_y // 2):(n_y + 1) // 2]
    return f_x / n_x, f_y / n_y


def frequency_radius(n_x, n_y=None):
    """Radial frequency |f| on the grid, with the zero frequency replaced by 1e-6."""
    n_y = n_x if n_y is None else n_y
    f_x, f_y = fourier_grid(n_x, n_y)
    r2 = f_x ** 2 + f_y ** 2
    r2[(n_x + 1) // 2, (n_y + 1) // 2] = 1e-12
    return np.sqrt(r2)


def frequency_angle(n_x, n_y=None):
    """Angle of every frequency, ``arctan2(f_y, f_x)``."""
    f_x, f_y = fourier_grid(n_x, n_y)
    return np.arctan2(f_y, f_x)


def retina_envelope(n_x, n_y=None, df=RETINA_DF, sigma=RETINA_SIGMA):
    """SLIP's ``retina()`` pre-processing envelope: a soft cut below Nyquist times a high-pass."""
    f = frequency_radius(n_x, n_y)
    env = (1 - np.exp((f - .5) / (.5 * df))) * (f < .5)
    return env * (1 - np.exp(-.5 * f ** 2 / (sigma / n_x) ** 2))


def whitening_filter(N_pic, f_0=WHITE_F_0, alpha=WHITE_ALPHA, steepness=WHITE_STEEPNESS):
    """The (N_pic, N_pic) Fourier-domain whitening filter of the original (``whitening_filt``).

    SLIP's Olshausen whitening: the inverse square root of a 1/f**(2 alpha) power spectrum (both
    normalised to mean 1), times the low pass ``exp(-(f/f_0)**steepness)``, normalised to mean 1.
    """
    if int(N_pic) != N_pic or N_pic < 2:
        raise ValueError(f"N_pic={N_pic!r} must be an integer >= 2")
    f = frequency_radius(int(N_pic))
    power = f ** (-2 * alpha)
    power /= power.mean()
    kernel = power ** -.5 * np.exp(-(f / f_0) ** steepness)
    return kernel / kernel.mean()


def ft_filter(images, kernel):
    """Filters images (..., N, N) by a centred Fourier-domain kernel (N, N); real part."""
    spectrum = np.fft.fftshift(np.fft.fft2(images), axes=(-2, -1)) * kernel
    return np.fft.ifft2(np.fft.ifftshift(spectrum, axes=(-2, -1))).real
