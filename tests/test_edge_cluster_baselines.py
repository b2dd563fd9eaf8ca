"""EdgeCluster baselines (SC-MWVC, SC-METIS) and the oracle reference."""

from __future__ import annotations

import itertools

import gymnasium as gym
import numpy as np
import pytest

import edge_envs  # noqa: F401
from agents.registry import agents_for, make_agent
from edge_envs.edge_cluster.baselines import metis_labelling, oracle_actions
from edge_envs.edge_cluster.model import (
    STAY,
    apply_core_actions,
    node_data_bytes,
    score_candidates,
    sensing_nodes,
)

ENV_ID = "EdgeCluster-v0"


def _run(env, agent, seed, steps=None):
    obs, _ = env.reset(seed=seed)
    agent.begin_episode(env)
    rewards, labels = [], []
    done = False
    while not done:
        obs, r, term, trunc, _ = env.step(agent.act(obs))
        rewards.append(r)
        labels.append(env.unwrapped.cluster_labels.copy())
        done = term or trunc or (steps is not None and len(rewards) >= steps)
    return np.array(rewards), labels


def test_catalog():
    specs = agents_for(ENV_ID)
    assert specs["sc-mwvc"].kind == "baseline" and specs["sc-metis"].kind == "baseline"
    assert specs["oracle"].kind == "reference"
    env = gym.make(ENV_ID)
    assert make_agent("oracle", env).privileged


@pytest.mark.parametrize("m,n", [(80, 4), (80, 2), (40, 3), (20, 4)])
def test_metis_parts_are_balanced_and_matched(m, n):
    env = gym.make(ENV_ID, n_nodes=m, n_servers=n)
    env.reset(seed=m + n)
    base = env.unwrapped
    labels = metis_labelling(base.adjacency, base.node_positions, base.server_positions)
    sizes = np.bincount(labels, minlength=n)
    assert sizes.sum() == m
    assert sizes.max() <= np.ceil(1.03 * m / n) + 1 and sizes.min() >= m / n - 2
    # the part-to-server matching is the minimum-distance one (brute force over n!)
    dist = np.hypot(*(base.node_positions[:, None, :] - base.server_positions[None])
                    .transpose(2, 0, 1))
    own = dist[np.arange(m), labels].sum()
    parts = [np.flatnonzero(labels == k) for k in range(n)]
    best = min(sum(dist[parts[k], perm[k]].sum() for k in range(n))
               for perm in itertools.permutations(range(n)))
    assert own == pytest.approx(best)
    again = metis_labelling(base.adjacency, base.node_positions, base.server_positions)
    assert np.array_equal(labels, again)


def test_sc_mwvc_keeps_its_clusters():
    env = gym.make(ENV_ID, scenario="random-direction-20x3", episode_steps=40)
    agent = make_agent("sc-mwvc", env)
    obs, _ = env.reset(seed=0)
    assert np.array_equal(agent.act(obs), [STAY] * 3)
    rewards, labels = _run(env, agent, seed=0)
    assert all(np.array_equal(lab, labels[0]) for lab in labels)
    assert np.allclose(env.unwrapped.cluster_cores, env.unwrapped.server_positions)
    single = gym.make(ENV_ID, scenario="random-direction-20x3", action_mode="single")
    assert make_agent("sc-mwvc", single).act(single.reset(seed=0)[0]) == STAY


def test_sc_metis_installs_its_partition():
    env = gym.make(ENV_ID, scenario="nodes-40", episode_steps=20)
    agent = make_agent("sc-metis", env)
    rewards, labels = _run(env, agent, seed=3)
    base = env.unwrapped
    expect = metis_labelling(base.adjacency, base.node_positions, base.server_positions)
    assert all(np.array_equal(lab, expect) for lab in labels)


def test_oracle_never_loses_to_stay_and_beats_the_baselines():
    env = gym.make(ENV_ID, scenario="random-direction-20x3", episode_steps=30)
    env.reset(seed=5)
    model = env.unwrapped.model
    for _ in range(10):
        a = oracle_actions(model)
        stay = model.preview(np.full(3, STAY)).reward
        chosen = model.preview(a).reward
        _, r, *_ = env.step(a)
        assert r == chosen >= stay
    oracle = make_agent("oracle", env)
    mwvc = make_agent("sc-mwvc", env)
    r_oracle, _ = _run(env, oracle, seed=9)
    r_mwvc, _ = _run(env, mwvc, seed=9)
    assert r_oracle.mean() > 1.3 * r_mwvc.mean()


