"""Property tests over random scenario *parameter values* (spec 06, "Environments").

The named scenarios are covered by ``test_env_api.py``; here hypothesis draws every numeric
and categorical field of the scenario dataclass inside its validated range, and an episode
of random actions must keep observations in their space (finite float32), rewards finite and
every numeric ``info`` value finite.
"""

from __future__ import annotations

import importlib

import gymnasium as gym
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import ENV_IDS, SYSTEMS
from tests.helpers import action_sequence
from tests.param_strategies import PARAM_STRATEGIES


def test_every_registered_env_has_a_parameter_strategy():
    assert sorted(PARAM_STRATEGIES) == sorted(ENV_IDS)


def _finite_info(info: dict) -> None:
    for key, value in info.items():
        if isinstance(value, dict):
            _finite_info(value)
            continue
        arr = np.asarray(value)
        if arr.dtype.kind in "fiub":
            assert np.all(np.isfinite(arr)), f"info[{key!r}] is not finite: {value!r}"


@pytest.mark.parametrize("env_id", ENV_IDS)
@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(data=st.data(), seed=st.integers(0, 2**31 - 1))
def test_random_parameters_keep_observations_valid(env_id, data, seed):
    overrides = data.draw(PARAM_STRATEGIES[env_id], label="overrides")
    env = gym.make(env_id, **overrides)
    obs, info = env.reset(seed=seed)
    assert obs.dtype == np.float32 and env.observation_space.contains(obs)
    _finite_info(info)
    for action in action_sequence(env.action_space, 12, seed=seed):
        obs, reward, terminated, truncated, info = env.step(action)
        assert obs.dtype == np.float32 and np.all(np.isfinite(obs))
        assert env.observation_space.contains(obs), overrides
        assert isinstance(reward, float) and np.isfinite(reward)
        _finite_info(info)
        if terminated or truncated:
            obs, info = env.reset()
            assert env.observation_space.contains(obs)


@pytest.mark.parametrize("env_id", ENV_IDS)
@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_random_parameters_are_deterministic(env_id, data):
    overrides = data.draw(PARAM_STRATEGIES[env_id], label="overrides")
    digests = []
    for _ in range(2):
        env = gym.make(env_id, **overrides)
        obs, _ = env.reset(seed=7)
        trail = [obs]
        for action in action_sequence(env.action_space, 6, seed=7):
            obs, reward, terminated, truncated, _ = env.step(action)
            trail += [obs, np.float64(reward)]
            if terminated or truncated:
                break
        digests.append(trail)
    for a, b in zip(*digests, strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("env_id", [e for e in ENV_IDS if SYSTEMS[e].pz_module])
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), seed=st.integers(0, 2**31 - 1))
def test_random_parameters_pettingzoo_view(env_id, data, seed):
    """The parallel view over random parameters: every agent's observation in its space
    at every step of a whole episode (PettingZoo's own tests do not check this)."""
    overrides = data.draw(PARAM_STRATEGIES[env_id], label="overrides")
    env = importlib.import_module(SYSTEMS[env_id].pz_module).parallel_env(**overrides)
    observations, _ = env.reset(seed=seed)
    for k, agent in enumerate(env.possible_agents):
        env.action_space(agent).seed(seed + k)
    while env.agents:
        for agent in env.agents:
            obs = observations[agent]
            assert env.observation_space(agent).contains(obs), (agent, overrides)
            assert np.all(np.isfinite(obs))
        actions = {agent: env.action_space(agent).sample() for agent in env.agents}
        observations, rewards, *_ = env.step(actions)
        assert all(np.isfinite(r) for r in rewards.values())
