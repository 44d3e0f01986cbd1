"""Sensor trajectories of the DRC: every style of the original, one at a time or a batch at once.

A trajectory is an (n_samples, 2) array of sensor positions q = (q0, q1) in padded-image
coordinates: q0 is the column and q1 the row counted from the bottom (see ``drc.sensor``). The
first point is the starting point. The polar styles place point k at
``start + (trunc(r_k sin phi_k), trunc(r_k cos phi_k))``: offsets are polar from the start, not
increments, and ``int()`` truncates toward zero, as in the original.

``create_trajectory`` follows the original draw by draw, so with ``rng=np.random.RandomState(s)``
it gives the trajectory the original gives after ``np.random.seed(s)``. ``sample_trajectories``
draws a whole batch with the same distributions, vectorised over the batch.
"""
import numpy as np

from drc.core.validation import check_int, check_number, check_shape

RADIUS0 = 3.0
SPEED = 0.8
SPEED_NOISE = SPEED * 0.2
ZIGZAG_PHI_SPEED0 = np.pi / 8
ZIGZAG_PHI_NOISE = 0.005
#: The styles that ``mix`` draws from at every step (the original's list, with its
#: 'const direction + noise' entry spelled as the style it denotes).
MIX_STYLES = ("const_p_noise", "ZigZag", "spiral", "brownian", "degenerate")
POLAR_STYLES = (
    "spiral", "spiral_2dir", "spiral_2dir2", "spiral_2dir_shfl", "spiral_shfl", "big_steps",
    "const_p_noise", "ZigZag", "brownian", "degenerate", "degenerate_fix", "degenerate_fix2", "mix",
)
STYLES = POLAR_STYLES + ("old", "xx1_intoy_rucci", "xx1_vonmises_walk")
#: Diffusion constants (arcmin^2/s) of Intoy & Rucci (2020): Snellen task and fixation.
DRIFT_D_SNELLEN = 10.998
DRIFT_D_FIXATION = 30.155
DEFAULT_TRAJ_OUT_SCALE = 4.0


def check_style(style):
    """Raises ValueError naming the valid styles when ``style`` is not one of them."""
    if style not in STYLES:
        raise ValueError(f"trajectory style {style!r} is unknown; valid styles: {', '.join(STYLES)}")


def check_trajectory_arguments(n_samples, starting_point, style, noise, time_sec=0.3):
    """Validates the arguments every trajectory function shares."""
    check_style(style)
    check_int(n_samples, "n_samples", minimum=1)
    check_shape(starting_point, "starting_point", 1, last=2, what="(q0, q1)")
    check_number(noise, "noise", minimum=0)
    check_number(time_sec, "time_sec", minimum=0)


def _legacy_phi0(style, draw_int, draw_uniform):
    """The initial angle: an integer 0..5 (the original's randint(0.1, 2 pi)) or, for the
    ``*2`` styles that fixed it, uniform on [0, 2 pi). The integer is always drawn first."""
    phi = draw_int()
    if style in ("spiral_2dir2", "degenerate_fix2"):
        phi = draw_uniform() * 2 * np.pi
    return phi


def _base_style(style):
    return {"spiral_2dir2": "spiral_2dir", "degenerate_fix2": "degenerate_fix",
            "spiral_2dir_shfl": "spiral_2dir", "spiral_shfl": "spiral"}.get(style, style)


# --------------------------------------------------------------------------------------------
# One trajectory, draw by draw
# --------------------------------------------------------------------------------------------

