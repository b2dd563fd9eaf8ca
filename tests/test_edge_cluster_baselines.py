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


def test_greedy_lookahead_takes_the_best_one_core_move_with_the_vehicle_where_it_is():
    """Its action is the best of the 7n one-core moves scored at the CURRENT vehicle
    positions (a parked vehicle makes that the env's next reward), never worse than staying;
    in multi mode it moves the same single core; it uses no future knowledge."""
    env = gym.make(ENV_ID, scenario="random-direction-20x3", action_mode="single",
                   vehicle_speed_mps=0.0, episode_steps=40)
    obs, _ = env.reset(seed=5)
    greedy = make_agent("greedy-lookahead", env)
    with pytest.raises(RuntimeError, match="begin_episode"):
        greedy.act(obs)
    greedy.begin_episode(env)
    base = env.unwrapped
    moved = 0
    for _ in range(15):
        a = greedy.act(obs)
        candidates = [base.model.preview(base.core_actions(k)).reward for k in range(21)]
        stay = base.model.preview(np.full(3, STAY)).reward
        obs, r, *_ = env.step(a)
        assert r == pytest.approx(max(candidates)) and r >= stay
        moved += a != STAY
    assert moved > 0
    assert not greedy.privileged
    multi = gym.make(ENV_ID, scenario="random-direction-20x3", episode_steps=40)
    multi.reset(seed=5)
    twin = make_agent("greedy-lookahead", multi)
    twin.begin_episode(multi)
    single = gym.make(ENV_ID, scenario="random-direction-20x3", action_mode="single",
                      episode_steps=40)
    obs, _ = single.reset(seed=5)
    greedy.begin_episode(single)
    for _ in range(10):
        a = greedy.act(obs)
        b = twin.act(multi.unwrapped._observation(multi.unwrapped.model.last_score))
        np.testing.assert_array_equal(b, single.unwrapped.core_actions(a))
        obs, r_single, *_ = single.step(a)
        _, r_multi, *_ = multi.step(b)
        assert r_single == r_multi
    r_greedy, _ = _run(single, greedy, seed=9)
    r_mwvc, _ = _run(single, make_agent("sc-mwvc", single), seed=9)
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
