"""The dynamic-clustering model of paper 000 (sec. 3, 4.1, 5.1): numpy/scipy only.

State: ``M`` IoT nodes and ``n`` edge servers placed in a square, the unit-disk communication
graph of the nodes, one cluster-core ``o_i`` (a point) and one multiplicative weight ``w_i``
per server, and the vehicles' positions. Each step:

1. every core takes one of the 7 actions of sec. 4.1.1 (:func:`apply_core_actions`);
2. the vehicles move to their next position;
3. the head ``h_i`` of cluster ``i`` is the node nearest to ``o_i`` (:func:`select_heads`),
   every node joins the cluster minimising ``|node - h_i| / w_i`` (multiplicatively weighted
   Voronoi clusters, MWVC, :func:`mwvc_labels`);
4. the clustering is scored (:func:`score_clusters`): hops ``b_i`` and data ``d_i`` per
   server, ``Gamma`` (eq. (1)), ``Delta`` (eq. (2)) and the reward ``r = Gamma * Delta``.

Any node-to-cluster labelling (e.g. the METIS baseline's) is scored by the same
:func:`score_clusters`; see :meth:`EdgeClusterModel.set_labelling`. Searches (the oracle)
score many candidates at once with :meth:`EdgeClusterModel.cluster_candidates` and
:func:`score_candidates`, which share the formulas (``_score_rows``) and are tested equal.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra
from scipy.spatial import cKDTree

from edge_envs.core.arrays import squared_distances
from edge_envs.edge_cluster.mobility import (
    MobilityGenerator,
    RandomDirection,
    RandomReflection,
    TraceReplay,
    TwoPoint,
    motion_index,
    roll_out,
)
from edge_envs.edge_cluster.params import EdgeClusterParams
from edge_envs.edge_cluster.traces import TRACE_AREA_M, load_trace

ACTIONS = ("up", "down", "left", "right", "stay", "shrink", "expand")
"""The 7 actions of a cluster-core (sec. 4.1.1), by index."""
UP, DOWN, LEFT, RIGHT, STAY, SHRINK, EXPAND = range(7)
N_ACTIONS = len(ACTIONS)
_MOVES = np.array([[0, 1], [0, -1], [-1, 0], [1, 0], [0, 0], [0, 0], [0, 0]], dtype=np.float64)


# ---------------------------------------------------------------------------------------------
# Layout and graph
# ---------------------------------------------------------------------------------------------
def place_uniform(rng: np.random.Generator, count: int, area_m: float) -> np.ndarray:
    """``(count, 2)`` points uniform in ``[0, area_m]^2`` (sec. 5.1: random deployment)."""
    return rng.uniform(0.0, area_m, size=(count, 2))


def unit_disk_edges(node_positions: np.ndarray, comm_range_m: float) -> tuple[np.ndarray, ...]:
    """Directed edge list (both directions, sorted by row) of the unit-disk graph.

    Two nodes are neighbours when their distance is at most ``comm_range_m`` (sec. 5.1).
    """
    pairs = cKDTree(node_positions).query_pairs(r=comm_range_m, output_type="ndarray")
    rows = np.concatenate([pairs[:, 0], pairs[:, 1]]).astype(np.int64)
    cols = np.concatenate([pairs[:, 1], pairs[:, 0]]).astype(np.int64)
    order = np.lexsort((cols, rows))
    return rows[order], cols[order]


def adjacency_matrix(rows: np.ndarray, cols: np.ndarray, n_nodes: int) -> csr_matrix:
    """0/1 CSR adjacency matrix of an edge list sorted by row."""
    indptr = np.zeros(n_nodes + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=n_nodes), out=indptr[1:])
    return csr_matrix((np.ones(len(rows), dtype=np.int8), cols, indptr), shape=(n_nodes, n_nodes))


# ---------------------------------------------------------------------------------------------
# Clustering (sec. 4.1.1)
# ---------------------------------------------------------------------------------------------
def apply_core_actions(
    cores: np.ndarray, weights: np.ndarray, actions: np.ndarray, params: EdgeClusterParams
) -> tuple[np.ndarray, np.ndarray]:
    """New ``(cores, weights)`` after one action per core (sec. 4.1.1, 5.1).

    Up/Down/Left/Right move the core ``core_step_m`` (1 m) along +y/-y/-x/+x, clipped to the
    area; Shrink multiplies the weight by 0.8, Expand by 1.25, clipped to
    ``[weight_min, weight_max]``; Stay changes nothing. Fresh arrays are returned.
    """
    a = np.asarray(actions, dtype=np.int64)
    new_cores = np.clip(cores + params.core_step_m * _MOVES[a], 0.0, params.area_m)
    factor = np.where(a == SHRINK, params.shrink_factor,
                      np.where(a == EXPAND, params.expand_factor, 1.0))
    new_weights = np.clip(weights * factor, params.weight_min, params.weight_max)
    return new_cores, new_weights


def select_heads(node_positions: np.ndarray, cores: np.ndarray) -> np.ndarray:
    """Head of each cluster: the node nearest to its core, all heads distinct (sec. 4.1.1).

    Collisions are resolved in rounds: every core without a head proposes its nearest node
    not yet taken; a node proposed by several cores goes to the closest of them (ties to the
    lowest core index); the others propose again. Without collisions every core gets its
    nearest node in the first round.
    """
    d2 = squared_distances(cores, node_positions)
    want = d2.argmin(axis=1)
    if len(np.unique(want)) == len(want):
        return want
    heads = np.full(len(cores), -1, dtype=np.int64)
    open_cores = np.arange(len(cores))
    while open_cores.size:
        want = d2[open_cores].argmin(axis=1)
        dist = d2[open_cores, want]
        order = np.lexsort((open_cores, dist, want))
        wanted = want[order]
        first = np.r_[True, wanted[1:] != wanted[:-1]]
        heads[open_cores[order[first]]] = wanted[first]
        d2[:, wanted[first]] = np.inf
        open_cores = open_cores[heads[open_cores] < 0]
    return heads


def mwvc_labels(node_positions: np.ndarray, heads: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Multiplicatively weighted Voronoi clusters [31]: node ``v`` joins
    ``argmin_i |v - h_i| / w_i`` (ties to the lowest ``i``); each head is in its own cluster.

    Compared on squared distances over squared weights (same argmin, no square root).
    """
    return mwvc_labels_batch(node_positions, np.asarray(heads)[None], np.asarray(weights)[None])[0]


