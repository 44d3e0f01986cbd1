"""Drifting sinusoidal gratings, and the sensor movies a DRC student sees of them.

A grating movie on an N x N image (x the column, y the row, in pixels; t the time step)::

    I_t(x, y) = mean + amplitude * cos(2 pi f (x cos d + y sin d) / N - 2 pi w t + p)

f: spatial frequency in cycles per image; w: temporal frequency in cycles per step (the phase
advance per step, so the bars move along the direction d, measured from the column axis towards
increasing rows); p: the starting phase. Every frame is preprocessed like the student's training
images and goes through the DRC sensor at one fixed position (the trajectories' start), so the
student's position input is constant.
"""
import numpy as np


def drifting_gratings(size, spatial, temporal, directions, phases, n_steps, mean=127.5, amplitude=127.5):
    """Raw grating movies of shape (S, W, D, P, n_steps, size, size), float32 in [mean - amplitude,
    mean + amplitude], for every spatial frequency (cycles/image), temporal frequency (cycles/step),
    direction (radians) and starting phase (radians)."""
    f = np.asarray(spatial, np.float64)[:, None, None, None, None, None, None]
    w = np.asarray(temporal, np.float64)[None, :, None, None, None, None, None]
    d = np.asarray(directions, np.float64)[None, None, :, None, None, None, None]
    p = np.asarray(phases, np.float64)[None, None, None, :, None, None, None]
    t = np.arange(n_steps, dtype=np.float64)[:, None, None]
    y, x = np.mgrid[0:size, 0:size].astype(np.float64)
    phase = 2 * np.pi * f * (x * np.cos(d) + y * np.sin(d)) / size - 2 * np.pi * w * t + p
    return (mean + amplitude * np.cos(phase)).astype(np.float32)


def blank_movie(size, n_steps, mean=127.5):
    """A uniform movie at the gratings' mean level: (1, n_steps, size, size)."""
    return np.full((1, n_steps, size, size), mean, np.float32)


def sensor_movies(raw, preprocessing, res, broadcast, channels=1):
    """Sensor movies of raw movies (B, T, N, N) at the trajectories' starting position.

    Each frame is preprocessed (``preprocessing.apply``, grey repeated to ``channels``) and shrunk
    by ``drc.sensor.sensor_frames`` exactly as in training. Returns float32 frames
    (B, T, res, res, C) and the student's position input, (B, T, res, res, 2) with
    ``broadcast`` 1 or (B, T, 2).
    """
    from drc import sensor

    raw = np.asarray(raw, np.float32)
    batch, steps, size = raw.shape[0], raw.shape[1], raw.shape[2]
    images = np.repeat(raw.reshape(batch * steps, size, size, 1), channels, axis=-1)
    images = preprocessing.apply(images)
    window = sensor.sensor_window(size)
    start = np.array(sensor.start_position(size, size, window), np.int32)
    frame_positions = np.broadcast_to(start, (batch * steps, 1, 2))
    frames = sensor.sensor_frames(images, frame_positions, res, window).numpy()
    frames = frames.reshape((batch, steps) + frames.shape[2:])
    where = sensor.position_inputs(np.broadcast_to(start, (batch, steps, 2)), size, res, broadcast).numpy()
    return frames, where
