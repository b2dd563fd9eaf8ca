"""The simulation model of LargeScaleMEC-v0 (paper 003, sec. III): plain numpy/scipy.

One episode = one layout (IoTD positions drawn from the scenario's distribution, MEC positions
given or placed by k-means) and a sequence of independent slots. Every slot redraws the
Rayleigh fading of every IoTD-MEC pair and, for heterogeneous scenarios, every task. The
decision of a slot does not change the next one, so the problem is a contextual bandit.

Random numbers come from three named streams (``edge_envs.core.seeding``): ``layout``
(positions, k-means seed), ``fading`` (``l_ij``) and ``tasks`` (task-type mix, ``F_i``,
``D_i``), so the same seed gives the same episode whatever the agent does.

Equations (paper 003): rate eq. (2), gain eq. (3), times eqs. (1) and (8), energy eq. (9),
cost eq. (10), objective eq. (11); the allocation for a fixed decision is sub-problem (13),
solved exactly in :mod:`edge_envs.large_scale_mec.allocation`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property

import numpy as np
from scipy.cluster.vq import vq
from scipy.special import gamma

from edge_envs.core.arrays import read_only, squared_distances
from edge_envs.core.seeding import spawn_streams
from edge_envs.large_scale_mec import allocation as alloc
from edge_envs.large_scale_mec.params import MIXED_TYPES, TASK_WEIGHTS, LargeScaleMECParams

STREAMS = ("layout", "fading", "tasks")

FADING_MIN = 1e-6
"""Small-scale fading ``l_ij ~ Exp(1)`` is clipped to ``[FADING_MIN, FADING_MAX]``: events of
probability 1e-6 and 1e-13 per draw, clipped so the observation has true finite bounds."""
FADING_MAX = 30.0
DISTANCE_MIN_M = 1.0
"""Distances are floored at 1 m (the reference distance of ``beta0``)."""

__all__ = [
    "DISTANCE_MIN_M",
    "FADING_MAX",
    "FADING_MIN",
    "STREAMS",
    "LargeScaleMECModel",
    "SlotCosts",
    "SlotResult",
    "SlotState",
    "kmeans_centroids",
    "mantegna_sigma_u",
    "mantegna_steps",
    "reward_of",
    "step_info",
    "vote_decision",
]


@dataclass(frozen=True, eq=False)
class SlotState:
    """What one slot's decision depends on (all arrays read-only).

    Attributes:
        channel_gain: ``(N, M)`` linear gains ``h_ij`` (eq. (3)).
        task_cycles: ``(N,)`` CPU cycles ``F_i``.
        task_bits: ``(N,)`` upload sizes ``D_i`` in bits.
        phi_t: ``(N,)`` time weights ``phi_T`` of eq. (10).
        phi_e: ``(N,)`` energy weights ``phi_E`` of eq. (10).
    """

    channel_gain: np.ndarray
    task_cycles: np.ndarray
    task_bits: np.ndarray
    phi_t: np.ndarray
    phi_e: np.ndarray

    def __post_init__(self) -> None:
        for name in ("channel_gain", "task_cycles", "task_bits", "phi_t", "phi_e"):
            object.__setattr__(self, name, read_only(getattr(self, name), np.float64))
        n, m = self.channel_gain.shape
        for name in ("task_cycles", "task_bits", "phi_t", "phi_e"):
            if getattr(self, name).shape != (n,):
                raise ValueError(f"{name} must have shape ({n},), got {getattr(self, name).shape}")

    @classmethod
    def _trusted(cls, channel_gain, task_cycles, task_bits, phi_t, phi_e, weights=None):
        """Build without copying or checking: the model's own read-only arrays (hot path)."""
        self = object.__new__(cls)
        for name, value in (("channel_gain", channel_gain), ("task_cycles", task_cycles),
                            ("task_bits", task_bits), ("phi_t", phi_t), ("phi_e", phi_e)):
            object.__setattr__(self, name, value)
        if weights is not None:
            self.__dict__["compute_weights"] = weights
        return self

    @property
    def n_iotd(self) -> int:
        return self.channel_gain.shape[0]

    @property
    def n_mec(self) -> int:
        return self.channel_gain.shape[1]

    @cached_property
    def compute_weights(self) -> np.ndarray:
        """``sqrt(phi_T F)`` of every IoTD (the square-root split's weights)."""
        return read_only(alloc.compute_weights(self.task_cycles, self.phi_t))