def mwvc_labels_batch(
    node_positions: np.ndarray, heads: np.ndarray, weights: np.ndarray
) -> np.ndarray:
    """:func:`mwvc_labels` for ``K`` candidates: heads and weights ``(K, n)`` -> ``(K, M)``."""
    hp = node_positions[heads]  # (K, n, 2)
    dx = node_positions[None, :, None, 0] - hp[:, None, :, 0]
    dy = node_positions[None, :, None, 1] - hp[:, None, :, 1]
    labels = np.argmin((dx * dx + dy * dy) / (weights[:, None, :] ** 2), axis=2)
    labels[np.arange(len(heads))[:, None], heads] = np.arange(heads.shape[1])
    return labels


def heads_for_labelling(
    node_positions: np.ndarray, labels: np.ndarray, cores: np.ndarray
) -> np.ndarray:
    """Head of each cluster of an arbitrary labelling: its member nearest to its core.

    ``-1`` marks an empty cluster. For an MWVC labelling this gives the same heads as
    :func:`select_heads` (a node nearer to ``o_i`` than ``h_i`` is another cluster's head).
    """
    n_clusters = len(cores)
    diff = node_positions - cores[labels]
    d2 = diff[:, 0] * diff[:, 0] + diff[:, 1] * diff[:, 1]
    order = np.lexsort((np.arange(len(labels)), d2, labels))
    sorted_labels = labels[order]
    first = order[np.r_[0, 1 + np.flatnonzero(np.diff(sorted_labels))]]
    heads = np.full(n_clusters, -1, dtype=np.int64)
    heads[labels[first]] = first
    return heads


# ---------------------------------------------------------------------------------------------
# Scoring (sec. 4.1.3)
# ---------------------------------------------------------------------------------------------
def sensing_nodes(
    node_positions: np.ndarray, vehicle_positions: np.ndarray, sensing_range_m: float
) -> np.ndarray:
    """Nodes with at least one vehicle within ``sensing_range_m`` (sec. 3, 5.1)."""
    d2 = squared_distances(node_positions, vehicle_positions)
    return (d2 <= sensing_range_m**2).any(axis=1)


def node_data_bytes(sensing: np.ndarray, params: EdgeClusterParams) -> np.ndarray:
    """Bytes each node sends per step: a sensing message if it senses a vehicle, else a
    standard message (sec. 3; 1 KB and 3 KB in sec. 5.1)."""
    return np.where(sensing, params.sensing_msg_bytes, params.standard_msg_bytes)


