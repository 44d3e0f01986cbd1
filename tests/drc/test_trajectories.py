"""Trajectory styles against an independent NumPy re-derivation of the original's formulas."""
import math

import numpy as np
import pytest

from drc import trajectories as T

N_REF = 4000


def reference_trajectory(style, n, rng, noise=0.5, start=(100, 100)):
    """Written from the specification, one point at a time (not from the library)."""
    if style == "old":
        pts = [np.array(start)]
        for _ in range(n - 1):
            pts.append(pts[-1] + rng.integers(-2, 3, 2))
        return np.array(pts)
    if style == "xx1_vonmises_walk":
        heading = rng.uniform(0, 2 * math.pi)
        pts, p = [np.array(start, float)], np.array(start, float)
        for k in range(1, n):
            heading += rng.vonmises(0, 0.0)
            length = math.sqrt(2) + abs(rng.normal())
            p = p + length * np.array([math.cos(heading), math.sin(heading)])
            pts.append(p.copy())
        return np.trunc(np.array(pts))
    if style == "xx1_intoy_rucci":
        fine = 301
        x = np.zeros(2)
        trace = []
        for _ in range(fine):
            d = rng.normal(size=2)
            x = x + math.sqrt(2 * 2 * 10.998 * 0.001) * rng.normal() * d / np.linalg.norm(d)
            trace.append(x.copy())
        trace = np.array(trace)[::300 // (n - 1)][:n]
        return np.trunc(np.array(start) + 4.0 * trace)
    base = {"spiral_2dir2": "spiral_2dir", "degenerate_fix2": "degenerate_fix",
            "spiral_2dir_shfl": "spiral_2dir", "spiral_shfl": "spiral"}.get(style, style)
    phi = float(rng.integers(0, 6)) if style not in ("spiral_2dir2", "degenerate_fix2") else rng.uniform(0, 2 * math.pi)
    r, sign, zig = 3.0, 1.0, math.pi / 8
    pts = [tuple(start)]
    for j in range(n - 1):
        s = base if base != "mix" else ["const_p_noise", "ZigZag", "spiral", "brownian", "degenerate"][rng.integers(5)]
        if s in ("spiral", "spiral_2dir", "big_steps"):
            r += 0.4 + rng.normal(-0.5, 0.16)
            if s == "big_steps" or (s == "spiral_2dir" and j == 0):
                sign = rng.choice([-1.0, 1.0])
            turn = rng.normal(math.pi / 2, math.pi / 8)
            zig = turn
            phi += sign * turn
        elif s == "const_p_noise":
            r += 0.8 + rng.normal(-0.5, 0.16)
            zig = rng.normal(0, noise)
            phi += zig
        elif s == "ZigZag":
            r += 0.8 + rng.normal(-0.5, 0.16)
            zig = -zig
            phi += zig + rng.normal(0, 0.005)
        elif s == "brownian":
            r += 0.4 + rng.normal(-0.5, 0.16)
            phi = float(rng.integers(0, 6))
        else:
            r += 0.8 + rng.normal(-0.5, 0.16)
        p = (start[0] + int(r * math.sin(phi)), start[1] + int(r * math.cos(phi)))
        while base == "degenerate_fix" and p == pts[-1]:
            r += 0.5
            p = (start[0] + int(r * math.sin(phi)), start[1] + int(r * math.cos(phi)))
        pts.append(p)
    pts = np.array(pts)
    if style in ("spiral_2dir_shfl", "spiral_shfl"):
        pts[1:] = pts[1 + rng.permutation(n - 1)]
    return pts


def close(ours, ref):
    assert abs(ours["mean_step"] - ref["mean_step"]) < 0.05 + 0.02 * ref["mean_step"], (ours, ref)
    assert abs(ours["median_step"] - ref["median_step"]) < 0.05 + 0.05 * ref["median_step"], (ours, ref)
    assert abs(ours["repeat_rate"] - ref["repeat_rate"]) < 0.02, (ours, ref)
    assert abs(ours["max_offset"] - ref["max_offset"]) < 1.5 + 0.25 * ref["max_offset"], (ours, ref)


@pytest.mark.parametrize("style", T.STYLES)
def test_batch_and_single_samplers_match_the_reference(style):
    rng = np.random.default_rng(7)
    n = 5
    ref = T.step_statistics(np.stack([reference_trajectory(style, n, rng) for _ in range(N_REF)]))
    batch = T.sample_trajectories(20000, n, style, 0.5, (100, 100), rng=np.random.default_rng(8))
    assert batch.shape == (20000, n, 2) and batch.dtype == np.int64
    if style == "xx1_intoy_rucci":  # the drift trace starts one 1 ms step away from the start
        assert np.abs(batch[:, 0] - 100).max() <= 4
    else:
        assert np.all(batch[:, 0] == 100)
    close(T.step_statistics(batch), ref)
    single = np.stack([np.trunc(T.create_trajectory(np.array([100, 100]), n, style, 0.5, traj_out_scale=4.0,
                                                    rng=np.random.RandomState(s))) for s in range(1500)])
    close(T.step_statistics(single), ref)


def test_spiral_2dir2_documented_statistics():
    stats5 = T.step_statistics(T.sample_trajectories(20000, 5, "spiral_2dir2", rng=np.random.default_rng(0)))
    assert stats5["mean_step"] == pytest.approx(2.75, abs=0.05)
    assert stats5["median_step"] == pytest.approx(math.sqrt(8), abs=1e-9)
    assert stats5["max_offset"] <= 3.61
    stats10 = T.step_statistics(T.sample_trajectories(20000, 10, "spiral_2dir2", rng=np.random.default_rng(0)))
    assert stats10["mean_step"] == pytest.approx(2.58, abs=0.05)


def test_legacy_styles_keep_the_integer_initial_angle():
    t = T.sample_trajectories(5000, 2, "degenerate", rng=np.random.default_rng(1))
    big = T.sample_trajectories(5000, 6, "degenerate", rng=np.random.default_rng(1))
    angles = np.arctan2(big[:, -1, 0] - 100, big[:, -1, 1] - 100) % (2 * math.pi)
    # r >= about 4 after 5 steps: the direction is one of the six integer angles 0..5 rad
    assert np.all(np.min(np.abs(angles[:, None] - np.arange(6)[None]), axis=1) < 0.3)
    fixed = T.sample_trajectories(5000, 6, "degenerate_fix2", rng=np.random.default_rng(1))
    free = np.arctan2(fixed[:, -1, 0] - 100, fixed[:, -1, 1] - 100) % (2 * math.pi)
    assert np.mean(np.min(np.abs(free[:, None] - np.arange(6)[None]), axis=1) > 0.3) > 0.3
    assert t.shape == (5000, 2, 2)


def test_offsets_are_truncated_toward_zero():
    t = T.sample_trajectories(20000, 2, "degenerate", rng=np.random.default_rng(2))
    off = t[:, 1] - 100
    # r sin(5) and r cos(3) reach about -3.2 after one step: floor would give -4, truncation -3
    assert off.min() == -3 and off.max() == 3


def test_seeded_create_trajectory_is_reproducible():
    a = T.create_trajectory(np.array([100, 100]), 10, "spiral_2dir2", rng=np.random.RandomState(3))
    b = T.create_trajectory(np.array([100, 100]), 10, "spiral_2dir2", rng=np.random.RandomState(3))
    np.testing.assert_array_equal(a, b)
    np.random.seed(3)
    c = T.create_trajectory(np.array([100, 100]), 10, "spiral_2dir2")
    np.testing.assert_array_equal(a, c)


def test_shuffled_styles_keep_the_start_and_permute_the_rest():
    rng = np.random.default_rng(4)
    shuffled = T.sample_trajectories(3000, 5, "spiral_shfl", rng=rng)
    assert np.all(shuffled[:, 0] == 100)
    steps_first = np.linalg.norm(shuffled[:, 1] - shuffled[:, 0], axis=1)
    # spiral's first point is about r = 2.9 from the start; shuffling mixes in later, smaller radii
    plain = T.sample_trajectories(3000, 5, "spiral", rng=rng)
    assert np.std(steps_first) > np.std(np.linalg.norm(plain[:, 1] - plain[:, 0], axis=1))


def test_unknown_style_lists_valid_ones():
    with pytest.raises(ValueError, match="valid styles: .*spiral_2dir2.*xx1_vonmises_walk"):
        T.sample_trajectories(2, 5, "zigzag")
    with pytest.raises(ValueError, match="'nope'"):
        T.create_trajectory(np.array([100, 100]), 5, "nope")
