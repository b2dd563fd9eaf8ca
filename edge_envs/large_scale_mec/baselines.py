"""Offloading solvers for LargeScaleMEC-v0 (plain numpy/scipy): heuristics, searches, optimum.

Every solver works on one :class:`~edge_envs.large_scale_mec.model.SlotState` (the true one,
or one decoded from an observation) and returns an offloading decision ``(N,)`` with
0 = local and ``j`` = MEC ``j`` (1-based); the allocation then follows the exact rule of
:mod:`edge_envs.large_scale_mec.allocation`.

**Over capacity.** Under the square-root split, MEC ``j`` serving the set ``S`` gives IoTD
``i`` the compute time ``F_i S_w / (F_max,j w_i)`` (``w = sqrt(phi_T F)``, ``S_w`` the sum of
``w`` over ``S``). We call the MEC *over capacity* when some IoTD of ``S`` would then compute
longer than on its own CPU, i.e. when ``S_w > F_max,j min_S(w) / f0``. With equal tasks this is
"more than ``F_max / f0`` IoTDs" (15 per 15 GHz server, 10 per 10 GHz server). The ``random``
and ``greedy`` baselines of the paper send an IoTD whose MEC would go over capacity to local
execution (:func:`admit_within_capacity`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import differential_evolution, linear_sum_assignment

from edge_envs.large_scale_mec.model import LargeScaleMECModel, SlotState

_CAPACITY_RTOL = 1e-9
"""Relative slack of the capacity test, so exactly ``F_max / f0`` equal IoTDs fit despite
the rounding of the running sum."""
_HOMOGENEOUS_RTOL = 1e-12


@dataclass(frozen=True)
class ExactResult:
    """Result of :func:`exact_decision`.

    Attributes:
        decision: best decision found.
        objective: its objective (exact allocation).
        is_exact: ``True`` when ``phi_T F`` is the same for every IoTD: the decision is then
            a proven optimum and ``lower_bound == objective``.
        lower_bound: a proven lower bound of the optimum.
    """

    decision: np.ndarray
    objective: float
    is_exact: bool
    lower_bound: float

    @property
    def gap(self) -> float:
        """Relative optimality gap ``(objective - lower_bound) / objective`` (0 when exact)."""
        return (self.objective - self.lower_bound) / self.objective if self.objective else 0.0


@dataclass(frozen=True)
class SearchResult:
    """Result of a population search (:func:`pso_decision`, :func:`de_decision`)."""

    decision: np.ndarray
    objective: float
    evaluations: int


# -- simple heuristics ------------------------------------------------------------------
def local_decision(state: SlotState) -> np.ndarray:
    """Every IoTD runs its task locally (the paper's "Local")."""
    return np.zeros(state.n_iotd, dtype=np.int64)


def best_channel_decision(state: SlotState) -> np.ndarray:
    """Every IoTD offloads to the MEC with its strongest current gain (no capacity check)."""
    return np.argmax(state.channel_gain, axis=1).astype(np.int64) + 1


def nearest_mec(iotd_positions, mec_positions) -> np.ndarray:
    """1-based index of each IoTD's nearest MEC."""
    diff = np.asarray(iotd_positions)[:, None, :] - np.asarray(mec_positions)[None, :, :]
    return np.argmin(np.einsum("nmk,nmk->nm", diff, diff), axis=1).astype(np.int64) + 1


def admit_within_capacity(
    decision, state: SlotState, model: LargeScaleMECModel, priority
) -> np.ndarray:
    """Keep, per MEC, the longest prefix (in ``priority`` order, smallest first) of its
    IoTDs that does not put it over capacity (module docstring); the rest run locally.

    The test is monotone along the prefix (the running sum of ``w`` grows, its running
    minimum shrinks), so the prefix rule equals admitting the IoTDs one by one and stopping
    at the first refusal.
    """
    a = np.array(decision, dtype=np.int64)
    off = np.flatnonzero(a)
    if off.size == 0:
        return a
    w = state.compute_weights[off]
    w = w / w.max()  # scale-free, so the group offsets below cost no precision
    mec = a[off] - 1
    order = np.lexsort((np.asarray(priority)[off], mec))
    mec_s, w_s = mec[order], w[order]
    starts = np.flatnonzero(np.r_[True, mec_s[1:] != mec_s[:-1]])
    group = np.cumsum(np.r_[True, mec_s[1:] != mec_s[:-1]]) - 1
    csum = np.cumsum(w_s)
    csum -= np.repeat(np.r_[0.0, csum[starts[1:] - 1]], np.diff(np.r_[starts, w_s.size]))
    # Segmented running minimum: shift each later group below every earlier one.
    shift = 2.0 * group
    cmin = np.minimum.accumulate(w_s - shift) + shift
    limit = model.f_max_hz[mec_s] * cmin / model.params.f_local_hz
    ok = csum <= limit * (1.0 + _CAPACITY_RTOL)
    # Monotone: once refused, refused for the rest of the group.
    refused = np.cumsum(~ok)
    refused -= np.repeat(np.r_[0, refused[starts[1:] - 1]], np.diff(np.r_[starts, w_s.size]))
    a[off[order[refused > 0]]] = 0
    return a


def fill_within_capacity(
    decision, state: SlotState, model: LargeScaleMECModel, preference
) -> np.ndarray:
    """MECs with spare capacity take local IoTDs (the capacity rule of
    :func:`admit_within_capacity`); the offloaded IoTDs of ``decision`` keep their MEC.

    ``preference`` ``(M, N)``: how much MEC ``j`` wants IoTD ``i`` (larger first). Each round,
    every local IoTD proposes to its most preferred MEC among those it would fit on alone;
    each MEC keeps its IoTDs and admits the proposers by decreasing preference while it stays
    within capacity. A round admits at least one proposer per MEC proposed to, so the rounds
    end (typically after 2-3); each costs one sort, no cost evaluations.
    """
    a = np.array(decision, dtype=np.int64)
    pref = np.asarray(preference, dtype=np.float64).T  # (N, M)
    n, m = pref.shape
    w = state.compute_weights
    capacity = model.f_max_hz / model.params.f_local_hz * (1.0 + _CAPACITY_RTOL)
    for _ in range(n):
        local = np.flatnonzero(a == 0)
        if local.size == 0:
            break
        on = np.flatnonzero(a)
        sums = np.bincount(a[on] - 1, weights=w[on], minlength=m)
        mins = np.full(m, np.inf)
        np.minimum.at(mins, a[on] - 1, w[on])
        w_local = w[local][:, None]
        fits = sums + w_local <= capacity * np.minimum(mins, w_local)  # (L, M)
        proposing = fits.any(axis=1)
        if not proposing.any():
            break
        local = local[proposing]
        target = np.argmax(np.where(fits[proposing], pref[local], -np.inf), axis=1)
        trial = a.copy()
        trial[local] = target + 1
        # Current members first (any prefix of a feasible set is feasible, so they all
        # stay), then the proposers by decreasing preference.
        key = np.full(n, -np.inf)
        key[local] = -pref[local, target]
        a = admit_within_capacity(trial, state, model, np.argsort(np.argsort(key, kind="stable")))
    return a


def greedy_decision(
    state: SlotState,
    model: LargeScaleMECModel,
    iotd_positions=None,
    mec_positions=None,
) -> np.ndarray:
    """The paper's "Remote"/"Greedy": every IoTD offloads to its nearest MEC; where a MEC
    would go over capacity, the IoTDs needing the most computing (largest ``phi_T F``, ties:
    weakest gain to that MEC) run locally.

    Positions default to the model's current layout.
    """
    iotd = model.iotd_positions if iotd_positions is None else iotd_positions
    mecs = model.mec_positions if mec_positions is None else mec_positions
    if iotd is None or mecs is None:
        raise ValueError("greedy_decision needs the IoTD and MEC positions (reset the model)")
    a = nearest_mec(iotd, mecs)
    gain = state.channel_gain[np.arange(state.n_iotd), a - 1]
    # Rank by (weight ascending, gain descending) so one priority key orders both.
    rank = np.lexsort((-gain, state.compute_weights))
    priority = np.empty_like(rank)
    priority[rank] = np.arange(rank.size)
    return admit_within_capacity(a, state, model, priority)


def random_mec_decision(
    state: SlotState, model: LargeScaleMECModel, rng: np.random.Generator
) -> np.ndarray:
    """The paper's "Random": each IoTD picks local or one of the ``M`` MECs uniformly; in a
    random order, an IoTD whose MEC would go over capacity runs locally instead."""
    n, m = state.n_iotd, state.n_mec
    a = rng.integers(0, m + 1, n)
    return admit_within_capacity(a, state, model, rng.permutation(n))


# -- exact optimum ----------------------------------------------------------------------
def exact_decision(state: SlotState, model: LargeScaleMECModel) -> ExactResult:
    """Optimal offloading decision by one linear assignment (scipy ``linear_sum_assignment``).

    Under the exact allocation the objective is ``sum_i C[i, a_i] + sum_j S_j^2 / F_max,j``
    (``S_j`` = sum of ``w = sqrt(phi_T F)`` on MEC ``j``; see ``SlotCosts``). When every ``w``
    equals ``w0`` (equal ``phi_T F``: the paper's setting), ``S_j^2 / F_max,j`` is the sum of
    the increasing marginals ``w0^2 (2k - 1) / F_max,j``, ``k = 1..n_j``. The problem is then
    an assignment of IoTDs to columns: ``N`` local columns and, per MEC, a column per slot
    ``k`` costing the upload plus the ``k``-th marginal. Because the marginals increase, an
    optimal assignment fills each server's slots in order, so its value is the optimum.
    Only ``K_j = (max_i (C_i0 - C_ij) F_max,j / w0^2 + 1) / 2`` slots can ever pay off (a
    further IoTD would save more by running locally), which keeps the matrix small.

    With unequal ``w`` the same columns with marginals ``w_i (w_i + 2 (k - 1) w_min) /
    F_max,j`` under-estimate every server's term (``S^2 = sum_k w_(k) (w_(k) + 2 sum_{l<k}
    w_(l))`` in any order), so that assignment's value is a lower bound; the decision returned
    is the best of two assignment heuristics (marginals with ``w_min`` and with the mean ``w``)
    polished by single-IoTD moves, with ``is_exact=False``, and ``lower_bound`` is the larger
    of that bound and the Lagrangian bound of :func:`lagrangian_bound` (typically within 0.1 %
    of the returned objective on the heterogeneous scenarios).
    """
    costs = model.slot_costs(state)
    w = costs.weights
    w_min = float(w.min())
    homogeneous = bool(np.all(np.abs(w - w[0]) <= _HOMOGENEOUS_RTOL * w[0]))
    base = float(costs.local_cost.sum())
    decision, lb_value = _assignment(costs, model.f_max_hz, w, w_min)
    lower_bound = base + lb_value
    if homogeneous:
        objective = model.objective(decision, state)
        return ExactResult(decision, objective, True, min(lower_bound, objective))
    candidates = [decision, _assignment(costs, model.f_max_hz, w, float(w.mean()))[0]]
    best, best_obj = None, np.inf
    for cand in candidates:
        improved = improve_by_moves(cand, state, model)
        obj = model.objective(improved, state)
        if obj < best_obj:
            best, best_obj = improved, obj
    sums = np.bincount(best, weights=w, minlength=state.n_mec + 1)[1:]
    dual = lagrangian_bound(costs, model.f_max_hz, best_obj, sums / model.f_max_hz)
    return ExactResult(best, best_obj, False, min(max(lower_bound, dual), best_obj))


def lagrangian_bound(
    costs, f_max_hz, upper_bound: float, prices, iterations: int = 300
) -> float:
    """Lagrangian lower bound of the optimum (any decisions, any ``phi_T F``).

    ``S^2 / F = max_{lam >= 0} (2 lam S - lam^2 F)``, so for any prices ``lam >= 0``
    ``D(lam) = sum_i min(C_i0, min_j C_ij + 2 lam_j w_i) - sum_j lam_j^2 F_max,j`` is a lower
    bound (weak duality; the inner minimum separates per IoTD). ``D`` is concave; we climb it
    by projected supergradient steps ``2 S_j(lam) - 2 lam_j F_max,j`` with Polyak's step
    towards ``upper_bound`` (halved after 10 rounds without progress) and keep the best value.
    """
    table, w = costs.cost_table, costs.weights
    f_max = np.asarray(f_max_hz, dtype=np.float64)
    n, m1 = table.shape
    rows = np.arange(n)
    lam = np.maximum(np.asarray(prices, dtype=np.float64), 0.0)
    best, theta, stall = -np.inf, 1.0, 0
    for _ in range(iterations):
        vals = table.copy()
        vals[:, 1:] += 2.0 * w[:, None] * lam[None, :]
        a = np.argmin(vals, axis=1)
        value = float(vals[rows, a].sum() - np.dot(lam * lam, f_max))
        if value > best + 1e-12 * abs(upper_bound):
            best, stall = max(best, value), 0
        else:
            stall += 1
            if stall >= 10:
                theta, stall = theta / 2.0, 0
        grad = 2.0 * np.bincount(a, weights=w, minlength=m1)[1:] - 2.0 * lam * f_max
        norm2 = float(np.dot(grad, grad))
        if norm2 == 0.0 or theta < 1e-6:
            break
        lam = np.maximum(lam + theta * max(upper_bound - value, 0.0) / norm2 * grad, 0.0)
    return best


def _assignment(costs, f_max_hz, w, w_ref: float) -> tuple[np.ndarray, float]:
    """Assignment with per-slot marginals ``w_i (w_i + 2 (k - 1) w_ref) / F_max,j``.

    Returns the decision and the assignment value relative to all-local.
    """
    n, m = costs.tx_cost.shape
    saving = costs.local_cost[:, None] - costs.tx_cost  # (N, M): what an upload saves
    best_saving = saving.max(axis=0)
    # Slot k pays off only if its smallest marginal w_min^2 (2k - 1) / F_max can be saved.
    w_lo = min(float(w.min()), w_ref)
    k_max = np.floor((np.maximum(best_saving, 0.0) * f_max_hz / w_lo**2 + 1.0) / 2.0)
    k_max = np.minimum(k_max.astype(np.int64) + 1, n)
    k_max[best_saving <= 0] = 0
    cols_mec = np.repeat(np.arange(m), k_max)
    cols_k = np.concatenate([np.arange(k) for k in k_max]) if k_max.sum() else np.zeros(0, int)
    marginal = w[:, None] * (w[:, None] + 2.0 * cols_k[None, :] * w_ref) / f_max_hz[cols_mec]
    server_block = -saving[:, cols_mec] + marginal
    matrix = np.concatenate([np.zeros((n, n)), server_block], axis=1)
    rows, cols = linear_sum_assignment(matrix)
    decision = np.zeros(n, dtype=np.int64)
    on_server = cols >= n
    decision[rows[on_server]] = cols_mec[cols[on_server] - n] + 1
    return decision, float(matrix[rows, cols].sum())


def improve_by_moves(
    decision, state: SlotState, model: LargeScaleMECModel, max_moves: int | None = None
) -> np.ndarray:
    """Best-improvement local search over single-IoTD moves (to local or another MEC).

    Each round evaluates all ``N x (M + 1)`` moves in closed form (the server terms change by
    ``w_i (2 S_j + w_i) / F_max,j`` on arrival and ``w_i (2 S_j - w_i) / F_max,j`` on
    departure) and applies the best, until no move improves.
    """
    costs = model.slot_costs(state)
    table, w, inv_f = costs.cost_table, costs.weights, model.inv_f_max
    n, m = state.n_iotd, state.n_mec
    a = np.array(decision, dtype=np.int64)
    sums = np.bincount(a, weights=w, minlength=m + 1)[1:].copy()
    rows = np.arange(n)
    max_moves = 4 * n if max_moves is None else max_moves
    for _ in range(max_moves):
        on = a > 0
        srv = np.where(on, a - 1, 0)
        leave = np.where(on, w * (2.0 * sums[srv] - w) * inv_f[srv], 0.0)
        current = table[rows, a] + leave
        arrive = np.zeros((n, m + 1))
        arrive[:, 1:] = w[:, None] * (2.0 * sums[None, :] + w[:, None]) * inv_f[None, :]
        delta = table + arrive - current[:, None]
        delta[rows, a] = 0.0
        flat = int(np.argmin(delta))
        i, j = divmod(flat, m + 1)
        if delta[i, j] >= -1e-12 * max(1.0, abs(float(current.sum()))):
            break
        if a[i] > 0:
            sums[a[i] - 1] -= w[i]
        if j > 0:
            sums[j - 1] += w[i]
        a[i] = j
    return a


# -- population searches ----------------------------------------------------------------
PSO_DEFAULTS = {"particles": 100, "inertia": (0.9, 0.4), "c1": 1.5, "c2": 1.5}
"""Defaults; ``iterations=None`` means ``clip(5 N, 100, 1000)``. At 200 x 10 (1,000
iterations) this takes about 0.5-1 s on one core and lands about 0.5 % above the optimum on
the homogeneous scenario (paper 003's PSO: 1.86 s)."""


def auto_iterations(n_iotd: int, per_iotd: int, low: int, high: int) -> int:
    """Search effort that grows with the number of decision variables, within bounds."""
    return int(min(max(per_iotd * n_iotd, low), high))


def pso_decision(
    state: SlotState,
    model: LargeScaleMECModel,
    rng: np.random.Generator,
    particles: int = PSO_DEFAULTS["particles"],
    iterations: int | None = None,
    inertia: tuple[float, float] = PSO_DEFAULTS["inertia"],
    c1: float = PSO_DEFAULTS["c1"],
    c2: float = PSO_DEFAULTS["c2"],
    seed_decisions: list | None = None,
) -> SearchResult:
    """Particle swarm optimisation over the decision vector (the paper's PSO baseline).

    Each particle is a point of ``[0, M + 1)^N``; IoTD ``i``'s decision is ``floor(x_i)``.
    Standard global-best PSO with inertia decreasing linearly from ``inertia[0]`` to
    ``inertia[1]``, velocities clamped to ``(M + 1) / 2``, the whole swarm scored per
    iteration by ``model.evaluate_population`` (exact allocation). The swarm starts uniform
    at random, except one particle per ``seed_decisions`` entry (default: all-local and
    strongest-gain).
    """
    n, m = state.n_iotd, state.n_mec
    if iterations is None:
        iterations = auto_iterations(n, 5, 100, 1000)
    hi = float(m + 1)
    x = rng.uniform(0.0, hi, (particles, n))
    seeds = _default_seeds(state) if seed_decisions is None else seed_decisions
    for k, s in enumerate(seeds[:particles]):
        x[k] = np.asarray(s) + 0.5
    v_max = hi / 2.0
    v = rng.uniform(-v_max, v_max, (particles, n)) * 0.1
    decode = _floor_decoder(m)
    fit = model.evaluate_population(decode(x), state)
    best_x, best_fit = x.copy(), fit.copy()
    g = int(np.argmin(fit))
    g_x, g_fit = x[g].copy(), float(fit[g])
    evaluations = particles
    for it in range(iterations):
        w = inertia[0] + (inertia[1] - inertia[0]) * it / max(iterations - 1, 1)
        r1 = rng.random((particles, n))
        r2 = rng.random((particles, n))
        v = w * v + c1 * r1 * (best_x - x) + c2 * r2 * (g_x - x)
        np.clip(v, -v_max, v_max, out=v)
        x = np.clip(x + v, 0.0, np.nextafter(hi, 0.0))
        fit = model.evaluate_population(decode(x), state)
        evaluations += particles
        better = fit < best_fit
        best_x[better], best_fit[better] = x[better], fit[better]
        g = int(np.argmin(best_fit))
        if best_fit[g] < g_fit:
            g_x, g_fit = best_x[g].copy(), float(best_fit[g])
    return SearchResult(decode(g_x[None, :])[0], g_fit, evaluations)


DE_DEFAULTS = {"population": 50, "mutation": 0.5, "crossover": 0.05}
"""Defaults of our vectorised DE; ``generations=None`` means ``clip(10 N, 200, 2000)``. At
200 x 10 (2,000 generations) about 1 s on one core and about 0.6 % above the optimum on the
homogeneous scenario (paper 003's DE: 1.87 s). The low crossover rate (about ``0.05 N`` genes
per trial) suits the floor-decoded categorical variables much better than the usual 0.3-0.9."""


def de_decision(
    state: SlotState,
    model: LargeScaleMECModel,
    rng: np.random.Generator,
    population: int = DE_DEFAULTS["population"],
    generations: int | None = None,
    mutation: float = DE_DEFAULTS["mutation"],
    crossover: float = DE_DEFAULTS["crossover"],
    seed_decisions: list | None = None,
) -> SearchResult:
    """Differential evolution (DE/rand/1/bin) over ``[0, M + 1)^N``, decision ``floor(x)``.

    Our own vectorised implementation: a generation builds all trial vectors at once and
    scores them with one ``model.evaluate_population`` call. (scipy's
    ``differential_evolution`` with ``integrality`` mutates one member at a time in Python
    and needs ``popsize * N`` members, far too slow at N = 200; :func:`scipy_de_decision`
    keeps it for comparison.) Start population as in :func:`pso_decision`.
    """
    n, m = state.n_iotd, state.n_mec
    if generations is None:
        generations = auto_iterations(n, 10, 200, 2000)
    if population < 4:
        raise ValueError(f"population must be >= 4 for DE/rand/1, got {population}")
    hi = float(m + 1)
    top = np.nextafter(hi, 0.0)
    x = rng.uniform(0.0, hi, (population, n))
    seeds = _default_seeds(state) if seed_decisions is None else seed_decisions
    for k, s in enumerate(seeds[:population]):
        x[k] = np.asarray(s) + 0.5
    decode = _floor_decoder(m)
    fit = model.evaluate_population(decode(x), state)
    evaluations = population
    idx = np.arange(population)
    for _ in range(generations):
        # Three distinct partners per member, all different from the member itself.
        r = np.argsort(rng.random((population, population - 1)), axis=1)[:, :3]
        r = r + (r >= idx[:, None])
        mutant = x[r[:, 0]] + mutation * (x[r[:, 1]] - x[r[:, 2]])
        mutant = np.mod(mutant, hi)  # wrap: every option stays reachable
        cross = rng.random((population, n)) < crossover
        cross[idx, rng.integers(0, n, population)] = True
        trial = np.where(cross, mutant, x)
        np.clip(trial, 0.0, top, out=trial)
        trial_fit = model.evaluate_population(decode(trial), state)
        evaluations += population
        better = trial_fit <= fit
        x[better], fit[better] = trial[better], trial_fit[better]
    b = int(np.argmin(fit))
    return SearchResult(decode(x[b][None, :])[0], float(fit[b]), evaluations)


def scipy_de_decision(
    state: SlotState,
    model: LargeScaleMECModel,
    seed: int,
    popsize: int = 1,
    maxiter: int = 100,
) -> SearchResult:
    """``scipy.optimize.differential_evolution`` with ``integrality`` (for comparison only).

    Variables ``x_i`` in ``[0, M]``, integral; scored with ``vectorized=True``.
    """
    n, m = state.n_iotd, state.n_mec
    counter = {"n": 0}

    def objective(x):
        d = np.rint(np.atleast_2d(x.T)).astype(np.int64)
        counter["n"] += d.shape[0]
        return model.evaluate_population(np.clip(d, 0, m), state)

    res = differential_evolution(
        objective, [(0, m)] * n, integrality=np.ones(n, bool), popsize=popsize,
        maxiter=maxiter, seed=seed, vectorized=True, updating="deferred", polish=False,
        tol=0.0,
    )
    d = np.clip(np.rint(res.x).astype(np.int64), 0, m)
    return SearchResult(d, model.objective(d, state), counter["n"])


def _default_seeds(state: SlotState) -> list[np.ndarray]:
    return [local_decision(state), best_channel_decision(state)]


def _floor_decoder(m: int):
    def decode(x: np.ndarray) -> np.ndarray:
        return np.minimum(x.astype(np.int64), m)

    return decode
