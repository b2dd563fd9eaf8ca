"""Scenario parameters of LargeScaleMEC-v0 and the paper's named scenarios (paper 003, sec. V).

Every field has the value of paper 003's Table I / section V as its default; :data:`SCENARIOS`
holds the settings of the paper's experiments by name. A bad value raises ``ValueError`` naming
the field and the allowed range when the dataclass is built (also through
``dataclasses.replace``, so env keyword overrides are checked the same way).

Units are SI throughout: bits, cycles, cycles/s, watts, joules, metres. The paper's task sizes
are in kB with 1 kB = 1000 bytes = 8000 bits (:data:`BITS_PER_KB`), so 100 kB = 8e5 bits.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from edge_envs.core.validation import check_choice, check_float, check_int, check_pair

BITS_PER_KB = 8000.0
"""1 kB = 1000 bytes = 8000 bits (the paper's "100kB" task is 8e5 bits)."""

IOTD_DISTRIBUTIONS = ("uniform", "gaussian", "levy")
TASK_TYPES = ("normal", "time-sensitive", "energy-sensitive", "mixed")
TASK_WEIGHTS: dict[str, tuple[float, float]] = {
    "normal": (1.0, 1.0),
    "time-sensitive": (1.5, 0.5),
    "energy-sensitive": (0.5, 1.5),
}
"""``(phi_T, phi_E)`` of eq. (10) per task type (paper 003, sec. V-C)."""
MIXED_TYPES = ("normal", "time-sensitive", "energy-sensitive")
"""Types drawn uniformly per IoTD (once per episode) when ``task_type="mixed"``."""
REWARDS = ("mean_cost", "reciprocal")
ALLOCATIONS = ("exact", "equal", "agent")
ACTION_MODES = ("discrete", "scores")


@dataclass(frozen=True)
class LargeScaleMECParams:
    """One scenario of the multi-MEC offloading system of paper 003 (sec. III and V).

    Attributes:
        n_iotd: number of IoT devices ``N``.
        n_mec: number of MEC servers ``M``.
        area_m: side ``L`` of the square area (50 m).
        mec_positions: ``M`` (x, y) coordinates in metres inside the area, or ``None``: the
            k-means centroids of the IoTD positions, recomputed for every episode's layout
            (sec. V-C: "obtained by the k-means algorithm for all the IoTDs").
        iotd_distribution: ``uniform`` over the area, ``gaussian`` around the centre (std
            ``position_scale_m``) or ``levy`` (symmetric Lévy-stable steps from the centre by
            Mantegna's method, exponent ``levy_beta``, scale ``position_scale_m``); the last two
            are clipped to the area (Table III).
        position_scale_m: spread of the ``gaussian``/``levy`` layouts; ``None`` = ``area_m / 6``.
        levy_beta: stability exponent of the ``levy`` layout (in (0, 2]).
        task_cycles: CPU cycles ``F_i`` of every task (1e9, Table I).
        task_bits: upload size ``D_i`` in bits (100 kB = 8e5 bits, Table I).
        heterogeneous: draw ``F_i`` and ``D_i`` per IoTD and slot, uniformly in the ranges.
        task_cycles_range: ``(low, high)`` of ``F_i`` when heterogeneous (0.5e9 .. 2e9, Table IV).
        task_bits_range: ``(low, high)`` of ``D_i`` when heterogeneous (50 .. 1000 kB, Table IV).
        task_type: ``normal`` (phi_T, phi_E) = (1, 1), ``time-sensitive`` (1.5, 0.5),
            ``energy-sensitive`` (0.5, 1.5) (sec. V-C), or ``mixed`` (one of the three per IoTD).
        f_local_hz: local CPU speed ``f_i0`` (1e9 cycles/s).
        kappa: effective switched capacitance (1e-27).
        cpu_exponent: exponent ``v`` of the local execution power ``kappa f^v`` (3).
        f_max_hz: MEC capacity ``F_max`` in cycles/s, one number for all servers or one per
            server (15e9 in the 2x30 scenario, 10e9 in the large ones).
        p_max_w: maximum transmit power ``P_max`` (1.5 W).
        bandwidth_hz: channel bandwidth ``B`` (1 MHz).
        noise_w: ``sigma^2`` of eq. (2), used as a power in watts exactly as the paper writes
            it (1e-12; the paper calls it a spectral density).
        beta0: channel power gain at 1 m (1e-3, i.e. -30 dB; not stated in the paper).
        episode_slots: slots per episode (truncation only; slots are independent).
        reward: ``mean_cost`` = ``-objective / N``; ``reciprocal`` = ``1 / objective`` (the
            paper's global reward, sec. IV-C).
        allocation: how compute and power follow the offloading decision: ``exact`` (the
            optimum of sub-problem (13): square-root compute split and Lambert-W power),
            ``equal`` (equal compute share, full power) or ``agent`` (the action carries them).
        action_mode: ``discrete`` = ``MultiDiscrete([M + 1] * N)``; ``scores`` =
            ``Box(0, 1, (N * M,))`` offloading scores combined by the paper's vote.

    The agents' network sizes are not scenario parameters: the DIRS and MADDPG agents derive
    them from ``(N, M)`` (``agents.dirs.networks.default_hidden``).
    """

    n_iotd: int = 200
    n_mec: int = 10
    area_m: float = 50.0
    mec_positions: tuple[tuple[float, float], ...] | None = None
    iotd_distribution: str = "uniform"
    position_scale_m: float | None = None
    levy_beta: float = 1.5
    task_cycles: float = 1e9
    task_bits: float = 100 * BITS_PER_KB
    heterogeneous: bool = False
    task_cycles_range: tuple[float, float] = (0.5e9, 2e9)
    task_bits_range: tuple[float, float] = (50 * BITS_PER_KB, 1000 * BITS_PER_KB)
    task_type: str = "normal"
    f_local_hz: float = 1e9
    kappa: float = 1e-27
    cpu_exponent: float = 3.0
    f_max_hz: float | tuple[float, ...] = 10e9
    p_max_w: float = 1.5
    bandwidth_hz: float = 1e6
    noise_w: float = 1e-12
    beta0: float = 1e-3
    episode_slots: int = 100
    reward: str = "mean_cost"
    allocation: str = "exact"
    action_mode: str = "discrete"

    def __post_init__(self) -> None:
        check_int("n_iotd", self.n_iotd, 1, 100_000)
        check_int("n_mec", self.n_mec, 1, 1_000)
        check_float("area_m", self.area_m, 0.0, 1e6, low_inclusive=False)
        self._check_mec_positions()
        check_choice("iotd_distribution", self.iotd_distribution, IOTD_DISTRIBUTIONS)
        if self.position_scale_m is not None:
            check_float("position_scale_m", self.position_scale_m, 0.0, None, low_inclusive=False)
        check_float("levy_beta", self.levy_beta, 0.0, 2.0, low_inclusive=False)
        check_float("task_cycles", self.task_cycles, 0.0, 1e15, low_inclusive=False)
        check_float("task_bits", self.task_bits, 0.0, 1e12, low_inclusive=False)
        if not isinstance(self.heterogeneous, bool):
            raise ValueError(f"heterogeneous must be True or False, got {self.heterogeneous!r}")
        self._check_range("task_cycles_range", self.task_cycles_range, 1e15)
        self._check_range("task_bits_range", self.task_bits_range, 1e12)
        check_choice("task_type", self.task_type, TASK_TYPES)
        check_float("f_local_hz", self.f_local_hz, 0.0, 1e15, low_inclusive=False)
        check_float("kappa", self.kappa, 0.0, 1e-15)
        check_float("cpu_exponent", self.cpu_exponent, 1.0, 5.0)
        self._check_f_max()
        # Above 100 W the Lambert-W power formula's small-SNR guard (allocation.py) would need
        # more care; no IoT radio comes close.
        check_float("p_max_w", self.p_max_w, 0.0, 100.0, low_inclusive=False)
        check_float("bandwidth_hz", self.bandwidth_hz, 0.0, 1e12, low_inclusive=False)
        check_float("noise_w", self.noise_w, 0.0, 1.0, low_inclusive=False)
        check_float("beta0", self.beta0, 0.0, 1.0, low_inclusive=False)
        check_int("episode_slots", self.episode_slots, 1, 10_000_000)
        check_choice("reward", self.reward, REWARDS)
        check_choice("allocation", self.allocation, ALLOCATIONS)
        check_choice("action_mode", self.action_mode, ACTION_MODES)
        if self.allocation == "agent" and self.action_mode != "scores":
            raise ValueError(
                "allocation='agent' needs a continuous action: use action_mode='scores' "
                f"(got action_mode={self.action_mode!r})"
            )
        if self.mec_positions is None and self.n_iotd < self.n_mec:
            raise ValueError(
                f"n_iotd must be >= n_mec ({self.n_mec}) when mec_positions is None (k-means "
                f"needs a point per cluster), got {self.n_iotd}"
            )

    # -- validation helpers -----------------------------------------------------------
    def _check_mec_positions(self) -> None:
        if self.mec_positions is None:
            return
        try:
            pts = tuple((float(x), float(y)) for x, y in self.mec_positions)
        except (TypeError, ValueError):
            raise ValueError(
                f"mec_positions must be a sequence of (x, y) pairs or None, got "
                f"{self.mec_positions!r}"
            ) from None
        if len(pts) != self.n_mec:
            raise ValueError(
                f"mec_positions must hold n_mec={self.n_mec} (x, y) pairs, got {len(pts)}"
            )
        for k, (x, y) in enumerate(pts):
            check_float(f"mec_positions[{k}].x", x, 0.0, self.area_m)
            check_float(f"mec_positions[{k}].y", y, 0.0, self.area_m)
        object.__setattr__(self, "mec_positions", pts)

    def _check_range(self, name: str, value, high: float) -> None:
        object.__setattr__(self, name, check_pair(name, value, 0.0, high))

    def _check_f_max(self) -> None:
        value = self.f_max_hz
        if isinstance(value, Sequence) and not isinstance(value, str):
            if len(value) != self.n_mec:
                raise ValueError(
                    f"f_max_hz must be one number or n_mec={self.n_mec} numbers, got {len(value)}"
                )
            for k, v in enumerate(value):
                check_float(f"f_max_hz[{k}]", v, 0.0, 1e15, low_inclusive=False)
            object.__setattr__(self, "f_max_hz", tuple(float(v) for v in value))
        else:
            check_float("f_max_hz", value, 0.0, 1e15, low_inclusive=False)

    # -- derived values -----------------------------------------------------------------
    @property
    def f_max_per_mec(self) -> tuple[float, ...]:
        """``F_max`` of each server (the scalar broadcast to ``M`` values)."""
        if isinstance(self.f_max_hz, tuple):
            return self.f_max_hz
        return (float(self.f_max_hz),) * self.n_mec

    @property
    def layout_scale_m(self) -> float:
        return self.area_m / 6.0 if self.position_scale_m is None else float(self.position_scale_m)


def _scenarios() -> dict[str, LargeScaleMECParams]:
    two = LargeScaleMECParams(
        n_iotd=30, n_mec=2, mec_positions=((10.0, 10.0), (40.0, 40.0)), f_max_hz=15e9,
    )
    eight = LargeScaleMECParams(n_iotd=180, n_mec=8, f_max_hz=10e9)
    ten = LargeScaleMECParams(n_iotd=200, n_mec=10, f_max_hz=10e9)
    out = {"dirs-2x30": two, "dirs-8x180": eight, "dirs-10x200": ten}
    # Fig. 6 of paper 003: task types at 8 MECs x 180 IoTDs.
    out["dirs-8x180-time-sensitive"] = replace(eight, task_type="time-sensitive")
    out["dirs-8x180-energy-sensitive"] = replace(eight, task_type="energy-sensitive")
    # Table III: IoTD position distributions.
    out["dirs-8x180-gaussian"] = replace(eight, iotd_distribution="gaussian")
    out["dirs-8x180-levy"] = replace(eight, iotd_distribution="levy")
    # Table IV: one of D or F changed at a time (the other at its Table I value).
    out["dirs-8x180-d50kb"] = replace(eight, task_bits=50 * BITS_PER_KB)
    out["dirs-8x180-d1000kb"] = replace(eight, task_bits=1000 * BITS_PER_KB)
    out["dirs-8x180-f0.5g"] = replace(eight, task_cycles=0.5e9)
    out["dirs-8x180-f2g"] = replace(eight, task_cycles=2e9)
    # The spec's heterogeneous variant: D and F drawn per IoTD and slot over Table IV's range.
    out["dirs-8x180-hetero"] = replace(eight, heterogeneous=True)
    # The quick board's: the 2x30 system with Table IV's heterogeneous tasks. With equal tasks
    # a fixed 15/15 split is within 5 % of the optimum; here which IoTD should offload, and
    # where, depends on each slot's F_i and D_i (docs/envs/large-scale-mec.md, "Quick board").
    out["dirs-2x30-hetero"] = replace(two, heterogeneous=True)
    # Figs. 9 and 10 of paper 004 (its base setting: the 2-MEC / 30-IoTD system of Table I
    # with paper 003's 15e9 capacity). Fig. 9: N = 10..100 with the two servers at
    # (10, 10) and (40, 40); Fig. 10: M = 2..10 with N = 30 (k-means servers beyond M = 2).
    for n in range(10, 101, 10):
        out[f"sweep-iotd-{n}"] = replace(two, n_iotd=n)
    for m in range(2, 11):
        positions = two.mec_positions if m == 2 else None
        out[f"sweep-mec-{m}"] = replace(two, n_mec=m, mec_positions=positions)
    return out


SCENARIOS: dict[str, LargeScaleMECParams] = _scenarios()
"""The paper's settings by name; ``dirs-10x200`` is the default (paper 003, sec. V-D)."""
DEFAULT_SCENARIO = "dirs-10x200"
QUICK_SCENARIO = "dirs-2x30-hetero"
