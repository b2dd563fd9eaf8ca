"""The paper-000 reproduction's convergence metric (sec. 5.1) and its test-reward recorder."""

from __future__ import annotations

import numpy as np

from agents.baselines.edge_cluster import SCMWVCAgent
from benchmarks.reproduce.cluster import HeldOutCurve, convergence_step, evaluate
from edge_envs.edge_cluster.gym_env import EdgeClusterEnv


def test_convergence_step_is_the_first_point_stable_over_the_next_400_steps():
    steps = [200, 400, 600, 800, 1000, 1200, 1400]
    rewards = [0.10, 0.30, 0.50, 0.52, 0.49, 0.50, 0.50]
    # t=600 (0.50): 0.52 next is +4 % -> no; t=800 (0.52): 0.49 is -5.8 % -> no;
    # t=1000 (0.49): 0.50 and 0.50 are +2.0 % -> converged.
    assert convergence_step(list(zip(steps, rewards, strict=True))) == 1000
    # With 5 %: t=400 (0.30) -> 0.50 no; t=600 (0.50): +4 %, -2 % -> converged.
    assert convergence_step(list(zip(steps, rewards, strict=True)), tolerance=0.05) == 600


def test_convergence_step_skips_the_constant_untrained_prefix_and_needs_a_full_horizon():
    flat = [(200 * (i + 1), 0.2) for i in range(10)]
    assert convergence_step(flat) is None  # never changed: the untrained constant policy
    pts = [(200, 0.2), (400, 0.2), (600, 0.4), (800, 0.4), (1000, 0.4)]
    assert convergence_step(pts) == 600
    assert convergence_step(pts[:4]) is None  # 600 + 400 > 800: horizon not covered
    noisy = [(200 * (i + 1), v) for i, v in enumerate([0.1, 0.3, 0.5, 0.3, 0.5, 0.3])]
    assert convergence_step(noisy) is None


def test_test_curve_replays_one_fixed_held_out_episode():
    params = EdgeClusterEnv("warehouse-80x4", n_nodes=20, n_servers=3).params
    agent = SCMWVCAgent(EdgeClusterEnv(params))
    curve = HeldOutCurve(agent, params, layout_seed=1, steps=200)
    curve(200, 0.0)
    curve(400, 0.0)
    (s1, r1), (s2, r2) = curve.points
    assert (s1, s2) == (200, 400) and r1 == r2  # same path and layout each time
    # A full 200-step test curve episode is test episode 0 of the evaluation protocol.
    assert r1 == evaluate(agent, params, 1, 1)
    assert np.isfinite(r1) and curve.seconds > 0