@dataclass(frozen=True, eq=False)
class SlotCosts:
    """Per-IoTD and per-pair cost terms of one slot under the exact allocation.

    The objective of any decision ``a`` is then
    ``sum_i cost_table[i, a_i] + sum_j (sum_{i: a_i = j+1} weights_i)^2 / F_max,j``.

    Attributes:
        local_cost: ``(N,)`` ``phi_T F/f0 + phi_E kappa f0^(v-1) F`` (eqs. (8)-(10), local).
        tx_cost: ``(N, M)`` weighted upload cost ``(phi_T + phi_E p*) D / r(p*)`` per pair.
        tx_power_w: ``(N, M)`` the optimal power ``p*`` of each pair.
        weights: ``(N,)`` ``sqrt(phi_T F)``.
        cost_table: ``(N, M + 1)``: column 0 the local cost, column ``j + 1`` the upload to ``j``.
    """

    local_cost: np.ndarray
    tx_cost: np.ndarray
    tx_power_w: np.ndarray
    weights: np.ndarray
    cost_table: np.ndarray

    @property
    def offload_tx_cost(self) -> np.ndarray:
        """Alias of ``tx_cost``."""
        return self.tx_cost


@dataclass(frozen=True, eq=False)
class SlotResult:
    """Outcome of one decision in one slot.

    Attributes:
        objective: ``sum_i Phi_i`` (eq. (11)).
        decision: ``(N,)`` 0 = local, ``j`` = MEC ``j - 1``'s index + 1.
        time_s: ``(N,)`` completion time ``T_i`` (eq. (8)).
        energy_j: ``(N,)`` IoTD energy ``E_i`` (eq. (9)).
        cost: ``(N,)`` ``Phi_i`` (eq. (10)).
        cpu_allocation_hz: ``(N,)`` MEC cycles/s given to each IoTD (0 when local).
        tx_power_w: ``(N,)`` transmit power (0 when local).
        mec_load: ``(M,)`` number of IoTDs on each MEC.
    """

    objective: float
    decision: np.ndarray
    time_s: np.ndarray
    energy_j: np.ndarray
    cost: np.ndarray
    cpu_allocation_hz: np.ndarray
    tx_power_w: np.ndarray
    mec_load: np.ndarray

    @property
    def total_time_s(self) -> float:
        return float(self.time_s.sum())

    @property
    def total_energy_j(self) -> float:
        return float(self.energy_j.sum())


VOTE_THRESHOLD = 0.5


def vote_decision(scores) -> np.ndarray:
    """The paper's maximum vote (sec. IV-C (5)): IoTD ``i`` goes to the MEC with the highest
    score if that score exceeds 0.5, else runs locally.

    The one vote of the suite: the env's ``scores`` action view, the PettingZoo view and the
    DIRS and MADDPG agents all call it.

    Args:
        scores: ``(..., M, N)`` scores in ``[0, 1]``, row ``j`` from the agent of MEC ``j``
            (leading axes are a batch); ties go to the lowest MEC index, and a top score of
            exactly 0.5 is local.

    Returns:
        ``(..., N)`` int64 decisions, 0 = local, ``j + 1`` = MEC ``j``.
    """
    s = np.asarray(scores)
    best = np.argmax(s, axis=-2)
    top = np.take_along_axis(s, best[..., None, :], axis=-2)[..., 0, :]
    return np.where(top > VOTE_THRESHOLD, best + 1, 0).astype(np.int64)


