"""The LSTM next-move predictor (paper 000, sec. 4.2, Table 2)."""

from __future__ import annotations

import numpy as np
import pytest

from agents.d3qn.mobility import LSTMTraceGenerator, OwnStream
from agents.d3qn.predictor import MotionPredictor, moves_of
from edge_envs.edge_cluster.mobility import MOTIONS


def square_loop(laps: int) -> np.ndarray:
    """A deterministic path: 4 m right, 4 up, 4 left, 4 down (1 m per step), repeated."""
    steps = [(1, 0)] * 4 + [(0, 1)] * 4 + [(-1, 0)] * 4 + [(0, -1)] * 4
    d = np.array(steps * laps, dtype=float)
    return np.vstack([[5.0, 5.0], 5.0 + np.cumsum(d, axis=0)])


def test_moves_follow_the_paper_direction_order():
    path = np.array([[1.0, 1.0], [2.0, 1.0], [2.0, 2.0], [2.0, 2.0], [1.0, 1.0]])
    assert [MOTIONS[k] for k in moves_of(path)] == ["right", "up", "stay", "down-left"]


def test_lstm_learns_a_deterministic_path():
    path = square_loop(laps=20)
    predictor = MotionPredictor(window=8, seed=0)
    predictor.fit(path, updates=300, seed=0)
    acc = predictor.accuracy(square_loop(laps=3))
    # Repeating the last move is wrong at every corner (1 in 4 moves).
    assert acc["repeat_last"] == pytest.approx(0.75, abs=0.02)
    assert acc["lstm"] >= 0.97
    np.testing.assert_allclose(predictor.displacement_m[MOTIONS.index("right")], [1.0, 0.0])
    np.testing.assert_allclose(predictor.displacement_m[MOTIONS.index("stay")], [0.0, 0.0])


def test_generator_follows_the_protocol_and_is_seeded():
    path = square_loop(laps=10)
    predictor = MotionPredictor(window=8, seed=0)
    predictor.fit(path, updates=200, seed=0)
    for mode in ("argmax", "sample"):
        runs = []
        for _ in range(2):
            gen = LSTMTraceGenerator(predictor, path, mode=mode)
            start = gen.reset(np.random.default_rng(3), 15.0, 1)
            runs.append(np.vstack([start] + [gen.step() for _ in range(20)]))
        np.testing.assert_array_equal(runs[0], runs[1])
        assert runs[0].shape == (21, 2)
        assert runs[0].min() >= 0.0 and runs[0].max() <= 15.0
    # OwnStream ignores the env's stream: same own seed, different env seeds, same path.
    paths = []
    for env_seed in (0, 1):
        own = OwnStream(LSTMTraceGenerator(predictor, path), seed=1)
        start = own.reset(np.random.default_rng(env_seed), 15.0, 1)
        paths.append(np.vstack([start] + [own.step() for _ in range(5)]))
    np.testing.assert_array_equal(paths[0], paths[1])
    with pytest.raises(ValueError, match="mode"):
        LSTMTraceGenerator(predictor, path, mode="greedy")
