"""The simulation model of SingleCellMEC-v0 (paper 002, sec. 3): plain numpy.

``N`` users in one LTE cell; each slot every user gets one task and runs it locally or sends
it to one of ``M`` edge servers. Server 1 sits at the base station, servers ``2..M`` behind it
over fibre at ``forward_rate_bps``. The servers are FCFS queues that persist across slots.

Per episode (stream ``layout``): server speeds ``f_m``, user speeds ``f_local``, user
distances and their path gains. Per slot (stream ``tasks``): every user's ``L`` and ``C``;
(stream ``fading``, only with ``rayleigh_fading``): the power fading of every user. The
streams do not depend on the decisions, so the same seed gives the same tasks whatever the
agent does; only the servers' backlogs carry the decisions forward.

Equations of paper 002: upload rate eq. (5) with ``k`` = the number of users offloading in
the slot, upload time eq. (7), forwarding eq. (9), queueing and service eq. (8), delay
eq. (11), load factor eq. (18) (with the carried backlog), load-balance coefficient eq. (19)
and reward eq. (20). The exact queue semantics are in :func:`simulate_slot`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from edge_envs.core.arrays import read_only
from edge_envs.core.seeding import spawn_streams
from edge_envs.single_cell_mec.params import SingleCellMECParams

STREAMS = ("layout", "tasks", "fading")
FADING_MIN = 1e-6
"""Rayleigh power fading ``Exp(1)`` is clipped to ``[FADING_MIN, FADING_MAX]`` (events of
probability 1e-6 and 1e-13 per draw) so the observation's rate entry has a true bound."""
FADING_MAX = 30.0
_INV_LN2 = 1.0 / np.log(2.0)

__all__ = [
    "FADING_MAX",
    "FADING_MIN",
    "STREAMS",
    "SingleCellMECModel",
    "SlotOutcome",
    "SlotState",
    "path_gain",
    "simulate_slot",
    "uplink_rate_bps",
]


def path_gain(distance_m, params: SingleCellMECParams) -> np.ndarray:
    """Linear gain ``10^(-PL/10)``, ``PL = A + B log10(d / 1 km)`` dB (3GPP macro cell:
    ``A = 128.1``, ``B = 37.6``); paper 002 leaves ``g_n`` of eq. (5) unspecified."""
    d_km = np.asarray(distance_m, dtype=np.float64) / 1000.0
    pl_db = params.path_loss_intercept_db + params.path_loss_slope_db * np.log10(d_km)
    return 10.0 ** (-pl_db / 10.0)


def uplink_rate_bps(channel_gain, n_sharing, params: SingleCellMECParams) -> np.ndarray:
    """Eq. (5): ``r = (W/k) log2(1 + p g / ((W/k) N0))`` with ``k = n_sharing`` users
    splitting ``W`` evenly (``k`` broadcasts against the gains)."""
    share = params.bandwidth_hz / np.asarray(n_sharing, dtype=np.float64)
    return _rate(params.tx_power_w / params.noise_w_per_hz * np.asarray(channel_gain), share)


def _rate(snr_hz, share_hz):
    """``share log2(1 + snr_hz / share)``; log1p keeps very weak channels at a tiny positive
    rate instead of exactly 0."""
    return share_hz * (np.log1p(snr_hz / share_hz) * _INV_LN2)


@dataclass(frozen=True, eq=False)
class SlotState:
    """What one slot's outcome depends on besides the decision (arrays read-only).

    Attributes:
        task_bits: ``(N,)`` task sizes ``L`` in bits.
        task_cycles: ``(N,)`` task work ``C`` in cycles.
        channel_gain: ``(N,)`` linear uplink gains ``g`` (path gain, times fading if on).
        local_speed_hz: ``(N,)`` user CPU speeds ``f_local``.
        server_speed_hz: ``(M,)`` server speeds ``f_m``.
        backlog_cycles: ``(M,)`` unfinished work ``U_m`` carried into the slot.
        prev_offloading: how many users offloaded in the previous slot (``N`` in the first
            slot); sets the observation's uplink-rate estimate.
    """

    task_bits: np.ndarray
    task_cycles: np.ndarray
    channel_gain: np.ndarray
    local_speed_hz: np.ndarray
    server_speed_hz: np.ndarray
    backlog_cycles: np.ndarray
    prev_offloading: int

    @property
    def n_users(self) -> int:
        return self.task_bits.shape[0]

    @property
    def n_servers(self) -> int:
        return self.server_speed_hz.shape[0]

    @property
    def ready_s(self) -> np.ndarray:
        """``(M,)`` time from the slot start at which each server finishes its carried work:
        the start-of-slot load factors ``U_m / f_m`` (seconds)."""
        return self.backlog_cycles / self.server_speed_hz

    def uplink_estimate_bps(self, params: SingleCellMECParams) -> np.ndarray:
        """``(N,)`` the rate each user would get if as many users offloaded as in the previous
        slot (at least one: itself)."""
        return uplink_rate_bps(self.channel_gain, max(self.prev_offloading, 1), params)


