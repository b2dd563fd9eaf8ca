"""SingleCellMEC-v0 and single_cell_v0: spaces, info, read-only state, both views over one
model, observation decoding, scenarios and what the defaults imply."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest

import edge_envs  # noqa: F401
from edge_envs.single_cell_mec import SYSTEM, single_cell_v0
from edge_envs.single_cell_mec.baselines import greedy_delay_decision, least_loaded_decision
from edge_envs.single_cell_mec.model import simulate_slot, uplink_rate_bps
from edge_envs.single_cell_mec.observation import decode_observation, observed_from_state
from edge_envs.single_cell_mec.params import SCENARIOS, SWEEP_USERS

INFO_KEYS = {"delay_s", "mean_delay_s", "load_factors", "load_variance", "server_task_counts",
             "n_local"}
STATE_ATTRS = ("task_bits", "task_cycles", "local_speed_hz", "server_speed_hz",
               "channel_gain", "backlog_cycles")
CONSTANTS = ("bandwidth_hz", "tx_power_w", "noise_w_per_hz", "forward_rate_bps", "slot_s",
             "w1", "w2")


def test_spaces_of_both_views():
    env = gym.make("SingleCellMEC-v0")
    assert env.observation_space.shape == (2 * 5 + 4 * 10,)
    assert env.action_space == gym.spaces.MultiDiscrete([6] * 10)
    par = single_cell_v0.parallel_env()
    assert par.possible_agents == [f"user_{n}" for n in range(10)]
    assert par.observation_space("user_3").shape == (2 * 5 + 4,)
    assert par.action_space("user_3") == gym.spaces.Discrete(6)
    assert par.state_space == env.observation_space


def test_info_keys_and_reward_are_eq_20_averaged():
    env = gym.make("SingleCellMEC-v0", w2=3.0)
    env.reset(seed=0)
    _, reward, terminated, truncated, info = env.step(np.arange(10) % 6)
    assert set(info) == INFO_KEYS
    assert info["delay_s"].shape == (10,) and info["load_factors"].shape == (5,)
    assert info["n_local"] == 2 and info["server_task_counts"].sum() == 8
    assert info["mean_delay_s"] == pytest.approx(info["delay_s"].mean())
    assert info["load_variance"] == pytest.approx(np.var(info["load_factors"]))
    assert reward == pytest.approx(-(info["mean_delay_s"] + 3.0 * info["load_variance"]))
    assert not terminated and not truncated


def test_unwrapped_exposes_the_state_the_next_step_acts_on_read_only():
    env = gym.make("SingleCellMEC-v0", scenario="heavy")
    base = env.unwrapped
    assert base.task_bits is None
    env.reset(seed=4)
    for _ in range(3):
        env.step(np.ones(20, dtype=np.int64))  # pile work on server 1: backlog carried
    assert base.backlog_cycles[0] > 0
    for name in STATE_ATTRS:
        arr = getattr(base, name)
        assert isinstance(arr, np.ndarray) and not arr.flags.writeable, name
        with pytest.raises(AttributeError):
            setattr(base, name, arr)
    for name in CONSTANTS:
        assert isinstance(getattr(base, name), float), name
        with pytest.raises(AttributeError):
            setattr(base, name, 1.0)
    assert base.bandwidth_hz == 20e6 and base.tx_power_w == 0.5 and base.slot_s == 1.0
    # Recompute the next step from the exposed attributes alone.
    decision = np.arange(20) % 6
    state = base.model.state
    k = np.count_nonzero(decision)
    rate = uplink_rate_bps(base.channel_gain, k, base.params)
    assert rate[0] == pytest.approx(
        base.bandwidth_hz / k * np.log2(1 + base.tx_power_w * base.channel_gain[0]
                                        / (base.bandwidth_hz / k * base.noise_w_per_hz)))
    expected = simulate_slot(decision, state, base.params)
    _, _, _, _, info = env.step(decision)
    np.testing.assert_array_equal(info["delay_s"], expected.delay_s[0])
    assert base.last_outcome is not None


def test_both_views_play_the_same_episode():
    env = gym.make("SingleCellMEC-v0", scenario="small-4x3")
    par = single_cell_v0.parallel_env(scenario="small-4x3")
    obs, _ = env.reset(seed=8)
    observations, _ = par.reset(seed=8)
    rng = np.random.default_rng(0)
    for _ in range(20):
        np.testing.assert_array_equal(par.state(), obs)
        shared = obs[:6]
        for n, agent in enumerate(par.possible_agents):
            np.testing.assert_array_equal(observations[agent][:6], shared)
            np.testing.assert_array_equal(observations[agent][6:], obs[6 + 4 * n: 10 + 4 * n])
        action = rng.integers(0, 4, size=4)
        obs, reward, _, truncated, info = env.step(action)
        observations, rewards, _, truncs, infos = par.step(
            {a: int(action[n]) for n, a in enumerate(par.possible_agents)})
        per_user = [rewards[a] for a in par.possible_agents]
        np.testing.assert_allclose(
            per_user, -(par.w1 * info["delay_s"] + par.w2 * info["load_variance"]))
        assert np.mean(per_user) == pytest.approx(reward)
        np.testing.assert_array_equal(infos["user_2"]["delay_s"], info["delay_s"])
        assert all(t == truncated for t in truncs.values())
        if truncated:
            assert par.agents == []
            break


def test_observation_decodes_to_the_true_state():
    env = gym.make("SingleCellMEC-v0", scenario="heavy")
    obs, _ = env.reset(seed=1)
    for _ in range(4):
        obs, *_ = env.step(np.ones(20, dtype=np.int64))
    base = env.unwrapped
    decoded = decode_observation(obs, base.params)
    truth = observed_from_state(base.model.state, base.params)
    for field in ("load_factors_s", "server_speed_hz", "task_bits", "task_cycles",
                  "local_speed_hz", "uplink_rate_bps"):
        np.testing.assert_allclose(getattr(decoded, field), getattr(truth, field), rtol=1e-6,
                                   err_msg=field)
    assert truth.load_factors_s[0] > 0.5
    # The uplink estimate assumes last slot's 20 uploaders.
    np.testing.assert_allclose(truth.uplink_rate_bps,
                               uplink_rate_bps(base.channel_gain, 20, base.params))
    with pytest.raises(ValueError, match="observation"):
        decode_observation(obs[:-1], base.params)


def test_named_scenarios():
    assert {"paper-10x5", "load-balance-12-20ghz", "heavy", "small-4x3"} <= set(SCENARIOS)
    assert SYSTEM.default_scenario == "paper-10x5" and SYSTEM.quick_scenario == "small-4x3-hetero"
    paper = SCENARIOS["paper-10x5"]
    assert (paper.n_users, paper.n_servers) == (10, 5)
    assert SCENARIOS["load-balance-12-20ghz"].server_speeds_hz == (12e9, 14e9, 16e9, 18e9, 20e9)
    assert [SCENARIOS[f"sweep-users-{n}"].n_users for n in SWEEP_USERS] == list(SWEEP_USERS)
    assert SYSTEM.scale_10x == {"n_users": 100}


def _play(scenario, rule, slots=60, seed=0):
    """Backlog-carrying share of slots, mean delay and locals per slot under ``rule``."""
    env = gym.make("SingleCellMEC-v0", scenario=scenario, episode_slots=slots)
    obs, _ = env.reset(seed=seed)
    carried, delays, local = 0, [], 0
    params = env.unwrapped.params
    for _ in range(slots):
        observed = decode_observation(obs, params)
        decision = (least_loaded_decision(observed) if rule == "least-loaded"
                    else greedy_delay_decision(observed, params))
        obs, _, _, _, info = env.step(decision)
        carried += bool(np.any(env.unwrapped.backlog_cycles > 0))
        delays.append(info["mean_delay_s"])
        local += info["n_local"]
    return carried / slots, float(np.mean(delays)), local / slots


def test_defaults_rarely_carry_work_and_never_pay_to_stay_local():
    carried, delay, local = _play("paper-10x5", "greedy-delay")
    assert carried <= 0.05 and delay < 0.5 and local == 0.0


def test_heavy_scenario_carries_work_and_uses_the_local_option():
    carried, greedy_delay, local = _play("heavy", "greedy-delay")
    assert carried == 1.0 and local > 1.0
    # Never computing locally lets the backlog grow: least-loaded's delays blow up.
    _, least_delay, _ = _play("heavy", "least-loaded")
    assert least_delay > 2 * greedy_delay


def test_render_draws_both_panels():
    env = gym.make("SingleCellMEC-v0", render_mode="rgb_array")
    env.reset(seed=0)
    first = env.render()
    env.step(np.arange(10) % 6)
    frame = env.render()
    assert frame.dtype == np.uint8 and frame.shape == first.shape and frame.shape[2] == 3
    assert not np.array_equal(first, frame)
    par = single_cell_v0.parallel_env(render_mode="rgb_array")
    par.reset(seed=0)
    assert par.render().shape == frame.shape
    plain = gym.make("SingleCellMEC-v0")
    plain.reset(seed=0)
    assert plain.render() is None


def test_bad_actions_and_finished_episodes_raise():
    env = gym.make("SingleCellMEC-v0", scenario="small-4x3", episode_slots=2).unwrapped
    env.reset(seed=0)
    for bad in ([0, 1, 2], [0, 1, 2, 4], [-1, 0, 0, 0], [0.5, 0, 0, 0]):
        with pytest.raises(ValueError, match="action"):
            env.step(np.array(bad))
    env.step([0, 1, 2, 3])
    env.step([0, 1, 2, 3])
    with pytest.raises(RuntimeError):
        env.step([0, 1, 2, 3])
    par = single_cell_v0.parallel_env(scenario="small-4x3")
    par.reset(seed=0)
    with pytest.raises(ValueError, match="missing"):
        par.step({"user_0": 0})
    with pytest.raises(ValueError, match="action"):
        par.step({a: 4 for a in par.possible_agents})


def test_bad_scenario_values_raise_naming_the_field():
    with pytest.raises(ValueError, match="n_servers"):
        gym.make("SingleCellMEC-v0", n_servers=0)
    with pytest.raises(ValueError, match="server_speeds_hz"):
        gym.make("SingleCellMEC-v0", server_speeds_hz=(1e9,))
    with pytest.raises(ValueError, match="forward_rate_bps"):
        single_cell_v0.parallel_env(forward_rate_bps=-1.0)
