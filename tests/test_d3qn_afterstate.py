"""The afterstate D3QN (network='afterstate'): candidate outcomes and features match what the
env pays and observes for each one-core move; eq. 6 re-scores them per predicted position;
the agent refuses what it cannot score."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from agents.d3qn.afterstate import candidate_features, feature_size, feature_slices
from agents.d3qn.agent import D3QNAgent, LD3QNAgent
from agents.d3qn.predictor import MotionPredictor
from edge_envs.edge_cluster.gym_env import EdgeClusterEnv
from edge_envs.edge_cluster.mobility import MOTIONS
from edge_envs.edge_cluster.model import node_data_bytes, sensing_nodes

SMALL = "random-direction-20x3"
SINGLE = {"action_mode": "single", "observe_balance": True}


def midway_env(seed: int = 2, steps: int = 5) -> tuple[EdgeClusterEnv, np.ndarray]:
    env = EdgeClusterEnv(SMALL, **SINGLE)
    obs, _ = env.reset(seed=seed)
    env.action_space.seed(seed)
    for _ in range(steps):
        obs, *_ = env.step(env.action_space.sample())
    return env, obs


def parked_step(env: EdgeClusterEnv, action: int, position: np.ndarray | None = None):
    """``env.step(action)`` on a copy whose vehicle stays at ``position`` (default: where it
    is now): the reward and observation the controller can score without future knowledge."""
    probe = copy.deepcopy(env)
    model = probe.unwrapped.model
    path = np.array(model.vehicle_path)
    path[model.t:] = model.vehicle_positions if position is None else position
    model.vehicle_path = path
    obs, reward, *_ = probe.step(action)
    return probe, obs, reward


@pytest.mark.parametrize("seed", [0, 2, 7])
def test_candidate_features_are_what_each_move_produces_with_the_vehicle_parked(seed):
    env, obs = midway_env(seed)
    u, lay, p = env.unwrapped, env.unwrapped.observation_layout, env.unwrapped.params
    feats = candidate_features(u.model.one_core_outcomes(), obs[None, lay.vehicle_xy],
                               obs[None, lay.vehicle_motion], p)
    assert feats.shape == (1, 7 * p.n_servers, feature_size(p))
    f = feature_slices(p)
    for a in range(7 * p.n_servers):
        probe, after, reward = parked_step(env, a)
        row = feats[0, a]
        assert row[f["reward"]][0] == pytest.approx(reward, abs=1e-6)
        np.testing.assert_allclose(row[f["hops_share"]], after[lay.hops_share], atol=1e-6)
        np.testing.assert_allclose(row[f["data_share"]], after[lay.data_share], atol=1e-6)
        np.testing.assert_allclose(np.r_[row[f["gamma"]], row[f["delta"]]], after[lay.balance],
                                   atol=1e-6)
        np.testing.assert_allclose(row[f["core_xy"]], after[lay.core_xy], atol=1e-6)
        np.testing.assert_allclose(row[f["core_weights"]], after[lay.core_weights], atol=1e-6)
        sizes = np.bincount(probe.unwrapped.cluster_labels, minlength=p.n_servers) / p.n_nodes
        np.testing.assert_allclose(row[f["sizes"]], sizes, atol=1e-6)
        assert row[f["moved_core"]].argmax() == a // 7 and row[f["action"]].argmax() == a % 7
        # The vehicle fields are the current observation's (the candidate moves no vehicle).
        np.testing.assert_array_equal(row[f["vehicle_xy"]], obs[lay.vehicle_xy])
        np.testing.assert_array_equal(row[f["vehicle_motion"]], obs[lay.vehicle_motion])
    assert len(set(np.round(feats[0, :, f["reward"]][:, 0], 6))) > 3  # the moves do differ


def test_one_core_outcomes_score_other_data_on_the_same_candidates():
    env, _ = midway_env()
    u, p = env.unwrapped, env.unwrapped.params
    model = u.model
    here = model.one_core_outcomes()
    elsewhere = np.array([[2.0, 13.0]])
    data = node_data_bytes(sensing_nodes(model.node_positions, elsewhere, p.sensing_range_m), p)
    both = model.one_core_outcomes(np.vstack([model.last_score.node_data_bytes, data]))
    for key in ("data", "delta", "reward"):
        np.testing.assert_allclose(both[key][0], here[key][0])
    for a in (0, 9, 20):
        _, _, reward = parked_step(env, a, elsewhere)
        assert both["reward"][1, a] == pytest.approx(reward, abs=1e-9)
    np.testing.assert_allclose(model.one_core_lookahead(), here["reward"][0])


def test_eq6_afterstates_rescore_each_predicted_position():
    env, obs = midway_env()
    u, p = env.unwrapped, env.unwrapped.params
    agent = LD3QNAgent(env, network="afterstate", lstm_updates=5)
    agent.predictor = MotionPredictor()
    agent.predictor.displacement_m[:] = np.array([[0, 4], [0, -4], [-4, 0], [4, 0], [3, 3],
                                                  [3, -3], [-3, 3], [-3, -3], [0, 0]])
    agent.begin_episode(env)
    pos = np.array(u.vehicle_positions[0])
    states = agent.predicted_states(obs, pos)
    feats = agent.net.predicted_inputs(states, agent.controller)
    f = feature_slices(p)
    stay = MOTIONS.index("stay")
    np.testing.assert_allclose(feats[stay][:, :f["vehicle_xy"].start],
                               agent.net.inputs(obs, agent.controller)[:, :f["vehicle_xy"].start],
                               atol=1e-5)
    for k, disp in enumerate(agent.predictor.displacement_m):
        new_pos = np.clip(pos + disp, 0.0, p.area_m)
        np.testing.assert_allclose(feats[k, 0, f["vehicle_xy"]], new_pos / p.area_m, atol=1e-6)
        for a in (0, 10, 18):
            _, _, reward = parked_step(env, a, new_pos)
            assert feats[k, a, f["reward"]][0] == pytest.approx(reward, abs=1e-5)
    assert agent.act(obs) in range(7 * p.n_servers)


def test_afterstate_needs_the_single_view_and_the_current_controller_state():
    with pytest.raises(ValueError, match="action_mode='single'"):
        D3QNAgent(EdgeClusterEnv(SMALL), network="afterstate")
    with pytest.raises(ValueError, match="network must be one of"):
        D3QNAgent(EdgeClusterEnv(SMALL, **SINGLE), network="graph")
    env, obs = midway_env()
    agent = D3QNAgent(env, network="afterstate")
    with pytest.raises(RuntimeError, match="begin_episode"):
        agent.act(obs)  # no controller yet
    agent.begin_episode(env)
    assert env.action_space.contains(agent.act(obs))
    lay = env.unwrapped.observation_layout
    for move in range(4):  # a move that changes the cores makes the old observation stale
        new_obs, *_ = env.step(move)
        if not np.allclose(new_obs[lay.core_xy], obs[lay.core_xy]):
            break
    with pytest.raises(RuntimeError, match="latest observation"):
        agent.act(obs)
    assert env.action_space.contains(agent.act(new_obs))


def test_afterstate_picks_the_best_candidate_by_its_q_values():
    """Greedy action = argmax of the shared scorer over the candidates' features."""
    import torch

    env, obs = midway_env()
    agent = D3QNAgent(env, network="afterstate")
    agent.begin_episode(env)
    x = agent.net.inputs(obs, agent.controller)
    with torch.no_grad():
        q = agent.net.q(torch.as_tensor(x)).numpy()
    assert q.shape == (7 * env.unwrapped.params.n_servers,)
    assert agent.act(obs) == int(q.argmax())
