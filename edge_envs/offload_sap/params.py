"""Scenario parameters of OffloadSAP-v0 and its named scenarios (paper 001, sec. III and V).

Paper 001 gives the structure of the system (devices, one smart access point, edge servers and a
cloud, eqs. (1)-(5)) but no numbers; the defaults below are ours (``spec/02-offload-sap.md``,
"Decisions where the paper is silent") and are listed in ``docs/envs/offload-sap.md``. A bad
value raises ``ValueError`` naming the field and the allowed range when the dataclass is built
(also through ``dataclasses.replace``, so ``gym.make`` keyword overrides are checked the same
way).

Units are SI throughout: bits, bits/s, cycles, Hz, joules, watts, seconds. **The paper's "f"**:
eq. (1) writes ``T = D / f`` with ``f`` "the number of CPU cycles required to process one bit",
which is not a speed. Here a device stores its clock ``clock_hz`` (cycles/s) and
``cycles_per_bit``; its processing speed is ``f = clock_hz / cycles_per_bit`` in bits of work
per second, so ``T = D / f`` holds in seconds. Servers are given by that speed directly
(``server_speed_bps``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from edge_envs.core.validation import check_choice, check_float, check_int, check_pair

DECISION_SITES = ("device", "cloud")
LATENCY_SWEEP_MS = (0, 10, 50, 100, 200)
"""Loop latencies of the Fig. 4 sweep (ms), each in both decision sites."""


@dataclass(frozen=True)
class OffloadSAPParams:
    """One scenario of the SAP offloading system of paper 001.

    Attributes:
        n_devices: number of IoT devices ``N``.
        tasks_per_device: tasks ``M`` each device works through, one at a time.
        task_bits_range: ``(low, high)`` of the work ``D`` of a task in bits (uniform per task).
        theta: bits to send per bit of work, ``S = theta D`` (sec. III-B).
        device_clock_hz_range: ``(low, high)`` of a device's CPU clock (uniform per device and
            episode).
        cycles_per_bit: CPU cycles per bit of work on a device; speed ``f = clock / cycles``.
        kappa: effective switched capacitance; device energy per bit of work
            ``e = kappa clock^2 cycles_per_bit`` (J/bit, eq. (2)).
        device_link_bps_range: ``(low, high)`` of a device's wireless rate to the SAP (uniform
            per device and episode).
        tx_power_w: device transmit power; transmission energy ``tx_power_w S / link``.
        battery_j: battery of every device at the start of an episode.
        uplink_channels: parallel channels of the shared wireless uplink to the SAP (FCFS, a
            task takes the channel free first).
        server_speed_bps: processing speed of each server in bits of work per second (its
            length is the number of servers ``Z``; default 2 edge servers and the cloud).
        server_link_bps: rate of each SAP-to-server link (same length).
        server_energy_j_per_bit: energy per bit of work of each server (eq. (4), ``e_Server``).
        slow_factor: speed multiplier of a server during a slow-down spell.
        mean_normal_s, mean_slow_s: mean lengths of the exponential normal and slow periods of
            every server (the spells make stale server state cost something).
        alpha: weight of energy in the cost ``C = alpha E + beta T`` (1/J, eq. (4)).
        beta: weight of time in the cost (1/s).
        decision_site: ``"device"`` (a device's own copy of the network decides: the action
            applies at once) or ``"cloud"`` (the learner decides: the action applies only once
            the control link is up for the whole round trip; tasks past their deadline drop).
        loop_latency_s: round-trip time of a cloud decision over the control link.
        mean_up_s, mean_down_s: mean lengths of the exponential up and down periods of the
            control link (SAP to learner); the link starts up.
        outage_trace: ``None`` (the random process) or a sorted tuple of ``(start_s, end_s)``
            down intervals replacing it (the link is up everywhere else).
        deadline_range_s: ``(low, high)`` of a task's decision deadline, counted from its
            generation (uniform per task).
        refresh_s: period of the SAP's refresh of the devices' view of servers and links while
            the control link is up.
        drop_penalty_factor: a dropped (or unserved) task costs this many times its local cost.
    """

    n_devices: int = 10
    tasks_per_device: int = 100
    task_bits_range: tuple[float, float] = (0.1e6, 1.0e6)
    theta: float = 1.0
    device_clock_hz_range: tuple[float, float] = (0.5e9, 1.5e9)
    cycles_per_bit: float = 500.0
    kappa: float = 1e-27
    device_link_bps_range: tuple[float, float] = (2e6, 10e6)
    tx_power_w: float = 0.5
    battery_j: float = 40.0
    uplink_channels: int = 1
    server_speed_bps: tuple[float, ...] = (10e6, 10e6, 40e6)
    server_link_bps: tuple[float, ...] = (50e6, 50e6, 5e6)
    server_energy_j_per_bit: tuple[float, ...] = (1e-7, 1e-7, 5e-8)
    slow_factor: float = 0.1
    mean_normal_s: float = 5.0
    mean_slow_s: float = 2.0
    alpha: float = 1.0
    beta: float = 1.0
    decision_site: str = "device"
    loop_latency_s: float = 0.05
    mean_up_s: float = 2.0
    mean_down_s: float = 0.2
    outage_trace: tuple[tuple[float, float], ...] | None = None
    deadline_range_s: tuple[float, float] = (0.05, 0.5)
    refresh_s: float = 0.1
    drop_penalty_factor: float = 2.0

    def __post_init__(self) -> None:
        check_int("n_devices", self.n_devices, 1, 100_000)
        check_int("tasks_per_device", self.tasks_per_device, 1, 10_000_000)
        self._check_range("task_bits_range", self.task_bits_range, 1e12)
        check_float("theta", self.theta, 0.0, 1e6, low_inclusive=False)
        self._check_range("device_clock_hz_range", self.device_clock_hz_range, 1e12)
        check_float("cycles_per_bit", self.cycles_per_bit, 0.0, 1e9, low_inclusive=False)
        check_float("kappa", self.kappa, 0.0, 1e-15)
        self._check_range("device_link_bps_range", self.device_link_bps_range, 1e12)
        check_float("tx_power_w", self.tx_power_w, 0.0, 100.0)
        check_float("battery_j", self.battery_j, 0.0, 1e12, low_inclusive=False)
        check_int("uplink_channels", self.uplink_channels, 1, 100_000)
        self._check_servers()
        check_float("slow_factor", self.slow_factor, 0.0, 1.0, low_inclusive=False)
        check_float("mean_normal_s", self.mean_normal_s, 0.0, 1e9, low_inclusive=False)
        check_float("mean_slow_s", self.mean_slow_s, 0.0, 1e9, low_inclusive=False)
        check_float("alpha", self.alpha, 0.0, 1e9)
        check_float("beta", self.beta, 0.0, 1e9)
        check_choice("decision_site", self.decision_site, DECISION_SITES)
        check_float("loop_latency_s", self.loop_latency_s, 0.0, 1e6)
        check_float("mean_up_s", self.mean_up_s, 0.0, 1e9, low_inclusive=False)
        check_float("mean_down_s", self.mean_down_s, 0.0, 1e9, low_inclusive=False)
        self._check_trace()
        self._check_range("deadline_range_s", self.deadline_range_s, 1e6, positive=False)
        check_float("refresh_s", self.refresh_s, 0.0, 1e6, low_inclusive=False)
        check_float("drop_penalty_factor", self.drop_penalty_factor, 0.0, 1e6)

    # -- validation helpers -----------------------------------------------------------
    def _check_range(self, name: str, value, high: float, positive: bool = True) -> None:
        pair = check_pair(name, value, 0.0, high, low_inclusive=not positive)
        object.__setattr__(self, name, pair)

    def _check_servers(self) -> None:
        names = ("server_speed_bps", "server_link_bps", "server_energy_j_per_bit")
        for name in names:
            value = getattr(self, name)
            if not isinstance(value, Sequence) or isinstance(value, str) or len(value) == 0:
                raise ValueError(
                    f"{name} must be a non-empty tuple with one value per server (Z >= 1), "
                    f"got {value!r}"
                )
            if len(value) > 1_000:
                raise ValueError(f"{name} must hold at most 1000 servers, got {len(value)}")
            positive = name != "server_energy_j_per_bit"
            for k, v in enumerate(value):
                check_float(f"{name}[{k}]", v, 0.0, 1e15, low_inclusive=not positive)
            object.__setattr__(self, name, tuple(float(v) for v in value))
        sizes = {len(getattr(self, name)) for name in names}
        if len(sizes) != 1:
            raise ValueError(
                "server_speed_bps, server_link_bps and server_energy_j_per_bit must have the "
                f"same length (one value per server), got {[len(getattr(self, n)) for n in names]}"
            )

    def _check_trace(self) -> None:
        if self.outage_trace is None:
            return
        try:
            pairs = tuple((float(a), float(b)) for a, b in self.outage_trace)
        except (TypeError, ValueError):
            raise ValueError(
                f"outage_trace must be a tuple of (start_s, end_s) pairs or None, got "
                f"{self.outage_trace!r}"
            ) from None
        previous_end = 0.0
        for k, (start, end) in enumerate(pairs):
            check_float(f"outage_trace[{k}].start_s", start, previous_end, 1e9)
            check_float(f"outage_trace[{k}].end_s", end, start, 1e9, low_inclusive=False)
            previous_end = end
        object.__setattr__(self, "outage_trace", pairs)

    # -- derived values -----------------------------------------------------------------
    @property
    def n_servers(self) -> int:
        """``Z``: edge servers and cloud, reached through the SAP."""
        return len(self.server_speed_bps)

    @property
    def n_actions(self) -> int:
        """``Z + 1``: action 0 runs the task locally, action ``z`` offloads to server ``z - 1``."""
        return self.n_servers + 1


def _scenarios() -> dict[str, OffloadSAPParams]:
    paper = OffloadSAPParams()
    out = {"paper": paper, "paper-cloud": replace(paper, decision_site="cloud")}
    # Fig. 4: dropped tasks against the loop latency, centralised (cloud) against distributed
    # (device) decisions.
    for ms in LATENCY_SWEEP_MS:
        for site in DECISION_SITES:
            out[f"latency-{ms}ms-{site}"] = replace(
                paper, decision_site=site, loop_latency_s=ms / 1000.0
            )
    # Long outages: the control link is down a third of the time in spells of 2 s on average.
    for site in DECISION_SITES:
        suffix = "" if site == "device" else "-cloud"
        out[f"outage{suffix}"] = replace(
            paper, decision_site=site, mean_up_s=4.0, mean_down_s=2.0
        )
    # 10x the devices; the uplink gets 10x the channels or it alone decides everything.
    out["paper-10x"] = replace(paper, n_devices=100, uplink_channels=10)
    # The quick board's: the paper setting with two uplink channels. With one, the shared
    # uplink makes offloading rarely worth it and always-local is within 10 % of the oracle;
    # with two, when to offload and where decides the cost (docs/envs/offload-sap.md).
    out["uplink-2ch"] = replace(paper, uplink_channels=2)
    return out


SCENARIOS: dict[str, OffloadSAPParams] = _scenarios()
"""Named scenarios; ``paper`` (10 devices, device-site decisions) is the default."""
DEFAULT_SCENARIO = "paper"
QUICK_SCENARIO = "uplink-2ch"