class ClusterGraph:
    """The episode's unit-disk graph, kept as one CSR matrix for in-cluster hop counts.

    :meth:`hops_to_heads` needs the graph with the edges between clusters removed. Rather
    than rebuild a sparse matrix every step, the edge weights are rewritten in place: 1 for
    an edge inside a cluster, ``M + 1`` for an edge between clusters, and the search is cut
    at ``limit = M``. Any path inside a cluster is shorter than ``M``, any path using an
    edge between clusters is longer, so the result equals that of a BFS on the masked graph.
    """

    def __init__(self, rows: np.ndarray, cols: np.ndarray, n_nodes: int) -> None:
        self.n_nodes = int(n_nodes)
        self.rows = rows.astype(np.int32)
        self.cols = cols.astype(np.int32)
        indptr = np.zeros(n_nodes + 1, dtype=np.int32)
        np.cumsum(np.bincount(rows, minlength=n_nodes), out=indptr[1:])
        self.graph = csr_matrix(
            (np.ones(len(rows)), self.cols.copy(), indptr), shape=(n_nodes, n_nodes)
        )
        # edge weight indexed by "both ends in the same cluster" (False, True)
        self._weight_of = np.array([n_nodes + 1.0, 1.0])

    def hops_to_heads(self, labels: np.ndarray, heads: np.ndarray) -> np.ndarray:
        """Hop distance of every node to its own head inside its cluster's subgraph (inf if
        there is no such path).

        With the edges between clusters cut, every connected component lies inside one
        cluster and holds at most that cluster's head, so one multi-source search from all
        heads (``dijkstra(..., min_only=True)``) gives each node its distance to its own head.
        """
        lab = labels.astype(np.int32, copy=False)
        inside = np.take(lab, self.rows) == np.take(lab, self.cols)
        np.take(self._weight_of, inside.view(np.int8), out=self.graph.data)
        sources = heads[heads >= 0]
        return dijkstra(self.graph, directed=True, indices=sources, min_only=True,
                        limit=float(self.n_nodes))


    def hops_to_heads_batch(self, labels: np.ndarray, heads: np.ndarray) -> np.ndarray:
        """:meth:`hops_to_heads` for ``U`` labellings at once: ``(U, M)`` labels and
        ``(U, n)`` heads -> ``(U, M)`` hop distances.

        The ``U`` masked copies of the graph form one block-diagonal graph, searched by one
        multi-source ``dijkstra(..., unweighted=True, min_only=True)`` call.
        """
        n_copies, m = labels.shape
        lab = labels.astype(np.int32, copy=False)
        inside = np.take(lab, self.rows, axis=1) == np.take(lab, self.cols, axis=1)
        offset = (np.arange(n_copies, dtype=np.int64) * m)[:, None]
        rows = (self.rows[None, :] + offset)[inside]
        cols = (self.cols[None, :] + offset)[inside]
        size = n_copies * m
        indptr = np.zeros(size + 1, dtype=np.int64)
        np.cumsum(np.bincount(rows, minlength=size), out=indptr[1:])
        graph = csr_matrix((np.ones(len(cols)), cols, indptr), shape=(size, size))
        sources = (heads + offset)[heads >= 0]
        dist = dijkstra(graph, directed=True, indices=sources, unweighted=True, min_only=True)
        return dist.reshape(n_copies, m)


def in_cluster_hops(
    rows: np.ndarray, cols: np.ndarray, n_nodes: int, labels: np.ndarray, heads: np.ndarray
) -> np.ndarray:
    """Functional form of :meth:`ClusterGraph.hops_to_heads` (builds the graph each call)."""
    return ClusterGraph(rows, cols, n_nodes).hops_to_heads(labels, heads)


def balance_factors(values: np.ndarray) -> np.ndarray:
    """Row-wise ``1/n sum_i (1 - |x_i - mean(x)| / mean(x))``: eq. (1) for hops, eq. (2)
    for data, for a ``(U, n)`` array.

    Equals 1 when all ``x_i`` are equal and falls below 0 when the mean absolute deviation
    exceeds the mean. An all-zero row counts as perfectly balanced.
    """
    x = np.asarray(values, dtype=np.float64)
    mean = x.mean(axis=-1, keepdims=True)
    positive = mean > 0.0
    ratio = np.abs(x - mean) / np.where(positive, mean, 1.0)
    return np.where(positive[..., 0], np.mean(1.0 - ratio, axis=-1), 1.0)


