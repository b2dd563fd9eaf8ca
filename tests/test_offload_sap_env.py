"""OffloadSAP-v0 and offload_sap_v0: system record, scenarios, checkers on the cloud and
outage views, info keys, reward == -cost, determinism, the two views over one model."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env as gym_check_env
from pettingzoo.test import api_test, parallel_api_test, parallel_seed_test, seed_test

import edge_envs
from edge_envs.offload_sap import SCENARIOS, SYSTEM, decode_observation, field_names
from edge_envs.offload_sap import offload_sap_v0 as pz
from edge_envs.offload_sap.params import LATENCY_SWEEP_MS
from tests.helpers import action_sequence, play

ENV_ID = "OffloadSAP-v0"
INFO_KEYS = {"cost", "time_s", "energy_j", "completed_tasks", "dropped_tasks", "battery_j",
             "link_up", "control_bytes"}
VIEWS = [
    {"scenario": "paper-cloud", "tasks_per_device": 10},
    {"scenario": "outage-cloud", "tasks_per_device": 10},
    {"scenario": "paper", "n_devices": 3, "tasks_per_device": 10, "battery_j": 2.0},
]


def test_system_record():
    assert edge_envs.SYSTEMS[ENV_ID] is SYSTEM
    assert SYSTEM.paper_metric == "cost" and SYSTEM.metric_goal == "min"
    assert SYSTEM.reference_agent == "sap-oracle" and SYSTEM.default_scenario == "paper"
    assert SYSTEM.pz_module == "edge_envs.offload_sap.offload_sap_v0"
    assert "distributed-ddqn" in SYSTEM.paper_agents
    assert SYSTEM.paper_preset == "paper-offload-sap"
    from agents.registry import agents_for

    names = set(agents_for(ENV_ID))
    assert {"sap-local", "sap-fastest-server", "sap-myopic", "sap-oracle", "random"} <= names


def test_named_scenarios():
    for ms in LATENCY_SWEEP_MS:
        for site in ("device", "cloud"):
            s = SCENARIOS[f"latency-{ms}ms-{site}"]
            assert s.decision_site == site and s.loop_latency_s == ms / 1000
    assert SCENARIOS["paper"].n_servers == 3 and SCENARIOS["paper"].decision_site == "device"
    assert SCENARIOS["paper-cloud"].decision_site == "cloud"
    ten = SCENARIOS["paper-10x"]
    assert ten.n_devices == 10 * SCENARIOS["paper"].n_devices and ten.uplink_channels == 10
    assert SCENARIOS["outage-cloud"].mean_down_s > SCENARIOS["paper"].mean_down_s


@pytest.mark.parametrize("kwargs", VIEWS)
def test_gymnasium_sb3_and_pettingzoo_checkers(kwargs):
    from stable_baselines3.common.env_checker import check_env as sb3_check_env

    gym_check_env(gym.make(ENV_ID, render_mode="rgb_array", **kwargs).unwrapped,
                  skip_render_check=False)
    sb3_check_env(gym.make(ENV_ID, **kwargs).unwrapped)
    parallel_api_test(pz.parallel_env(**kwargs), num_cycles=30)
    api_test(pz.env(**kwargs), num_cycles=30)
    seed_test(lambda: pz.env(**kwargs), num_cycles=15)
    parallel_seed_test(lambda: pz.parallel_env(**kwargs), num_cycles=15)


@pytest.mark.parametrize("scenario", ["paper", "outage-cloud"])
def test_info_keys_and_reward_is_minus_cost(scenario):
    env = gym.make(ENV_ID, scenario=scenario, tasks_per_device=20)
    env.reset(seed=2)
    total_tasks, done = 0, False
    for action in action_sequence(env.action_space, 10_000, seed=2):
        _, reward, terminated, truncated, info = env.step(action)
        assert INFO_KEYS <= set(info)
        assert reward == -info["cost"]
        total_tasks += info["completed_tasks"] + info["dropped_tasks"] + info["unserved_tasks"]
        assert not truncated
        if terminated:
            done = True
            break
    assert done and total_tasks == 10 * 20  # every generated task is settled once


def test_cloud_decisions_drop_more_with_latency_device_decisions_never():
    def drops(scenario):
        env = gym.make(ENV_ID, scenario=scenario, tasks_per_device=50)
        total = 0
        for seed in range(2):
            env.reset(seed=seed)
            done = False
            while not done:
                _, _, done, _, info = env.step(0)
                total += info["dropped_tasks"]
        return total

    cloud = [drops(f"latency-{ms}ms-cloud") for ms in (0, 200)]
    assert cloud[0] < cloud[1]
    assert drops("latency-200ms-device") == 0


def test_same_seed_same_episode_views_agree():
    env = gym.make(ENV_ID, tasks_per_device=10)
    actions = action_sequence(env.action_space, 60, seed=1)
    assert play(env, 4, actions) == play(env, 4, actions)
    assert play(env, 4, actions) != play(env, 5, actions)
    # The PettingZoo view over the same model: with every device taking the same action
    # sequence in decision order, both views book the same tasks at the same costs.
    env.reset(seed=4)
    par = pz.parallel_env(tasks_per_device=10)
    obs, _ = par.reset(seed=4)
    gym_costs, pz_costs = [], []
    k = 0
    while par.agents and k < 40:
        deciding = [a for a in par.agents if obs[a][0] == 1.0]
        step_actions = {a: 0 for a in par.agents}
        for a in deciding:
            step_actions[a] = int(actions[k])
            g_obs, g_reward, *_ = env.step(actions[k])
            gym_costs.append(g_reward)
            k += 1
        obs, rewards, *_ = par.step(step_actions)
        pz_costs.append(sum(rewards.values()))
    assert sum(gym_costs) == pytest.approx(sum(pz_costs))


def test_decode_observation_fields():
    env = gym.make(ENV_ID)
    obs, _ = env.reset(seed=0)
    names = field_names(env.unwrapped.params)
    assert len(names) == env.observation_space.shape[0] == 13 + 5 * 3
    f = decode_observation(obs, env.unwrapped.params)
    model = env.unwrapped.model
    i = env.unwrapped.deciding_device
    assert f["needs_decision"] == 1.0
    assert f["task_bits"] == pytest.approx(model.task_bits[i, 0], rel=1e-6)
    assert f["speed_bps"] == pytest.approx(model.device_speed_bps[i], rel=1e-6)
    np.testing.assert_allclose(f["server_link_bps"], [50e6, 50e6, 5e6], rtol=1e-6)
    with pytest.raises(ValueError, match="observation"):
        decode_observation(obs[:-1], env.unwrapped.params)


def test_render_frame():
    env = gym.make(ENV_ID, render_mode="rgb_array", tasks_per_device=5)
    env.reset(seed=0)
    env.step(1)
    frame = env.render()
    assert frame.dtype == np.uint8 and frame.ndim == 3 and frame.std() > 0
    par = pz.parallel_env(render_mode="rgb_array", tasks_per_device=5)
    par.reset(seed=0)
    assert par.render().shape == frame.shape


def test_bad_inputs_raise_value_error():
    env = gym.make(ENV_ID).unwrapped
    env.reset(seed=0)
    for bad in (4, -1, 1.5, "1"):
        with pytest.raises(ValueError, match="action"):
            env.step(bad)
    with pytest.raises(ValueError, match="loop_latency_s"):
        gym.make(ENV_ID, loop_latency_s=-0.1)
    with pytest.raises(ValueError, match="server_speed_bps"):
        gym.make(ENV_ID, server_speed_bps=(), server_link_bps=(), server_energy_j_per_bit=())
    par = pz.parallel_env(tasks_per_device=3)
    par.reset(seed=0)
    with pytest.raises(ValueError, match="missing"):
        par.step({})
    with pytest.raises(ValueError, match="action"):
        par.step({a: 7 for a in par.agents})
