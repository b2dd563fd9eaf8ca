"""SingleCellMEC model (paper 002): each queue rule on hand-computed 2-user, 2-server slots,
the channel and episode draws, and the vectorised queue against a plain event loop."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from edge_envs.single_cell_mec.model import (
    SingleCellMECModel,
    SlotState,
    path_gain,
    simulate_slot,
    uplink_rate_bps,
)
from edge_envs.single_cell_mec.params import SCENARIOS, SingleCellMECParams

# W = 2 MHz, p = 1 W, N0 = -170 dBm/Hz = 1e-20 W/Hz: with two uploaders (W/2 = 1 MHz) a gain
# of 3e-14 gives SNR 3 and 2 Mbit/s, a gain of 7e-14 gives SNR 7 and 3 Mbit/s.
HAND = SingleCellMECParams(
    n_users=2, n_servers=2, bandwidth_hz=2e6, tx_power_w=1.0, noise_dbm_per_hz=-170.0,
    forward_rate_bps=1e6, slot_s=10.0, w1=2.0, w2=0.5,
)


def hand_state(bits=(2e6, 3e6), backlog=(0.0, 0.0), cycles=(1e9, 2e9)) -> SlotState:
    return SlotState(
        task_bits=np.array(bits), task_cycles=np.array(cycles),
        channel_gain=np.array([3e-14, 7e-14]), local_speed_hz=np.array([5e8, 1e9]),
        server_speed_hz=np.array([1e9, 2e9]), backlog_cycles=np.array(backlog),
        prev_offloading=2,
    )


def outcome(decision, state=None, params=HAND):
    return simulate_slot(np.array(decision), state or hand_state(), params)


def test_hand_channel_numbers():
    assert HAND.noise_w_per_hz == pytest.approx(1e-20, rel=1e-12)
    rates = uplink_rate_bps(np.array([3e-14, 7e-14]), 2, HAND)
    np.testing.assert_allclose(rates, [2e6, 3e6], rtol=1e-12)


def test_server_one_arrives_at_upload_end_others_after_forwarding():
    # t_up = 2e6 / 2e6 = 1 s and 3e6 / 3e6 = 1 s. User 0 on server 1: 1 + 1e9 / 1e9 = 2 s;
    # user 1 on server 2: 1 + 3e6 / 1e6 (fibre) + 2e9 / 2e9 = 5 s.
    np.testing.assert_allclose(outcome([1, 2]).delay_s[0], [2.0, 5.0], rtol=1e-12)


def test_served_in_order_of_arrival_not_of_index():
    # L = (4, 3) Mbit: user 1 arrives at 1 s, user 0 at 2 s, both on server 1 (1 GHz).
    # User 1 finishes at 1 + 2 = 3 s; user 0 finds U(2) = 1e9 cycles: 2 + (1e9 + 1e9) / 1e9.
    np.testing.assert_allclose(outcome([1, 1], hand_state(bits=(4e6, 3e6))).delay_s[0],
                               [4.0, 3.0], rtol=1e-12)


def test_arrival_ties_go_to_the_lower_user_index():
    # Both arrive at 1 s on server 1: user 0 first (1 + 1 = 2 s), then user 1 (2 + 2 = 4 s).
    np.testing.assert_allclose(outcome([1, 1]).delay_s[0], [2.0, 4.0], rtol=1e-12)
    # Same tasks with the users' order swapped: again the lower index goes first.
    swapped = hand_state(cycles=(2e9, 1e9))
    np.testing.assert_allclose(outcome([1, 1], swapped).delay_s[0], [3.0, 4.0], rtol=1e-12)


def test_an_idle_server_starts_a_task_when_it_arrives():
    # Server 2 (2 GHz): user 0 arrives at 1 + 2 = 3 s, done at 3.5 s; user 1 arrives at
    # 1 + 3 = 4 s, after the server went idle: done at 4 + 1 = 5 s.
    np.testing.assert_allclose(outcome([2, 2]).delay_s[0], [3.5, 5.0], rtol=1e-12)


def test_local_delay_and_the_uploaders_share_of_the_band():
    # User 0 local: 1e9 / 5e8 = 2 s. User 1 uploads alone (k = 1): W = 2 MHz, SNR
    # 7e-14 / (2e6 * 1e-20) = 3.5, rate 2e6 log2(4.5); then 3 s of fibre and 1 s of service.
    expected = 3e6 / (2e6 * math.log2(4.5)) + 3.0 + 1.0
    np.testing.assert_allclose(outcome([0, 2]).delay_s[0], [2.0, expected], rtol=1e-12)
    # A local task never queues: same delay with a huge backlog on every server.
    busy = outcome([0, 0], hand_state(backlog=(1e12, 1e12)))
    np.testing.assert_allclose(busy.delay_s[0], [2.0, 2.0], rtol=1e-12)


def test_carried_backlog_delays_arrivals_eq_8():
    # Server 1 starts with 2e9 cycles (busy until 2 s). User 0 arrives at 1 s with U(1) = 1e9:
    # done at 1 + (1e9 + 1e9) / 1e9 = 3 s (eq. 8). User 1 on server 2 as before: 5 s.
    out = outcome([1, 2], hand_state(backlog=(2e9, 0.0)))
    np.testing.assert_allclose(out.delay_s[0], [3.0, 5.0], rtol=1e-12)


def test_backlog_carried_to_the_next_slot_is_the_work_left_at_its_end():
    short = dataclasses.replace(HAND, slot_s=2.5)
    out = outcome([1, 2], hand_state(backlog=(2e9, 0.0)), short)
    # Server 1 done at 3 s: 0.5 s x 1 GHz left; server 2 done at 5 s: 2.5 s x 2 GHz left.
    np.testing.assert_allclose(out.backlog_cycles[0], [0.5e9, 5e9], rtol=1e-12)
    # No arrivals: the backlog drains at f_m during the slot.
    idle = outcome([0, 0], hand_state(backlog=(2e9, 1e9)), dataclasses.replace(HAND, slot_s=1.5))
    np.testing.assert_allclose(idle.backlog_cycles[0], [0.5e9, 0.0], atol=1e-3)


def test_a_task_arriving_after_the_slot_keeps_its_server_busy_until_done():
    late = dataclasses.replace(HAND, slot_s=0.5)
    out = outcome([2, 2], hand_state(), late)
    # Both reach server 2 after the slot's end (3 s and 4 s) and are done at 3.5 s and 5 s:
    # the server counts as busy until 5 s, so (5 - 0.5) s x 2 GHz is carried over.
    np.testing.assert_allclose(out.delay_s[0], [3.5, 5.0], rtol=1e-12)
    np.testing.assert_allclose(out.backlog_cycles[0], [0.0, 9e9], rtol=1e-12)


def test_load_factors_variance_and_rewards_eq_18_to_20():
    out = outcome([1, 2], hand_state(backlog=(2e9, 0.0)))
    # LD = ((2e9 + 1e9) / 1e9, 2e9 / 2e9) = (3, 1); var = ((3 - 2)^2 + (1 - 2)^2) / 2 = 1.
    np.testing.assert_allclose(out.load_factors[0], [3.0, 1.0], rtol=1e-12)
    assert out.load_variance[0] == pytest.approx(1.0, rel=1e-12)
    np.testing.assert_array_equal(out.server_task_counts[0], [1, 1])
    # Eq. 20 with w1 = 2, w2 = 0.5 and delays (3, 5): -(2 * 3 + 0.5) and -(2 * 5 + 0.5).
    np.testing.assert_allclose(out.user_rewards(HAND)[0], [-6.5, -10.5], rtol=1e-12)
    assert out.mean_reward[0] == pytest.approx(-8.5, rel=1e-12)
    assert out.mean_delay_s[0] == pytest.approx(4.0, rel=1e-12)


def event_loop_delays(decision, state: SlotState, params: SingleCellMECParams):
    """A plain per-server event loop of the documented semantics (reference for the test)."""
    n, m = state.n_users, state.n_servers
    k = max(int(np.count_nonzero(decision)), 1)
    delays, backlog = np.zeros(n), np.zeros(m)
    for j in range(m):
        free_at = state.backlog_cycles[j] / state.server_speed_hz[j]
        users = [u for u in range(n) if decision[u] == j + 1]
        arrival = {}
        for u in users:
            rate = uplink_rate_bps(state.channel_gain[u], k, params)
            hop = state.task_bits[u] / params.forward_rate_bps if j >= 1 else 0.0
            arrival[u] = state.task_bits[u] / rate + hop
        for u in sorted(users, key=lambda u: (arrival[u], u)):
            free_at = max(free_at, arrival[u]) + state.task_cycles[u] / state.server_speed_hz[j]
            delays[u] = free_at
        backlog[j] = state.server_speed_hz[j] * max(0.0, free_at - params.slot_s)
    local = decision == 0
    delays[local] = state.task_cycles[local] / state.local_speed_hz[local]
    return delays, backlog


@pytest.mark.parametrize("scenario", ["paper-10x5", "heavy", "sweep-users-30"])
def test_vectorised_queue_matches_an_event_loop(scenario):
    params = SCENARIOS[scenario]
    model = SingleCellMECModel(params)
    rng = np.random.default_rng(3)
    for seed in range(5):
        model.reset(seed)
        for _ in range(4):
            decisions = rng.integers(0, params.n_servers + 1, size=(6, params.n_users))
            decisions[0] = 1  # everybody on server 1: long queue
            out = model.evaluate(decisions)
            for row, decision in enumerate(decisions):
                delays, backlog = event_loop_delays(decision, model.state, params)
                np.testing.assert_allclose(out.delay_s[row], delays, rtol=1e-9)
                np.testing.assert_allclose(out.backlog_cycles[row], backlog, rtol=1e-9,
                                           atol=1e-3)
            model.step(decisions[1])


def test_path_loss_and_noise_defaults():
    p = SingleCellMECParams()
    # 128.1 + 37.6 log10(d / 1 km) dB: 128.1 dB at 1 km, 128.1 - 37.6 at 100 m.
    np.testing.assert_allclose(path_gain([1000.0, 100.0], p),
                               [10 ** -12.81, 10 ** -9.05], rtol=1e-12)
    assert p.noise_w_per_hz == pytest.approx(10 ** -20.4, rel=1e-12)


def test_episode_draws_stay_in_their_ranges_and_repeat_with_the_seed():
    p = SCENARIOS["paper-10x5"]
    model = SingleCellMECModel(p)
    state = model.reset(5)
    assert np.all((state.server_speed_hz >= 12e9) & (state.server_speed_hz <= 20e9))
    assert np.all((state.local_speed_hz >= 300e6) & (state.local_speed_hz <= 500e6))
    assert np.all((model.distance_m >= 10.0) & (model.distance_m <= 250.0))
    assert np.all((state.task_bits >= 300 * 8000) & (state.task_bits <= 500 * 8000))
    assert np.all((state.task_cycles >= 800e6) & (state.task_cycles <= 1200e6))
    np.testing.assert_array_equal(state.channel_gain, path_gain(model.distance_m, p))
    again = SingleCellMECModel(p).reset(5)
    np.testing.assert_array_equal(again.task_bits, state.task_bits)
    np.testing.assert_array_equal(again.server_speed_hz, state.server_speed_hz)
    fixed = SingleCellMECModel(SCENARIOS["load-balance-12-20ghz"]).reset(5)
    np.testing.assert_array_equal(fixed.server_speed_hz, [12e9, 14e9, 16e9, 18e9, 20e9])


def test_step_carries_the_backlog_and_the_uploader_count():
    p = dataclasses.replace(SCENARIOS["heavy"], rayleigh_fading=True)
    model = SingleCellMECModel(p)
    first = model.reset(2)
    assert first.prev_offloading == p.n_users and not np.any(first.backlog_cycles)
    decision = np.zeros(p.n_users, dtype=np.int64)
    decision[:15] = 1  # 15 tasks on one slow server: work is left at the slot's end
    out = model.step(decision)
    state = model.state
    assert state.prev_offloading == 15 and model.slot == 1
    np.testing.assert_array_equal(state.backlog_cycles, out.backlog_cycles[0])
    assert state.backlog_cycles[0] > 0
    assert not state.backlog_cycles.flags.writeable
    # Fading is redrawn per slot around the fixed path gains.
    assert not np.array_equal(state.channel_gain, first.channel_gain)
    np.testing.assert_allclose(state.uplink_estimate_bps(p),
                               uplink_rate_bps(state.channel_gain, 15, p))
    # The tasks do not depend on the decision: the same seed gives the same second slot.
    other = SingleCellMECModel(p)
    other.reset(2)
    other.step(np.zeros(p.n_users, dtype=np.int64))
    np.testing.assert_array_equal(other.state.task_cycles, state.task_cycles)
    assert other.state.prev_offloading == 0
    # No uploader last slot: the estimate is the rate of a user alone on the band.
    np.testing.assert_allclose(other.state.uplink_estimate_bps(p),
                               uplink_rate_bps(other.state.channel_gain, 1, p))


@pytest.mark.parametrize(
    ("field", "value"),
    [("n_users", 0), ("n_servers", 1.5), ("slot_s", 0.0), ("task_bits_range", (5.0, 1.0)),
     ("server_speeds_hz", (1e9, 2e9)), ("tx_power_w", -1.0), ("forward_rate_bps", 0.0),
     ("w2", -1.0), ("rayleigh_fading", "yes"), ("distance_range_m", (10.0,))],
)
def test_bad_parameters_name_the_field(field, value):
    with pytest.raises(ValueError, match=field):
        SingleCellMECParams(**{field: value})
