"""EdgeCluster-v0 through Gymnasium: spaces, observation layout, episodes, checkers."""

from __future__ import annotations

import copy
import pickle

import gymnasium as gym
import numpy as np
import pytest

import edge_envs  # noqa: F401
from edge_envs.edge_cluster import SCENARIOS, SYSTEM
from edge_envs.edge_cluster.gym_env import EdgeClusterEnv
from edge_envs.edge_cluster.model import SHRINK, STAY

ENV_ID = "EdgeCluster-v0"
INFO_KEYS = {"balance_hops", "balance_data", "hops_per_server", "data_per_server",
             "cluster_sizes", "disconnected_nodes", "head_load_bytes_per_s",
             "heads_over_capacity"}


def test_registered_and_default_scenario():
    env = gym.make(ENV_ID)
    base = env.unwrapped
    assert isinstance(base, EdgeClusterEnv)
    assert base.params == SCENARIOS["warehouse-80x4"]
    assert env.action_space == gym.spaces.MultiDiscrete([7] * 4)
    m, n = 80, 4
    assert env.observation_space.shape == (m * m + 2 * m + 2 + 9 + 3 * n,)
    assert SYSTEM.paper_metric == "reward" and SYSTEM.metric_goal == "max"
    assert SYSTEM.reference_agent == "oracle" and SYSTEM.pz_module is None


@pytest.mark.parametrize("mode", ["multi", "single"])
def test_checkers(mode):
    from gymnasium.utils.env_checker import check_env
    from stable_baselines3.common.env_checker import check_env as sb3_check_env

    env = gym.make(ENV_ID, scenario="random-direction-20x3", action_mode=mode,
                   render_mode="rgb_array")
    check_env(env.unwrapped)
    sb3_check_env(env.unwrapped)


def test_observation_layout_field_by_field():
    env = gym.make(ENV_ID, scenario="random-reflection-20x3-3v")
    base = env.unwrapped
    obs, _ = env.reset(seed=5)
    lay = base.observation_layout
    m, n, v = 20, 3, 3
    assert [f[1:] for f in lay.fields()] == [
        (0, 400), (400, 20), (420, 20), (440, 6), (446, 27), (473, 6), (479, 3)]
    assert lay.size == obs.size == m * m + 2 * m + 11 * v + 3 * n
    assert np.array_equal(obs[lay.adjacency].reshape(m, m), base.adjacency.astype(np.float32))
    obs, *_ = env.step(np.array([SHRINK, STAY, 0]))
    labels = base.cluster_labels
    assert np.allclose(obs[lay.cluster_ids], labels / 2.0)
    sensed = obs[lay.node_data] == 1.0
    assert np.all(np.isclose(obs[lay.node_data], 1 / 3) | (obs[lay.node_data] == 1.0))
    veh = base.vehicle_positions
    d = np.hypot(*(base.node_positions[:, None, :] - veh[None]).transpose(2, 0, 1)).min(axis=1)
    assert np.array_equal(sensed, d <= 6.0)
    assert np.allclose(obs[lay.vehicle_xy], veh.reshape(-1) / 15.0)
    motion = obs[lay.vehicle_motion].reshape(v, 9)
    assert np.array_equal(motion.sum(axis=1), np.ones(v))
    assert np.allclose(obs[lay.core_xy], base.cluster_cores.reshape(-1) / 15.0)
    # weights 0.8, 1, 1 on the log scale between 0.25 and 4
    w = np.log(np.array([0.8, 1.0, 1.0]) / 0.25) / np.log(16.0)
    assert np.allclose(obs[lay.core_weights], w)
    assert obs[lay.core_weights][1] == pytest.approx(0.5)