def balance_factor(values: np.ndarray) -> float:
    """:func:`balance_factors` of one vector."""
    return float(balance_factors(np.asarray(values, dtype=np.float64)[None])[0])


@dataclass(frozen=True)
class ClusterScore:
    """Everything one clustering costs (sec. 4.1.3). Arrays are per server unless noted.

    Attributes:
        reward: ``Gamma * Delta`` (factors clipped at 0 when ``clip_factors``).
        balance_hops, balance_data: ``Gamma`` and ``Delta`` as used in the reward.
        balance_hops_raw, balance_data_raw: the unclipped eq. (1) and eq. (2).
        hops_per_server: ``b_i``, total hops to bring every member's message to server ``i``.
        data_per_server: ``d_i``, bytes per step arriving at server ``i``.
        cluster_sizes: members per cluster.
        disconnected_per_server: members without a path to their head inside the cluster.
        head_load_bytes_per_s: bytes per second the head forwards to its server (``d_i``).
        heads_over_capacity: heads whose load exceeds ``link_bytes_per_s``.
        node_hops: (per node) hops of the node's message, head-to-server hop included.
        node_data_bytes: (per node) bytes sent this step.
        disconnected: (per node) no path to the head inside the cluster.
    """

    reward: float
    balance_hops: float
    balance_data: float
    balance_hops_raw: float
    balance_data_raw: float
    hops_per_server: np.ndarray
    data_per_server: np.ndarray
    cluster_sizes: np.ndarray
    disconnected_per_server: np.ndarray
    head_load_bytes_per_s: np.ndarray
    heads_over_capacity: int
    node_hops: np.ndarray
    node_data_bytes: np.ndarray
    disconnected: np.ndarray


def _score_rows(
    labels: np.ndarray, dist: np.ndarray, data_bytes: np.ndarray, n: int,
    params: EdgeClusterParams,
) -> dict[str, np.ndarray]:
    """Hops, data, Gamma, Delta and reward of ``U`` labellings ``(U, M)`` (sec. 4.1.3).

    Hops: a member's message takes its in-cluster hop distance to the head plus one hop from
    the head to the server, so ``b_i = sum_{v in c_i} (hops(v, h_i) + 1)`` (the head itself
    counts 1). A member without a path to its head inside its cluster (``dist`` infinite) is
    charged ``disconnected_penalty`` hops instead of the distance (its cluster's size, or
    ``M``); its data still counts for its server. Data: ``d_i = sum_{v in c_i} bytes(v)``.
    """
    n_rows, m = labels.shape
    flat = (labels + (np.arange(n_rows) * n)[:, None]).reshape(-1)
    sizes = np.bincount(flat, minlength=n_rows * n).reshape(n_rows, n)
    disconnected = ~np.isfinite(dist)
    if params.disconnected_penalty == "cluster-size":
        penalty = np.take_along_axis(sizes, labels, axis=1).astype(np.float64)
    else:
        penalty = np.full((n_rows, m), float(m))
    node_hops = np.where(disconnected, penalty, dist) + 1.0
    hops = np.bincount(flat, weights=node_hops.reshape(-1), minlength=n_rows * n)
    # data_bytes: one (M,) vector for every row, or one (U, M) row per labelling.
    per_node = np.broadcast_to(data_bytes, (n_rows, m)).reshape(-1)
    data = np.bincount(flat, weights=per_node, minlength=n_rows * n)
    hops, data = hops.reshape(n_rows, n), data.reshape(n_rows, n)
    gamma_raw, delta_raw = balance_factors(hops), balance_factors(data)
    if params.clip_factors:
        gamma, delta = np.maximum(gamma_raw, 0.0), np.maximum(delta_raw, 0.0)
    else:
        gamma, delta = gamma_raw, delta_raw
    return {"reward": gamma * delta, "gamma": gamma, "delta": delta, "gamma_raw": gamma_raw,
            "delta_raw": delta_raw, "hops": hops, "data": data, "sizes": sizes,
            "node_hops": node_hops, "disconnected": disconnected}


