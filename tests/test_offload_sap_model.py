"""OffloadSAP model: hand-computed time, energy and cost of local and offloaded tasks, queueing
and sharing, drops at the deadline in ``cloud`` mode, stale state, batteries, processes."""

from __future__ import annotations

import math

import gymnasium as gym
import numpy as np
import pytest

import edge_envs  # noqa: F401
from edge_envs.offload_sap import OffloadSAPParams
from edge_envs.offload_sap.model import OffloadSAPModel
from edge_envs.offload_sap.processes import AlternatingProcess

ENV_ID = "OffloadSAP-v0"
# One device, one server, everything fixed: D = 1 Mbit, S = 0.5 Mbit, device 1 GHz at 500
# cycles/bit (f = 2 Mbit/s, e = 1e-27 * 1e18 * 500 = 5e-7 J/bit), device link 5 Mbit/s at
# 0.5 W, server link 10 Mbit/s, server 10 Mbit/s at 1e-7 J/bit, no slow spells.
TINY = dict(
    n_devices=1, tasks_per_device=2, task_bits_range=(1e6, 1e6), theta=0.5,
    device_clock_hz_range=(1e9, 1e9), cycles_per_bit=500.0, kappa=1e-27,
    device_link_bps_range=(5e6, 5e6), tx_power_w=0.5, battery_j=10.0,
    server_speed_bps=(1e7,), server_link_bps=(1e7,), server_energy_j_per_bit=(1e-7,),
    slow_factor=1.0, alpha=1.0, beta=1.0, deadline_range_s=(0.3, 0.3),
)


def tiny_env(**overrides):
    return gym.make(ENV_ID, **{**TINY, **overrides}).unwrapped


def test_one_local_then_one_offloaded_task_by_hand():
    env = tiny_env()
    obs, _ = env.reset(seed=0)
    assert obs[0] == 1.0 and env.deciding_device == 0
    # Local: T = D / f = 1e6 / 2e6 = 0.5 s; E = D e = 0.5 J; C = 1 * 0.5 + 1 * 0.5.
    _, reward, terminated, _, info = env.step(0)
    assert info["time_s"] == pytest.approx(0.5)
    assert info["energy_j"] == pytest.approx(0.5)
    assert info["cost"] == pytest.approx(1.0) and reward == -info["cost"]
    assert info["battery_j"] == pytest.approx(9.5)
    assert info["completed_tasks"] == 1 and not terminated
    # Second task generated when the device is free, at 0.5 s. Offloaded: uplink S / 5e6 =
    # 0.1 s, server link S / 1e7 = 0.05 s, processing D / 1e7 = 0.1 s: T = 0.25 s;
    # E = 0.5 W * 0.1 s + 1e6 * 1e-7 = 0.05 + 0.1 J; C = 0.15 + 0.25.
    assert env.sim_time_s == pytest.approx(0.5)
    _, reward, terminated, _, info = env.step(1)
    assert info["time_s"] == pytest.approx(0.25)
    assert info["energy_j"] == pytest.approx(0.15)
    assert info["cost"] == pytest.approx(0.4) and reward == -info["cost"]
    # The battery pays the transmission only (server energy is in the cost).
    assert info["battery_j"] == pytest.approx(9.45)
    assert terminated and info["episode_cost_per_task"] == pytest.approx(0.7)


def test_two_devices_share_the_uplink_and_queue_at_the_server():
    # Server at 2.5 Mbit/s: processing 0.4 s. Both devices offload at t = 0, device 0 first.
    env = tiny_env(n_devices=2, tasks_per_device=1, server_speed_bps=(2.5e6,))
    env.reset(seed=0)
    _, _, _, _, first = env.step(1)
    # Device 0: uplink [0, 0.1], link [0.1, 0.15], server [0.15, 0.55].
    assert first["device"] == 0 and first["time_s"] == pytest.approx(0.55)
    np.testing.assert_allclose(env.model.server_free, [0.55])
    _, _, terminated, _, second = env.step(1)
    # Device 1 waits for the uplink: [0.1, 0.2], link [0.2, 0.25], then for the server:
    # [0.55, 0.95].
    assert second["device"] == 1 and second["time_s"] == pytest.approx(0.95)
    assert terminated
    np.testing.assert_allclose(env.model.uplink_free, [0.2])
    np.testing.assert_allclose(env.model.link_free, [0.25])


