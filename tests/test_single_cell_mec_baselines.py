"""SingleCellMEC baselines: hand-computed rules, the slot optimum against enumeration, and the
agents' wrappers."""

from __future__ import annotations

import dataclasses

import gymnasium as gym
import numpy as np
import pytest

import edge_envs  # noqa: F401
from agents.registry import make_agent
from edge_envs.single_cell_mec.baselines import (
    all_decisions,
    exhaustive_optimum,
    greedy_delay_decision,
    least_loaded_decision,
    slot_optimum,
)
from edge_envs.single_cell_mec.model import SingleCellMECModel, simulate_slot
from edge_envs.single_cell_mec.observation import Observed, observed_from_state
from edge_envs.single_cell_mec.params import SCENARIOS, SingleCellMECParams

HAND = SingleCellMECParams(n_users=3, n_servers=2, forward_rate_bps=1e6)


def hand_observed(loads=(0.0, 0.0)) -> Observed:
    # Uploads of 1 s; server 2 adds 1 s of fibre (1e6 bits at 1 Mbit/s).
    return Observed(
        load_factors_s=np.array(loads), server_speed_hz=np.array([1e9, 2e9]),
        task_bits=np.array([1e6, 1e6, 1e6]), task_cycles=np.array([1e9, 2e9, 1e9]),
        local_speed_hz=np.array([1e9, 5e8, 4e8]), uplink_rate_bps=np.array([1e6, 1e6, 1e6]),
    )


def test_least_loaded_places_users_in_turn():
    # LD starts (0.5, 0): user 0 -> server 2 (LD 0.5 + 0.5 = tie at 0.5, 0.5); user 1 -> the
    # lower index on the tie, server 1 (LD 2.5, 0.5); user 2 -> server 2.
    np.testing.assert_array_equal(least_loaded_decision(hand_observed((0.5, 0.0))), [2, 1, 2])


def test_greedy_delay_takes_the_lowest_delay_given_the_loads_so_far():
    # User 0: local 1 s; server 1: 1 + 1 = 2 s; server 2: 2 + 0.5 = 2.5 s -> local (1 s).
    # User 1: local 4 s; server 1: 1 + 2 = 3 s; server 2: 2 + 1 = 3 s -> server 1 (tie, lower).
    # User 2: local 2.5 s; server 1: max(1, 3) + 1 = 4 s; server 2: 2 + 0.5 -> tie with local,
    # local wins ties.
    np.testing.assert_array_equal(greedy_delay_decision(hand_observed(), HAND), [0, 1, 0])
    # A backlog of 5 s on server 1 sends user 1 to server 2 (3 s) instead.
    np.testing.assert_array_equal(greedy_delay_decision(hand_observed((5.0, 0.0)), HAND),
                                  [0, 2, 0])


def test_all_decisions_enumerates_every_joint_decision():
    grid = all_decisions(3, 3)
    assert grid.shape == (27, 3)
    assert len({tuple(row) for row in grid}) == 27
    np.testing.assert_array_equal(grid[:4], [[0, 0, 0], [0, 0, 1], [0, 0, 2], [0, 1, 0]])


def random_small_instance(rng, index):
    n = int(rng.integers(2, 8))
    m = int(rng.integers(1, 5))
    while (m + 1) ** n > 5000:
        n -= 1
    base = SCENARIOS[str(rng.choice(["paper-10x5", "heavy"]))]
    params = dataclasses.replace(
        base, n_users=n, n_servers=m, w2=float(rng.choice([0.0, 1.0, 10.0, 100.0])),
        slot_s=float(rng.choice([1.0, 0.2, 0.05])), rayleigh_fading=bool(rng.integers(2)),
    )
    state = SingleCellMECModel(params).reset(index)
    backlog = rng.uniform(0, 2, m) * state.server_speed_hz * float(rng.choice([0.0, 0.1, 1.0]))
    state = dataclasses.replace(state, backlog_cycles=backlog,
                                prev_offloading=int(rng.integers(0, n + 1)))
    return params, state


def test_search_finds_the_exhaustive_optimum_on_small_instances():
    rng = np.random.default_rng(11)
    for index in range(200):
        params, state = random_small_instance(rng, index)
        exact = exhaustive_optimum(state, params)
        assert exact.exhaustive and exact.evaluated == (params.n_servers + 1) ** params.n_users
        found = slot_optimum(state, params, exhaustive_limit=0)
        assert not found.exhaustive
        assert found.mean_reward == pytest.approx(exact.mean_reward, rel=1e-9, abs=1e-12), index
        again = simulate_slot(found.decision, state, params).mean_reward[0]
        assert again == pytest.approx(found.mean_reward, rel=1e-12)


def test_exhaustive_is_the_best_of_every_decision():
    params = SCENARIOS["small-4x3"]
    state = SingleCellMECModel(params).reset(3)
    result = slot_optimum(state, params)
    assert result.exhaustive
    values = simulate_slot(all_decisions(4, 4), state, params).mean_reward
    assert result.mean_reward == values.max()


@pytest.mark.parametrize("scenario", ["paper-10x5", "heavy"])
def test_slot_optimum_beats_the_heuristics_at_the_paper_sizes(scenario):
    params = SCENARIOS[scenario]
    model = SingleCellMECModel(params)
    state = model.reset(0)
    result = slot_optimum(state, params, restarts=2)
    observed = observed_from_state(state, params)
    for decision in (least_loaded_decision(observed), greedy_delay_decision(observed, params),
                     np.zeros(params.n_users, dtype=np.int64)):
        assert result.mean_reward >= simulate_slot(decision, state, params).mean_reward[0]


def test_agents_act_from_the_observation_and_the_reference_from_the_state():
    env = gym.make("SingleCellMEC-v0", scenario="small-4x3")
    obs, _ = env.reset(seed=2)
    state = env.unwrapped.model.state
    params = env.unwrapped.params
    observed = observed_from_state(state, params)
    np.testing.assert_array_equal(make_agent("sc-local", env).act(obs), [0, 0, 0, 0])
    np.testing.assert_array_equal(make_agent("least-loaded", env).act(obs),
                                  least_loaded_decision(observed))
    np.testing.assert_array_equal(make_agent("greedy-delay", env).act(obs),
                                  greedy_delay_decision(observed, params))
    reference = make_agent("slot-optimum", env)
    assert reference.privileged
    with pytest.raises(RuntimeError, match="begin_episode"):
        reference.act(obs)
    reference.begin_episode(env)
    np.testing.assert_array_equal(reference.act(obs), exhaustive_optimum(state, params).decision)
