"""LargeScaleMEC solvers: the exact optimum against exhaustive search, searches never beat it,
the capacity rule of the paper's Random/Greedy baselines, and the agents built on them."""

from __future__ import annotations

import itertools

import gymnasium as gym
import numpy as np
import pytest

import edge_envs  # noqa: F401
from agents.registry import make_agent
from edge_envs.large_scale_mec import LargeScaleMECParams
from edge_envs.large_scale_mec import baselines as B
from edge_envs.large_scale_mec.model import LargeScaleMECModel, SlotState


def all_decisions(n: int, m: int) -> np.ndarray:
    return np.array(list(itertools.product(range(m + 1), repeat=n)), dtype=np.int64)


def small(seed_offset=0, **overrides) -> LargeScaleMECModel:
    # 2 GHz servers: at most 2 equal IoTDs each pay off, so the capacity term binds.
    kwargs = {"n_iotd": 6, "n_mec": 2, "f_max_hz": 2e9, **overrides}
    return LargeScaleMECModel(LargeScaleMECParams(**kwargs))


@pytest.mark.parametrize(
    "overrides",
    [
        {},
        {"task_type": "time-sensitive"},
        {"task_type": "energy-sensitive", "f_max_hz": (3e9, 1e9)},
        {"mec_positions": ((5.0, 5.0), (45.0, 45.0)), "task_bits": 8e6},
        {"n_mec": 3, "f_max_hz": 1.5e9, "n_iotd": 5},
    ],
)
def test_exact_equals_exhaustive_search_on_homogeneous_instances(overrides):
    model = small(**overrides)
    p = model.params
    everything = all_decisions(p.n_iotd, p.n_mec)
    for seed in range(12):
        state = model.reset(seed)
        for _ in range(2):
            result = B.exact_decision(state, model)
            brute = model.evaluate_population(everything, state).min()
            assert result.is_exact
            assert result.objective == pytest.approx(brute, rel=1e-12)
            assert model.objective(result.decision, state) == pytest.approx(brute, rel=1e-12)
            assert result.lower_bound <= result.objective
            state = model.next_slot()


def test_exact_with_unequal_cycles_is_a_heuristic_with_a_valid_bound():
    model = small(heterogeneous=True, task_type="mixed")
    p = model.params
    everything = all_decisions(p.n_iotd, p.n_mec)
    gaps = []
    for seed in range(15):
        state = model.reset(seed)
        result = B.exact_decision(state, model)
        brute = model.evaluate_population(everything, state).min()
        assert not result.is_exact
        assert result.lower_bound <= brute * (1 + 1e-12)
        assert result.objective >= brute * (1 - 1e-12)
        gaps.append(result.objective / brute - 1.0)
    assert np.mean(gaps) < 0.01  # the heuristic is close to optimal on average


def test_exact_is_fast_enough_shaped_and_beats_the_heuristics_at_paper_scale():
    model = LargeScaleMECModel(LargeScaleMECParams())  # dirs-10x200
    state = model.reset(1)
    result = B.exact_decision(state, model)
    assert result.is_exact and result.decision.shape == (200,)
    load = np.bincount(result.decision, minlength=11)[1:]
    # 10 GHz servers, 1 GHz local CPU, equal tasks: the 11th IoTD on a server would cost
    # (2*11 - 1)/10 = 2.1 > 2 (its whole local cost), so no server takes more than 10.
    assert load.max() <= 10
    for decision in (B.greedy_decision(state, model), B.local_decision(state),
                     B.random_mec_decision(state, model, np.random.default_rng(0))):
        assert model.objective(decision, state) >= result.objective


@pytest.mark.parametrize("seed", range(4))
def test_pso_and_de_never_beat_exact_on_homogeneous_instances(seed):
    model = LargeScaleMECModel(LargeScaleMECParams(n_iotd=30, n_mec=3, f_max_hz=6e9))
    state = model.reset(seed)
    exact = B.exact_decision(state, model)
    rng = np.random.default_rng(seed)
    pso = B.pso_decision(state, model, rng, particles=30, iterations=150)
    de = B.de_decision(state, model, rng, population=30, generations=300)
    for found in (pso, de):
        assert found.objective >= exact.objective * (1 - 1e-12)
        assert found.objective == pytest.approx(model.objective(found.decision, state), rel=1e-12)
        assert found.objective < 1.05 * exact.objective  # and they are decent searches


def test_searches_find_the_optimum_of_a_tiny_instance():
    model = small()
    state = model.reset(3)
    exact = B.exact_decision(state, model)
    for found in (B.pso_decision(state, model, np.random.default_rng(0)),
                  B.de_decision(state, model, np.random.default_rng(0)),
                  B.scipy_de_decision(state, model, seed=0, popsize=5, maxiter=100)):
        assert found.objective == pytest.approx(exact.objective, rel=1e-12)