def test_two_uplink_channels_remove_the_uplink_wait_only():
    env = tiny_env(n_devices=2, tasks_per_device=1, server_speed_bps=(2.5e6,),
                   uplink_channels=2)
    env.reset(seed=0)
    env.step(1)
    # Device 1 sends in parallel [0, 0.1], waits for the server link [0.15, 0.2], then the
    # server [0.55, 0.95]: the same finish, a different path.
    _, _, _, _, info = env.step(1)
    assert info["time_s"] == pytest.approx(0.95)
    np.testing.assert_allclose(env.model.uplink_free, [0.1, 0.1])
    np.testing.assert_allclose(env.model.link_free, [0.2])


def test_parallel_view_books_simultaneous_decisions_in_device_order():
    from edge_envs.offload_sap import offload_sap_v0

    par = offload_sap_v0.parallel_env(**{**TINY, "n_devices": 2, "tasks_per_device": 1,
                                         "server_speed_bps": (2.5e6,)})
    obs, _ = par.reset(seed=0)
    assert obs["device_0"][0] == 1.0 and obs["device_1"][0] == 1.0
    _, rewards, terms, _, infos = par.step({"device_0": 1, "device_1": 1})
    assert infos["device_0"]["time_s"] == pytest.approx(0.55)
    assert infos["device_1"]["time_s"] == pytest.approx(0.95)
    assert rewards["device_1"] == -infos["device_1"]["cost"]
    assert all(terms.values()) and par.agents == []


@pytest.mark.parametrize(("latency_s", "dropped"), [(0.05, 0), (0.0501, 1)])
def test_cloud_task_drops_exactly_when_its_deadline_passes(latency_s, dropped):
    # Link down on [0, 0.25): t_r = 0.25, the decision applies at 0.25 + latency; the deadline
    # is 0.3 s. At 0.05 s latency it applies at the deadline itself, a hair later it drops.
    env = tiny_env(tasks_per_device=1, decision_site="cloud", loop_latency_s=latency_s,
                   outage_trace=((0.0, 0.25),))
    obs, _ = env.reset(seed=0)
    assert obs[0] == float(not dropped)
    if dropped:
        assert env.sim_time_s == pytest.approx(0.3)  # the drop happened at the deadline
    else:
        assert env.sim_time_s == pytest.approx(0.25)  # decided at t_r, on the state of t_r
    _, reward, terminated, _, info = env.step(0)
    assert terminated and info["dropped_tasks"] == dropped
    if dropped:
        # Penalty: twice the local cost (1.0); no energy used, nothing completed.
        assert info["cost"] == pytest.approx(2.0) and info["energy_j"] == 0.0
        assert info["completed_tasks"] == 0
    else:
        # Local task applied at 0.3 s: T counts from generation, 0.3 + 0.5 s.
        assert info["time_s"] == pytest.approx(0.8)
    assert reward == -info["cost"]


def test_outage_drops_a_task_in_cloud_mode_and_nothing_in_device_mode():
    # Down on [0, 1): with 0.3 s deadlines tasks generated at 0, 0.3 and 0.6 drop at their
    # deadlines; the one generated at 0.9 is decided when the link is back, at 1.0.
    kwargs = dict(tasks_per_device=4, outage_trace=((0.0, 1.0),), loop_latency_s=0.0)
    cloud = tiny_env(decision_site="cloud", **kwargs)
    cloud.reset(seed=0)
    assert cloud.sim_time_s == pytest.approx(1.0)
    assert cloud.model.t_gen[0] == pytest.approx(0.9)
    _, _, _, _, info = cloud.step(0)
    assert info["dropped_tasks"] == 3 and info["completed_tasks"] == 1
    assert info["cost"] == pytest.approx(3 * 2.0 + 0.1 + 1.0)  # 0.1 s waited, then local

    device = tiny_env(decision_site="device", **kwargs)
    device.reset(seed=0)
    dropped, done = 0, False
    while not done:
        _, _, done, _, info = device.step(0)
        dropped += info["dropped_tasks"]
        assert not info["link_up"] or device.sim_time_s >= 1.0
    assert dropped == 0