def test_observe_balance_appends_the_reward_inputs():
    env = gym.make(ENV_ID, scenario="random-reflection-20x3-3v", observe_balance=True)
    lay = env.unwrapped.observation_layout
    assert [f[0] for f in lay.fields()][-3:] == ["hops_share", "data_share", "balance"]
    assert [f[1:] for f in lay.fields()][-3:] == [(482, 3), (485, 3), (488, 2)]
    obs, info = env.reset(seed=5)
    for action in ([SHRINK, STAY, 0], [STAY, 1, SHRINK]):
        obs, reward, _, _, info = env.step(np.array(action))
        hops, data = info["hops_per_server"], info["data_per_server"]
        np.testing.assert_allclose(obs[lay.hops_share], hops / hops.sum(), rtol=1e-6)
        np.testing.assert_allclose(obs[lay.data_share], data / data.sum(), rtol=1e-6)
        np.testing.assert_allclose(obs[lay.balance],
                                   [info["balance_hops"], info["balance_data"]], rtol=1e-6)
        assert reward == pytest.approx(obs[lay.balance].prod(), rel=1e-5)
    plain = gym.make(ENV_ID, scenario="random-reflection-20x3-3v")
    plain_obs, _ = plain.reset(seed=5)
    assert obs.size == plain_obs.size + 2 * 3 + 2


