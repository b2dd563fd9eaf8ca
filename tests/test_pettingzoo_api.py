"""PettingZoo views: the standard tests plus what they do not check (spec 06)."""

from __future__ import annotations

import importlib

import gymnasium as gym
import numpy as np
import pytest
from pettingzoo.test import api_test, parallel_api_test, parallel_seed_test, seed_test

from tests.conftest import PZ_SYSTEMS, SYSTEMS
from tests.helpers import update_digest

if not PZ_SYSTEMS:
    pytest.skip("no multi-agent views registered", allow_module_level=True)


# Per multi-agent system: the ``gym.make`` kwargs of the Gymnasium view whose action holds every
# agent's action, and how the agents' actions (in ``possible_agents`` order) form it.
JOINT_ACTION = {
    # Agent j's N scores are column j of the (N, M) IoTD-major score action.
    "LargeScaleMEC-v0": ({"action_mode": "scores"}, lambda acts: np.stack(acts).T.reshape(-1)),
    # User n's Discrete choice is entry n of the MultiDiscrete action.
    "SingleCellMEC-v0": ({}, lambda acts: np.array(acts, dtype=np.int64)),
}


def pz_module(env_id):
    return importlib.import_module(SYSTEMS[env_id].pz_module)


def quick(env_id):
    return {"scenario": SYSTEMS[env_id].quick_scenario or SYSTEMS[env_id].default_scenario}


@pytest.mark.parametrize("env_id", PZ_SYSTEMS)
def test_parallel_api(env_id):
    parallel_api_test(pz_module(env_id).parallel_env(**quick(env_id)), num_cycles=50)


@pytest.mark.parametrize("env_id", PZ_SYSTEMS)
def test_aec_api(env_id):
    api_test(pz_module(env_id).env(**quick(env_id)), num_cycles=50)


@pytest.mark.parametrize("env_id", PZ_SYSTEMS)
def test_seed_tests(env_id):
    module = pz_module(env_id)
    seed_test(lambda: module.env(**quick(env_id)), num_cycles=20)
    parallel_seed_test(lambda: module.parallel_env(**quick(env_id)), num_cycles=20)


def _episode_digest(env, seed, action_seed):
    import hashlib

    h = hashlib.sha256()
    observations, infos = env.reset(seed=seed)
    update_digest(h, (observations, infos))
    for agent in env.possible_agents:
        env.action_space(agent).seed(action_seed + env.possible_agents.index(agent))
    while env.agents:
        for agent in env.agents:
            assert env.observation_space(agent).contains(observations[agent]), agent
            assert np.all(np.isfinite(observations[agent]))
        actions = {agent: env.action_space(agent).sample() for agent in env.agents}
        observations, rewards, terms, truncs, infos = env.step(actions)
        update_digest(h, (observations, rewards, terms, truncs, infos))
    return h.hexdigest()


@pytest.mark.parametrize("env_id", PZ_SYSTEMS)
def test_whole_episode_seeded_and_in_space(env_id):
    module = pz_module(env_id)
    first = _episode_digest(module.parallel_env(**quick(env_id)), 3, 100)
    assert _episode_digest(module.parallel_env(**quick(env_id)), 3, 100) == first
    assert _episode_digest(module.parallel_env(**quick(env_id)), 4, 100) != first


@pytest.mark.parametrize("env_id", PZ_SYSTEMS)
def test_infos_are_the_gymnasium_info(env_id):
    """Same seed, same actions: every agent's info has the Gymnasium info's keys and values
    (both shells build it with one function)."""
    if env_id not in JOINT_ACTION:
        pytest.skip(f"{env_id}: add its entry to JOINT_ACTION to compare its infos")
    gym_kwargs, joint = JOINT_ACTION[env_id]
    par = pz_module(env_id).parallel_env(**quick(env_id))
    single = gym.make(env_id, **quick(env_id), **gym_kwargs)
    par.reset(seed=11)
    single.reset(seed=11)
    for k, agent in enumerate(par.possible_agents):
        par.action_space(agent).seed(k)
    for _ in range(5):
        actions = {agent: par.action_space(agent).sample() for agent in par.agents}
        *_, infos = par.step(actions)
        *_, info = single.step(joint([actions[a] for a in par.possible_agents]))
        assert info and set(infos) == set(par.possible_agents)
        for agent_info in infos.values():
            assert agent_info.keys() == info.keys()
            for key, value in info.items():
                np.testing.assert_array_equal(agent_info[key], value, err_msg=key)