def test_no_decision_ever_ends_at_the_first_step_with_the_penalties():
    env = tiny_env(tasks_per_device=3, decision_site="cloud", outage_trace=((0.0, 1e6),))
    obs, _ = env.reset(seed=0)
    assert obs[0] == 0.0 and env.deciding_device == -1
    _, reward, terminated, _, info = env.step(0)
    assert terminated and info["dropped_tasks"] == 3
    assert reward == pytest.approx(-3 * 2.0)


def test_observation_is_stale_while_the_link_is_down():
    # Link down from 0.05 s: the last refresh is at t = 0 (the SAP refreshes every 0.1 s).
    env = tiny_env(tasks_per_device=3, outage_trace=((0.05, 100.0),), refresh_s=0.1)
    obs, _ = env.reset(seed=0)
    names = list(edge_envs.offload_sap.field_names(env.params))
    age, link_up, backlog = (names.index(k) for k in
                             ("state_age_s", "link_up", "server_backlog_s[0]"))
    assert obs[age] == 0.0 and obs[link_up] == 1.0
    obs, *_ = env.step(1)  # offloaded: device free at 0.1 s, server busy until 0.25 s
    assert env.sim_time_s == pytest.approx(0.1)
    assert obs[link_up] == 0.0 and obs[age] == pytest.approx(0.1)
    assert obs[backlog] == 0.0  # the report of t = 0, before the booking
    # With the link up the same booking shows: 0.25 - 0.1 = 0.15 s of backlog, age 0.
    fresh = tiny_env(tasks_per_device=3, refresh_s=0.1)
    fresh.reset(seed=0)
    obs, *_ = fresh.step(1)
    assert obs[age] == pytest.approx(0.0, abs=1e-9)
    assert obs[backlog] == pytest.approx(0.15)


def test_empty_battery_ends_the_device_and_charges_its_unserved_tasks():
    # 0.6 J: the first local task (0.5 J) leaves 0.1 J, the second empties the battery; the
    # device finishes it and leaves; its last two tasks are unserved (penalty 2 x 1.0 each).
    env = tiny_env(tasks_per_device=4, battery_j=0.6)
    env.reset(seed=0)
    env.step(0)
    _, reward, terminated, _, info = env.step(0)
    assert terminated and info["battery_j"] == 0.0
    assert info["unserved_tasks"] == 2 and info["completed_tasks"] == 1
    assert info["cost"] == pytest.approx(1.0 + 2 * 2.0)


def test_pettingzoo_device_with_empty_battery_leaves_the_agents():
    from edge_envs.offload_sap import offload_sap_v0

    par = offload_sap_v0.parallel_env(**{**TINY, "n_devices": 2, "tasks_per_device": 10,
                                         "battery_j": 0.4})
    par.reset(seed=0)
    # Device 0 computes locally (0.5 J > 0.4 J: empty); device 1 offloads (0.05 J per task).
    _, _, terms, _, infos = par.step({"device_0": 0, "device_1": 1})
    assert infos["device_0"]["battery_j"] == 0.0
    while "device_0" in par.agents:
        _, _, terms, _, infos = par.step({a: 1 for a in par.agents})
    # Device 0 leaves when its task ends (0.5 s); device 1 (one task per 0.1 s) goes on.
    assert terms["device_0"] and infos["device_0"]["unserved_tasks"] == 9
    assert "device_1" in par.agents


def test_control_bytes_hook():
    env = tiny_env(tasks_per_device=3, outage_trace=((0.4, 100.0),))
    env.reset(seed=0)
    assert env.control_link_up and env.send_control(1200) and env.send_control(34)
    _, _, _, _, info = env.step(0)  # now at 0.5 s: link down
    assert info["control_bytes"] == 1234 and not info["link_up"]
    assert not env.send_control(99)
    _, _, _, _, info = env.step(0)
    assert info["control_bytes"] == 0
    with pytest.raises(ValueError, match="n_bytes"):
        env.send_control(-1)


