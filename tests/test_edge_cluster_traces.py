"""The shipped warehouse trace and its generator (paper 000, sec. 5.4 stand-in)."""

from __future__ import annotations

import numpy as np
import pytest

from edge_envs.edge_cluster import traces as T


def test_shipped_trace_equals_regenerated_trace():
    shipped = T.load_trace_indices("warehouse")
    assert shipped.dtype == np.int16 and shipped.shape == (8 * 3600, 2)
    assert np.array_equal(shipped, T.generate_warehouse_trace(T.WAREHOUSE_SEED))
    with np.load(T.WAREHOUSE_FILE) as meta:
        assert int(meta["seed"]) == T.WAREHOUSE_SEED
        assert float(meta["grid_m"]) == 0.025 and float(meta["train_fraction"]) == 0.8
    assert T.WAREHOUSE_FILE.stat().st_size < 1_000_000


def test_generator_is_prefix_stable_and_seeded():
    long = T.generate_warehouse_trace(seed=3, duration_s=2000)
    short = T.generate_warehouse_trace(seed=3, duration_s=500)
    assert np.array_equal(short, long[:500])
    assert not np.array_equal(T.generate_warehouse_trace(seed=4, duration_s=500), short)
    with pytest.raises(ValueError, match="duration_s"):
        T.generate_warehouse_trace(duration_s=0)


def test_trace_geometry():
    xy = T.load_trace_indices().astype(np.int64)
    assert xy.min() >= 0 and xy.max() < 600  # inside the 15 m x 15 m warehouse
    step = np.abs(np.diff(xy, axis=0)).sum(axis=1)
    assert step.max() <= 40  # at most 1 m (40 squares) of aisle per second
    assert (step == 40).mean() > 0.3  # mostly cruising at 1 m/s ...
    assert (step == 0).mean() > 0.2  # ... with dwells at the stations
    # the vehicle never enters a rack
    layout = T.warehouse_layout()
    for x0, y0, x1, y1 in layout.racks:
        inside = (xy[:, 0] > x0) & (xy[:, 0] < x1) & (xy[:, 1] > y0) & (xy[:, 1] < y1)
        assert not inside.any()
    # it visits every drop station
    for station in layout.drops:
        assert np.any(np.all(xy == station, axis=1))


def test_splits():
    n = 28800
    assert T.split_bounds(n, "train") == (0, 23040)
    assert T.split_bounds(n, "test") == (23040, 28800)
    assert T.split_bounds(n, "all") == (0, 28800)
    assert T.split_bounds(n, "train", 0.25) == (0, 5760)
    train = T.load_trace("warehouse", "train")
    test = T.load_trace("warehouse", "test")
    assert len(train) + len(test) == n
    assert np.allclose(train[0], (T.load_trace_indices()[0] + 0.5) * 0.025)
    with pytest.raises(ValueError, match="trace_split"):
        T.split_bounds(n, "validation")
    with pytest.raises(ValueError, match="trace_name"):
        T.load_trace_indices("campus")


def test_index_metre_round_trip():
    idx = np.array([[0, 599], [123, 456]])
    assert np.array_equal(T.metres_to_indices(T.indices_to_metres(idx)), idx)
