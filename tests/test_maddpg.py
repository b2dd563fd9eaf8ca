"""MADDPG on LargeScaleMEC-v0 (the multi-agent comparison of paper 003, Fig. 7)."""

from __future__ import annotations

import gymnasium as gym
import numpy as np

import edge_envs  # noqa: F401
from agents.registry import make_agent


def make_env():
    return gym.make("LargeScaleMEC-v0", scenario="dirs-2x30")


def test_maddpg_trains_acts_and_round_trips(tmp_path):
    env = make_env()
    agent = make_agent("maddpg", env, warmup=32, batch_size=16)
    result = agent.train(make_env, 200, seed=0)
    assert result.env_steps == 200
    assert len(result.curve) == 2  # two 100-slot episodes
    assert len(result.extra["critic_loss"]) == 200 - 31
    obs, _ = env.reset(seed=4)
    action = agent.act(obs)
    assert env.action_space.contains(action)
    agent.save(tmp_path / "m")
    loaded = type(agent).load(tmp_path / "m", env)
    for _ in range(3):
        assert np.array_equal(agent.act(obs), loaded.act(obs))
        obs, *_ = env.step(agent.act(obs))


def test_maddpg_is_deterministic_with_a_seed():
    env = make_env()
    actions = []
    for _ in range(2):
        agent = make_agent("maddpg", env, warmup=16, batch_size=8)
        agent.train(make_env, 60, seed=7)
        obs, _ = env.reset(seed=1)
        actions.append(agent.act(obs))
    assert np.array_equal(actions[0], actions[1])
