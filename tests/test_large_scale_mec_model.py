"""LargeScaleMEC model: hand-computed formulas, the exact allocation, layouts and streams."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.optimize import minimize_scalar

from edge_envs.large_scale_mec import SCENARIOS, LargeScaleMECParams
from edge_envs.large_scale_mec import allocation as alloc
from edge_envs.large_scale_mec.model import (
    LargeScaleMECModel,
    SlotState,
    kmeans_centroids,
    mantegna_sigma_u,
    vote_decision,
)
from edge_envs.large_scale_mec.observation import (
    decode_observation,
    encode_observation,
    gain_log10_bounds,
)

# 1 + 1.5 W * h / 1e-12 W = 256  ->  r = 1 MHz * log2(256) = 8 Mbit/s; D = 8e5 bits -> 0.1 s.
H_8MBPS = 255e-12 / 1.5


def tiny(**overrides) -> tuple[LargeScaleMECModel, LargeScaleMECParams]:
    """2 IoTDs, 1 MEC of 2 GHz at the origin; paper constants otherwise."""
    params = LargeScaleMECParams(
        n_iotd=2, n_mec=1, mec_positions=((0.0, 0.0),), f_max_hz=2e9, **overrides
    )
    return LargeScaleMECModel(params), params


def state_of(gains, cycles=(1e9, 1e9), bits=(8e5, 8e5), phi=(1.0, 1.0)) -> SlotState:
    n = len(cycles)
    return SlotState(
        channel_gain=np.asarray(gains, dtype=float).reshape(n, -1),
        task_cycles=np.asarray(cycles, dtype=float),
        task_bits=np.asarray(bits, dtype=float),
        phi_t=np.full(n, phi[0]),
        phi_e=np.full(n, phi[1]),
    )


# -- hand-computed time, energy and objective (2 IoTDs, 1 MEC) ---------------------------
def test_all_local_by_hand():
    model, _ = tiny()
    res = model.evaluate(np.array([0, 0]), state_of([H_8MBPS, H_8MBPS]))
    # T = F / f0 = 1 s; E = kappa f0^3 * F / f0 = 1e-27 * 1e18 * 1e9 = 1 J; Phi = 1 + 1.
    np.testing.assert_allclose(res.time_s, [1.0, 1.0], rtol=1e-15)
    np.testing.assert_allclose(res.energy_j, [1.0, 1.0], rtol=1e-15)
    assert res.objective == pytest.approx(4.0, rel=1e-15)
    np.testing.assert_array_equal(res.mec_load, [0])


def test_both_offloaded_equal_allocation_by_hand():
    model, _ = tiny(allocation="equal")
    res = model.evaluate(np.array([1, 1]), state_of([H_8MBPS, H_8MBPS]))
    # p = 1.5 W, r = 8 Mbit/s: upload 0.1 s, 0.15 J; f = 2 GHz / 2 = 1 GHz: compute 1 s.
    np.testing.assert_allclose(res.time_s, [1.1, 1.1], rtol=1e-12)
    np.testing.assert_allclose(res.energy_j, [0.15, 0.15], rtol=1e-12)
    np.testing.assert_allclose(res.cpu_allocation_hz, [1e9, 1e9], rtol=1e-15)
    np.testing.assert_allclose(res.tx_power_w, [1.5, 1.5])
    assert res.objective == pytest.approx(2.5, rel=1e-12)
    np.testing.assert_array_equal(res.mec_load, [2])


def test_one_offloaded_time_sensitive_by_hand():
    model, _ = tiny(allocation="equal")
    res = model.evaluate(np.array([0, 1]), state_of([H_8MBPS, H_8MBPS], phi=(1.5, 0.5)))
    # IoTD 1 alone gets 2 GHz: T = 0.1 + 0.5 = 0.6 s, E = 0.15 J. IoTD 0: T = 1 s, E = 1 J.
    np.testing.assert_allclose(res.time_s, [1.0, 0.6], rtol=1e-12)
    np.testing.assert_allclose(res.energy_j, [1.0, 0.15], rtol=1e-12)
    np.testing.assert_allclose(res.cost, [1.5 + 0.5, 1.5 * 0.6 + 0.5 * 0.15], rtol=1e-12)
    assert res.objective == pytest.approx(2.0 + 0.975, rel=1e-12)
    np.testing.assert_allclose(res.cpu_allocation_hz, [0.0, 2e9])
    np.testing.assert_allclose(res.tx_power_w, [0.0, 1.5])


def test_exact_allocation_by_hand_when_power_is_clipped():
    # phi_E = 0.5, phi_T = 1.5, h such that p* > P_max: the exact allocation is the equal one.
    model, _ = tiny()
    weak = 1e-14  # g = 100 /W: p* is hundreds of watts
    snr = weak / 1e-12
    assert alloc.optimal_tx_power(snr, 1.5, 0.5, 1.5) == 1.5
    res = model.evaluate(np.array([1, 1]), state_of([weak, weak], phi=(1.5, 0.5)))
    rate = 1e6 * math.log2(1.0 + 1.5 * snr)
    t = 8e5 / rate + 1.0
    e = 1.5 * 8e5 / rate
    np.testing.assert_allclose(res.time_s, [t, t], rtol=1e-12)
    assert res.objective == pytest.approx(2 * (1.5 * t + 0.5 * e), rel=1e-12)


def test_evaluate_agrees_with_population_and_slot_costs():
    params = SCENARIOS["dirs-2x30"]
    model = LargeScaleMECModel(params)
    state = model.reset(3)
    rng = np.random.default_rng(0)
    decisions = rng.integers(0, params.n_mec + 1, (20, params.n_iotd))
    batch = model.evaluate_population(decisions, state)
    single = [model.evaluate(d, state).objective for d in decisions]
    np.testing.assert_allclose(batch, single, rtol=1e-12)
    # Offloaded IoTD cost = upload cost at p* + phi_T F / f (sqrt split).
    res = model.evaluate(decisions[0], state)
    costs = model.slot_costs(state)
    off = np.flatnonzero(decisions[0])
    j = decisions[0][off] - 1
    np.testing.assert_allclose(res.tx_power_w[off], costs.tx_power_w[off, j], rtol=1e-12)
    expected = costs.tx_cost[off, j] + state.task_cycles[off] / res.cpu_allocation_hz[off]
    np.testing.assert_allclose(res.cost[off], expected, rtol=1e-12)


# -- the exact allocation -----------------------------------------------------------------
def _tx_cost(p, g, phi_t, phi_e):
    return (phi_t + phi_e * p) * 8e5 / (1e6 * np.log2(1.0 + p * g))


@pytest.mark.parametrize("phi", [(1.0, 1.0), (1.5, 0.5), (0.5, 1.5), (1.0, 0.01)])
@pytest.mark.parametrize("g", [3e0, 3e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9])
def test_lambert_w_power_equals_brute_force_minimisation(g, phi):
    p_max = 1.5
    p = float(alloc.optimal_tx_power(g, phi[0], phi[1], p_max))
    res = minimize_scalar(
        lambda lp: _tx_cost(math.exp(lp), g, *phi), bounds=(math.log(1e-12), math.log(p_max)),
        method="bounded", options={"xatol": 1e-11, "maxiter": 2000},
    )
    brute = min(math.exp(res.x), p_max)
    assert p == pytest.approx(brute, rel=1e-6)
    # And the cost there is no worse than at any point of a fine grid.
    grid = np.geomspace(1e-9, p_max, 20001)
    assert _tx_cost(p, g, *phi) <= _tx_cost(grid, g, *phi).min() * (1 + 1e-12)


def test_power_is_p_max_without_energy_weight_and_stationary_inside():
    assert alloc.optimal_tx_power(1e6, 1.0, 0.0, 1.5) == 1.5
    # Inside (0, P_max) the closed form solves (1 + pg) ln(1 + pg) - pg = phi_T g / phi_E.
    g, a, b = 1e5, 1.0, 1.0
    p = float(alloc.optimal_tx_power(g, a, b, 1e3))
    x = 1.0 + p * g
    assert x * math.log(x) - (x - 1.0) == pytest.approx(a * g / b, rel=1e-10)


def test_sqrt_compute_split_with_unequal_cycles_by_hand():
    # F = (1e9, 4e9), phi_T = 1: w = (1, 2) sqrt(1e9) -> f = (1, 2) GHz of 3 GHz.
    f = alloc.sqrt_compute_split(np.array([0, 0]), np.sqrt([1e9, 4e9]), np.array([3e9]))
    np.testing.assert_allclose(f, [1e9, 2e9], rtol=1e-12)
    cost = alloc.server_compute_cost(np.array([0, 0]), np.sqrt([1e9, 4e9]), np.array([3e9]))
    assert cost == pytest.approx(1.0 + 2.0, rel=1e-12)  # (sqrt F1 + sqrt F2)^2 / F_max = 3 s


@pytest.mark.parametrize(
    ("cycles", "phi_t"),
    [((1e9, 4e9), (1.0, 1.0)), ((1e9, 1e9), (1.5, 0.5)), ((2e9, 5e8), (0.5, 1.5))],
)
def test_sqrt_rule_with_per_iotd_weights_is_the_optimal_split(cycles, phi_t):
    """f_i proportional to sqrt(phi_T,i F_i) minimises sum phi_T,i F_i / f_i on a budget."""
    cycles, phi_t, f_max = np.array(cycles), np.array(phi_t), 3e9
    w = alloc.compute_weights(cycles, phi_t)
    f = alloc.sqrt_compute_split(np.array([0, 0]), w, np.array([f_max]))
    assert f.sum() == pytest.approx(f_max)

    def weighted_time(f0):
        return phi_t[0] * cycles[0] / f0 + phi_t[1] * cycles[1] / (f_max - f0)

    best = minimize_scalar(weighted_time, bounds=(1e6, f_max - 1e6), method="bounded",
                           options={"xatol": 1e-3})
    assert f[0] == pytest.approx(best.x, rel=1e-6)
    assert weighted_time(f[0]) == pytest.approx(w.sum() ** 2 / f_max, rel=1e-12)


def test_agent_allocation_uses_the_given_shares_and_powers():
    model, _ = tiny(allocation="agent", action_mode="scores")
    state = state_of([H_8MBPS, H_8MBPS])
    res = model.evaluate(np.array([1, 1]), state,
                         agent_allocation=(np.array([1.0, 3.0]), np.array([1.0, 1.0])))
    np.testing.assert_allclose(res.cpu_allocation_hz, [0.5e9, 1.5e9])
    np.testing.assert_allclose(res.time_s, [0.1 + 2.0, 0.1 + 1e9 / 1.5e9], rtol=1e-12)
    res = model.evaluate(np.array([1, 0]), state,
                         agent_allocation=(np.zeros(2), np.zeros(2)))
    assert res.tx_power_w[0] == pytest.approx(1.5e-3)  # floored at 1e-3 P_max


def test_bad_decisions_raise():
    model, _ = tiny()
    state = state_of([H_8MBPS, H_8MBPS])
    for bad in (np.array([0, 2]), np.array([-1, 0]), np.array([0.5, 0.0]), np.array([0, 0, 0])):
        with pytest.raises(ValueError, match="decision"):
            model.evaluate(bad, state)
    with pytest.raises(ValueError, match="decisions"):
        model.evaluate_population(np.array([[0, 2]]), state)


# -- vote, Mantegna ---------------------------------------------------------------------
def test_vote_follows_the_papers_example():
    # Rows are IoTDs here; the vote takes one row per MEC, hence the transpose.
    scores = np.array([[0.7, 0.8, 0.2], [0.1, 0.4, 0.49], [0.5, 0.2, 0.3], [0.9, 0.9, 0.1]])
    np.testing.assert_array_equal(vote_decision(scores.T), [2, 0, 0, 1])


def test_mantegna_sigma_u():
    assert mantegna_sigma_u(1.5) == pytest.approx(0.6965745025576967, rel=1e-14)
    with pytest.raises(ValueError, match="beta"):
        mantegna_sigma_u(0.0)


# -- layouts, streams, observation --------------------------------------------------------
@pytest.mark.parametrize("distribution", ["uniform", "gaussian", "levy"])
def test_layouts_inside_the_area_and_kmeans_servers(distribution):
    params = LargeScaleMECParams(n_iotd=120, n_mec=6, iotd_distribution=distribution)
    model = LargeScaleMECModel(params)
    model.reset(5)
    pos, mec = model.iotd_positions, model.mec_positions
    assert pos.shape == (120, 2) and mec.shape == (6, 2)
    assert np.all((pos >= 0) & (pos <= 50)) and np.all((mec >= 0) & (mec <= 50))
    labels = np.argmin(((pos[:, None, :] - mec[None]) ** 2).sum(-1), axis=1)
    for j in range(6):  # Lloyd fixed point: every centre is the mean of its cluster
        np.testing.assert_allclose(mec[j], pos[labels == j].mean(axis=0), rtol=1e-12)
    spread = np.std(pos, axis=0).mean()
    if distribution == "uniform":
        assert spread == pytest.approx(50 / math.sqrt(12), rel=0.15)
    else:
        assert spread < 12.0  # concentrated around the centre


def test_kmeans_matches_scikit_learn_quality():
    from sklearn.cluster import KMeans

    rng = np.random.default_rng(0)
    ratios = []
    for s in range(8):
        pts = rng.uniform(0, 50, (200, 2))
        centres = kmeans_centroids(pts, 10, np.random.default_rng(s))
        ours = ((pts[:, None] - centres[None]) ** 2).sum(-1).min(1).sum()
        ratios.append(ours / KMeans(10, n_init=1, random_state=s).fit(pts).inertia_)
    assert 0.9 < np.mean(ratios) < 1.1


def test_given_mec_positions_and_gain_formula():
    params = SCENARIOS["dirs-2x30"]
    model = LargeScaleMECModel(params)
    state = model.reset(7)
    np.testing.assert_array_equal(model.mec_positions, [[10, 10], [40, 40]])
    d2 = ((model.iotd_positions[:, None] - model.mec_positions[None]) ** 2).sum(-1)
    fading = state.channel_gain * np.maximum(d2, 1.0) / params.beta0
    # h = beta0 l / d^2 with l ~ Exp(1): mean of l about 1 over 60 pairs x 50 slots.
    draws = [fading] + [model.next_slot().channel_gain * np.maximum(d2, 1.0) / 1e-3
                        for _ in range(49)]
    assert np.mean(draws) == pytest.approx(1.0, abs=0.05)


def test_streams_are_independent_and_reproducible():
    base = LargeScaleMECParams(n_iotd=40, n_mec=3)
    hetero = LargeScaleMECParams(n_iotd=40, n_mec=3, heterogeneous=True, task_type="mixed")
    a, b, c = (LargeScaleMECModel(p) for p in (base, base, hetero))
    sa, sb, sc = a.reset(11), b.reset(11), c.reset(11)
    for _ in range(3):
        np.testing.assert_array_equal(sa.channel_gain, sb.channel_gain)
        # The task stream does not shift the layout or fading streams.
        np.testing.assert_array_equal(sa.channel_gain, sc.channel_gain)
        sa, sb, sc = a.next_slot(), b.next_slot(), c.next_slot()
    assert not np.array_equal(a.reset(12).channel_gain, b.reset(11).channel_gain)
    lo, hi = hetero.task_cycles_range
    assert np.all((sc.task_cycles >= lo) & (sc.task_cycles <= hi))
    assert set(np.unique(sc.phi_t)) <= {0.5, 1.0, 1.5}
    np.testing.assert_allclose(sc.phi_t + sc.phi_e, 2.0)


def test_state_arrays_are_read_only():
    model = LargeScaleMECModel(SCENARIOS["dirs-2x30"])
    state = model.reset(0)
    for name in ("channel_gain", "task_cycles", "task_bits", "phi_t", "phi_e"):
        with pytest.raises(ValueError):
            getattr(state, name)[0] = 1.0
    with pytest.raises(ValueError):
        model.iotd_positions[0, 0] = 1.0


@pytest.mark.parametrize(
    "overrides", [{}, {"heterogeneous": True}, {"task_type": "mixed", "heterogeneous": True}]
)
def test_observation_decodes_back_to_the_state(overrides):
    params = LargeScaleMECParams(n_iotd=25, n_mec=4, **overrides)
    model = LargeScaleMECModel(params)
    state = model.reset(2)
    obs = encode_observation(state, params)
    assert obs.dtype == np.float32 and obs.min() >= 0.0 and obs.max() <= 1.0
    back = decode_observation(obs, params)
    np.testing.assert_allclose(back.channel_gain, state.channel_gain, rtol=3e-6)
    np.testing.assert_allclose(back.task_cycles, state.task_cycles, rtol=1e-6)
    np.testing.assert_allclose(back.task_bits, state.task_bits, rtol=1e-6)
    np.testing.assert_array_equal(back.phi_t, state.phi_t)
    np.testing.assert_array_equal(back.phi_e, state.phi_e)


def test_observation_bounds_are_the_true_extremes():
    params = SCENARIOS["dirs-10x200"]
    lo, hi = gain_log10_bounds(params)
    # weakest: l = 1e-6 at the far corner (d^2 = 2 L^2); strongest: l = 30 at 1 m.
    assert lo == pytest.approx(math.log10(1e-3 * 1e-6 / 5000.0))
    assert hi == pytest.approx(math.log10(1e-3 * 30.0))