def test_oracle_single_mode_is_exhaustive():
    env = gym.make(ENV_ID, scenario="nodes-20", action_mode="single", episode_steps=5)
    obs, _ = env.reset(seed=1)
    oracle = make_agent("oracle", env)
    oracle.begin_episode(env)
    model = env.unwrapped.model
    a = oracle.act(obs)
    rewards = []
    for k in range(env.action_space.n):
        rewards.append(model.preview(env.unwrapped.core_actions(k)).reward)
    assert model.preview(env.unwrapped.core_actions(a)).reward == max(rewards)


def test_oracle_needs_begin_episode():
    env = gym.make(ENV_ID, scenario="nodes-20")
    obs, _ = env.reset(seed=0)
    with pytest.raises(RuntimeError, match="begin_episode"):
        make_agent("oracle", env).act(obs)
    with pytest.raises(ValueError, match="shape"):
        make_agent("sc-mwvc", env).act(np.zeros(3))


class _Path:
    """Vehicle at (7, 7) at t = 0, then at ``then`` for good."""

    def __init__(self, then):
        self.then = np.array([then], dtype=float)

    def reset(self, rng, area_m, n_vehicles):
        return np.array([[7.0, 7.0]])

    def step(self):
        return self.then.copy()


@pytest.mark.parametrize("mode", ["single", "multi"])
def test_greedy_lookahead_is_the_oracle_search_without_foresight(mode):
    """With a parked vehicle it picks what the oracle picks; its choice does not depend on
    where the vehicle goes next (the oracle's does); it beats SC-MWVC."""
    envs = {then: gym.make(ENV_ID, scenario="random-direction-20x3", action_mode=mode,
                           episode_steps=20, mobility_generator=_Path(then))
            for then in ((7.0, 7.0), (0.0, 15.0), (15.0, 0.0))}
    chosen, oracle_chosen = set(), set()
    for then, env in envs.items():
        obs, _ = env.reset(seed=0)
        greedy, oracle = make_agent("greedy-lookahead", env), make_agent("oracle", env)
        assert not greedy.privileged and oracle.privileged
        with pytest.raises(RuntimeError, match="begin_episode"):
            greedy.act(obs)
        greedy.begin_episode(env)
        oracle.begin_episode(env)
        a, b = greedy.act(obs), oracle.act(obs)
        chosen.add(str(a))
        oracle_chosen.add(str(b))
        if then == (7.0, 7.0):
            assert str(a) == str(b)
    assert len(chosen) == 1 and len(oracle_chosen) > 1
    env = gym.make(ENV_ID, scenario="random-direction-20x3", action_mode=mode)
    r_greedy, _ = _run(env, make_agent("greedy-lookahead", env), seed=9)
    r_mwvc, _ = _run(env, make_agent("sc-mwvc", env), seed=9)
    assert r_greedy.mean() > 1.3 * r_mwvc.mean()


def test_oracle_search_modes():
    env = gym.make(ENV_ID, scenario="servers-2", episode_steps=5)
    env.reset(seed=4)
    model = env.unwrapped.model
    a = oracle_actions(model)  # 7^2 <= 2401: exhaustive
    best = max(model.preview(np.array(c)).reward
               for c in itertools.product(range(7), repeat=2))
    assert model.preview(a).reward == best
    env4 = gym.make(ENV_ID, scenario="nodes-20", episode_steps=5)
    env4.reset(seed=4)
    m4 = env4.unwrapped.model
    for _ in range(4):  # greedy, never worse than Stay
        a = oracle_actions(m4, sweeps=2, exhaustive_limit=0)
        assert m4.preview(a).reward >= m4.preview(np.full(4, STAY)).reward
        env4.step(a)


def test_batch_clustering_and_scoring_match_the_step_code():
    env = gym.make(ENV_ID, scenario="nodes-20")
    env.reset(seed=6)
    m = env.unwrapped.model
    # force a head collision: cores 0 and 1 on the same node
    m.cores = np.array(m.cores)
    m.cores[1] = m.cores[0] = m.node_positions[3]
    rng = np.random.default_rng(0)
    actions = np.vstack([np.full(4, STAY), rng.integers(0, 7, (300, 4))])
    heads, labels = m.cluster_candidates(actions)
    data = node_data_bytes(sensing_nodes(m.node_positions, m.next_vehicle_positions, 6.0),
                           m.params)
    batch = score_candidates(labels, heads, data, m.graph, m.params)
    for k, a in enumerate(actions):
        cores, weights = apply_core_actions(m.cores, m.weights, a, m.params)
        h, lab = m.cluster(cores, weights)
        assert np.array_equal(h, heads[k]) and np.array_equal(lab, labels[k])
        single = m.preview(a)
        assert batch["reward"][k] == single.reward
        assert np.array_equal(batch["hops"][k], single.hops_per_server)
        assert np.array_equal(batch["data"][k], single.data_per_server)
    assert len(set(heads[0].tolist())) == 4  # the collision was resolved
