"""PettingZoo views: the standard tests plus what they do not check (spec 06)."""

from __future__ import annotations

import importlib

import numpy as np
import pytest
from pettingzoo.test import api_test, parallel_api_test, parallel_seed_test, seed_test

from tests.conftest import PZ_SYSTEMS, SYSTEMS
from tests.helpers import update_digest

if not PZ_SYSTEMS:
    pytest.skip("no multi-agent views registered", allow_module_level=True)


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
