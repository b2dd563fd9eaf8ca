"""The simulation model of OffloadSAP-v0 (paper 001, sec. III): an event-driven numpy model.

``N`` devices work through ``M`` tasks each, one at a time. A task of ``D`` bits of work and
``S = theta D`` bits to send runs locally (eqs. (1), (2)) or on one of ``Z`` servers reached
through the smart access point (SAP, eq. (3)). Its cost is ``C = alpha E + beta T`` (eq. (4)),
the reward ``-C`` (eq. (5)).

**Why events.** The SAP uplink (``uplink_channels`` parallel channels), each SAP-to-server link
and each server are FCFS store-and-forward queues. With FCFS queues a task's whole timeline is
known when its decision applies: it takes the uplink channel free first, then its server's
link, then its server, each as soon as both the task and the resource are ready. So a decision
is booked once, exactly, and the simulation jumps from one decision to the next; nothing is
simulated between events (no time slots, no no-op steps). Queues serve tasks in the order their
decisions are booked (the SAP reserves the resources when it forwards the decision).

Servers have slow spells (speed ``x slow_factor``): a task's processing integrates the server's
speed over time (:meth:`AlternatingProcess.finish_time`), so its finish is exact as well.

**Control link** (the paper's subject): the SAP-to-learner link is on/off
(:class:`AlternatingProcess`, or a given trace). It carries cloud decisions, the SAP's refresh
of the devices' view of servers and links (every ``refresh_s`` while up) and the agents'
weights and experiences (:meth:`OffloadSAPModel.send_control`), never the data path.

* ``decision_site="device"``: a task's decision is made and applies when it is generated.
* ``decision_site="cloud"``: the decision is made at ``t_r``, the first moment the link is up
  for a whole round trip, on the state as of ``t_r``; it applies at ``t_r + loop_latency_s``.
  If that is after the task's deadline the task is dropped at its deadline, costs
  ``drop_penalty_factor`` times its local cost and uses no energy; the device waits meanwhile.

A device's time counts from the generation of its task (waiting for a decision or the uplink
included). The device is busy while it computes locally or until its own transmission ends;
it does not wait for remote results. Its battery pays its compute and transmission energy;
server energy counts in the cost only. A device whose battery empties finishes its task and
leaves; its remaining tasks are unserved and pay the drop penalty.

Random streams (``edge_envs.core.seeding``): ``devices`` (clocks, link rates), ``tasks`` (sizes,
deadlines), ``control`` (outages), ``server_<z>`` (slow spells of server ``z``), so the same
seed gives the same devices, tasks, outages and spells whatever the agent does and whatever the
decision site.
"""

from __future__ import annotations

import math

import numpy as np

from edge_envs.core.seeding import spawn_streams
from edge_envs.offload_sap.observation import TIME_CAP_S, observation_size
from edge_envs.offload_sap.params import OffloadSAPParams
from edge_envs.offload_sap.processes import AlternatingProcess

__all__ = ["DECIDE", "DROP", "IDLE", "LEAVE", "SETTLEMENT", "OffloadSAPModel", "remote_chain"]

DECIDE, DROP, LEAVE, IDLE = 0, 1, 2, 3
"""Kinds of a device's next event (``IDLE``: no event left)."""
SETTLEMENT = ("cost", "time_s", "energy_j", "completed_tasks", "dropped_tasks", "unserved_tasks")
"""Rows of the per-device accumulators settled by each step."""
_COST, _TIME, _ENERGY, _DONE, _DROPPED, _UNSERVED = range(6)


def remote_chain(t_apply, send_bits, device_link_bps, uplink_free, link_free, server_link_bps,
                 server_free):
    """Store-and-forward timeline of an offloaded task through the FCFS queues (eq. (3)).

    The task takes the uplink when both it (``t_apply``) and the first free channel
    (``uplink_free``) are ready, sends ``S / link_i``, then crosses its server's link
    (``S / link_z`` after ``link_free``), then waits for its server (``server_free``).
    Works on scalars or on arrays over servers (``link_free``, ``server_link_bps``,
    ``server_free``).

    Returns:
        ``(end_of_uplink, end_of_server_link, start_of_processing)``.
    """
    end_up = max(t_apply, uplink_free) + send_bits / device_link_bps
    arrive = np.maximum(end_up, link_free) + send_bits / server_link_bps
    return end_up, arrive, np.maximum(arrive, server_free)


