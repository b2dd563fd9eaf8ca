"""LargeScaleMEC-v0 and large_scale_mec_v0: checkers on the non-default views, scenarios,
validation, info, read-only state, reward options, the PettingZoo vote, determinism."""

from __future__ import annotations

import dataclasses

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env as gym_check_env
from pettingzoo.test import api_test, parallel_api_test, parallel_seed_test, seed_test

import edge_envs  # noqa: F401
from edge_envs.large_scale_mec import SCENARIOS, SYSTEM, LargeScaleMECParams
from edge_envs.large_scale_mec import large_scale_mec_v0 as pz
from edge_envs.large_scale_mec.gym_env import decode_observation
from tests.helpers import action_sequence, play

ENV_ID = "LargeScaleMEC-v0"
VIEWS = [
    {"scenario": "dirs-2x30"},
    {"scenario": "dirs-2x30", "heterogeneous": True, "task_type": "mixed"},
    {"scenario": "sweep-mec-4", "iotd_distribution": "levy"},
    {"scenario": "dirs-2x30", "action_mode": "scores", "reward": "reciprocal"},
    {"scenario": "dirs-2x30", "action_mode": "scores", "allocation": "agent"},
]


@pytest.mark.parametrize("kwargs", VIEWS)
def test_gymnasium_and_sb3_checkers(kwargs):
    from stable_baselines3.common.env_checker import check_env as sb3_check_env

    gym_check_env(gym.make(ENV_ID, render_mode="rgb_array", **kwargs).unwrapped,
                  skip_render_check=False)
    # SB3 warns (by design) about a [0, 1] Box action; its hard checks still run.
    sb3_check_env(gym.make(ENV_ID, **kwargs).unwrapped, warn="action_mode" not in kwargs)


@pytest.mark.parametrize("kwargs", [VIEWS[0], VIEWS[1], VIEWS[4]])
def test_pettingzoo_checkers(kwargs):
    parallel_api_test(pz.parallel_env(**kwargs), num_cycles=30)
    api_test(pz.env(**kwargs), num_cycles=30)
    seed_test(lambda: pz.env(**kwargs), num_cycles=15)
    parallel_seed_test(lambda: pz.parallel_env(**kwargs), num_cycles=15)


def test_system_record():
    assert SYSTEM.env_id == ENV_ID and SYSTEM.default_scenario == "dirs-10x200"
    assert SYSTEM.paper_metric == "objective" and SYSTEM.metric_goal == "min"
    assert SYSTEM.reference_agent == "exact" and SYSTEM.quick_scenario == "dirs-2x30-hetero"
    assert SYSTEM.pz_module == "edge_envs.large_scale_mec.large_scale_mec_v0"


def test_named_scenarios_carry_the_papers_values():
    two, eight, ten = (SCENARIOS[k] for k in ("dirs-2x30", "dirs-8x180", "dirs-10x200"))
    assert (two.n_iotd, two.n_mec, two.f_max_hz) == (30, 2, 15e9)
    assert two.mec_positions == ((10.0, 10.0), (40.0, 40.0))
    assert (eight.n_iotd, eight.n_mec, eight.f_max_hz, eight.mec_positions) == (180, 8, 10e9, None)
    assert (ten.n_iotd, ten.n_mec, ten.f_max_hz, ten.mec_positions) == (200, 10, 10e9, None)
    for p in (two, eight, ten):  # Table I
        assert (p.task_cycles, p.task_bits, p.bandwidth_hz, p.f_local_hz) == (1e9, 8e5, 1e6, 1e9)
        assert (p.p_max_w, p.noise_w, p.kappa, p.area_m) == (1.5, 1e-12, 1e-27, 50.0)
    assert SCENARIOS["dirs-8x180-d1000kb"].task_bits == 8e6
    assert SCENARIOS["dirs-8x180-f0.5g"].task_cycles == 0.5e9
    assert SCENARIOS["dirs-8x180-levy"].iotd_distribution == "levy"
    assert [SCENARIOS[f"sweep-iotd-{n}"].n_iotd for n in range(10, 101, 10)] == list(
        range(10, 101, 10))
    assert [SCENARIOS[f"sweep-mec-{m}"].n_mec for m in range(2, 11)] == list(range(2, 11))


BAD = [
    ("n_iotd", 0), ("n_mec", 0), ("area_m", -1.0), ("mec_positions", ((1.0, 1.0),)),
    ("mec_positions", ((1.0, 1.0), (60.0, 1.0))), ("iotd_distribution", "poisson"),
    ("position_scale_m", 0.0), ("levy_beta", 2.5), ("task_cycles", 0.0), ("task_bits", -1.0),
    ("heterogeneous", "yes"), ("task_cycles_range", (2e9, 1e9)), ("task_bits_range", (1.0,)),
    ("task_type", "urgent"), ("f_local_hz", 0.0), ("kappa", -1e-27), ("cpu_exponent", 0.5),
    ("f_max_hz", 0.0), ("f_max_hz", (1e9, 2e9, 3e9)), ("p_max_w", 0.0), ("bandwidth_hz", 0.0),
    ("noise_w", 0.0), ("beta0", 0.0), ("episode_slots", 0), ("reward", "log"),
    ("allocation", "proportional"), ("action_mode", "continuous"),
]


@pytest.mark.parametrize(("field", "value"), BAD)
def test_bad_scenario_values_raise_naming_the_field(field, value):
    with pytest.raises(ValueError, match=field):
        dataclasses.replace(SCENARIOS["dirs-2x30"], **{field: value})
    with pytest.raises(ValueError, match=field):
        gym.make(ENV_ID, scenario="dirs-2x30", **{field: value})


