"""Baseline and reference clusterings of paper 000 as plain functions over the model.

* SC-MWVC (sec. 5.2): cores stay at the servers with weight 1 -> always the Stay action.
* SC-METIS (sec. 5.2): :func:`metis_labelling`, a balanced k-way partition of the
  communication graph by METIS [42] (``pymetis``), parts matched to servers by minimum total
  member-to-server distance (``scipy.optimize.linear_sum_assignment``).
* Oracle (ours, no paper has it): :func:`oracle_actions` knows where the vehicles will be
  after the step and searches the core actions that maximise the next reward (exhaustive
  for up to 4 servers, greedy coordinate search beyond), scoring every candidate with the
  model's own reward formulas.
* Greedy lookahead (ours): the same search scored with the vehicles where they are NOW
  (``vehicle_positions=model.vehicle_positions``), i.e. the oracle without its foresight: a
  myopic controller that needs no future knowledge.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import linear_sum_assignment

from edge_envs.core.arrays import squared_distances
from edge_envs.edge_cluster.model import (
    N_ACTIONS,
    STAY,
    EdgeClusterModel,
    node_data_bytes,
    one_core_actions,
    score_candidates,
    sensing_nodes,
    unique_rows,
)


def metis_labelling(
    adjacency: np.ndarray,
    node_positions: np.ndarray,
    server_positions: np.ndarray,
    seed: int = 0,
) -> np.ndarray:
    """SC-METIS labelling: node -> server index, ``(M,)`` int64.

    METIS partitions the unit-disk graph (dense 0/1 ``adjacency``) into ``n`` parts of equal
    size with few edges between parts (default k-way options, ``seed`` fixed so the result is
    reproducible). Part ``k`` is then given to the server ``i`` minimising the total
    distance ``sum_{v in part k} |v - z_i|`` over a one-to-one matching.
    """
    import pymetis

    n = len(server_positions)
    m = len(node_positions)
    if n == 1:
        return np.zeros(m, dtype=np.int64)
    adj = np.asarray(adjacency, dtype=bool)
    rows, cols = np.nonzero(adj & ~np.eye(m, dtype=bool))
    xadj = np.zeros(m + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=m), out=xadj[1:])
    result = pymetis.part_graph(
        n, xadj=xadj, adjncy=cols.astype(np.int64), options=pymetis.Options(seed=int(seed))
    )
    parts = np.asarray(result[1], dtype=np.int64)
    dist = np.sqrt(squared_distances(np.asarray(node_positions), np.asarray(server_positions)))
    cost = np.zeros((n, n))
    np.add.at(cost, parts, dist)  # cost[k, i] = total distance of part k's nodes to server i
    part_idx, server_idx = linear_sum_assignment(cost)
    to_server = np.empty(n, dtype=np.int64)
    to_server[part_idx] = server_idx
    return to_server[parts]


def score_next(
    model: EdgeClusterModel, core_actions: np.ndarray, vehicle_positions: np.ndarray | None = None
) -> tuple[np.ndarray, ...]:
    """``(reward, gamma_raw + delta_raw)`` of ``K`` candidate action vectors ``(K, n)`` by the
    model's own scoring formulas, with the vehicles at ``vehicle_positions`` (default: their
    next positions, privileged).

    Candidates that produce the same clustering (same heads and labels) are scored once.
    """
    m = model
    heads, labels = m.cluster_candidates(core_actions)
    positions = m.next_vehicle_positions if vehicle_positions is None else vehicle_positions
    sensing = sensing_nodes(m.node_positions, positions, m.params.sensing_range_m)
    data = node_data_bytes(sensing, m.params)
    first, inverse = unique_rows(np.concatenate([heads, labels], axis=1))
    s = score_candidates(labels[first], heads[first], data, m.graph, m.params)
    return s["reward"][inverse], (s["gamma_raw"] + s["delta_raw"])[inverse]


def _best(reward: np.ndarray, tie: np.ndarray) -> int:
    # Highest reward; among equal rewards the highest unclipped Gamma + Delta (so a search
    # can leave a plateau where a clipped factor makes every reward 0); then the first.
    return int(np.lexsort((np.arange(len(reward)), -tie, -reward))[0])


def oracle_actions(
    model: EdgeClusterModel, sweeps: int = 3, exhaustive_limit: int = 2401,
    vehicle_positions: np.ndarray | None = None,
) -> np.ndarray:
    """Per-core actions maximising the next reward (scored with the vehicles at
    ``vehicle_positions``, default their next positions; see :func:`score_next`).

    If ``7 ** n <= exhaustive_limit`` (n <= 4 servers by default, every paper scenario) all
    joint actions are scored in one batch. Otherwise greedy coordinate search: start from
    "every core Stays"; in each sweep, for core 1..n in turn, score its 7 actions with the
    other cores' choices fixed and keep the best if it beats the current choice; stop after
    ``sweeps`` sweeps or a sweep without improvement. Ties: reward, then the unclipped
    ``Gamma + Delta``, then the current choice / all-Stay / the lowest action index.
    """
    n = model.params.n_servers
    stay = np.full(n, STAY, dtype=np.int64)
    if N_ACTIONS**n <= exhaustive_limit:
        grid = np.indices((N_ACTIONS,) * n).reshape(n, -1).T
        candidates = np.concatenate([stay[None], grid])
        return candidates[_best(*score_next(model, candidates, vehicle_positions))].copy()
    actions = stay
    for _ in range(sweeps):
        improved = False
        for i in range(n):
            candidates = np.repeat(actions[None], N_ACTIONS + 1, axis=0)
            candidates[1:, i] = np.arange(N_ACTIONS)  # row 0: the current choice
            k = _best(*score_next(model, candidates, vehicle_positions))
            if k != 0 and candidates[k, i] != actions[i]:
                actions, improved = candidates[k].copy(), True
        if not improved:
            break
    return actions


def oracle_single_action(
    model: EdgeClusterModel, vehicle_positions: np.ndarray | None = None
) -> int:
    """``Discrete(7n)`` oracle: the best of all ``7n`` one-core actions (exhaustive; scored as
    in :func:`score_next`).

    Ties: reward, then the unclipped ``Gamma + Delta``, then "all Stay" (index ``STAY``),
    then the lowest index.
    """
    n = model.params.n_servers
    index = np.concatenate([[STAY], np.arange(N_ACTIONS * n)])
    candidates = one_core_actions(index, n)
    return int(index[_best(*score_next(model, candidates, vehicle_positions))])