class OffloadSAPModel:
    """The system state and its event loop; the Gymnasium and PettingZoo shells drive it.

    Use: :meth:`reset` (runs to the first decision), then repeatedly :meth:`deciding` (devices
    that decide now), :meth:`observe`, :meth:`decide` for each of them, :meth:`advance` (runs to
    the next decision; ``False`` when the episode is over) and :meth:`settle` (what the tasks
    settled since the last call cost, per device).

    Read-only state for reference agents: ``now`` (s), ``uplink_free`` (C,), ``link_free``
    (Z,), ``server_free`` (Z,) (absolute times at which each resource is next free),
    ``battery_j`` (N,), ``device_speed_bps``, ``device_energy_j_per_bit``,
    ``device_link_bps``, ``tx_energy_j_per_bit`` (N,), ``task_bits`` (N, M), and the control
    link ``link`` and server ``spells`` processes.
    """

    def __init__(self, params: OffloadSAPParams) -> None:
        self.params = params
        p = params
        self.n, self.z, self.m = p.n_devices, p.n_servers, p.tasks_per_device
        self._server_link = np.asarray(p.server_link_bps)
        self._server_energy = np.asarray(p.server_energy_j_per_bit)
        self._server_link_list = list(p.server_link_bps)
        self._server_energy_list = list(p.server_energy_j_per_bit)
        self.obs_size = observation_size(p)
        self.now = 0.0
        self.link: AlternatingProcess | None = None

    # -- episode ------------------------------------------------------------------------
    def reset(self, entropy: int) -> bool:
        """Start an episode from ``entropy``; run to the first decision (``False``: none)."""
        p = self.params
        n, m = self.n, self.m
        names = ("devices", "tasks", "control", *(f"server_{z}" for z in range(self.z)))
        rng = spawn_streams(entropy, names)
        clock = rng["devices"].uniform(*p.device_clock_hz_range, n)
        link = rng["devices"].uniform(*p.device_link_bps_range, n)
        self.device_speed_bps = clock / p.cycles_per_bit
        self.device_energy_j_per_bit = p.kappa * clock**2 * p.cycles_per_bit
        self.device_link_bps = link
        self.tx_energy_j_per_bit = p.tx_power_w / link
        self.task_bits = rng["tasks"].uniform(*p.task_bits_range, (n, m))
        self.deadline_rel_s = rng["tasks"].uniform(*p.deadline_range_s, (n, m))
        # Local cost of every task, the base of the drop penalty.
        self.local_cost = self.task_bits * (
            p.alpha * self.device_energy_j_per_bit + p.beta / self.device_speed_bps
        )[:, None]
        self.spells = [
            AlternatingProcess(rng[f"server_{z}"], p.mean_normal_s, p.mean_slow_s,
                               rates=(speed, speed * p.slow_factor))
            for z, speed in enumerate(p.server_speed_bps)
        ]
        self.link = AlternatingProcess(rng["control"], p.mean_up_s, p.mean_down_s,
                                       down_intervals=p.outage_trace)
        for name in ("device_speed_bps", "device_energy_j_per_bit", "device_link_bps",
                     "tx_energy_j_per_bit", "task_bits", "local_cost"):
            getattr(self, name).flags.writeable = False
        # Python lists for the scalar event path (several times faster than numpy scalars).
        self._speed = self.device_speed_bps.tolist()
        self._e_dev = self.device_energy_j_per_bit.tolist()
        self._link_i = link.tolist()
        self._tx_e = self.tx_energy_j_per_bit.tolist()
        self._bits = self.task_bits.tolist()
        self._deadline_rel = self.deadline_rel_s.tolist()

        self.now = 0.0
        self.uplink_free = np.zeros(p.uplink_channels)
        self.link_free = np.zeros(self.z)
        self.server_free = np.zeros(self.z)
        self.battery_j = np.full(n, float(p.battery_j))
        self.next_task = np.zeros(n, dtype=np.int64)
        self.active = np.ones(n, dtype=bool)
        self.t_gen = np.zeros(n)
        self.deadline = np.zeros(n)
        self.t_apply = np.zeros(n)
        self.event_t = np.full(n, math.inf)
        self.event_kind = np.full(n, IDLE, dtype=np.int8)
        self.last_action = np.full(n, -1, dtype=np.int64)
        self.acc = np.zeros((len(SETTLEMENT), n))
        self.control_bytes = 0
        self.control_bytes_total = 0
        self.view_time = -1.0
        z = self.z
        self.sap_obs = np.zeros(3 + 5 * z)
        self.sap_obs[3 + z:3 + 2 * z] = self._server_energy * 1e6
        self.sap_obs[3 + 2 * z:3 + 3 * z] = self._server_link * 1e-6
        self._device_obs = np.stack([self.device_speed_bps * 1e-6,
                                     self.device_energy_j_per_bit * 1e6,
                                     self.device_link_bps * 1e-6,
                                     self.tx_energy_j_per_bit * 1e6], axis=1)
        for i in range(n):
            self._next_task(i, 0.0)
        return self.advance()

    # -- the event loop -----------------------------------------------------------------
    def _next_task(self, i: int, t: float) -> None:
        """Device ``i`` is free at ``t``: generate its next task and schedule its event."""
        p = self.params
        k = int(self.next_task[i])
        if k >= self.m:
            self.active[i] = False
            self.event_t[i] = math.inf
            self.event_kind[i] = IDLE
            return
        self.t_gen[i] = t
        deadline = t + self._deadline_rel[i][k]
        self.deadline[i] = deadline
        if p.decision_site == "device":
            self.event_t[i], self.event_kind[i], self.t_apply[i] = t, DECIDE, t
            return
        latency = p.loop_latency_s
        t_r = self.link.first_on_window(t, latency, limit_s=deadline - latency)
        if t_r + latency > deadline:
            self.event_t[i], self.event_kind[i] = deadline, DROP
        else:
            self.event_t[i], self.event_kind[i], self.t_apply[i] = t_r, DECIDE, t_r + latency

    def advance(self) -> bool:
        """Process drops and departures up to the next decision; ``False`` when none is left."""
        while True:
            i = int(np.argmin(self.event_t))
            t = float(self.event_t[i])
            if t == math.inf:
                return False
            self.now = t
            kind = self.event_kind[i]
            if kind == DECIDE:
                self._refresh_view(t)
                return True
            k = int(self.next_task[i])
            if kind == DROP:
                self.acc[_COST, i] += self.params.drop_penalty_factor * self.local_cost[i, k]
                self.acc[_DROPPED, i] += 1
                self.next_task[i] = k + 1
                self._next_task(i, t)
            else:  # LEAVE: the battery is empty; the remaining tasks are unserved.
                self.acc[_COST, i] += (
                    self.params.drop_penalty_factor * self.local_cost[i, k:].sum()
                )
                self.acc[_UNSERVED, i] += self.m - k
                self.next_task[i] = self.m
                self._next_task(i, t)

    def deciding(self) -> np.ndarray:
        """Devices whose decision is due now (usually one; all of them at ``t = 0`` in
        ``device`` mode), in index order, which is the order their decisions are booked."""
        return np.flatnonzero((self.event_t == self.now) & (self.event_kind == DECIDE))

    def first_deciding(self) -> int:
        """The device whose decision is booked next (``-1`` when the episode is over)."""
        i = int(np.argmin(self.event_t))
        return i if self.event_kind[i] == DECIDE and self.event_t[i] == self.now else -1

    def outcome(self, i: int, action: int) -> tuple[float, float, float, float, tuple]:
        """Exact result of running device ``i``'s pending task with ``action`` now.

        Returns ``(time_s, energy_j, device_energy_j, device_free_at, booking)``; ``booking``
        holds what :meth:`decide` writes into the queues. Nothing is changed.
        """
        k = int(self.next_task[i])
        bits = self._bits[i][k]
        t_apply = float(self.t_apply[i])
        if action == 0:
            end = t_apply + bits / self._speed[i]
            energy = bits * self._e_dev[i]
            return end - float(self.t_gen[i]), energy, energy, end, ()
        z = action - 1
        send = self.params.theta * bits
        c = int(np.argmin(self.uplink_free))
        end_up, arrive, start = remote_chain(
            t_apply, send, self._link_i[i], float(self.uplink_free[c]),
            float(self.link_free[z]), self._server_link_list[z], float(self.server_free[z]),
        )
        finish = self.spells[z].finish_time(float(start), bits)
        tx_energy = send * self._tx_e[i]
        energy = tx_energy + bits * self._server_energy_list[z]
        return finish - float(self.t_gen[i]), energy, tx_energy, end_up, (c, z, end_up,
                                                                           float(arrive), finish)

    def option_costs(self, i: int) -> np.ndarray:
        """Exact cost ``alpha E + beta T`` of each action for device ``i``'s pending task on
        the true current state (the oracle's view)."""
        p = self.params
        out = np.empty(self.z + 1)
        for a in range(self.z + 1):
            time_s, energy, *_ = self.outcome(i, a)
            out[a] = p.alpha * energy + p.beta * time_s
        return out

    def decide(self, i: int, action: int) -> None:
        """Book device ``i``'s pending task with ``action`` (0 local, ``z`` server ``z-1``)."""
        p = self.params
        time_s, energy, device_energy, free_at, booking = self.outcome(i, action)
        if booking:
            c, z, end_up, arrive, finish = booking
            self.uplink_free[c] = end_up
            self.link_free[z] = arrive
            self.server_free[z] = finish
        acc = self.acc
        acc[_COST, i] += p.alpha * energy + p.beta * time_s
        acc[_TIME, i] += time_s
        acc[_ENERGY, i] += energy
        acc[_DONE, i] += 1
        self.last_action[i] = action
        self.next_task[i] += 1
        battery = float(self.battery_j[i]) - device_energy
        if battery <= 0.0:
            self.battery_j[i] = 0.0
            if self.next_task[i] < self.m:
                self.event_t[i], self.event_kind[i] = free_at, LEAVE
                return
        else:
            self.battery_j[i] = battery
        self._next_task(i, free_at)

    def settle(self) -> np.ndarray:
        """``(6, N)`` per-device sums (rows :data:`SETTLEMENT`) since the last call; resets."""
        out = self.acc
        self.acc = np.zeros_like(out)
        return out

    # -- the devices' view --------------------------------------------------------------
    def _refresh_view(self, t: float) -> None:
        """Bring the SAP's last report up to the latest refresh before ``t`` with the link up.

        Called before any decision at ``t`` is booked, so the queues hold exactly the bookings
        made before the refresh time (events are processed in time order). The report is kept
        in observation units in ``sap_obs`` (layout of :mod:`~edge_envs.offload_sap.observation`
        from ``link_up`` on; ``link_up`` and ``state_age_s`` are filled in by :meth:`observe`).
        """
        g = self.link.last_on_grid(t, self.params.refresh_s)
        if g <= self.view_time:
            return
        self.view_time = g
        z = self.z
        sap = self.sap_obs
        sap[2] = min(max(float(self.uplink_free.min()) - g, 0.0), TIME_CAP_S)
        sap[3:3 + z] = [s.rate_at(g) * 1e-6 for s in self.spells]
        sap[3 + 3 * z:3 + 4 * z] = np.clip(self.link_free - g, 0.0, TIME_CAP_S)
        sap[3 + 4 * z:] = np.clip(self.server_free - g, 0.0, TIME_CAP_S)

    def observe(self, devices) -> np.ndarray:
        """``(len(devices), obs_size)`` float32 observations now (layout in
        :mod:`edge_envs.offload_sap.observation`)."""
        idx = np.asarray(devices, dtype=np.int64)
        p = self.params
        now = self.now
        out = np.empty((idx.size, self.obs_size), dtype=np.float64)
        needs = (self.event_t[idx] == now) & (self.event_kind[idx] == DECIDE)
        bits = self.task_bits[idx, np.minimum(self.next_task[idx], self.m - 1)] * needs
        out[:, 0] = needs
        out[:, 1] = bits * 1e-6
        out[:, 2] = bits * (p.theta * 1e-6)
        # Clipped to the longest deadline: ``(t + d) - t`` can exceed ``d`` by a rounding.
        out[:, 3] = np.clip(self.deadline[idx] - now, 0.0, p.deadline_range_s[1]) * needs
        out[:, 4] = (self.m - self.next_task[idx]) * (1.0 / self.m)
        out[:, 5] = self.battery_j[idx] * (1.0 / p.battery_j)
        out[:, 6:10] = self._device_obs[idx]
        sap = self.sap_obs
        sap[0] = self.link.is_on(now)
        sap[1] = min(now - max(self.view_time, 0.0), TIME_CAP_S)
        out[:, 10:] = sap
        return out.astype(np.float32)

    # -- control link hook --------------------------------------------------------------
    @property
    def link_up(self) -> bool:
        """Is the control link up now?"""
        return self.link.is_on(self.now)

    def send_control(self, n_bytes: int) -> bool:
        """Account ``n_bytes`` of weights or experience sent over the control link now.

        Returns ``False`` (and counts nothing) when the link is down: nothing can be sent, the
        caller keeps its data for later. Counted bytes appear in the next step's
        ``info["control_bytes"]``.
        """
        if isinstance(n_bytes, bool) or not isinstance(n_bytes, int | np.integer) or n_bytes < 0:
            raise ValueError(f"n_bytes must be a non-negative integer, got {n_bytes!r}")
        if not self.link_up:
            return False
        self.control_bytes += int(n_bytes)
        self.control_bytes_total += int(n_bytes)
        return True

    def take_control_bytes(self) -> int:
        out, self.control_bytes = self.control_bytes, 0
        return out