def test_observe_lookahead_is_the_reward_of_each_one_core_action_with_the_vehicle_still():
    """Each lookahead entry is the reward the env pays for that one-core action when the
    vehicles do not move (so the lookahead uses no future knowledge), in either action mode."""
    class Parked:
        def reset(self, rng, area_m, n_vehicles):
            self.p = rng.uniform(0.0, area_m, size=(n_vehicles, 2))
            return self.p.copy()

        def step(self):
            return self.p.copy()

    def one_core(a, mode):
        if mode == "single":
            return a
        vec = np.full(3, STAY)
        vec[a // 7] = a % 7
        return vec

    for mode in ("single", "multi"):
        env = EdgeClusterEnv("random-reflection-20x3", mobility_generator=Parked(),
                             observe_lookahead=True, action_mode=mode)
        lay = env.observation_layout
        assert lay.fields()[-1] == ("lookahead", lay.size - 21, 21)
        obs, _ = env.reset(seed=3)
        for first in (2, 12):  # walk a few steps so cores and weights are not at the start
            obs, *_ = env.step(one_core(first, mode))
            lookahead = obs[lay.lookahead]
            for a in range(21):
                probe = copy.deepcopy(env)
                _, reward, *_ = probe.step(one_core(a, mode))
                assert reward == pytest.approx(lookahead[a], abs=1e-6)
        assert len(set(np.round(lookahead, 6))) > 3  # the actions do differ
    # A moving vehicle: the lookahead is scored where the vehicle is now, not where it goes.
    env = EdgeClusterEnv("random-reflection-20x3", observe_lookahead=True)
    obs, _ = env.reset(seed=4)
    now = env.model.one_core_lookahead()
    np.testing.assert_allclose(obs[env.observation_layout.lookahead], now, rtol=1e-6)
    stay = env.model.score(env.model.labels, env.model.heads, env.vehicle_positions).reward
    assert now[[4, 11, 18]] == pytest.approx([stay] * 3)


def test_motion_one_hot_follows_the_vehicle():
    class Walker:
        def reset(self, rng, area_m, n_vehicles):
            self.p = np.array([[5.0, 5.0]])
            self.k = 0
            return self.p.copy()

        def step(self):
            moves = [(0, 1), (1, 1), (0, 0), (-1, -2)]
            self.p = self.p + np.array(moves[self.k % 4], dtype=float)
            self.k += 1
            return self.p.copy()

    env = gym.make(ENV_ID, scenario="nodes-20", mobility_generator=Walker())
    base = env.unwrapped
    assert base.params.mobility == "generator"
    obs, _ = env.reset(seed=0)
    env.action_space.seed(0)  # reproducible random actions
    lay = base.observation_layout
    assert obs[lay.vehicle_motion].argmax() == 8  # stay at t = 0
    seen = []
    for _ in range(4):
        obs, *_ = env.step(env.action_space.sample())
        seen.append(int(obs[lay.vehicle_motion].argmax()))
    assert seen == [0, 4, 8, 7]  # up, up-right, stay, down-left
    assert np.allclose(base.vehicle_positions, [[5.0, 5.0]])


def test_generator_mode_needs_a_generator():
    with pytest.raises(ValueError, match="mobility_generator"):
        gym.make(ENV_ID, mobility="generator")
    with pytest.raises(ValueError, match="mobility_generator"):
        gym.make(ENV_ID, mobility_generator=object())


def test_single_action_mode_moves_one_core():
    env = gym.make(ENV_ID, scenario="nodes-40", action_mode="single")
    assert env.action_space == gym.spaces.Discrete(28)
    env.reset(seed=1)
    base = env.unwrapped
    before = base.cluster_weights.copy()
    env.step(7 * 2 + SHRINK)
    assert np.allclose(base.cluster_weights, before * np.array([1, 1, 0.8, 1]))
    assert np.array_equal(base.core_actions(7 * 3 + 0), [STAY, STAY, STAY, 0])


def test_episode_length_and_guards():
    env = gym.make(ENV_ID, scenario="random-direction-20x3", episode_steps=5)
    with pytest.raises(RuntimeError):
        env.unwrapped.step(np.zeros(3, dtype=np.int64))
    env.reset(seed=0)
    env.action_space.seed(0)  # reproducible random actions
    flags = [env.step(env.action_space.sample())[2:4] for _ in range(5)]
    assert flags == [(False, False)] * 4 + [(False, True)]
    with pytest.raises(RuntimeError):
        env.unwrapped.step(np.zeros(3, dtype=np.int64))
    assert SCENARIOS["warehouse-80x4"].episode_steps == 200


@pytest.mark.parametrize("action", [np.array([7, 0, 0]), np.array([0, 0]), "up",
                                    np.array([0.5, 0, 0])])
def test_bad_action_raises(action):
    env = gym.make(ENV_ID, scenario="random-direction-20x3")
    env.reset(seed=0)
    with pytest.raises(ValueError, match="action"):
        env.unwrapped.step(action)


def test_bad_construction_raises():
    with pytest.raises(ValueError, match="n_nodes"):
        gym.make(ENV_ID, n_nodes=-3)
    with pytest.raises(ValueError, match="unknown parameter"):
        gym.make(ENV_ID, nodes=3)
    with pytest.raises(ValueError, match="unknown scenario"):
        gym.make(ENV_ID, scenario="campus")
    with pytest.raises(ValueError, match="render_mode"):
        EdgeClusterEnv(render_mode="human")
    env = gym.make(ENV_ID)
    with pytest.raises(ValueError, match="options"):
        env.reset(seed=0, options={"labelling": [0]})


def _episode(env, seed, steps=30):
    obs, info = env.reset(seed=seed)
    rng = np.random.default_rng(123)
    out = [(obs, info)]
    for _ in range(steps):
        a = rng.integers(0, 7, size=env.action_space.shape)
        out.append(env.step(a))
    return out


def _same(a, b):
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, tuple | list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return np.array_equal(a, b)


@pytest.mark.parametrize("scenario", ["warehouse-80x4", "random-reflection-20x3-3v",
                                      "fixed-route-80x4"])
def test_determinism(scenario):
    a = _episode(gym.make(ENV_ID, scenario=scenario), 7)
    b = _episode(gym.make(ENV_ID, scenario=scenario), 7)
    c = _episode(gym.make(ENV_ID, scenario=scenario), 8)
    assert _same(a, b)
    assert not _same(a, c)


def test_pickle_mid_episode_continues_identically():
    env = gym.make(ENV_ID, scenario="random-reflection-20x3")
    env.reset(seed=3)
    env.action_space.seed(3)  # reproducible random actions
    for _ in range(4):
        env.step(env.action_space.sample())
    clone = pickle.loads(pickle.dumps(env))
    for _ in range(5):
        a = env.action_space.sample()
        assert _same(env.step(a), clone.step(a))


def test_info_keys_and_fresh_arrays():
    env = gym.make(ENV_ID)
    obs0, info = env.reset(seed=0)
    env.action_space.seed(0)  # reproducible random actions
    assert INFO_KEYS <= info.keys()
    obs1, r, term, trunc, info = env.step(env.action_space.sample())
    assert INFO_KEYS <= info.keys()
    assert obs1 is not obs0 and not np.shares_memory(obs0, obs1)
    assert type(r) is float and type(term) is bool and type(trunc) is bool
    assert info["cluster_sizes"].sum() == 80
    assert 0 <= info["disconnected_nodes"] <= 80
    assert np.allclose(info["head_load_bytes_per_s"], info["data_per_server"])
    assert info["heads_over_capacity"] == int((info["data_per_server"] > 10_000).sum())
    assert r == pytest.approx(info["balance_hops"] * info["balance_data"])


def test_read_only_attributes():
    env = gym.make(ENV_ID, scenario="nodes-20")
    env.reset(seed=0)
    env.action_space.seed(0)  # reproducible random actions
    base = env.unwrapped
    names = ["node_positions", "server_positions", "vehicle_positions", "cluster_cores",
             "cluster_weights", "cluster_heads", "cluster_labels", "adjacency",
             "next_vehicle_positions"]
    for name in names:
        arr = getattr(base, name)
        assert isinstance(arr, np.ndarray) and not arr.flags.writeable, name
        with pytest.raises(ValueError):
            arr[...] = 0
    assert base.adjacency.shape == (20, 20) and base.adjacency.dtype == bool
    assert np.array_equal(base.adjacency, base.adjacency.T)
    assert np.all(np.diag(base.adjacency) == 0)
    assert np.allclose(base.cluster_cores, base.server_positions)
    assert len(set(base.cluster_heads.tolist())) == 4
    nxt = base.next_vehicle_positions.copy()
    env.step(env.action_space.sample())
    assert np.array_equal(base.vehicle_positions, nxt)


def test_set_labelling_scores_a_fixed_partition():
    env = gym.make(ENV_ID, scenario="nodes-20")
    env.reset(seed=2)
    env.action_space.seed(2)  # reproducible random actions
    base = env.unwrapped
    labels = np.arange(20) % 4
    base.set_labelling(labels)
    for _ in range(3):
        _, r, *_ , info = env.step(env.action_space.sample())
        assert np.array_equal(base.cluster_labels, labels)
        expect = base.model.score_labelling(labels)
        assert r == expect.reward
        assert np.array_equal(info["hops_per_server"], expect.hops_per_server)
    with pytest.raises(ValueError, match="labelling"):
        base.set_labelling(np.full(20, 4))
    env.reset(seed=2)
    assert not np.array_equal(base.cluster_labels, labels)  # reset restores MWVC


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_every_scenario_runs_inside_its_space(name):
    env = gym.make(ENV_ID, scenario=name)
    obs, _ = env.reset(seed=11)
    env.action_space.seed(11)  # reproducible random actions
    assert env.observation_space.contains(obs)
    for _ in range(20):
        obs, r, *_ = env.step(env.action_space.sample())
        assert env.observation_space.contains(obs) and np.isfinite(r) and 0.0 <= r <= 1.0


def test_trace_scenario_replays_the_split():
    from edge_envs.edge_cluster.traces import load_trace

    env = gym.make(ENV_ID, trace_split="test", episode_steps=20)
    env.reset(seed=4)
    path = env.unwrapped.model.vehicle_path[:, 0]
    test = load_trace("warehouse", "test")
    starts = np.flatnonzero(np.all(test == path[0], axis=1))
    assert any(np.array_equal(test[k:k + 21], path) for k in starts)


def test_render_rgb_array():
    env = gym.make(ENV_ID, render_mode="rgb_array")
    env.reset(seed=0)
    env.action_space.seed(0)  # reproducible random actions
    env.step(env.action_space.sample())
    img = env.render()
    assert img.dtype == np.uint8 and img.ndim == 3 and img.shape[2] == 3
    assert img.std() > 0