def _polar_trajectory(start, n_samples, style, noise, rng):
    phi = float(_legacy_phi0(style, lambda: rng.randint(0, 6), rng.random_sample))
    base = _base_style(style)
    r = RADIUS0
    phi_speed = ZIGZAG_PHI_SPEED0
    factor = 1
    points = [(int(start[0]), int(start[1]))]
    for j in range(n_samples - 1):
        step_style = MIX_STYLES[rng.randint(len(MIX_STYLES))] if base == "mix" else base
        if step_style == "const_p_noise":
            r += SPEED + rng.normal(-0.5, SPEED_NOISE)
            phi_speed = rng.normal(0, noise)
            phi += phi_speed
        elif step_style == "ZigZag":
            r += SPEED + rng.normal(-0.5, SPEED_NOISE)
            phi_speed *= -1
            phi += phi_speed + rng.normal(0, ZIGZAG_PHI_NOISE)
        elif step_style in ("spiral", "spiral_2dir", "big_steps"):
            r += SPEED / 2 + rng.normal(-0.5, SPEED_NOISE)
            phi_speed = rng.normal(np.pi / 2, np.pi / 8)
            if step_style == "big_steps" or (step_style == "spiral_2dir" and j == 0):
                factor = rng.choice([-1, 1])
            phi += factor * phi_speed
        elif step_style == "brownian":
            r += SPEED / 2 + rng.normal(-0.5, SPEED_NOISE)
            phi = float(rng.randint(0, 6))
        else:  # degenerate, degenerate_fix
            r += SPEED + rng.normal(-0.5, SPEED_NOISE)
        point = (int(start[0]) + int(r * np.sin(phi)), int(start[1]) + int(r * np.cos(phi)))
        if step_style == "degenerate_fix":
            while point == points[-1]:
                r += 0.5
                point = (int(start[0]) + int(r * np.sin(phi)), int(start[1]) + int(r * np.cos(phi)))
        points.append(point)
    points = np.array(points, dtype=np.int64)
    if style in ("spiral_2dir_shfl", "spiral_shfl"):
        rest = points[1:].copy()
        rng.shuffle(rest)
        points[1:] = rest
    return points


def _lattice_walk(start, n_samples, rng):
    position = np.array(start, dtype=np.int64)
    points = [position.copy()]
    for _ in range(n_samples - 1):
        position += rng.randint(-2, 3, 2)
        points.append(position.copy())
    return np.array(points, dtype=np.int64)