@dataclass(frozen=True, eq=False)
class SlotOutcome:
    """Outcome of ``P`` joint decisions in one slot (leading axis ``P``).

    Attributes:
        decisions: ``(P, N)`` int64, 0 = local, ``m`` = server ``m`` (1-based).
        delay_s: ``(P, N)`` delay ``t_n`` of every user (eq. 11).
        load_factors: ``(P, M)`` ``LD_m`` of eq. (18) in seconds.
        load_variance: ``(P,)`` ``var(LD)``, population variance over servers (eq. 19).
        backlog_cycles: ``(P, M)`` work carried into the next slot.
        server_task_counts: ``(P, M)`` tasks sent to each server.
        mean_delay_s: ``(P,)`` mean of ``delay_s`` over users.
        mean_reward: ``(P,)`` mean over users of eq. (20), ``-(w1 mean_delay + w2 var)``.
    """

    decisions: np.ndarray
    delay_s: np.ndarray
    load_factors: np.ndarray
    load_variance: np.ndarray
    backlog_cycles: np.ndarray
    server_task_counts: np.ndarray
    mean_delay_s: np.ndarray
    mean_reward: np.ndarray

    def user_rewards(self, params: SingleCellMECParams) -> np.ndarray:
        """``(P, N)`` eq. (20) per user: ``-(w1 t_n + w2 var(LD))``."""
        return -(params.w1 * self.delay_s + params.w2 * self.load_variance[:, None])


def simulate_slot(decisions, state: SlotState, params: SingleCellMECParams) -> SlotOutcome:
    """Delays, load factors and carried backlog of ``P`` joint decisions (eqs. 5-11, 18-20).

    Queue semantics (the docs' "Queue semantics" section; tests check each one):

    * ``k`` = users offloading in the slot; each gets ``W / k`` for its whole upload (eq. 5),
      ``t_up = L / r`` (eq. 7).
    * A task for server 1 arrives at ``a = t_up``; for server ``m >= 2`` at
      ``a = t_up + L / mu`` (eq. 9).
    * Each server serves in order of arrival, ties to the lower user index; its unfinished
      work drains at ``f_m``. A task arriving at ``a`` finishes at ``a + (U_m(a) + C) / f_m``
      (eq. 8), and that finish time (from the slot start) is the user's delay (eq. 11). The
      carried backlog makes the server busy until ``U_m(0) / f_m``.
    * Local tasks take ``C / f_local`` (eq. 6) and never queue.
    * Carried into the next slot: ``f_m max(0, last finish - slot_s)``, i.e. ``U_m`` at the
      slot's end (a task arriving after the slot's end keeps the server busy until it is done).
    * ``LD_m = U_m(0) / f_m + sum of C sent to m this slot / f_m`` (eq. 18).

    Vectorised over the population and the servers: the users are sorted once by arrival
    (stable, so ties go to the lower index; local users last), and for every server the FCFS
    recursion ``finish_j = max(a_j, finish_{j-1}) + s_j`` over its own users is the closed
    form ``finish_j = S_j + max(ready, max_{i <= j}(a_i - S_{i-1}))``, with ``S`` the running
    sum of the service times ``s = C / f_m`` of the users on that server (other users add 0).
    """
    d = np.asarray(decisions)
    if d.ndim == 1:
        d = d[None, :]
    n_pop, n = d.shape
    bits, cycles = state.task_bits, state.task_cycles
    off = d > 0
    k = np.add.reduce(off, axis=1)
    snr_hz = state.channel_gain * (params.tx_power_w / params.noise_w_per_hz)
    arrival = bits / _rate(snr_hz, params.bandwidth_hz / np.maximum(k, 1)[:, None])
    arrival = np.where(off, arrival + (d >= 2) * (bits / params.forward_rate_bps), np.inf)
    order = np.argsort(arrival, axis=1, kind="stable")
    rows = np.arange(n_pop)[:, None]
    # Arrays below are (N, P, M): arrival rank first, so the running sums and maxima run
    # over the leading axis (fast for large populations).
    d_sorted = d[rows, order].T
    member = d_sorted[:, :, None] == np.arange(1, state.server_speed_hz.shape[0] + 1)
    service = np.where(member, (cycles[order].T)[:, :, None] / state.server_speed_hz, 0.0)
    total = np.cumsum(service, axis=0)
    start = np.where(member, (arrival[rows, order].T)[:, :, None] - total + service, -np.inf)
    np.maximum.accumulate(start, axis=0, out=start)
    ready = state.ready_s
    np.maximum(start, ready, out=start)
    finish = np.add(total, start, out=start)
    delay = np.empty(d.shape)
    delay[rows, order] = finish[np.arange(n)[:, None], rows.T, np.maximum(d_sorted - 1, 0)].T
    delay = np.where(off, delay, cycles / state.local_speed_hz)
    backlog = state.server_speed_hz * np.maximum(finish[-1] - params.slot_s, 0.0)
    load = ready + total[-1]
    # Population variance and mean written with ufunc reductions (np.var/np.mean cost more
    # in Python overhead than the arithmetic at the paper's sizes).
    deviation = load - np.add.reduce(load, axis=1, keepdims=True) / load.shape[1]
    variance = np.add.reduce(deviation * deviation, axis=1) / load.shape[1]
    mean_delay = np.add.reduce(delay, axis=1) / n
    return SlotOutcome(
        decisions=d, delay_s=delay, load_factors=load, load_variance=variance,
        backlog_cycles=backlog, server_task_counts=np.add.reduce(member, axis=0),
        mean_delay_s=mean_delay, mean_reward=-(params.w1 * mean_delay + params.w2 * variance),
    )


