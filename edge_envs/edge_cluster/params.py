"""Scenario parameters of EdgeCluster-v0 and the paper's named scenarios (paper 000, sec. 5).

Every field has the paper's value as its default (section 5.1); :data:`SCENARIOS` holds the
settings of the paper's experiments by name. A bad value raises ``ValueError`` naming the
field and the allowed range when the dataclass is built (also through
``dataclasses.replace``, so env keyword overrides are checked the same way).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from edge_envs.core.validation import check_choice, check_float, check_int

MOBILITY_MODELS = ("two-point", "random-direction", "random-reflection", "trace", "generator")
"""``generator`` is set by the env when a ``mobility_generator`` object is passed."""
TRACE_NAMES = ("warehouse",)
TRACE_SPLITS = ("train", "test", "all")
DISCONNECTED_PENALTIES = ("cluster-size", "n-nodes")
ACTION_MODES = ("multi", "single")


@dataclass(frozen=True)
class EdgeClusterParams:
    """One scenario of the dynamic-clustering system of paper 000.

    Attributes:
        area_m: side of the square deployment area (15 m x 15 m, sec. 5.1).
        n_nodes: number of IoT nodes ``M``.
        n_servers: number of edge servers ``n`` (= clusters = cluster-cores).
        comm_range_m: transmission range; nodes at most this far apart are neighbours (3 m).
        sensing_range_m: a node senses a vehicle at most this far away (6 m, sec. 5.1).
        standard_msg_bytes: size of a standard message ``ST_mesg`` (1 KB = 1000 bytes).
        sensing_ratio: ``SN_mesg / ST_mesg`` (3 in sec. 5.1; swept 2/3/4 in sec. 5.4.4).
        link_bytes_per_s: speed of a link between IoT devices (10 KB/s); only used for the
            head-load metrics, not for the reward.
        step_s: duration of one env step (every node sends one message per step).
        n_vehicles: number of mobile objects.
        mobility: ``two-point`` | ``random-direction`` | ``random-reflection`` | ``trace`` |
            ``generator`` (see ``edge_envs.edge_cluster.mobility``).
        vehicle_speed_mps: vehicle speed of the synthetic mobility models (1 m/s).
        reflection_jitter_deg: half-width of the uniform perturbation of the mirrored heading
            in ``random-reflection`` (15 degrees, sec. 5.3.3).
        trace_name: shipped trace replayed by ``mobility="trace"``.
        trace_split: ``train`` (first 80 % of the trace), ``test`` (last 20 %) or ``all``.
        trace_train_fraction: share of the training part used (its first part) when
            ``trace_split="train"``; the paper trains on 25 %, 50 % or 100 % (sec. 5.4.1).
        episode_steps: steps per episode (truncation only).
        core_step_m: how far Up/Down/Left/Right move a cluster-core (1 m, sec. 5.1).
        shrink_factor: ``w *= shrink_factor`` on Shrink (0.8, sec. 5.1).
        expand_factor: ``w *= expand_factor`` on Expand (1.25, sec. 5.1).
        weight_min, weight_max: weights are clipped to this range (our choice: 0.25 .. 4,
            about six Shrink/Expand steps from 1).
        clip_factors: clip Gamma and Delta at 0 before multiplying them (the paper's product
            would reward two negative factors).
        disconnected_penalty: in-cluster hop count charged to a member with no path to its
            head inside its cluster: ``cluster-size`` (size of its cluster, longer than any
            real path) or ``n-nodes`` (``M``).
        action_mode: ``multi`` = ``MultiDiscrete([7] * n)`` (every core acts each step),
            ``single`` = ``Discrete(7 * n)`` (one core acts per step, the others Stay).
        observe_balance: append to the observation each server's share of the hops and of
            the data (``b_i / sum b``, ``d_i / sum d``) and the two reward factors (Gamma,
            Delta); not in the paper (see ``observation.py``).
        observe_lookahead: append to the observation the reward each of the ``7 n``
            one-core actions would give with the vehicles where they are now (the
            controller's own evaluation of a candidate clustering, no future knowledge);
            not in the paper (see ``observation.py``).
        layout_seed: ``None`` (default): each reset seed draws its own layout of nodes and
            servers. An integer ``s``: every episode uses the layout that ``reset(seed=s)``
            draws, and the reset seed draws only the vehicle path: one deployment per round,
            trained and tested on, as in the paper's protocol (sec. 5.4.1).
    """

    area_m: float = 15.0
    n_nodes: int = 80
    n_servers: int = 4
    comm_range_m: float = 3.0
    sensing_range_m: float = 6.0
    standard_msg_bytes: float = 1000.0
    sensing_ratio: float = 3.0
    link_bytes_per_s: float = 10_000.0
    step_s: float = 1.0
    n_vehicles: int = 1
    mobility: str = "trace"
    vehicle_speed_mps: float = 1.0
    reflection_jitter_deg: float = 15.0
    trace_name: str = "warehouse"
    trace_split: str = "train"
    trace_train_fraction: float = 1.0
    episode_steps: int = 200
    core_step_m: float = 1.0
    shrink_factor: float = 0.8
    expand_factor: float = 1.25
    weight_min: float = 0.25
    weight_max: float = 4.0
    clip_factors: bool = True
    disconnected_penalty: str = "cluster-size"
    action_mode: str = "multi"
    observe_balance: bool = False
    observe_lookahead: bool = False
    layout_seed: int | None = None

    def __post_init__(self) -> None:
        check_float("area_m", self.area_m, 0.0, 1e4, low_inclusive=False)
        check_int("n_nodes", self.n_nodes, 1, 20_000)
        check_int("n_servers", self.n_servers, 1, 1_000)
        if self.n_servers > self.n_nodes:
            raise ValueError(
                f"n_servers must lie in [1, n_nodes={self.n_nodes}] (heads are distinct nodes), "
                f"got {self.n_servers}"
            )
        check_float("comm_range_m", self.comm_range_m, 0.0, None, low_inclusive=False)
        check_float("sensing_range_m", self.sensing_range_m, 0.0, None)
        check_float("standard_msg_bytes", self.standard_msg_bytes, 0.0, None, low_inclusive=False)
        check_float("sensing_ratio", self.sensing_ratio, 1.0, 1e3)
        check_float("link_bytes_per_s", self.link_bytes_per_s, 0.0, None, low_inclusive=False)
        check_float("step_s", self.step_s, 0.0, 3600.0, low_inclusive=False)
        check_int("n_vehicles", self.n_vehicles, 1, 100)
        check_choice("mobility", self.mobility, MOBILITY_MODELS)
        check_float("vehicle_speed_mps", self.vehicle_speed_mps, 0.0, 100.0)
        check_float("reflection_jitter_deg", self.reflection_jitter_deg, 0.0, 89.0)
        check_choice("trace_name", self.trace_name, TRACE_NAMES)
        check_choice("trace_split", self.trace_split, TRACE_SPLITS)
        check_float("trace_train_fraction", self.trace_train_fraction, 0.0, 1.0,
                    low_inclusive=False)
        check_int("episode_steps", self.episode_steps, 1, 10_000_000)
        check_float("core_step_m", self.core_step_m, 0.0, None)
        check_float("shrink_factor", self.shrink_factor, 0.0, 1.0, low_inclusive=False)
        check_float("expand_factor", self.expand_factor, 1.0, None)
        check_float("weight_min", self.weight_min, 0.0, 1.0, low_inclusive=False)
        check_float("weight_max", self.weight_max, 1.0, 1e6)
        if self.weight_max <= self.weight_min:
            raise ValueError(
                f"weight_max must be greater than weight_min={self.weight_min}, "
                f"got {self.weight_max}"
            )
        if not isinstance(self.clip_factors, bool):
            raise ValueError(f"clip_factors must be True or False, got {self.clip_factors!r}")
        check_choice("disconnected_penalty", self.disconnected_penalty, DISCONNECTED_PENALTIES)
        check_choice("action_mode", self.action_mode, ACTION_MODES)
        for name in ("observe_balance", "observe_lookahead"):
            if not isinstance(getattr(self, name), bool):
                raise ValueError(f"{name} must be True or False, got {getattr(self, name)!r}")
        if self.layout_seed is not None:
            check_int("layout_seed", self.layout_seed, 0, None)

    @property
    def sensing_msg_bytes(self) -> float:
        """``SN_mesg = sensing_ratio * ST_mesg`` (3 KB in sec. 5.1)."""
        return self.sensing_ratio * self.standard_msg_bytes


_BASE = EdgeClusterParams()


def _sweep(**changes) -> EdgeClusterParams:
    # Sec. 5.4.2-5.4.4: "the other settings are the same as in 5.4.1", with 25 % of the
    # training part of the warehouse trace.
    return replace(_BASE, trace_train_fraction=0.25, **changes)


SCENARIOS: dict[str, EdgeClusterParams] = {
    # Sec. 5.3: D3QN alone on synthetic mobility.
    "fixed-route-80x4": replace(_BASE, n_nodes=80, n_servers=4, mobility="two-point"),
    "random-direction-20x3": replace(_BASE, n_nodes=20, n_servers=3, mobility="random-direction"),
    "random-reflection-20x3": replace(
        _BASE, n_nodes=20, n_servers=3, mobility="random-reflection"
    ),
    "random-reflection-20x3-3v": replace(
        _BASE, n_nodes=20, n_servers=3, mobility="random-reflection", n_vehicles=3
    ),
    # Sec. 5.4.1: the warehouse trace, 80 nodes and 4 servers (the suite's default).
    "warehouse-80x4": replace(_BASE, n_nodes=80, n_servers=4, mobility="trace"),
    # Sec. 5.4.2: number of edge servers (80 nodes).
    "servers-2": _sweep(n_nodes=80, n_servers=2),
    "servers-3": _sweep(n_nodes=80, n_servers=3),
    "servers-4": _sweep(n_nodes=80, n_servers=4),
    # Sec. 5.4.3: number of IoT nodes (4 servers).
    "nodes-20": _sweep(n_nodes=20, n_servers=4),
    "nodes-40": _sweep(n_nodes=40, n_servers=4),
    "nodes-80": _sweep(n_nodes=80, n_servers=4),
    # Sec. 5.4.4: SN_mesg / ST_mesg (4 servers, 20 nodes).
    "snst-2": _sweep(n_nodes=20, n_servers=4, sensing_ratio=2.0),
    "snst-3": _sweep(n_nodes=20, n_servers=4, sensing_ratio=3.0),
    "snst-4": _sweep(n_nodes=20, n_servers=4, sensing_ratio=4.0),
}
DEFAULT_SCENARIO = "warehouse-80x4"
QUICK_SCENARIO = "random-direction-20x3"