def mantegna_sigma_u(beta: float) -> float:
    """Mantegna's ``sigma_u`` (paper 004, eq. (22)); 0.6965745025576968 at ``beta = 1.5``.

    ``[Gamma(1 + beta) sin(pi beta / 2) / (Gamma((1 + beta) / 2) beta 2^((beta - 1) / 2))]
    ^(1/beta)``, with scipy's Gamma (correctly rounded at 2.5, where ``math.gamma`` is one
    ulp off).
    """
    if not 0.0 < beta <= 2.0:
        raise ValueError(f"beta must be in (0, 2], got {beta}")
    num = gamma(1.0 + beta) * math.sin(math.pi * beta / 2.0)
    den = gamma((1.0 + beta) / 2.0) * beta * 2.0 ** ((beta - 1.0) / 2.0)
    return float((num / den) ** (1.0 / beta))


def mantegna_steps(rng: np.random.Generator, beta: float, size) -> np.ndarray:
    """Symmetric Lévy-stable steps ``u / |v|^(1/beta)``, ``u ~ N(0, sigma_u^2)``,
    ``v ~ N(0, 1)`` (Mantegna's method, paper 004 eqs. (20)-(22)).

    The ``levy`` IoTD layout draws its positions with them, and the DIRS agent's Lévy flight
    search (``agents/dirs/levy.py``) its mutation steps.
    """
    u = rng.normal(0.0, mantegna_sigma_u(beta), size)
    v = rng.normal(0.0, 1.0, size)
    return u / np.abs(v) ** (1.0 / beta)


def reward_of(objective: float, params: LargeScaleMECParams) -> float:
    """``-objective / N`` (``mean_cost``) or ``1 / objective`` (``reciprocal``, the paper's)."""
    if params.reward == "reciprocal":
        return 1.0 / objective
    return -objective / params.n_iotd


def step_info(result: SlotResult, slot: int) -> dict:
    """The ``info`` of one step, the same in the Gymnasium and the PettingZoo view.

    ``slot`` is the index of the slot the step decided (0 for the first step of an episode).
    """
    return {
        "objective": result.objective,
        "time_s": result.total_time_s,
        "energy_j": result.total_energy_j,
        "offload_decision": result.decision,
        "mec_load": result.mec_load,
        "n_offloaded": int(np.count_nonzero(result.decision)),
        "slot": slot,
    }


def kmeans_centroids(
    points: np.ndarray, k: int, rng: np.random.Generator, max_iter: int = 300
) -> np.ndarray:
    """k-means centres of 2-D points: greedy k-means++ seeding and Lloyd iterations.

    The algorithm of scikit-learn's ``KMeans(n_init=1)`` (each new seed is the best of
    ``2 + ln k`` D^2-sampled candidates; Lloyd until the labels stop changing; an emptied
    cluster moves to the point farthest from its centre), written in numpy because
    scikit-learn spends 2-20 ms per call managing thread pools (once per episode here) and
    sums partial results in thread order, so its centres can change in the last bits with the
    number of cores; these are bit-reproducible everywhere.
    """
    pts = np.asarray(points, dtype=np.float64)
    n = len(pts)
    trials = 2 + int(math.log(k))
    centres = np.empty((k, 2))
    centres[0] = pts[rng.integers(n)]
    closest = squared_distances(pts, centres[:1])[:, 0]
    for c in range(1, k):
        total = closest.sum()
        if total > 0.0:
            picks = np.searchsorted(np.cumsum(closest), rng.random(trials) * total)
            picks = np.minimum(picks, n - 1)
        else:  # every point already sits on a centre (duplicates)
            picks = rng.integers(0, n, trials)
        cand = np.minimum(closest[None, :], squared_distances(pts, pts[picks]).T)
        best = int(np.argmin(cand.sum(axis=1)))
        centres[c] = pts[picks[best]]
        closest = cand[best]
    labels = np.full(n, -1)
    for _ in range(max_iter):
        # scipy's C nearest-centre search (single-threaded, deterministic).
        new, own = vq(pts, centres, check_finite=False)
        if np.array_equal(new, labels):
            break
        labels = new.astype(np.int64)
        counts = np.bincount(labels, minlength=k)
        for axis in range(2):
            sums = np.bincount(labels, weights=pts[:, axis], minlength=k)
            np.divide(sums, counts, out=centres[:, axis], where=counts > 0)
        empty = np.flatnonzero(counts == 0)
        if empty.size:
            own = own.copy()
            for c in empty:
                far = int(np.argmax(own))
                centres[c] = pts[far]
                own[far] = -1.0
                labels[far] = -1  # forces another Lloyd round
    return centres


