"""Lévy steps (Mantegna's method), the vote, the network sizes and the Lévy flight search of the
DIRS agent (paper 003)."""

from __future__ import annotations

import numpy as np
import pytest

from agents.dirs.levy import (
    classic_levy_search,
    levy_flight_search,
    normalised_gain,
)
from agents.dirs.networks import decision_to_labels, default_hidden, layer_sizes
from edge_envs.large_scale_mec import SCENARIOS
from edge_envs.large_scale_mec.model import mantegna_sigma_u, mantegna_steps, vote_decision


def test_mantegna_sigma_u_check_value():
    # Spec 04 check value; by hand: Gamma(2.5) sin(0.75 pi) / (Gamma(1.25) 1.5 2^0.25) = 0.5819
    # and 0.5819^(1/1.5) = 0.69657.
    assert mantegna_sigma_u(1.5) == pytest.approx(0.6965745025576967, rel=1e-14)
    # beta = 1: Gamma(2) sin(pi/2) / (Gamma(1) * 1 * 1) = 1.
    assert mantegna_sigma_u(1.0) == pytest.approx(1.0, rel=1e-14)
    with pytest.raises(ValueError):
        mantegna_sigma_u(2.5)


def test_mantegna_steps_heavy_tailed_and_symmetric():
    rng = np.random.default_rng(0)
    d = mantegna_steps(rng, 1.5, 200_000)
    # Symmetric: median ~ 0 and as many positive as negative steps.
    assert abs(np.median(d)) < 0.01
    assert abs(np.mean(np.sign(d))) < 0.01
    # Heavy tail: a Gaussian of the same interquartile range puts 7e-10 of its mass beyond
    # 6 IQR/1.349 sigma; Lévy steps with beta = 1.5 put about 1% there.
    q1, q3 = np.percentile(d, [25, 75])
    sigma = (q3 - q1) / 1.349
    tail = np.mean(np.abs(d) > 6 * sigma)
    assert tail > 1e-3
    # Sample kurtosis far above the Gaussian 3.
    z = (d - d.mean()) / d.std()
    assert np.mean(z**4) > 30


def test_normalised_gain_rows_and_local():
    h = np.array([[1.0, 3.0], [2.0, 2.0]])
    assert normalised_gain(h, np.array([2, 0])) == pytest.approx([0.75, 0.5])
    assert normalised_gain(h, np.array([1, 1])) == pytest.approx([0.25, 0.5])


def test_vote_hand_made_scores():
    # (M=3, N=5): the paper's example (0.7, 0.8, 0.2) -> MEC 2; all below 0.5 -> local;
    # tie between MECs 1 and 3 -> lowest index; exactly 0.5 is not above 0.5 -> local.
    scores = np.array([
        [0.7, 0.1, 0.9, 0.5, 0.51],
        [0.8, 0.4, 0.3, 0.2, 0.0],
        [0.2, 0.49, 0.9, 0.5, 0.6],
    ])
    assert vote_decision(scores).tolist() == [2, 0, 1, 0, 3]
    batch = np.stack([scores, 1.0 - scores])
    assert vote_decision(batch)[1].tolist() == [3, 1, 2, 2, 2]
    labels = decision_to_labels(np.array([2, 0, 1]), 3)
    assert labels.tolist() == [[0, 0, 1], [1, 0, 0], [0, 0, 0]]


def test_network_sizes_are_the_papers_and_scale_elsewhere():
    # Section V of paper 003: 30-80-60-30, 180-260-200-180, 200-300-250-200.
    assert layer_sizes(30, 2) == (30, 80, 60, 30)
    assert layer_sizes(180, 8) == (180, 260, 200, 180)
    assert layer_sizes(200, 10) == (200, 300, 250, 200)
    # Other sizes scale 30-80-60-30 with N: ceil(8 * 50 / 3) = 134, 2 * 50 = 100.
    assert default_hidden(50, 2) == (134, 100) and default_hidden(30, 7) == (80, 60)
    assert layer_sizes(50, 2, hidden=(8,)) == (50, 8, 50)
    with pytest.raises(ValueError, match="hidden"):
        layer_sizes(50, 2, hidden=(8, 0))
    # Every named scenario of the same (N, M) as a paper system gets the paper's sizes.
    for name, p in SCENARIOS.items():
        if name.startswith("dirs-8x180"):
            assert default_hidden(p.n_iotd, p.n_mec) == (260, 200), name


def _toy_problem(n=40, m=4, seed=0):
    """A load-balancing objective like the env's: convex server load plus link costs."""
    rng = np.random.default_rng(seed)
    gains = rng.exponential(1.0, (n, m)) / rng.uniform(1, 30, (n, m)) ** 2
    link = 0.01 / gains.clip(1e-6)

    def evaluate(decisions):
        d = np.atleast_2d(decisions)
        cost = np.where(d == 0, 2.0, 0.0)
        srv = np.clip(d - 1, 0, m - 1)
        cost = cost + np.where(d > 0, np.take_along_axis(
            np.broadcast_to(link, (d.shape[0], n, m)), srv[..., None], axis=2)[..., 0], 0.0)
        loads = np.stack([(d == j + 1).sum(axis=1) for j in range(m)], axis=1)
        return cost.sum(axis=1) + (loads**2 / 5.0).sum(axis=1)

    return gains, evaluate


@pytest.mark.parametrize("seed", range(25))
def test_search_never_worse_than_start(seed):
    gains, evaluate = _toy_problem(seed=seed)
    rng = np.random.default_rng(seed)
    start = rng.integers(0, gains.shape[1] + 1, gains.shape[0])
    start_cost = evaluate(start)[0]
    result = levy_flight_search(start, gains, evaluate, rng)
    assert result.objective <= start_cost + 1e-12
    assert evaluate(result.decision)[0] == pytest.approx(result.objective)
    assert result.start_objective == pytest.approx(start_cost)
    # History is the best objective per generation: non-increasing.
    assert np.all(np.diff(result.history) <= 1e-12)
    classic = classic_levy_search(start, gains.shape[1], evaluate, rng)
    assert classic.objective <= start_cost + 1e-12


def test_search_improves_a_bad_start():
    gains, evaluate = _toy_problem(seed=3)
    start = np.zeros(gains.shape[0], dtype=np.int64)  # all local: 80; optimum about 62
    result = levy_flight_search(start, gains, evaluate, np.random.default_rng(0),
                                generations=200, beta=1.0)
    assert result.objective < 0.9 * evaluate(start)[0]