class SingleCellMECModel:
    """Episodes of the single cell: per-episode speeds and distances, per-slot tasks, and the
    FCFS server queues carried from slot to slot.

    ``evaluate`` depends only on ``params`` and the :class:`SlotState` passed in, so solvers
    may evaluate candidate decisions on any state without touching the episode.
    """

    def __init__(self, params: SingleCellMECParams) -> None:
        self.params = params
        self.state: SlotState | None = None
        self.slot = 0
        self.distance_m: np.ndarray | None = None
        self.path_gain: np.ndarray | None = None
        self._streams: dict[str, np.random.Generator] | None = None
        self._episode: tuple[np.ndarray, np.ndarray] | None = None

    # -- episode --------------------------------------------------------------------
    def reset(self, entropy: int) -> SlotState:
        """New episode from ``entropy``: speeds, distances, empty queues, the first tasks."""
        p = self.params
        self._streams = spawn_streams(entropy, STREAMS)
        layout = self._streams["layout"]
        if p.server_speeds_hz is not None:
            servers = read_only(p.server_speeds_hz, np.float64)
        else:
            servers = read_only(layout.uniform(*p.server_speed_range_hz, size=p.n_servers))
        local = read_only(layout.uniform(*p.local_speed_range_hz, size=p.n_users))
        self.distance_m = read_only(layout.uniform(*p.distance_range_m, size=p.n_users))
        self.path_gain = read_only(path_gain(self.distance_m, p))
        self._episode = (local, servers)
        self.slot = 0
        self.state = self._draw_slot(read_only(np.zeros(p.n_servers)), p.n_users)
        return self.state

    def _draw_slot(self, backlog: np.ndarray, prev_offloading: int) -> SlotState:
        p = self.params
        tasks = self._streams["tasks"]
        bits = tasks.uniform(*p.task_bits_range, size=p.n_users)
        cycles = tasks.uniform(*p.task_cycles_range, size=p.n_users)
        bits.flags.writeable = False
        cycles.flags.writeable = False
        gain = self.path_gain
        if p.rayleigh_fading:
            fading = self._streams["fading"].standard_exponential(p.n_users)
            gain = np.clip(fading, FADING_MIN, FADING_MAX) * gain
            gain.flags.writeable = False
        local, servers = self._episode
        return SlotState(bits, cycles, gain, local, servers, backlog, int(prev_offloading))

    def evaluate(self, decisions, state: SlotState | None = None) -> SlotOutcome:
        """:func:`simulate_slot` of ``(P, N)`` (or ``(N,)``) decisions on ``state`` (default:
        the current slot). Decisions are not validated here (the envs do)."""
        return simulate_slot(decisions, self._state(state), self.params)

    def step(self, decision: np.ndarray) -> SlotOutcome:
        """Play one validated ``(N,)`` decision on the current slot and move to the next one
        (new tasks, the backlog carried over). Returns the one-row outcome."""
        state = self._state(None)
        outcome = simulate_slot(decision, state, self.params)
        backlog = read_only(outcome.backlog_cycles[0].copy())
        n_off = int(self.params.n_users - np.count_nonzero(outcome.decisions[0] == 0))
        self.slot += 1
        self.state = self._draw_slot(backlog, n_off)
        return outcome

    def _state(self, state: SlotState | None) -> SlotState:
        if state is not None:
            return state
        if self.state is None:
            raise RuntimeError("no current slot: call reset(entropy) first")
        return self.state
