"""Vehicle mobility models of EdgeCluster (paper 000, sec. 5.3) and their geometry."""

from __future__ import annotations

import numpy as np
import pytest

from edge_envs.edge_cluster import mobility as mob

AREA = 15.0


def _walk(model, seed: int, steps: int, n_vehicles: int = 2):
    rng = np.random.default_rng(seed)
    path = [model.reset(rng, AREA, n_vehicles)]
    bounced = []
    for _ in range(steps):
        path.append(model.step())
        bounced.append(getattr(model, "bounced", np.zeros(n_vehicles, bool)).copy())
    return np.array(path), np.array(bounced)


@pytest.mark.parametrize("cls", [mob.RandomDirection, mob.RandomReflection])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_bouncing_models_stay_inside_and_move_one_metre(cls, seed):
    path, bounced = _walk(cls(1.0, 1.0), seed, 600)
    assert path.min() >= 0.0 and path.max() <= AREA
    step = np.hypot(*np.moveaxis(np.diff(path, axis=0), -1, 0))
    assert np.allclose(step[~bounced], 1.0)
    assert np.all(step[bounced] <= 1.0 + 1e-9)
    assert bounced.sum() > 10  # 600 m in a 15 m box: many bounces happened


def test_two_point_shuttles_at_one_metre_per_step():
    model = mob.TwoPoint(1.0, 1.0)
    path, _ = _walk(model, 4, 300)
    assert path.min() >= 0.0 and path.max() <= AREA
    step = np.hypot(*np.moveaxis(np.diff(path, axis=0), -1, 0))
    assert np.all(step <= 1.0 + 1e-9)
    for v in range(2):
        a, b = model.start[v], model.end[v]
        # every position lies on the segment A-B
        ab = b - a
        cross = ab[0] * (path[:, v, 1] - a[1]) - ab[1] * (path[:, v, 0] - a[0])
        assert np.allclose(cross, 0.0, atol=1e-9)
        # away from the turning points the vehicle covers exactly 1 m per step
        dist_to_end = np.minimum(np.hypot(*(path[:-1, v] - a).T), np.hypot(*(path[:-1, v] - b).T))
        assert np.allclose(step[dist_to_end >= 1.0, v], 1.0)
        # period of the shuttle: back at A after 2|AB| metres (when that is a whole number
        # of steps we can check exactly; otherwise check it reaches both ends' neighbourhood)
        assert np.min(np.hypot(*(path[:, v] - b).T)) <= 0.5 + 1e-9
    assert np.allclose(path[0], model.start)


def test_random_reflection_mirrors_within_15_degrees():
    for seed in range(200):
        model = mob.RandomReflection(1.0, 1.0, jitter_deg=15.0)
        model.reset(np.random.default_rng(seed), AREA, 1)
        angle_in = np.deg2rad(30.0)
        model.pos = np.array([[14.5, 7.5]])
        model.heading = np.array([[np.cos(angle_in), np.sin(angle_in)]])
        pos = model.step()
        assert model.bounced[0]
        # mirror of 30 deg at the wall x = 15 is 150 deg
        angle_out = np.rad2deg(np.arctan2(model.heading[0, 1], model.heading[0, 0]))
        assert 135.0 - 1e-9 <= angle_out <= 165.0 + 1e-9
        # it hit the wall at y = 7.5 + 0.5 tan 30 after 0.5 / cos 30 m, then used the rest
        hit = np.array([15.0, 7.5 + 0.5 * np.tan(angle_in)])
        rest = 1.0 - 0.5 / np.cos(angle_in)
        assert np.allclose(pos[0], hit + rest * model.heading[0])


def test_random_reflection_grazing_heading_still_points_inside():
    for seed in range(200):
        model = mob.RandomReflection(1.0, 1.0, jitter_deg=15.0)
        model.reset(np.random.default_rng(seed), AREA, 1)
        a = np.deg2rad(-5.0)  # 5 degrees into the floor y = 0
        model.pos = np.array([[7.0, 0.05]])
        model.heading = np.array([[np.cos(a), np.sin(a)]])
        model.step()
        assert model.heading[0, 1] > 0.0
        angle_out = np.rad2deg(np.arctan2(model.heading[0, 1], model.heading[0, 0]))
        assert abs(angle_out - 5.0) <= 15.0 + 1e-9


def test_random_direction_new_heading_points_inside():
    for seed in range(100):
        model = mob.RandomDirection(1.0, 1.0)
        model.reset(np.random.default_rng(seed), AREA, 1)
        model.pos = np.array([[0.3, 7.0]])
        model.heading = np.array([[-1.0, 0.0]])
        model.step()
        assert model.bounced[0] and model.heading[0, 0] > 0.0


def test_corner_hit_reflects_both_axes():
    model = mob.RandomReflection(1.0, 1.0, jitter_deg=0.0)
    model.reset(np.random.default_rng(0), AREA, 1)
    model.pos = np.array([[14.5, 14.5]])
    model.heading = np.array([[1.0, 1.0]]) / np.sqrt(2.0)
    pos = model.step()
    assert np.allclose(model.heading, -np.array([[1.0, 1.0]]) / np.sqrt(2.0))
    back = 1.0 - 0.5 * np.sqrt(2.0)
    assert np.allclose(pos, [[15.0 - back / np.sqrt(2.0)] * 2])


def test_trace_replay_is_exact_and_scaled():
    trace = np.column_stack([np.arange(50.0) * 0.1, np.full(50, 2.0)])
    model = mob.TraceReplay(trace, horizon=10, trace_area_m=15.0)
    path = mob.roll_out(model, np.random.default_rng(0), 15.0, 2, 10)
    for v in range(2):
        start = int(model.index[v]) - 10
        assert 0 <= start <= 50 - 11
        assert np.array_equal(path[:, v], trace[start:start + 11])
    half = mob.TraceReplay(trace, horizon=10, trace_area_m=15.0)
    small = mob.roll_out(half, np.random.default_rng(0), 7.5, 2, 10)
    assert np.array_equal(small, path / 2.0)


def test_roll_out_rejects_bad_generators():
    class Bad:
        def reset(self, rng, area_m, n_vehicles):
            return np.zeros((n_vehicles, 2))

        def step(self):
            return np.array([[20.0, 1.0]])

    with pytest.raises(ValueError, match="outside"):
        mob.roll_out(Bad(), np.random.default_rng(0), AREA, 1, 3)
    with pytest.raises(ValueError, match="shape"):
        mob.roll_out(Bad(), np.random.default_rng(0), AREA, 2, 3)


def test_motion_index_nine_directions():
    d = np.array([[0, 1], [0, -1], [-1, 0], [1, 0], [1, 1], [1, -1], [-1, 1], [-1, -1],
                  [0, 0], [0.005, 0.0], [1.0, 0.3]])
    got = [mob.MOTIONS[i] for i in mob.motion_index(d)]
    assert got == ["up", "down", "left", "right", "up-right", "down-right", "up-left",
                   "down-left", "stay", "stay", "right"]


def test_same_rng_same_path():
    for cls in (mob.TwoPoint, mob.RandomDirection, mob.RandomReflection):
        a, _ = _walk(cls(), 9, 50)
        b, _ = _walk(cls(), 9, 50)
        c, _ = _walk(cls(), 10, 50)
        assert np.array_equal(a, b) and not np.array_equal(a, c)
