"""Scenario parameters of SingleCellMEC-v0 and the paper's named scenarios (paper 002, sec. 5).

Every field defaults to the value of paper 002's Table 2 or, where the paper is silent, to the
documented choice of ``docs/envs/single-cell-mec.md``. :data:`SCENARIOS` holds the settings of
the paper's figures by name. A bad value raises ``ValueError`` naming the field and the allowed
range when the dataclass is built (also through ``dataclasses.replace``, so ``gym.make``
keyword overrides are checked the same way).

Units are SI: bits, cycles, cycles/s (Hz), watts, seconds, metres. The paper's task sizes are
in kB with 1 kB = 1000 bytes = 8000 bits (:data:`BITS_PER_KB`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from edge_envs.core.validation import check_float, check_int, check_pair

BITS_PER_KB = 8000.0
"""1 kB = 1000 bytes = 8000 bits."""

SWEEP_USERS = (4, 6, 8, 10, 12, 14, 16, 18, 20, 30, 40, 60, 80, 100, 120)
"""User counts of the ``sweep-users-N`` scenarios (Fig. 7 of paper 002 and beyond it, up to
where computing locally starts to pay, see the docs)."""


@dataclass(frozen=True)
class SingleCellMECParams:
    """One scenario of the single-cell multi-server offloading system of paper 002 (sec. 3).

    Attributes:
        n_users: number of users ``N`` (10, Table 2).
        n_servers: number of edge servers ``M`` (5, Table 2). Server 1 sits at the base
            station, servers 2..M behind it over fibre.
        slot_s: slot length in seconds; every user gets one task at the start of each slot.
        episode_slots: slots per episode (truncation; the episode never terminates).
        task_bits_range: ``(low, high)`` of the task size ``L`` in bits, drawn uniformly per
            user and slot (300..500 kB, Table 2).
        task_cycles_range: ``(low, high)`` of the task work ``C`` in cycles, per user and slot
            (800..1200 Mcycles, Table 2).
        server_speed_range_hz: ``(low, high)`` of the server speeds ``f_m``, drawn once per
            episode (12..20 GHz, Table 2); ignored when ``server_speeds_hz`` is given.
        server_speeds_hz: ``M`` fixed server speeds (Fig. 8: 12, 14, 16, 18, 20 GHz), or
            ``None`` to draw them.
        local_speed_range_hz: ``(low, high)`` of the users' CPU speeds ``f_local``, drawn once
            per episode (300..500 MHz, Table 2).
        bandwidth_hz: uplink bandwidth ``W`` shared evenly by the users offloading in a slot
            (20 MHz, Table 2).
        tx_power_w: user transmit power ``p`` (500 mW, Table 2).
        noise_dbm_per_hz: thermal noise density ``N0`` in dBm/Hz (-174; not in the paper).
        distance_range_m: ``(low, high)`` of the user-base-station distances, uniform in
            radius, drawn once per episode (10..250 m; not in the paper).
        path_loss_intercept_db: ``A`` of the path loss ``A + B log10(d / 1 km)`` dB (128.1,
            the 3GPP macro-cell model; not in the paper).
        path_loss_slope_db: ``B`` of the same model (37.6).
        rayleigh_fading: multiply the path gain by ``Exp(1)`` Rayleigh power fading redrawn
            per user and slot (clipped to ``[1e-6, 30]``); off by default.
        forward_rate_bps: fibre rate ``mu`` from server 1 to servers 2..M (eq. 9; 1 Gbit/s,
            not in the paper).
        w1: weight of the user's delay in the reward (eq. 20).
        w2: weight of the load-balance coefficient ``var(LD)`` in the reward (eq. 20); 0 is
            the paper's DTOMA ablation.
    """

    n_users: int = 10
    n_servers: int = 5
    slot_s: float = 1.0
    episode_slots: int = 100
    task_bits_range: tuple[float, float] = (300 * BITS_PER_KB, 500 * BITS_PER_KB)
    task_cycles_range: tuple[float, float] = (800e6, 1200e6)
    server_speed_range_hz: tuple[float, float] = (12e9, 20e9)
    server_speeds_hz: tuple[float, ...] | None = None
    local_speed_range_hz: tuple[float, float] = (300e6, 500e6)
    bandwidth_hz: float = 20e6
    tx_power_w: float = 0.5
    noise_dbm_per_hz: float = -174.0
    distance_range_m: tuple[float, float] = (10.0, 250.0)
    path_loss_intercept_db: float = 128.1
    path_loss_slope_db: float = 37.6
    rayleigh_fading: bool = False
    forward_rate_bps: float = 1e9
    w1: float = 1.0
    w2: float = 1.0

    def __post_init__(self) -> None:
        check_int("n_users", self.n_users, 1, 10_000)
        check_int("n_servers", self.n_servers, 1, 1_000)
        check_float("slot_s", self.slot_s, 0.0, 1e6, low_inclusive=False)
        check_int("episode_slots", self.episode_slots, 1, 10_000_000)
        self._check_range("task_bits_range", self.task_bits_range, 1e12)
        self._check_range("task_cycles_range", self.task_cycles_range, 1e15)
        self._check_range("server_speed_range_hz", self.server_speed_range_hz, 1e15)
        self._check_speeds()
        self._check_range("local_speed_range_hz", self.local_speed_range_hz, 1e15)
        check_float("bandwidth_hz", self.bandwidth_hz, 0.0, 1e12, low_inclusive=False)
        check_float("tx_power_w", self.tx_power_w, 0.0, 100.0, low_inclusive=False)
        check_float("noise_dbm_per_hz", self.noise_dbm_per_hz, -250.0, -50.0)
        self._check_range("distance_range_m", self.distance_range_m, 1e5)
        check_float("path_loss_intercept_db", self.path_loss_intercept_db, 0.0, 300.0)
        check_float("path_loss_slope_db", self.path_loss_slope_db, 0.0, 100.0)
        if not isinstance(self.rayleigh_fading, bool):
            raise ValueError(f"rayleigh_fading must be True or False, got {self.rayleigh_fading!r}")
        check_float("forward_rate_bps", self.forward_rate_bps, 0.0, 1e15, low_inclusive=False)
        check_float("w1", self.w1, 0.0, 1e6)
        check_float("w2", self.w2, 0.0, 1e6)

    # -- validation helpers -----------------------------------------------------------
    def _check_range(self, name: str, value, high: float) -> None:
        object.__setattr__(self, name, check_pair(name, value, 0.0, high))

    def _check_speeds(self) -> None:
        value = self.server_speeds_hz
        if value is None:
            return
        if not isinstance(value, Sequence) or isinstance(value, str):
            raise ValueError(
                f"server_speeds_hz must be a sequence of numbers or None, got {value!r}"
            )
        if len(value) != self.n_servers:
            raise ValueError(
                f"server_speeds_hz must hold n_servers={self.n_servers} numbers, got {len(value)}"
            )
        for k, v in enumerate(value):
            check_float(f"server_speeds_hz[{k}]", v, 0.0, 1e15, low_inclusive=False)
        object.__setattr__(self, "server_speeds_hz", tuple(float(v) for v in value))

    # -- derived values -----------------------------------------------------------------
    @property
    def noise_w_per_hz(self) -> float:
        """``N0`` in W/Hz (-174 dBm/Hz = 3.98e-21 W/Hz)."""
        return 10.0 ** ((self.noise_dbm_per_hz - 30.0) / 10.0)

    @property
    def server_speed_max_hz(self) -> float:
        """The fastest server speed the scenario can produce (observation scale)."""
        if self.server_speeds_hz is not None:
            return max(self.server_speeds_hz)
        return self.server_speed_range_hz[1]


def _scenarios() -> dict[str, SingleCellMECParams]:
    paper = SingleCellMECParams()
    out = {"paper-10x5": paper}
    # Fig. 8: the load-balance result with the servers at exactly 12..20 GHz.
    out["load-balance-12-20ghz"] = replace(
        paper, server_speeds_hz=(12e9, 14e9, 16e9, 18e9, 20e9)
    )
    # Fig. 7: system utility against the number of users (the paper's own range is not
    # printed; we go past 20 users to where local execution starts to win).
    for n in SWEEP_USERS:
        out[f"sweep-users-{n}"] = replace(paper, n_users=n)
    # Queues that carry over slots: twice the users on servers of 2..4 GHz. The servers'
    # speed (15 GHz on average) is below the offered work (20 tasks of about 1 Gcycle per
    # second), so backlogs carry over every slot and sending everything to the servers makes
    # them grow without bound: queueing and the local option decide the delays.
    out["heavy"] = replace(paper, n_users=20, server_speed_range_hz=(2e9, 4e9))
    # A small instance whose slot optimum is exhaustive ((3 + 1)^4 = 256 joint decisions):
    # the quick board's scenario.
    out["small-4x3"] = replace(paper, n_users=4, n_servers=3)
    # The quick board's: small-4x3 with tasks of 0.2..2 Gcycles, servers of 2.5..10 GHz and
    # devices of 1..2 GHz. With Table 2's values every server answers in about 0.1 s and local
    # execution takes 2..3 s, so user i -> server i mod M is within 2 % of the slot optimum;
    # here which server (or the device) should take a task depends on its size, the drawn
    # speeds and the backlogs (docs/envs/single-cell-mec.md, "Quick board").
    out["small-4x3-hetero"] = replace(
        out["small-4x3"], task_cycles_range=(0.2e9, 2e9), server_speed_range_hz=(2.5e9, 10e9),
        local_speed_range_hz=(1e9, 2e9),
    )
    return out


SCENARIOS: dict[str, SingleCellMECParams] = _scenarios()
"""The paper's settings by name; ``paper-10x5`` is the default (Table 2)."""
DEFAULT_SCENARIO = "paper-10x5"
QUICK_SCENARIO = "small-4x3-hetero"
