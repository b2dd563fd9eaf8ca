"""Offloading rules and the per-slot optimum of SingleCellMEC-v0 (plain numpy).

Decisions are ``(N,)`` int64 arrays: 0 = local, ``m`` = server ``m`` (1-based).

* :func:`least_loaded_decision` and :func:`greedy_delay_decision` are what a user can compute
  from the observation (an :class:`~edge_envs.single_cell_mec.observation.Observed`): loads,
  server speeds, its task, its CPU and its uplink-rate estimate.
* :func:`slot_optimum` needs the true slot state (the channel gains give the true rate for
  every number of uploaders): every joint decision when ``(M + 1)^N`` is at most
  ``exhaustive_limit``, otherwise a local search (see its docstring).
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations

import numpy as np

from edge_envs.single_cell_mec.model import SlotState, simulate_slot
from edge_envs.single_cell_mec.observation import Observed, observed_from_state
from edge_envs.single_cell_mec.params import SingleCellMECParams

EXHAUSTIVE_LIMIT = 50_000
"""Largest ``(M + 1)^N`` solved by enumeration (6^6 = 46,656: 6 users and 5 servers)."""
PAIR_MOVE_LIMIT = 50_000
"""Pair moves are searched while ``N (N - 1) / 2 * (M + 1)^2`` is at most this (N <= 40 users
at M = 5); above it the search uses single-user moves only."""
_CHUNK_ELEMENTS = 2_000_000
"""Candidate decisions are simulated in chunks of about this many ``(P, M, N)`` entries."""
_IMPROVEMENT = 1e-12


def local_decision(n_users: int) -> np.ndarray:
    """Every user computes its own task."""
    return np.zeros(n_users, dtype=np.int64)


def least_loaded_decision(observed: Observed) -> np.ndarray:
    """Users in index order each take the server with the smallest load factor (eq. 18's
    ``LD``: start-of-slot backlog plus the cycles placed so far, over ``f_m``); ties to the
    lower server. Never local."""
    load = np.array(observed.load_factors_s, dtype=np.float64)
    service = observed.task_cycles[:, None] / observed.server_speed_hz[None, :]
    decision = np.empty(service.shape[0], dtype=np.int64)
    for n in range(service.shape[0]):
        m = int(np.argmin(load))
        load[m] += service[n, m]
        decision[n] = m + 1
    return decision


def greedy_delay_decision(observed: Observed, params: SingleCellMECParams) -> np.ndarray:
    """Users in index order each take the option with the lowest delay given the loads so far.

    The delay of user ``n`` on server ``m`` is estimated as ``max(a, ready_m) + C / f_m`` with
    ``a = L / r_est (+ L / mu for m >= 2)`` (its uplink-rate estimate) and ``ready_m`` the time
    server ``m`` finishes the backlog and the tasks placed before ``n``; locally it is
    ``C / f_local``. Ties go to the lower option (local first).
    """
    t_up = observed.task_bits / observed.uplink_rate_bps
    m = observed.server_speed_hz.size
    forward = np.where(np.arange(m) >= 1, 1.0, 0.0)
    arrival = t_up[:, None] + (observed.task_bits / params.forward_rate_bps)[:, None] * forward
    service = observed.task_cycles[:, None] / observed.server_speed_hz[None, :]
    local = observed.task_cycles / observed.local_speed_hz
    ready = np.array(observed.load_factors_s, dtype=np.float64)
    decision = np.empty(t_up.size, dtype=np.int64)
    for n in range(t_up.size):
        finish = np.maximum(arrival[n], ready) + service[n]
        best = int(np.argmin(finish))
        if local[n] <= finish[best]:
            decision[n] = 0
        else:
            decision[n] = best + 1
            ready[best] = finish[best]
    return decision


@dataclass(frozen=True)
class SlotOptimum:
    """Result of :func:`slot_optimum`.

    Attributes:
        decision: the best joint decision found, ``(N,)``.
        mean_reward: its mean reward (eq. 20 averaged over users).
        exhaustive: ``True`` when every joint decision was evaluated (a proven optimum).
        evaluated: how many joint decisions were simulated.
    """

    decision: np.ndarray
    mean_reward: float
    exhaustive: bool
    evaluated: int


def _best(candidates: np.ndarray, state: SlotState, params: SingleCellMECParams):
    """Index and mean reward of the best row of ``candidates`` (first one on ties)."""
    rows = max(1, _CHUNK_ELEMENTS // (state.n_servers * state.n_users))
    best_index, best_value = -1, -np.inf
    for lo in range(0, len(candidates), rows):
        values = simulate_slot(candidates[lo: lo + rows], state, params).mean_reward
        k = int(np.argmax(values))
        if values[k] > best_value:
            best_index, best_value = lo + k, float(values[k])
    return best_index, best_value


def all_decisions(n_users: int, n_options: int) -> np.ndarray:
    """Every joint decision, ``(n_options^n_users, n_users)`` int64, in lexicographic order."""
    grid = np.indices((n_options,) * n_users, dtype=np.int64)
    return grid.reshape(n_users, -1).T


def exhaustive_optimum(state: SlotState, params: SingleCellMECParams) -> SlotOptimum:
    """The best joint decision by enumeration (ties: the lexicographically first)."""
    candidates = all_decisions(state.n_users, state.n_servers + 1)
    k, value = _best(candidates, state, params)
    return SlotOptimum(candidates[k].copy(), value, True, len(candidates))


def _single_moves(x: np.ndarray, n_options: int) -> np.ndarray:
    """Every decision that differs from ``x`` in at most one user (``x`` itself included)."""
    n = x.size
    out = np.repeat(x[None, :], n * n_options, axis=0)
    out[np.arange(n * n_options), np.repeat(np.arange(n), n_options)] = np.tile(
        np.arange(n_options), n)
    return out


def _pair_moves(x: np.ndarray, n_options: int, pairs: np.ndarray) -> np.ndarray:
    """Every decision that differs from ``x`` in at most the two users of one pair."""
    values = np.indices((n_options, n_options)).reshape(2, -1).T  # (O^2, 2)
    n_pairs, per = len(pairs), len(values)
    out = np.repeat(x[None, :], n_pairs * per, axis=0)
    rows = np.arange(n_pairs * per)
    out[rows, np.repeat(pairs[:, 0], per)] = np.tile(values[:, 0], n_pairs)
    out[rows, np.repeat(pairs[:, 1], per)] = np.tile(values[:, 1], n_pairs)
    return out


def _server_swaps(x: np.ndarray, n_options: int) -> np.ndarray:
    """Every decision that exchanges all the tasks of two options (local counts as one)."""
    pairs = np.array(list(combinations(range(n_options), 2)), dtype=np.int64).reshape(-1, 2)
    out = np.repeat(x[None, :], len(pairs), axis=0)
    first, second = out == pairs[:, :1], out == pairs[:, 1:]
    out[first] = np.broadcast_to(pairs[:, 1:], out.shape)[first]
    out[second] = np.broadcast_to(pairs[:, :1], out.shape)[second]
    return out


def local_search(
    start: np.ndarray,
    state: SlotState,
    params: SingleCellMECParams,
    pair_moves: bool,
    max_rounds: int = 1_000,
) -> tuple[np.ndarray, float, int]:
    """Best-improvement descent from ``start``: single-user moves until none improves, then
    one round of pair moves (two users change at once); back to single moves after a pair
    move improves. Returns ``(decision, mean_reward, evaluated)``."""
    n_options = state.n_servers + 1
    x = np.asarray(start, dtype=np.int64).copy()
    value = float(simulate_slot(x, state, params).mean_reward[0])
    pairs = np.array(list(combinations(range(x.size), 2)), dtype=np.int64).reshape(-1, 2)
    evaluated = 1
    use_pairs = False
    for _ in range(max_rounds):
        if use_pairs:
            if not (pair_moves and len(pairs)):
                break
            candidates = _pair_moves(x, n_options, pairs)
        else:
            candidates = np.concatenate([_single_moves(x, n_options),
                                         _server_swaps(x, n_options)])
        k, best = _best(candidates, state, params)
        evaluated += len(candidates)
        if best > value + _IMPROVEMENT * max(1.0, abs(value)):
            x, value, use_pairs = candidates[k].copy(), best, False
        elif use_pairs:
            break
        else:
            use_pairs = True
    return x, value, evaluated


def slot_optimum(
    state: SlotState,
    params: SingleCellMECParams,
    exhaustive_limit: int = EXHAUSTIVE_LIMIT,
    pair_move_limit: int = PAIR_MOVE_LIMIT,
    restarts: int = 16,
    polish: int = 2,
    seed: int = 0,
) -> SlotOptimum:
    """The joint decision with the best mean reward in this slot (myopic: the backlog it
    leaves to the next slot is not scored).

    Exhaustive when ``(M + 1)^N <= exhaustive_limit``. Otherwise a multi-start local search
    (:func:`local_search`), deterministic given ``seed``:

    1. starts: every user local, :func:`least_loaded_decision` and
       :func:`greedy_delay_decision` (both computed on the true state) and ``restarts``
       uniformly random joint decisions;
    2. from each start, best-improvement descent over the moves that change one user's
       option or exchange all the tasks of two options;
    3. the ``polish`` best distinct results continue with pair moves too (any two users
       change at once), as long as that neighbourhood has at most ``pair_move_limit``
       decisions (N <= 40 at M = 5).

    The best decision found is returned. ``tests/test_single_cell_mec_baselines.py`` checks
    that it reaches the exhaustive optimum on 300 random small instances (up to 7 users);
    the docs give its cost at the paper's sizes.
    """
    n, m = state.n_users, state.n_servers
    if (m + 1) ** n <= exhaustive_limit:
        return exhaustive_optimum(state, params)
    observed = observed_from_state(state, params)
    starts = [local_decision(n), least_loaded_decision(observed),
              greedy_delay_decision(observed, params)]
    rng = np.random.default_rng(seed)
    starts += list(rng.integers(0, m + 1, size=(restarts, n)))
    pair_moves = n * (n - 1) // 2 * (m + 1) ** 2 <= pair_move_limit
    found: dict[bytes, tuple[float, np.ndarray]] = {}
    evaluated = 0
    for start in starts:
        x, value, count = local_search(start, state, params, pair_moves=False)
        evaluated += count
        found[x.tobytes()] = (value, x)
    # The best few single-move optima are polished with pair moves.
    ranked = sorted(found.values(), key=lambda item: -item[0])[:polish]
    best, best_value = ranked[0][1], ranked[0][0]
    if pair_moves:
        for _, x0 in ranked:
            x, value, count = local_search(x0, state, params, pair_moves=True)
            evaluated += count
            if value > best_value:
                best, best_value = x, value
    return SlotOptimum(best, best_value, False, evaluated)
