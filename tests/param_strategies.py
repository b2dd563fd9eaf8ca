"""Hypothesis strategies over the scenario parameters of every registered environment.

Each strategy draws keyword overrides for ``gym.make(env_id, **overrides)`` anywhere inside
the validated ranges (sizes kept small so a test example runs in milliseconds). A test
asserts that every registered id has an entry, so a new environment cannot skip the
property tests.
"""

from __future__ import annotations

from hypothesis import strategies as st

from edge_envs.edge_cluster.params import (
    ACTION_MODES as CLUSTER_ACTION_MODES,
)
from edge_envs.edge_cluster.params import (
    DISCONNECTED_PENALTIES,
    TRACE_SPLITS,
)
from edge_envs.large_scale_mec.params import (
    ACTION_MODES as MEC_ACTION_MODES,
)
from edge_envs.large_scale_mec.params import (
    ALLOCATIONS,
    IOTD_DISTRIBUTIONS,
    REWARDS,
    TASK_TYPES,
)
from edge_envs.offload_sap.params import DECISION_SITES as SAP_DECISION_SITES

# "generator" needs a user object; every other mobility model is drawn.
CLUSTER_MOBILITY = ("two-point", "random-direction", "random-reflection", "trace")


def _floats(low: float, high: float) -> st.SearchStrategy[float]:
    return st.floats(low, high, allow_nan=False, allow_infinity=False)


@st.composite
def edge_cluster_overrides(draw) -> dict:
    n_nodes = draw(st.integers(1, 40))
    weight_min = draw(_floats(0.05, 1.0).filter(lambda w: w > 0.05))
    return {
        "area_m": draw(_floats(1.0, 40.0)),
        "n_nodes": n_nodes,
        "n_servers": draw(st.integers(1, min(6, n_nodes))),
        "comm_range_m": draw(_floats(0.1, 10.0)),
        "sensing_range_m": draw(_floats(0.0, 12.0)),
        "sensing_ratio": draw(_floats(1.0, 6.0)),
        "n_vehicles": draw(st.integers(1, 3)),
        "mobility": draw(st.sampled_from(CLUSTER_MOBILITY)),
        "vehicle_speed_mps": draw(_floats(0.0, 5.0)),
        "reflection_jitter_deg": draw(_floats(0.0, 89.0)),
        "trace_split": draw(st.sampled_from(TRACE_SPLITS)),
        "trace_train_fraction": draw(_floats(0.05, 1.0)),
        "episode_steps": draw(st.integers(1, 30)),
        "core_step_m": draw(_floats(0.0, 5.0)),
        "shrink_factor": draw(_floats(0.1, 0.99)),
        "expand_factor": draw(_floats(1.0, 3.0)),
        "weight_min": weight_min,
        "weight_max": draw(_floats(1.0, 10.0).filter(lambda w: w > weight_min)),
        "clip_factors": draw(st.booleans()),
        "disconnected_penalty": draw(st.sampled_from(DISCONNECTED_PENALTIES)),
        "action_mode": draw(st.sampled_from(CLUSTER_ACTION_MODES)),
        "observe_balance": draw(st.booleans()),
        "observe_lookahead": draw(st.booleans()),
    }


@st.composite
def large_scale_mec_overrides(draw) -> dict:
    heterogeneous = draw(st.booleans())
    cycles_low = draw(_floats(1e7, 5e9))
    bits_low = draw(_floats(1e3, 1e7))
    n_mec = draw(st.integers(1, 6))
    allocation = draw(st.sampled_from(ALLOCATIONS))
    # Cross-field rules of LargeScaleMECParams: k-means needs n_iotd >= n_mec, and the
    # agent-chosen allocation needs the continuous action.
    action_modes = ("scores",) if allocation == "agent" else MEC_ACTION_MODES
    return {
        "n_iotd": draw(st.integers(n_mec, 40)),
        "n_mec": n_mec,
        "area_m": draw(_floats(1.0, 500.0)),
        "iotd_distribution": draw(st.sampled_from(IOTD_DISTRIBUTIONS)),
        "levy_beta": draw(_floats(0.3, 2.0)),
        "task_cycles": draw(_floats(1e6, 1e11)),
        "task_bits": draw(_floats(1e3, 1e8)),
        "heterogeneous": heterogeneous,
        "task_cycles_range": (cycles_low, cycles_low * draw(_floats(1.0, 10.0))),
        "task_bits_range": (bits_low, bits_low * draw(_floats(1.0, 10.0))),
        "task_type": draw(st.sampled_from(TASK_TYPES)),
        "f_local_hz": draw(_floats(1e8, 5e9)),
        "f_max_hz": draw(_floats(1e8, 5e10)),
        "p_max_w": draw(_floats(0.01, 5.0)),
        "bandwidth_hz": draw(_floats(1e4, 1e8)),
        "noise_w": draw(_floats(1e-15, 1e-9)),
        "beta0": draw(_floats(1e-5, 1e-1)),
        "episode_slots": draw(st.integers(1, 8)),
        "reward": draw(st.sampled_from(REWARDS)),
        "allocation": allocation,
        "action_mode": draw(st.sampled_from(action_modes)),
    }