def test_inconsistent_combinations_raise():
    with pytest.raises(ValueError, match="allocation"):
        LargeScaleMECParams(allocation="agent")  # needs action_mode="scores"
    with pytest.raises(ValueError, match="n_iotd"):
        LargeScaleMECParams(n_iotd=3, n_mec=5)  # k-means needs N >= M


def test_step_info_and_read_only_state():
    env = gym.make(ENV_ID, scenario="dirs-2x30")
    base = env.unwrapped
    obs, _ = env.reset(seed=3)
    gains = np.array(base.channel_gain)
    np.testing.assert_allclose(decode_observation(obs, base.params).channel_gain, gains,
                               rtol=3e-6)
    for name in ("channel_gain", "iotd_positions", "mec_positions", "task_cycles", "task_bits"):
        arr = getattr(base, name)
        assert not arr.flags.writeable
        with pytest.raises(ValueError):
            arr.flat[0] = 0.0
    assert base.cpu_allocation_hz is None and base.tx_power_w is None
    action = np.zeros(30, dtype=np.int64)
    action[:20] = np.arange(20) % 2 + 1
    obs, reward, terminated, truncated, info = env.step(action)
    for key in ("objective", "time_s", "energy_j", "offload_decision", "mec_load"):
        assert key in info
    np.testing.assert_array_equal(info["offload_decision"], action)
    np.testing.assert_array_equal(info["mec_load"], [10, 10])
    last = base.last_result
    assert info["time_s"] == pytest.approx(last.time_s.sum())
    assert info["objective"] == pytest.approx(last.time_s.sum() + last.energy_j.sum())
    assert reward == pytest.approx(-info["objective"] / 30)
    cpu, power = base.cpu_allocation_hz, base.tx_power_w
    assert not cpu.flags.writeable and not power.flags.writeable
    np.testing.assert_allclose(cpu[:20], 1.5e9)  # 10 equal IoTDs share 15 GHz
    assert np.all(cpu[20:] == 0) and np.all(power[20:] == 0)
    assert np.all((power[:20] > 0) & (power[:20] <= 1.5))
    assert not np.array_equal(base.channel_gain, gains)  # a new slot was drawn


def test_reciprocal_reward_and_truncation():
    env = gym.make(ENV_ID, scenario="dirs-2x30", reward="reciprocal", episode_slots=3)
    env.reset(seed=0)
    for k in range(3):
        _, reward, terminated, truncated, info = env.step(np.zeros(30, dtype=np.int64))
        assert reward == pytest.approx(1.0 / 60.0) and not terminated
        assert truncated == (k == 2)


def test_scores_view_votes_like_the_discrete_view():
    discrete = gym.make(ENV_ID, scenario="dirs-2x30")
    scores = gym.make(ENV_ID, scenario="dirs-2x30", action_mode="scores")
    rng = np.random.default_rng(0)
    discrete.reset(seed=5)
    scores.reset(seed=5)
    for _ in range(4):
        s = rng.random((30, 2)).astype(np.float32)
        decision = np.where(s.max(1) > 0.5, s.argmax(1) + 1, 0)
        _, r1, *_ = discrete.step(decision)
        _, r2, *_ = scores.step(s.ravel())
        assert r1 == r2


def test_pettingzoo_vote_shared_reward_and_observations():
    par = pz.parallel_env(scenario="dirs-2x30")
    gym_env = gym.make(ENV_ID, scenario="dirs-2x30")
    observations, _ = par.reset(seed=8)
    obs, _ = gym_env.reset(seed=8)
    assert par.agents == ["mec_0", "mec_1"]
    full = obs.reshape(30, 2)
    for j, agent in enumerate(par.agents):
        np.testing.assert_array_equal(observations[agent], full[:, j])
    np.testing.assert_array_equal(par.state(), obs)
    s0 = np.zeros(30, dtype=np.float32)
    s1 = np.zeros(30, dtype=np.float32)
    s0[:10], s1[5:15] = 0.9, 0.8  # IoTDs 0-9 -> MEC 0 (0.9 beats 0.8), 10-14 -> MEC 1
    _, rewards, _, _, infos = par.step({"mec_0": s0, "mec_1": s1})
    expected = np.zeros(30, dtype=np.int64)
    expected[:10], expected[10:15] = 1, 2
    np.testing.assert_array_equal(infos["mec_0"]["offload_decision"], expected)
    _, reward, *_ = gym_env.step(expected)
    assert rewards["mec_0"] == rewards["mec_1"] == reward
    with pytest.raises(ValueError, match="action"):
        par.step({"mec_0": s0, "mec_1": np.full(30, 2.0, dtype=np.float32)})


def test_determinism_and_seed_sensitivity_across_scenarios():
    for name in ("dirs-8x180-hetero", "dirs-8x180-levy"):
        env = gym.make(ENV_ID, scenario=name)
        actions = action_sequence(env.action_space, 15, seed=1)
        first = play(env, 4, actions)
        assert play(gym.make(ENV_ID, scenario=name), 4, actions) == first
        assert play(env, 5, actions) != first


def test_nrr_exact_is_at_most_one_for_any_policy():
    env = gym.make(ENV_ID, scenario="dirs-2x30", compute_nrr_exact=True)
    env.reset(seed=0)
    for action in action_sequence(env.action_space, 5, seed=0):
        _, _, _, _, info = env.step(action)
        assert 0.0 < info["nrr_exact"] <= 1.0
    assert "nrr_exact" not in gym.make(ENV_ID, scenario="dirs-2x30").reset(seed=0)[1]
