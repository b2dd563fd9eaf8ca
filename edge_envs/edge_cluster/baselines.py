"""Baseline and reference clusterings of paper 000 as plain functions over the model.

* SC-MWVC (sec. 5.2): cores stay at the servers with weight 1 -> always the Stay action.
* SC-METIS (sec. 5.2): :func:`metis_labelling`, a balanced k-way partition of the
  communication graph by METIS [42] (``pymetis``), parts matched to servers by minimum total
  member-to-server distance (``scipy.optimize.linear_sum_assignment``).
* Oracle (ours, no paper has it): :func:`oracle_actions` knows where the vehicles will be
  after the step and searches the core actions that maximise the next reward, scoring every
  candidate with the model's own reward code.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import linear_sum_assignment

from edge_envs.edge_cluster.model import N_ACTIONS, STAY, EdgeClusterModel, squared_distances


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


def _key(model: EdgeClusterModel, actions: np.ndarray) -> tuple[float, float]:
    # Reward first; the unclipped factors break ties so the search can leave a plateau
    # where a clipped factor makes every candidate's reward 0.
    s = model.preview(actions)
    return s.reward, s.balance_hops_raw + s.balance_data_raw


def oracle_actions(model: EdgeClusterModel, sweeps: int = 3) -> np.ndarray:
    """Per-core actions maximising the next reward, by greedy coordinate search.

    Starts from "every core Stays"; in each sweep, for core 1..n in turn, tries its 7 actions
    with the other cores' choices fixed and keeps the best (strict improvements only, so the
    result is never worse than Stay). Stops after ``sweeps`` sweeps or a sweep without
    improvement. Every candidate is scored by :meth:`EdgeClusterModel.preview`, i.e. the
    env's own reward code on the next vehicle positions (privileged knowledge).
    """
    n = model.params.n_servers
    actions = np.full(n, STAY, dtype=np.int64)
    best = _key(model, actions)
    for _ in range(sweeps):
        improved = False
        for i in range(n):
            for a in range(N_ACTIONS):
                if a == actions[i]:
                    continue
                trial = actions.copy()
                trial[i] = a
                key = _key(model, trial)
                if key > best:
                    best, actions, improved = key, trial, True
        if not improved:
            break
    return actions


def oracle_single_action(model: EdgeClusterModel) -> int:
    """``Discrete(7n)`` oracle: the best of all ``7n`` one-core actions (exhaustive).

    Ties go to the lowest index among the best, with "all Stay" (index ``STAY``) tried first.
    """
    n = model.params.n_servers
    best_a, best = STAY, _key(model, np.full(n, STAY, dtype=np.int64))
    for a in range(N_ACTIONS * n):
        core, move = divmod(a, N_ACTIONS)
        if move == STAY:
            continue
        trial = np.full(n, STAY, dtype=np.int64)
        trial[core] = move
        key = _key(model, trial)
        if key > best:
            best_a, best = a, key
    return best_a
