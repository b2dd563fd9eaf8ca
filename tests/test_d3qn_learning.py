"""D3QN learns: on the fixed-route scenario (80 nodes / 4 servers) it beats SC-MWVC.

Minutes of CPU, so marked slow (not in the default CI run).
"""

from __future__ import annotations

import numpy as np
import pytest

from agents.baselines.edge_cluster import SCMWVCAgent
from agents.d3qn.agent import D3QNAgent
from benchmarks.reproduce.cluster import evaluate
from edge_envs.edge_cluster.gym_env import EdgeClusterEnv

SCENARIO = "fixed-route-80x4"


@pytest.mark.slow
def test_d3qn_beats_sc_mwvc_on_the_fixed_route():
    def env():
        return EdgeClusterEnv(SCENARIO, action_mode="single")

    agent = D3QNAgent(env(), layout_seed=0)
    agent.train(env, 10_000, seed=0)
    params = env().params
    d3qn = evaluate(agent, params, 0, 3)
    static = evaluate(SCMWVCAgent(env()), params, 0, 3)
    assert np.isfinite(d3qn) and d3qn > static
