"""The contract every agent keeps (spec 06, "Agents"), parametrised over every registered agent
and every environment it supports: built-ins, SB3 through the adapter, paper agents."""

from __future__ import annotations

import functools

import gymnasium as gym
import numpy as np
import pytest

from agents.base import Agent
from agents.registry import all_agents
from tests.conftest import ENV_IDS, SYSTEMS

TRAIN_BUDGET = 256  # env steps: enough to exercise the learning code, small enough for CI
# Smaller inner loops for the contract tests only (they check determinism and persistence,
# not learning quality; each agent's own tests check that it learns).
_OFF_POLICY = {"hyperparams": {"buffer_size": 10_000, "learning_starts": 200}}
TEST_CONFIG = {
    "sb3-ppo": {"hyperparams": {"n_steps": 128, "batch_size": 64, "n_epochs": 2}},
    "sb3-dqn": _OFF_POLICY,
    "sb3-sac": _OFF_POLICY,
    "sb3-td3": _OFF_POLICY,
    "sb3-ddpg": _OFF_POLICY,
    "l-d3qn": {"lstm_updates": 20},
    "ll-d3qn": {"lstm_updates": 20},
    "l-d3qn-afterstate": {"lstm_updates": 20},
    "ll-d3qn-afterstate": {"lstm_updates": 20},
    "dirs": {"n_demos": 16, "demo_generations": 10, "pretrain_iters": 20, "batch_size": 16},
    "dirs-capacity": {"n_demos": 16, "demo_generations": 10, "pretrain_iters": 20,
                      "batch_size": 16},
}


def pairs():
    for name, spec in sorted(all_agents().items()):
        if spec.kind == "plugin":
            continue
        for env_id in ENV_IDS:
            if spec.supports(env_id):
                yield pytest.param(name, env_id, id=f"{name}-{env_id}")


def make_env(spec, env_id, **extra):
    system = SYSTEMS[env_id]
    kwargs = {"scenario": system.quick_scenario or system.default_scenario}
    kwargs.update(spec.env_kwargs_for(env_id))
    kwargs.update(extra)
    return gym.make(env_id, **kwargs)


def built_and_trained(name, env_id, seed=0):
    spec = all_agents()[name]
    env = make_env(spec, env_id)
    agent = spec.build(env, **TEST_CONFIG.get(name, {}))
    if agent.learns:
        agent.train(lambda: make_env(spec, env_id), TRAIN_BUDGET, seed=seed)
    return spec, env, agent


@functools.cache
def shared_agent(name, env_id):
    """One trained agent per (name, env) reused by the tests that do not need a fresh one."""
    return built_and_trained(name, env_id)


def episode_actions(agent, env, seed, n=10):
    obs, _ = env.reset(seed=seed)
    agent.begin_episode(env)
    actions = []
    for _ in range(n):
        action = agent.act(obs)
        assert env.action_space.contains(np.asarray(action, dtype=env.action_space.dtype))
        actions.append(np.asarray(action))
        obs, _, terminated, truncated, _ = env.step(action)
        if terminated or truncated:
            break
    return actions


@pytest.mark.parametrize(("name", "env_id"), pairs())
def test_save_load_gives_identical_actions(name, env_id, tmp_path):
    spec, env, agent = shared_agent(name, env_id)
    agent.save(tmp_path / "agent")
    loaded = Agent.load(tmp_path / "agent", env)
    assert type(loaded) is type(agent)
    before = episode_actions(agent, env, seed=123)
    after = episode_actions(loaded, make_env(spec, env_id), seed=123)
    assert len(before) == len(after)
    for a, b in zip(before, after, strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize(("name", "env_id"), pairs())
def test_same_seed_same_budget_same_actions(name, env_id):
    spec, env, first = built_and_trained(name, env_id, seed=4)
    _, env2, second = built_and_trained(name, env_id, seed=4)
    for a, b in zip(
        episode_actions(first, env, seed=5), episode_actions(second, env2, seed=5), strict=True
    ):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize(("name", "env_id"), pairs())
def test_wrong_observation_shape_raises(name, env_id):
    spec, env, agent = shared_agent(name, env_id)
    env.reset(seed=0)
    agent.begin_episode(env)
    wrong = np.zeros(int(np.prod(env.observation_space.shape)) + 1, dtype=np.float32)
    with pytest.raises(ValueError, match="observation"):
        agent.act(wrong)


@pytest.mark.parametrize(("name", "env_id"), pairs())
def test_loading_for_another_environment_says_so(name, env_id, tmp_path):
    spec, env, agent = shared_agent(name, env_id)
    agent.save(tmp_path / "agent")
    other = [e for e in ENV_IDS if e != env_id]
    target = gym.make(other[0]) if other else gym.make("CartPole-v1")
    with pytest.raises(ValueError, match="saved for"):
        Agent.load(tmp_path / "agent", target)