def test_local_search_only_improves():
    model = small(n_iotd=12, n_mec=3, heterogeneous=True)
    state = model.reset(0)
    start = np.random.default_rng(0).integers(0, 4, 12)
    better = B.improve_by_moves(start, state, model)
    assert model.objective(better, state) <= model.objective(start, state)


# -- capacity rule of Random / Greedy ------------------------------------------------------
def _state(cycles, gains) -> SlotState:
    n = len(cycles)
    return SlotState(channel_gain=np.asarray(gains, float).reshape(n, -1),
                     task_cycles=np.asarray(cycles, float), task_bits=np.full(n, 8e5),
                     phi_t=np.ones(n), phi_e=np.ones(n))


def test_capacity_rule_by_hand():
    # One 2 GHz server, 1 GHz local CPUs, equal tasks: 2 IoTDs fit (compute 1 s each = local).
    model = LargeScaleMECModel(LargeScaleMECParams(n_iotd=3, n_mec=1, f_max_hz=2e9,
                                                   mec_positions=((0.0, 0.0),)))
    state = _state([1e9] * 3, [1e-8] * 3)
    kept = B.admit_within_capacity(np.array([1, 1, 1]), state, model, np.array([2, 0, 1]))
    np.testing.assert_array_equal(kept, [0, 1, 1])  # the lowest priority runs locally
    # Unequal tasks F = (1, 4, 1) GHz-cycles: w = (1, 2, 1) sqrt(1e9); limit S_w <= 2 min(w).
    state = _state([1e9, 4e9, 1e9], [1e-8] * 3)
    kept = B.admit_within_capacity(np.array([1, 1, 1]), state, model, np.array([0, 1, 2]))
    # {0}: 1 <= 2 ok; {0, 1}: 3 > 2 refused; the rest are refused too (prefix rule).
    np.testing.assert_array_equal(kept, [1, 0, 0])


def test_greedy_is_nearest_mec_and_random_never_overloads():
    model = LargeScaleMECModel(LargeScaleMECParams(n_iotd=60, n_mec=3, f_max_hz=8e9))
    state = model.reset(4)
    greedy = B.greedy_decision(state, model)
    nearest = B.nearest_mec(model.iotd_positions, model.mec_positions)
    off = greedy > 0
    np.testing.assert_array_equal(greedy[off], nearest[off])
    np.testing.assert_array_equal(np.bincount(nearest, minlength=4)[1:].clip(max=8),
                                  np.bincount(greedy, minlength=4)[1:])
    for seed in range(5):
        rnd = B.random_mec_decision(state, model, np.random.default_rng(seed))
        assert np.bincount(rnd, minlength=4)[1:].max() <= 8  # F_max / f0 = 8 equal IoTDs


# -- the agents -----------------------------------------------------------------------------
@pytest.mark.parametrize("mode", [{}, {"action_mode": "scores"},
                                  {"action_mode": "scores", "allocation": "agent"}])
def test_agents_act_in_every_action_mode_and_exact_is_best(mode):
    env = gym.make("LargeScaleMEC-v0", scenario="dirs-2x30", **mode)
    totals = {}
    for name in ("local", "random-mec", "greedy", "exact", "pso"):
        agent = make_agent(name, env, **({"iterations": 60} if name == "pso" else {}))
        obs, _ = env.reset(seed=21)
        agent.begin_episode(env)
        total = 0.0
        for _ in range(5):
            action = agent.act(obs)
            assert env.action_space.contains(action)
            obs, _, _, _, info = env.step(action)
            total += info["objective"]
        totals[name] = total
    assert totals["local"] == pytest.approx(5 * 60.0)
    assert min(totals.values()) == pytest.approx(totals["exact"], rel=1e-9)


def test_exact_agent_uses_the_true_state_and_falls_back_to_decoding():
    env = gym.make("LargeScaleMEC-v0", scenario="dirs-2x30", compute_nrr_exact=True)
    agent = make_agent("exact", env)
    assert agent.privileged
    obs, _ = env.reset(seed=1)
    agent.begin_episode(env)
    for _ in range(3):
        obs, _, _, _, info = env.step(agent.act(obs))
        assert info["nrr_exact"] == pytest.approx(1.0, rel=1e-12)
    assert agent.decoded_fallbacks == 0
    other = gym.make("LargeScaleMEC-v0", scenario="dirs-2x30")
    foreign, _ = other.reset(seed=2)
    decision = agent.act(foreign)  # not env's observation: solved from the decoded one
    assert agent.decoded_fallbacks == 1
    expected = B.exact_decision(other.unwrapped.slot_state, other.unwrapped.model).decision
    np.testing.assert_array_equal(decision, expected)
