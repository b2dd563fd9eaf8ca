"""The fixed-rule baselines (``System.fixed_rule_agent``): hand-computed decisions that never
depend on the observation."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest

import edge_envs  # noqa: F401
from agents.baselines.large_scale_mec import FixedSplitAgent, fixed_split_decision
from agents.baselines.single_cell_mec import FixedAssignAgent


def test_fixed_split_deals_iotds_round_robin_in_proportion_to_capacity():
    assert fixed_split_decision((15e9, 15e9), 6).tolist() == [1, 2, 1, 2, 1, 2]
    # 2:1 capacities, 6 IoTDs: quotas 4 and 2, dealt while each has quota left.
    assert fixed_split_decision((20e9, 10e9), 6).tolist() == [1, 2, 1, 2, 1, 1]
    # Half of 10 offload over three equal MECs: quotas 5/3 each, the two largest remainders
    # (ties: lowest index) get the extra IoTD.
    assert fixed_split_decision((1, 1, 1), 10, 0.5).tolist() == [1, 2, 3, 1, 2, 0, 0, 0, 0, 0]
    assert fixed_split_decision((1, 1), 4, 0.0).tolist() == [0, 0, 0, 0]


@pytest.mark.parametrize("kwargs", [{}, {"action_mode": "scores", "allocation": "agent"}])
def test_fixed_split_ignores_the_observation(kwargs):
    env = gym.make("LargeScaleMEC-v0", scenario="dirs-2x30-hetero", **kwargs)
    agent = FixedSplitAgent(env)
    actions = []
    for seed in (0, 1):
        obs, _ = env.reset(seed=seed)
        agent.begin_episode(env)
        action = agent.act(obs)
        assert env.action_space.contains(action)
        actions.append(action)
    if not kwargs:
        assert actions[0].tolist() == [1, 2] * 15
        assert np.array_equal(actions[0], actions[1])
    else:  # one-hot scores: the vote maps them back to the same decision
        scores = actions[0][: 30 * 2].reshape(30, 2)
        assert scores.argmax(axis=1).tolist() == [0, 1] * 15
        assert np.array_equal(scores, actions[1][: 30 * 2].reshape(30, 2))
    with pytest.raises(ValueError, match="offload_share must be in"):
        FixedSplitAgent(env, offload_share=1.5)


def test_fixed_assign_sends_user_i_to_server_i_mod_k():
    env = gym.make("SingleCellMEC-v0", scenario="small-4x3-hetero")
    obs, _ = env.reset(seed=0)
    assert FixedAssignAgent(env).act(obs).tolist() == [1, 2, 3, 1]
    assert FixedAssignAgent(env, servers_used=2).act(obs).tolist() == [1, 2, 1, 2]
    agent = FixedAssignAgent(env, servers_used=1)
    assert agent.act(obs).tolist() == [1, 1, 1, 1]
    obs, *_ = env.step(agent.act(obs))
    assert agent.act(obs).tolist() == [1, 1, 1, 1]
    with pytest.raises(ValueError, match=r"servers_used must be in \[1, 3\]"):
        FixedAssignAgent(env, servers_used=4)