def test_same_seed_same_tasks_in_both_decision_sites():
    a = OffloadSAPModel(OffloadSAPParams(decision_site="device"))
    b = OffloadSAPModel(OffloadSAPParams(decision_site="cloud"))
    a.reset(5)
    b.reset(5)
    np.testing.assert_array_equal(a.task_bits, b.task_bits)
    np.testing.assert_array_equal(a.device_link_bps, b.device_link_bps)
    assert [a.link.is_on(t) for t in np.linspace(0, 50, 200)] == [
        b.link.is_on(t) for t in np.linspace(0, 50, 200)
    ]


def test_option_costs_match_the_booking():
    model = OffloadSAPModel(OffloadSAPParams())
    model.reset(3)
    for _ in range(40):
        i = model.first_deciding()
        costs = model.option_costs(i)
        action = int(np.argmax(costs))
        model.decide(i, action)
        settled = model.settle()
        assert settled[0, i] == pytest.approx(costs[action])
        model.advance()


# -- processes -----------------------------------------------------------------------
def test_process_work_integrates_the_rate_over_slow_periods():
    proc = AlternatingProcess(None, 1.0, 1.0, rates=(10.0, 1.0), down_intervals=((1.0, 2.0),))
    # 10 units by t = 1, 1 more by t = 2, the last 4 at 10 per second.
    assert proc.finish_time(0.0, 15.0) == pytest.approx(2.4)
    assert proc.finish_time(1.5, 0.5) == pytest.approx(2.0)
    assert proc.rate_at(1.5) == 1.0 and proc.rate_at(2.0) == 10.0


def test_process_windows_and_refresh_grid():
    proc = AlternatingProcess(None, 1.0, 1.0, down_intervals=((1.0, 2.0), (2.5, 4.0)))
    assert proc.first_on_window(0.5, 0.4) == 0.5
    assert proc.first_on_window(0.5, 0.5) == 0.5  # [0.5, 1.0] just fits
    assert proc.first_on_window(0.7, 0.45) == 2.0  # [0.7, 1.15] is cut by the outage
    assert proc.first_on_window(0.7, 0.55) == 4.0  # and [2, 2.5) is too short
    assert proc.first_on_window(0.7, 0.45, limit_s=1.9) == math.inf
    assert proc.first_on_window(2.1, 0.3) == 2.1
    assert proc.last_on_grid(3.0, 0.3) == pytest.approx(2.4)
    assert proc.last_on_grid(1.5, 0.3) == pytest.approx(0.9)
    assert proc.last_on_grid(0.7, 0.3) == pytest.approx(0.6)


def test_random_process_is_a_function_of_the_seed_and_time_only():
    def edges(looks):
        proc = AlternatingProcess(np.random.default_rng(1), 2.0, 0.2)
        for t in looks:
            proc.is_on(t)
        return [proc.is_on(t) for t in np.linspace(0.0, 300.0, 500)]

    assert edges([1.0]) == edges([250.0, 3.0])
    on = np.mean(edges([]))
    assert 0.8 < on < 0.97  # up 2 s / down 0.2 s: about 91 % up


# -- validation -----------------------------------------------------------------------
@pytest.mark.parametrize(("field", "value"), [
    ("loop_latency_s", -0.01),
    ("server_speed_bps", ()),
    ("mean_down_s", 0.0),
    ("decision_site", "edge"),
    ("outage_trace", ((1.0, 2.0), (1.5, 3.0))),
    ("deadline_range_s", (0.5, 0.1)),
    ("n_devices", 0),
    ("battery_j", 0.0),
])
def test_bad_scenario_values_name_the_field(field, value):
    with pytest.raises(ValueError, match=field):
        OffloadSAPParams(**{field: value})


def test_server_tuples_must_agree():
    with pytest.raises(ValueError, match="same length"):
        OffloadSAPParams(server_speed_bps=(1e7, 1e7))