class LargeScaleMECModel:
    """Layouts, per-slot channels and tasks, and the cost of any offloading decision.

    ``evaluate``, ``evaluate_population`` and ``slot_costs`` depend only on ``params`` and the
    :class:`SlotState` passed in, so solvers may use a model that was never reset (e.g. on a
    state decoded from an observation).
    """

    def __init__(self, params: LargeScaleMECParams) -> None:
        self.params = params
        self.f_max_hz = read_only(params.f_max_per_mec)
        self.inv_f_max = read_only(1.0 / self.f_max_hz)
        self.local_energy_per_cycle_j = params.kappa * params.f_local_hz ** (
            params.cpu_exponent - 1.0
        )
        self._inv_f_local = 1.0 / params.f_local_hz
        self._inv_noise = 1.0 / params.noise_w
        self.iotd_positions: np.ndarray | None = None
        self.mec_positions: np.ndarray | None = None
        self.state: SlotState | None = None
        self.slot = 0
        self._streams: dict[str, np.random.Generator] | None = None
        self._gain_scale: np.ndarray | None = None
        self._phi_t: np.ndarray | None = None
        self._phi_e: np.ndarray | None = None
        self._fixed_cycles = read_only(np.full(params.n_iotd, float(params.task_cycles)))
        self._fixed_bits = read_only(np.full(params.n_iotd, float(params.task_bits)))
        self._fixed_weights: np.ndarray | None = None
        self._costs_for: SlotState | None = None
        self._costs: SlotCosts | None = None

    # -- episode --------------------------------------------------------------------
    def reset(self, entropy: int) -> SlotState:
        """New layout from ``entropy`` and the first slot."""
        p = self.params
        self._streams = spawn_streams(entropy, STREAMS)
        layout = self._streams["layout"]
        self.iotd_positions = read_only(self._draw_iotd_positions(layout))
        if p.mec_positions is not None:
            self.mec_positions = read_only(p.mec_positions)
        else:
            self.mec_positions = read_only(self._kmeans(self.iotd_positions, layout))
        d2 = squared_distances(self.iotd_positions, self.mec_positions)
        d2 = np.maximum(d2, DISTANCE_MIN_M**2)
        self._gain_scale = read_only(p.beta0 / d2)
        self._draw_task_types(self._streams["tasks"])
        self.slot = -1
        return self.next_slot()

    def next_slot(self) -> SlotState:
        """Draw the next slot: fading of all pairs at once and, if heterogeneous, the tasks."""
        if self._streams is None:
            raise RuntimeError("call reset(entropy) before next_slot()")
        p = self.params
        gain = self._streams["fading"].standard_exponential((p.n_iotd, p.n_mec))
        np.maximum(gain, FADING_MIN, out=gain)
        np.minimum(gain, FADING_MAX, out=gain)
        gain *= self._gain_scale
        gain.flags.writeable = False
        weights = self._fixed_weights
        if p.heterogeneous:
            tasks = self._streams["tasks"]
            cycles = read_only(tasks.uniform(*p.task_cycles_range, size=p.n_iotd))
            bits = read_only(tasks.uniform(*p.task_bits_range, size=p.n_iotd))
            weights = None
        else:
            cycles, bits = self._fixed_cycles, self._fixed_bits
        self.slot += 1
        self.state = SlotState._trusted(gain, cycles, bits, self._phi_t, self._phi_e, weights)
        return self.state

    def _draw_iotd_positions(self, rng: np.random.Generator) -> np.ndarray:
        p = self.params
        size = (p.n_iotd, 2)
        if p.iotd_distribution == "uniform":
            return rng.uniform(0.0, p.area_m, size)
        centre = p.area_m / 2.0
        if p.iotd_distribution == "gaussian":
            pts = centre + p.layout_scale_m * rng.standard_normal(size)
        else:
            pts = centre + p.layout_scale_m * mantegna_steps(rng, p.levy_beta, size)
        return np.clip(pts, 0.0, p.area_m)

    def _kmeans(self, points: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        return kmeans_centroids(points, self.params.n_mec, rng)

    def _draw_task_types(self, rng: np.random.Generator) -> None:
        p = self.params
        if p.task_type == "mixed":
            kinds = rng.integers(0, len(MIXED_TYPES), p.n_iotd)
            table = np.array([TASK_WEIGHTS[k] for k in MIXED_TYPES])
            self._phi_t = read_only(table[kinds, 0])
            self._phi_e = read_only(table[kinds, 1])
        else:
            wt, we = TASK_WEIGHTS[p.task_type]
            self._phi_t = read_only(np.full(p.n_iotd, wt))
            self._phi_e = read_only(np.full(p.n_iotd, we))
        self._fixed_weights = read_only(alloc.compute_weights(self._fixed_cycles, self._phi_t))

    # -- costs ----------------------------------------------------------------------
    def local_time_energy(self, task_cycles) -> tuple[np.ndarray, np.ndarray]:
        """Local time ``F / f0`` and energy ``kappa f0^v F / f0`` (eqs. (8), (9))."""
        cycles = np.asarray(task_cycles, dtype=np.float64)
        return cycles * self._inv_f_local, cycles * self.local_energy_per_cycle_j

    def slot_costs(self, state: SlotState | None = None) -> SlotCosts:
        """Cost terms of every IoTD and pair under the exact allocation (cached per state)."""
        state = self._state(state)
        if self._costs_for is state and self._costs is not None:
            return self._costs
        p = self.params
        snr = state.channel_gain / p.noise_w
        tx_cost, tx_power = alloc.optimal_tx_cost(
            snr, state.task_bits[:, None], state.phi_t[:, None], state.phi_e[:, None],
            p.p_max_w, p.bandwidth_hz,
        )
        t_loc, e_loc = self.local_time_energy(state.task_cycles)
        local = state.phi_t * t_loc + state.phi_e * e_loc
        table = np.empty((p.n_iotd, p.n_mec + 1))
        table[:, 0] = local
        table[:, 1:] = tx_cost
        costs = SlotCosts(
            local_cost=read_only(local), tx_cost=read_only(tx_cost),
            tx_power_w=read_only(tx_power), weights=state.compute_weights,
            cost_table=read_only(table),
        )
        self._costs_for, self._costs = state, costs
        return costs

    def evaluate(
        self,
        decision,
        state: SlotState | None = None,
        allocation: str | None = None,
        agent_allocation: tuple[np.ndarray, np.ndarray] | None = None,
        check: bool = True,
    ) -> SlotResult:
        """Time, energy and cost of ``decision`` in ``state``.

        Args:
            decision: ``(N,)`` ints, 0 = local, ``j`` in ``1..M`` = MEC ``j``.
            state: the slot (default: the model's current slot).
            allocation: ``exact`` | ``equal`` | ``agent`` (default: ``params.allocation``).
            agent_allocation: ``(compute_shares, power_fractions)``, two ``(N,)`` arrays in
                ``[0, 1]``, for ``allocation="agent"``: IoTD ``i`` on MEC ``j`` gets
                ``F_max,j s_i / sum_{k -> j} s_k`` cycles/s and ``P_max * clip(u_i, 1e-3, 1)``.
            check: validate ``decision``; ``False`` only for a fresh int64 array already
                checked (the env's hot path), which the result then owns.
        """
        p = self.params
        state = self._state(state)
        a = self._check_decision(decision) if check else decision
        allocation = p.allocation if allocation is None else allocation
        off = np.flatnonzero(a)
        mec = a[off] - 1
        cycles, bits = state.task_cycles, state.task_bits
        time_s = cycles * self._inv_f_local
        energy_j = cycles * self.local_energy_per_cycle_j
        cpu = np.zeros(p.n_iotd)
        power = np.zeros(p.n_iotd)
        if off.size:
            snr = state.channel_gain[off, mec] * self._inv_noise
            if allocation == "exact":
                phi_t, phi_e = state.phi_t[off], state.phi_e[off]
                if np.all(phi_e > 0.0):
                    pw = alloc.power_from_ratio(phi_t * snr / phi_e, snr, p.p_max_w)
                else:
                    pw = alloc.optimal_tx_power(snr, phi_t, phi_e, p.p_max_w)
                f = alloc.sqrt_compute_split(mec, state.compute_weights[off], self.f_max_hz)
            elif allocation == "equal":
                pw = np.full(off.size, p.p_max_w)
                f = alloc.equal_compute_split(mec, self.f_max_hz)
            elif allocation == "agent":
                if agent_allocation is None:
                    raise ValueError("allocation='agent' needs agent_allocation=(shares, powers)")
                shares, fractions = (np.asarray(x, dtype=np.float64) for x in agent_allocation)
                pw = alloc.agent_power(fractions[off], p.p_max_w)
                f = alloc.share_compute_split(mec, shares[off], self.f_max_hz)
            else:
                raise ValueError(f"allocation must be exact, equal or agent, got {allocation!r}")
            t_tx = bits[off] / alloc.tx_rate_bps(pw, snr, p.bandwidth_hz)
            time_s[off] = t_tx + cycles[off] / f
            energy_j[off] = pw * t_tx
            cpu[off] = f
            power[off] = pw
        cost = state.phi_t * time_s + state.phi_e * energy_j
        return SlotResult(
            objective=float(cost.sum()), decision=a, time_s=time_s, energy_j=energy_j,
            cost=cost, cpu_allocation_hz=cpu, tx_power_w=power,
            mec_load=np.bincount(mec, minlength=p.n_mec),
        )

    def objective(self, decision, state: SlotState | None = None) -> float:
        """``sum_i Phi_i`` of one decision under the exact allocation."""
        return float(self.evaluate_population(np.asarray(decision)[None, :], state)[0])

    def evaluate_population(self, decisions, state: SlotState | None = None) -> np.ndarray:
        """Objectives (exact allocation) of ``P`` decisions at once: ``(P, N)`` ints -> ``(P,)``.

        Uses :meth:`slot_costs` (computed once per slot): the chosen upload/local costs are
        gathered, and each server's compute term ``(sum w)^2 / F_max`` comes from one
        ``bincount`` over the whole population.
        """
        d = np.asarray(decisions)
        if d.ndim == 1:
            d = d[None, :]
        m = self.params.n_mec
        if d.ndim != 2 or d.shape[1] != self.params.n_iotd or d.dtype.kind not in "iu":
            raise ValueError(
                f"decisions must be an integer array of shape (P, {self.params.n_iotd}), got "
                f"{d.dtype} {d.shape}"
            )
        if d.size and (d.min() < 0 or d.max() > m):
            raise ValueError(f"decisions must lie in 0..{m}")
        costs = self.slot_costs(state)
        n_pop, n = d.shape
        total = costs.cost_table[np.arange(n), d].sum(axis=1)
        slots = (d + (m + 1) * np.arange(n_pop)[:, None]).ravel()
        sums = np.bincount(
            slots, weights=np.broadcast_to(costs.weights, d.shape).ravel(),
            minlength=n_pop * (m + 1),
        ).reshape(n_pop, m + 1)[:, 1:]
        return total + (sums * sums) @ self.inv_f_max

    # -- helpers --------------------------------------------------------------------
    def _state(self, state: SlotState | None) -> SlotState:
        if state is not None:
            return state
        if self.state is None:
            raise RuntimeError("no current slot: call reset(entropy) or pass a state")
        return self.state

    def _check_decision(self, decision) -> np.ndarray:
        a = np.asarray(decision)
        n, m = self.params.n_iotd, self.params.n_mec
        if a.shape != (n,) or a.dtype.kind not in "iu":
            raise ValueError(f"decision must be {n} integers in 0..{m}, got {a.dtype} {a.shape}")
        if a.size and (a.min() < 0 or a.max() > m):
            raise ValueError(f"decision entries must lie in 0..{m}")
        return a.astype(np.int64, copy=True)