def score_clusters(
    labels: np.ndarray,
    heads: np.ndarray,
    data_bytes: np.ndarray,
    graph: ClusterGraph,
    params: EdgeClusterParams,
) -> ClusterScore:
    """Score one node-to-cluster labelling with given heads (sec. 4.1.3; see
    :func:`_score_rows` for the hop and data rules)."""
    n = len(heads)
    dist = graph.hops_to_heads(labels, heads)
    r = _score_rows(labels[None], dist[None], data_bytes, n, params)
    disconnected = r["disconnected"][0]
    data = r["data"][0]
    load = data / params.step_s
    return ClusterScore(
        reward=float(r["reward"][0]),
        balance_hops=float(r["gamma"][0]),
        balance_data=float(r["delta"][0]),
        balance_hops_raw=float(r["gamma_raw"][0]),
        balance_data_raw=float(r["delta_raw"][0]),
        hops_per_server=r["hops"][0],
        data_per_server=data,
        cluster_sizes=r["sizes"][0],
        disconnected_per_server=np.bincount(labels[disconnected], minlength=n),
        head_load_bytes_per_s=load,
        heads_over_capacity=int(np.count_nonzero(load > params.link_bytes_per_s)),
        node_hops=r["node_hops"][0],
        node_data_bytes=data_bytes,
        disconnected=disconnected,
    )


def score_candidates(
    labels: np.ndarray,
    heads: np.ndarray,
    data_bytes: np.ndarray,
    graph: ClusterGraph,
    params: EdgeClusterParams,
) -> dict[str, np.ndarray]:
    """:func:`score_clusters` for ``U`` labellings ``(U, M)`` with heads ``(U, n)`` at once
    (same formulas; used by searches such as the oracle). Returns arrays with a leading
    ``U`` axis: ``reward``, ``gamma``, ``delta``, ``gamma_raw``, ``delta_raw``, ``hops``,
    ``data``, ``sizes``, ``node_hops``, ``disconnected``."""
    dist = graph.hops_to_heads_batch(labels, heads)
    return _score_rows(labels, dist, data_bytes, heads.shape[1], params)