def drift_subsample_indices(n_fine, n_samples):
    """Indices of the 1 kHz drift trace kept for n_samples points (the original's stride)."""
    if n_samples < 2:
        return np.zeros(1, dtype=np.int64)
    return np.arange(0, n_fine, n_fine // (n_samples - 1))[:n_samples]


def intoy_rucci_drift(n_samples, time_sec=0.3, snellen=True, rng=np.random, batch_shape=()):
    """Brownian drift of Intoy & Rucci (2020), sampled at 1 kHz over time_sec and subsampled.

    Each 1 ms step has a random direction and a signed Gaussian length of scale
    sqrt(2 m D dt) (m = 2 dimensions). Returns (*batch_shape, n_samples, 2) offsets in
    receptor units (1 receptor = 1 arcmin).
    """
    d = DRIFT_D_SNELLEN if snellen else DRIFT_D_FIXATION
    n_fine = int(time_sec * 1000 + 1)
    dt = time_sec / float(n_fine - 1)
    step_size = np.sqrt(2.0 * 2 * d * dt) * rng.standard_normal(batch_shape + (n_fine,))
    directions = rng.standard_normal(batch_shape + (2, n_fine))
    steps = step_size[..., None, :] * directions / np.sqrt(np.sum(directions ** 2, axis=-2, keepdims=True))
    trace = np.cumsum(steps, axis=-1)
    return np.swapaxes(trace[..., drift_subsample_indices(n_fine, n_samples)], -1, -2)


def vonmises_walk_offsets(n_samples, kappa=0.0, rng=np.random, batch_shape=()):
    """A walk whose heading changes are von Mises(0, |kappa|) (+pi when kappa < 0), with step
    lengths sqrt(2) + |N(0, 1)| and a zero first step. Returns (*batch_shape, n_samples, 2)."""
    phi0 = 2 * np.pi * rng.uniform(size=batch_shape + (1,))
    flip = np.pi if kappa < 0 else 0.0
    dphi = flip + rng.vonmises(0, abs(kappa), size=batch_shape + (n_samples,))
    dr = np.sqrt(2.0) + np.abs(rng.normal(size=batch_shape + (n_samples,)))
    dr[..., 0] = 0
    phi = phi0 + np.cumsum(dphi, axis=-1)
    return np.cumsum(np.stack([dr * np.cos(phi), dr * np.sin(phi)], axis=-1), axis=-2)


def create_trajectory(starting_point, n_samples=5, style="brownian", noise=0.15, time_sec=0.3,
                      traj_out_scale=None, snellen=True, vm_kappa=0, rng=None):
    """One trajectory of ``n_samples`` points starting at ``starting_point``.

    Returns an (n_samples, 2) array: int64 for the polar and lattice styles, float64 for the
    ``xx1_*`` styles (the data pipeline truncates those to integers, as the original does).
    ``rng`` defaults to NumPy's global RandomState (``np.random``), like the original.
    """
    check_trajectory_arguments(n_samples, starting_point, style, noise, time_sec)
    rng = np.random.mtrand._rand if rng is None else rng
    start = np.asarray(starting_point)
    if style == "xx1_intoy_rucci":
        scale = DEFAULT_TRAJ_OUT_SCALE if traj_out_scale is None else traj_out_scale
        return start + scale * intoy_rucci_drift(n_samples, time_sec, snellen, rng)
    if style == "xx1_vonmises_walk":
        return vonmises_walk_offsets(n_samples, vm_kappa, rng) + start
    if style == "old":
        return _lattice_walk(start, n_samples, rng)
    return _polar_trajectory(start, n_samples, style, noise, rng)


# --------------------------------------------------------------------------------------------
# A batch of trajectories at once
# --------------------------------------------------------------------------------------------

def _polar_offsets(batch, n_samples, style, noise, rng):
    base = _base_style(style)
    phi = _legacy_phi0(style, lambda: rng.integers(0, 6, batch).astype(float),
                       lambda: rng.random(batch))
    r = np.full(batch, RADIUS0)
    phi_speed = np.full(batch, ZIGZAG_PHI_SPEED0)
    factor = np.ones(batch)
    offsets = np.zeros((batch, n_samples, 2), dtype=np.int64)
    for j in range(1, n_samples):
        step_style = (rng.integers(0, len(MIX_STYLES), batch) if base == "mix"
                      else np.full(batch, MIX_STYLES.index(base) if base in MIX_STYLES else -1))
        dr_slow = SPEED / 2 + rng.normal(-0.5, SPEED_NOISE, batch)
        dr_fast = SPEED + rng.normal(-0.5, SPEED_NOISE, batch)
        if base in ("spiral", "spiral_2dir", "big_steps", "mix"):
            turn = rng.normal(np.pi / 2, np.pi / 8, batch)
            if base == "big_steps" or (base == "spiral_2dir" and j == 1):
                factor = rng.choice([-1.0, 1.0], batch)
            spiral = step_style == MIX_STYLES.index("spiral")
            if base != "mix":
                spiral = np.ones(batch, bool)
            r = np.where(spiral, r + dr_slow, r)
            phi_speed = np.where(spiral, turn, phi_speed)
            phi = np.where(spiral, phi + factor * turn, phi)
        if base in ("const_p_noise", "mix"):
            sel = step_style == MIX_STYLES.index("const_p_noise")
            turn = rng.normal(0, noise, batch)
            r, phi_speed, phi = (np.where(sel, r + dr_fast, r), np.where(sel, turn, phi_speed),
                                 np.where(sel, phi + turn, phi))
        if base in ("ZigZag", "mix"):
            sel = step_style == MIX_STYLES.index("ZigZag")
            phi_speed = np.where(sel, -phi_speed, phi_speed)
            r = np.where(sel, r + dr_fast, r)
            phi = np.where(sel, phi + phi_speed + rng.normal(0, ZIGZAG_PHI_NOISE, batch), phi)
        if base in ("brownian", "mix"):
            sel = step_style == MIX_STYLES.index("brownian")
            r = np.where(sel, r + dr_slow, r)
            phi = np.where(sel, rng.integers(0, 6, batch).astype(float), phi)
        if base in ("degenerate", "degenerate_fix", "mix"):
            sel = (step_style == MIX_STYLES.index("degenerate")) | (base == "degenerate_fix")
            r = np.where(sel, r + dr_fast, r)
        point = np.stack([np.trunc(r * np.sin(phi)), np.trunc(r * np.cos(phi))], -1).astype(np.int64)
        if base == "degenerate_fix":
            repeat = np.all(point == offsets[:, j - 1], axis=-1)
            while repeat.any():
                r = np.where(repeat, r + 0.5, r)
                point = np.stack([np.trunc(r * np.sin(phi)), np.trunc(r * np.cos(phi))], -1).astype(np.int64)
                repeat = np.all(point == offsets[:, j - 1], axis=-1)
        offsets[:, j] = point
    if style in ("spiral_2dir_shfl", "spiral_shfl") and n_samples > 2:
        order = 1 + np.argsort(rng.random((batch, n_samples - 1)), axis=1)
        offsets[:, 1:] = np.take_along_axis(offsets, order[..., None], axis=1)
    return offsets


def sample_trajectories(batch, n_samples=5, style="spiral_2dir2", noise=0.15, starting_point=(100, 100),
                        time_sec=0.3, traj_out_scale=None, snellen=True, vm_kappa=0, rng=None):
    """``batch`` independent trajectories as an int64 array (batch, n_samples, 2).

    Same distributions as ``create_trajectory``; the ``xx1_*`` styles are truncated toward zero
    to integer positions here, as the original's data pipeline does. ``rng`` is a
    ``np.random.Generator`` (default: a fresh one).
    """
    check_int(batch, "batch", minimum=0)
    check_trajectory_arguments(n_samples, starting_point, style, noise, time_sec)
    rng = np.random.default_rng() if rng is None else rng
    start = np.asarray(starting_point, dtype=np.int64)
    if style == "xx1_intoy_rucci":
        scale = DEFAULT_TRAJ_OUT_SCALE if traj_out_scale is None else traj_out_scale
        return np.trunc(start + scale * intoy_rucci_drift(n_samples, time_sec, snellen, rng, (batch,))).astype(np.int64)
    if style == "xx1_vonmises_walk":
        return np.trunc(start + vonmises_walk_offsets(n_samples, vm_kappa, rng, (batch,))).astype(np.int64)
    if style == "old":
        steps = rng.integers(-2, 3, (batch, n_samples, 2))
        steps[:, 0] = 0
        return start + np.cumsum(steps, axis=1)
    return start + _polar_offsets(batch, n_samples, style, noise, rng)


def trajectory_bank(seeds, n_samples, style, noise=0.15, starting_point=(100, 100), **kwargs):
    """The trajectories the original draws after ``np.random.seed(s)`` for each seed s:
    an int64 array (len(seeds), n_samples, 2). Used for ``trajectories_num`` = N > 0."""
    return np.stack([
        np.trunc(create_trajectory(np.array(starting_point), n_samples, style, noise,
                                   rng=np.random.RandomState(int(s)), **kwargs)).astype(np.int64)
        for s in seeds
    ])


def step_statistics(trajectories):
    """Summary statistics of a batch of trajectories (B, n, 2) used to compare distributions:
    mean and median step length, largest offset from the start, and the rate at which a point
    repeats its predecessor."""
    t = np.asarray(trajectories, dtype=np.float64)
    steps = np.linalg.norm(np.diff(t, axis=1), axis=-1)
    offsets = np.linalg.norm(t - t[:, :1], axis=-1)
    return {"mean_step": float(steps.mean()), "median_step": float(np.median(steps)),
            "max_offset": float(offsets.max()), "repeat_rate": float(np.mean(steps == 0))}