@st.composite
def single_cell_mec_overrides(draw) -> dict:
    def pair(low: float, high: float) -> tuple[float, float]:
        first = draw(_floats(low, high))
        return first, first * draw(_floats(1.0, 4.0))

    n_servers = draw(st.integers(1, 6))
    speeds = draw(st.none() | st.lists(_floats(1e8, 5e10), min_size=n_servers,
                                       max_size=n_servers).map(tuple))
    return {
        "n_users": draw(st.integers(1, 12)),
        "n_servers": n_servers,
        "slot_s": draw(_floats(1e-3, 10.0)),
        "episode_slots": draw(st.integers(1, 8)),
        "task_bits_range": pair(1e3, 1e8),
        "task_cycles_range": pair(1e6, 1e11),
        "server_speed_range_hz": pair(1e8, 5e10),
        "server_speeds_hz": speeds,
        "local_speed_range_hz": pair(1e7, 5e9),
        "bandwidth_hz": draw(_floats(1e3, 1e9)),
        "tx_power_w": draw(_floats(1e-3, 10.0)),
        "noise_dbm_per_hz": draw(_floats(-250.0, -50.0)),
        "distance_range_m": pair(1.0, 2e4),
        "path_loss_intercept_db": draw(_floats(0.0, 300.0)),
        "path_loss_slope_db": draw(_floats(0.0, 100.0)),
        "rayleigh_fading": draw(st.booleans()),
        "forward_rate_bps": draw(_floats(1e3, 1e12)),
        "w1": draw(_floats(0.0, 100.0)),
        "w2": draw(_floats(0.0, 100.0)),
    }


@st.composite
def offload_sap_overrides(draw) -> dict:
    # Rates and mean period lengths are bounded so that an episode spans at most some
    # thousands of on/off periods (milliseconds per example).
    def pair(low: float, high: float) -> tuple[float, float]:
        a = draw(_floats(low, high))
        return (a, a * draw(_floats(1.0, 10.0)))

    n_servers = draw(st.integers(1, 4))

    def per_server(low: float, high: float) -> tuple[float, ...]:
        return tuple(draw(_floats(low, high)) for _ in range(n_servers))

    outage_trace = None
    if draw(st.booleans()):
        starts = sorted(draw(st.lists(_floats(0.0, 20.0), min_size=1, max_size=4, unique=True)))
        ends = [min(s + draw(_floats(0.01, 5.0)), nxt) for s, nxt in
                zip(starts, [*starts[1:], 1e9], strict=True)]
        outage_trace = tuple((s, e) for s, e in zip(starts, ends, strict=True) if e > s)
    return {
        "n_devices": draw(st.integers(1, 12)),
        "tasks_per_device": draw(st.integers(1, 8)),
        "task_bits_range": pair(1e3, 1e6),
        "theta": draw(_floats(0.01, 10.0)),
        "device_clock_hz_range": pair(1e8, 5e9),
        "cycles_per_bit": draw(_floats(1.0, 1000.0)),
        "kappa": draw(_floats(0.0, 1e-25)),
        "device_link_bps_range": pair(1e5, 1e9),
        "tx_power_w": draw(_floats(0.0, 5.0)),
        "battery_j": draw(_floats(1e-3, 1e3)),
        "uplink_channels": draw(st.integers(1, 4)),
        "server_speed_bps": per_server(1e6, 1e10),
        "server_link_bps": per_server(1e5, 1e10),
        "server_energy_j_per_bit": per_server(0.0, 1e-5),
        "slow_factor": draw(_floats(0.1, 1.0)),
        "mean_normal_s": draw(_floats(0.5, 20.0)),
        "mean_slow_s": draw(_floats(0.5, 20.0)),
        "alpha": draw(_floats(0.0, 10.0)),
        "beta": draw(_floats(0.0, 10.0)),
        "decision_site": draw(st.sampled_from(SAP_DECISION_SITES)),
        "loop_latency_s": draw(_floats(0.0, 2.0)),
        "mean_up_s": draw(_floats(0.5, 20.0)),
        "mean_down_s": draw(_floats(0.5, 20.0)),
        "outage_trace": outage_trace,
        "deadline_range_s": pair(0.0, 5.0),
        "refresh_s": draw(_floats(0.01, 5.0)),
        "drop_penalty_factor": draw(_floats(0.0, 10.0)),
    }


PARAM_STRATEGIES = {
    "EdgeCluster-v0": edge_cluster_overrides(),
    "LargeScaleMEC-v0": large_scale_mec_overrides(),
    "SingleCellMEC-v0": single_cell_mec_overrides(),
    "OffloadSAP-v0": offload_sap_overrides(),
}