def one_core_actions(index: np.ndarray, n_servers: int) -> np.ndarray:
    """``(K, n)`` per-core actions of ``K`` ``single``-view indices: index ``7 i + a`` makes
    core ``i`` take action ``a`` while the others Stay."""
    index = np.asarray(index, dtype=np.int64)
    actions = np.full((len(index), n_servers), STAY, dtype=np.int64)
    actions[np.arange(len(index)), index // N_ACTIONS] = index % N_ACTIONS
    return actions


@lru_cache(maxsize=16)
def _hash_weights(width: int) -> np.ndarray:
    # Fixed (seed 0) random multipliers: a hash, not a random stream of the simulation.
    weights = np.random.default_rng(0).integers(1, 2**62, size=width)
    weights.flags.writeable = False
    return weights


def unique_rows(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(first, inverse)`` of the distinct rows of a small-int matrix: rows are hashed to one
    int64 each (fast 1-D unique); a hash collision, checked for, falls back to ``np.unique``
    over whole rows."""
    weights = _hash_weights(rows.shape[1])
    with np.errstate(over="ignore"):
        keys = (rows.astype(np.int64) * weights).sum(axis=1)
    _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    inverse = inverse.reshape(-1)
    if not np.array_equal(rows[first][inverse], rows):
        _, first, inverse = np.unique(rows, axis=0, return_index=True, return_inverse=True)
        inverse = inverse.reshape(-1)
    return first, inverse


# ---------------------------------------------------------------------------------------------
# The stateful model
# ---------------------------------------------------------------------------------------------
def build_mobility(
    params: EdgeClusterParams, generator: MobilityGenerator | None = None
) -> MobilityGenerator:
    """The mobility model named by ``params.mobility`` (or the plugged-in ``generator``)."""
    if params.mobility == "generator" or generator is not None:
        if generator is None:
            raise ValueError("mobility='generator' needs a mobility_generator object")
        return generator
    if params.mobility == "two-point":
        return TwoPoint(params.vehicle_speed_mps, params.step_s)
    if params.mobility == "random-direction":
        return RandomDirection(params.vehicle_speed_mps, params.step_s)
    if params.mobility == "random-reflection":
        return RandomReflection(params.vehicle_speed_mps, params.step_s,
                                params.reflection_jitter_deg)
    positions = load_trace(params.trace_name, params.trace_split, params.trace_train_fraction)
    return TraceReplay(positions, params.episode_steps, TRACE_AREA_M)


class EdgeClusterModel:
    """One episode of the system: layout, graph, cores, weights, vehicle path, clustering.

    Use :meth:`reset` with the named random streams (``"layout"``, ``"mobility"``), or
    :meth:`start` with explicit positions (tests, hand-drawn graphs), then :meth:`step`.
    Arrays held by the model are replaced, never modified in place, after they are built.
    """

    def __init__(
        self, params: EdgeClusterParams, mobility_generator: MobilityGenerator | None = None
    ) -> None:
        self.params = params
        self.mobility = build_mobility(params, mobility_generator)
        self.t = 0
        self.labelling: np.ndarray | None = None

    # -- episode set-up ------------------------------------------------------------------
    def reset(self, streams: dict[str, np.random.Generator]) -> ClusterScore:
        """Draw a layout (``streams["layout"]``) and a vehicle path (``streams["mobility"]``)."""
        p = self.params
        layout = streams["layout"]
        nodes = place_uniform(layout, p.n_nodes, p.area_m)
        servers = place_uniform(layout, p.n_servers, p.area_m)
        path = roll_out(self.mobility, streams["mobility"], p.area_m, p.n_vehicles,
                        p.episode_steps)
        return self.start(nodes, servers, path)

    def start(
        self, node_positions: np.ndarray, server_positions: np.ndarray, vehicle_path: np.ndarray
    ) -> ClusterScore:
        """Begin an episode on a given layout and vehicle path ``(T + 1, n_vehicles, 2)``.

        Cores start at the servers, weights at 1 (sec. 4.1.1).
        """
        p = self.params
        nodes = np.array(node_positions, dtype=np.float64)
        servers = np.array(server_positions, dtype=np.float64)
        path = np.array(vehicle_path, dtype=np.float64)
        if nodes.shape != (p.n_nodes, 2):
            raise ValueError(f"node_positions must have shape ({p.n_nodes}, 2), got {nodes.shape}")
        if servers.shape != (p.n_servers, 2):
            raise ValueError(
                f"server_positions must have shape ({p.n_servers}, 2), got {servers.shape}"
            )
        if path.ndim != 3 or path.shape[1:] != (p.n_vehicles, 2) or len(path) < 1:
            raise ValueError(
                f"vehicle_path must have shape (T + 1, {p.n_vehicles}, 2), got {path.shape}"
            )
        for name, arr in (("node_positions", nodes), ("server_positions", servers),
                          ("vehicle_path", path)):
            if not np.all(np.isfinite(arr)) or arr.min() < 0.0 or arr.max() > p.area_m:
                raise ValueError(f"{name} must lie in [0, area_m={p.area_m}]^2")
        for arr in (nodes, servers, path):
            arr.flags.writeable = False
        self.node_positions = nodes
        self.server_positions = servers
        self.vehicle_path = path
        self.rows, self.cols = unit_disk_edges(nodes, p.comm_range_m)
        self.adjacency = adjacency_matrix(self.rows, self.cols, p.n_nodes)
        self.graph = ClusterGraph(self.rows, self.cols, p.n_nodes)
        self.cores = servers.copy()
        self.weights = np.ones(p.n_servers)
        self.t = 0
        self.labelling = None
        return self._refresh()

    # -- dynamics ------------------------------------------------------------------------
    def step(self, core_actions: np.ndarray) -> ClusterScore:
        """Apply one action per core, move the vehicles one step, re-cluster and score."""
        if self.t + 1 >= len(self.vehicle_path):
            raise RuntimeError("the vehicle path is exhausted; reset the model")
        self.cores, self.weights = apply_core_actions(
            self.cores, self.weights, core_actions, self.params
        )
        self.t += 1
        return self._refresh()

    def set_labelling(self, labels: np.ndarray | None) -> ClusterScore:
        """Fix the node-to-cluster labelling (``None`` restores MWVC) until the next reset.

        While a labelling is set it replaces the MWVC assignment; each cluster's head is its
        member nearest to the cluster's core, and cores still move with the actions. This is
        how a static partition such as SC-METIS is scored by the same code as the agents.
        """
        self.labelling = None if labels is None else self.check_labels(labels)
        return self._refresh()

    def check_labels(self, labels) -> np.ndarray:
        """``labels`` as a read-only int array of shape ``(M,)`` in ``[0, n)``, or ValueError."""
        p = self.params
        arr = np.asarray(labels)
        if arr.shape != (p.n_nodes,) or arr.dtype.kind not in "iu":
            raise ValueError(
                f"labelling must be an integer array of shape ({p.n_nodes},), got "
                f"{arr.dtype} {arr.shape}"
            )
        if arr.size and (arr.min() < 0 or arr.max() >= p.n_servers):
            raise ValueError(f"labelling values must lie in [0, {p.n_servers - 1}]")
        out = arr.astype(np.int64)
        out.flags.writeable = False
        return out

    # -- evaluation ----------------------------------------------------------------------
    def cluster(
        self, cores: np.ndarray, weights: np.ndarray, labelling: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """``(heads, labels)`` for given cores and weights (MWVC unless a labelling is given)."""
        if labelling is None:
            heads = select_heads(self.node_positions, cores)
            return heads, mwvc_labels(self.node_positions, heads, weights)
        return heads_for_labelling(self.node_positions, labelling, cores), labelling

    def evaluate(
        self,
        cores: np.ndarray,
        weights: np.ndarray,
        vehicle_positions: np.ndarray,
        labelling: np.ndarray | None = None,
    ) -> ClusterScore:
        """Score cores and weights against vehicle positions without changing the state."""
        heads, labels = self.cluster(cores, weights, labelling)
        return self.score(labels, heads, vehicle_positions)

    def score(
        self, labels: np.ndarray, heads: np.ndarray, vehicle_positions: np.ndarray
    ) -> ClusterScore:
        sensing = sensing_nodes(self.node_positions, vehicle_positions,
                                self.params.sensing_range_m)
        data = node_data_bytes(sensing, self.params)
        return score_clusters(labels, heads, data, self.graph, self.params)

    def score_labelling(
        self, labels, vehicle_positions: np.ndarray | None = None, cores: np.ndarray | None = None
    ) -> ClusterScore:
        """Score any labelling (heads: members nearest to ``cores``, default the current cores;
        vehicles default to their current positions)."""
        labels = self.check_labels(labels)
        cores = self.cores if cores is None else np.asarray(cores, dtype=np.float64)
        vehicles = self.vehicle_positions if vehicle_positions is None else vehicle_positions
        heads = heads_for_labelling(self.node_positions, labels, cores)
        return self.score(labels, heads, np.asarray(vehicles, dtype=np.float64))

    def preview(self, core_actions: np.ndarray) -> ClusterScore:
        """The score :meth:`step` would return for ``core_actions`` (needs the next vehicle
        positions, i.e. privileged knowledge; used by the oracle)."""
        cores, weights = apply_core_actions(self.cores, self.weights, core_actions, self.params)
        return self.evaluate(cores, weights, self.next_vehicle_positions, self.labelling)

    def cluster_candidates(self, core_actions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(heads, labels)`` of shapes ``(K, n)`` and ``(K, M)`` that ``K`` candidate
        per-core action vectors ``(K, n)`` would produce from the current state.

        Gives the same result as :meth:`cluster` after :func:`apply_core_actions` for each
        candidate, but uses that a core has only 7 possible (position, weight) outcomes: the
        nearest node and the weighted squared distances ``|v - h|^2 / w^2`` of all nodes are
        computed once per outcome, and each candidate's MWVC labels are a running minimum
        over its cores (strict ``<``, so ties go to the lowest core index as in
        :func:`mwvc_labels`). Candidates whose cores share a nearest node are recomputed
        with :func:`select_heads`.
        """
        actions = np.asarray(core_actions, dtype=np.int64)
        n_cand, n = actions.shape
        cols = np.arange(n)
        every = np.broadcast_to(np.arange(N_ACTIONS)[:, None], (N_ACTIONS, n))
        opt_cores, opt_weights = apply_core_actions(self.cores, self.weights, every,
                                                    self.params)  # (7, n, 2), (7, n)
        if self.labelling is not None:
            heads = np.stack([heads_for_labelling(self.node_positions, self.labelling,
                                                  opt_cores[a, cols]) for a in actions])
            return heads, np.broadcast_to(self.labelling, (n_cand, len(self.labelling)))
        nodes = self.node_positions
        dx = opt_cores[:, :, None, 0] - nodes[None, None, :, 0]
        dy = opt_cores[:, :, None, 1] - nodes[None, None, :, 1]
        nearest = (dx * dx + dy * dy).argmin(axis=2)  # (7, n)
        hp = nodes[nearest]
        dx = nodes[None, None, :, 0] - hp[:, :, None, 0]
        dy = nodes[None, None, :, 1] - hp[:, :, None, 1]
        cost = (dx * dx + dy * dy) / (opt_weights[:, :, None] ** 2)  # (7, n, M)
        heads = nearest[actions, cols]
        best = cost[actions[:, 0], 0]
        labels = np.zeros(best.shape, dtype=np.int64)
        for i in range(1, n):
            value = cost[actions[:, i], i]
            better = value < best
            best = np.where(better, value, best)
            labels[better] = i
        labels[np.arange(n_cand)[:, None], heads] = cols
        ordered = np.sort(heads, axis=1)
        for k in np.flatnonzero((ordered[:, 1:] == ordered[:, :-1]).any(axis=1)):
            heads[k], labels[k] = self.cluster(opt_cores[actions[k], cols],
                                               opt_weights[actions[k], cols])
        return heads, labels

    def one_core_outcomes(self, data_bytes: np.ndarray | None = None) -> dict[str, np.ndarray]:
        """What each of the ``7 n`` one-core actions would produce from the current state, with
        the vehicles where they are NOW (sec. 4.1.1, 4.1.3); row ``7 i + a`` is core ``i``
        taking action ``a`` while the others Stay (the ``single`` action order).

        Clustering side, ``(7 n, ...)``: ``cores`` ``(7n, n, 2)``, ``weights``, ``hops`` (``b_i``),
        ``sizes`` and ``gamma`` (eq. (1)). Data side, with a leading axis of ``K`` data vectors:
        ``data`` (``d_i``, ``(K, 7n, n)``), ``delta`` (eq. (2)) and ``reward`` (``Gamma * Delta``),
        ``(K, 7n)``. ``data_bytes`` ``(K, M)`` gives the per-node data to score against (default:
        the data the controller receives this step, ``K = 1``); the hop side is computed once.

        No future knowledge: it is the controller scoring candidate clusterings as it scores the
        current one (unlike :meth:`preview`, which uses the next positions).
        """
        n = self.params.n_servers
        actions = one_core_actions(np.arange(N_ACTIONS * n), n)
        heads, labels = self.cluster_candidates(actions)
        # Many moves leave the clustering as it is (n Stays, moves that keep every head and
        # label): each distinct clustering is searched and scored once.
        first, inverse = unique_rows(np.concatenate([heads, labels], axis=1))
        heads, labels = heads[first], labels[first]
        dist = self.graph.hops_to_heads_batch(labels, heads)
        data = np.atleast_2d(self.last_score.node_data_bytes if data_bytes is None else
                             np.asarray(data_bytes, dtype=np.float64))
        k, u = len(data), len(first)
        rows = _score_rows(np.tile(labels, (k, 1)), np.tile(dist, (k, 1)),
                           np.repeat(data, u, axis=0), n, self.params)
        cores, weights = apply_core_actions(self.cores, self.weights, actions, self.params)
        return {
            "cores": cores, "weights": weights,
            "hops": rows["hops"][:u][inverse], "sizes": rows["sizes"][:u][inverse],
            "gamma": rows["gamma"][:u][inverse],
            "data": rows["data"].reshape(k, u, n)[:, inverse],
            "delta": rows["delta"].reshape(k, u)[:, inverse],
            "reward": rows["reward"].reshape(k, u)[:, inverse],
        }

    def one_core_lookahead(self, data_bytes: np.ndarray | None = None) -> np.ndarray:
        """``(7 n,)``: the reward of each one-core action with the vehicles where they are now
        (``reward`` of :meth:`one_core_outcomes`). ``data_bytes`` of shape ``(K, M)`` scores the
        same candidates against ``K`` other per-node data vectors (``(K, 7 n)`` result)."""
        reward = self.one_core_outcomes(data_bytes)["reward"]
        return reward[0] if data_bytes is None else reward

    def _refresh(self) -> ClusterScore:
        self.heads, self.labels = self.cluster(self.cores, self.weights, self.labelling)
        self.last_score = self.score(self.labels, self.heads, self.vehicle_positions)
        return self.last_score

    # -- views ---------------------------------------------------------------------------
    @property
    def vehicle_positions(self) -> np.ndarray:
        return self.vehicle_path[self.t]

    @property
    def next_vehicle_positions(self) -> np.ndarray:
        """Vehicle positions after the next step (the last ones at the end of the path)."""
        return self.vehicle_path[min(self.t + 1, len(self.vehicle_path) - 1)]

    @property
    def vehicle_motion(self) -> np.ndarray:
        """Index in ``mobility.MOTIONS`` of each vehicle's last move (``stay`` at t = 0)."""
        if self.t == 0:
            return np.full(self.params.n_vehicles, 8, dtype=np.int64)
        return motion_index(self.vehicle_path[self.t] - self.vehicle_path[self.t - 1])
