"""Lévy flight search of paper 003 (section IV-D, Algorithm 4) with Mantegna's steps.

The Lévy steps follow Mantegna's method as written in paper 004 (eqs. 20-22): a step is
``d = u / |v|^(1/beta)`` with ``u ~ N(0, sigma_u^2)``, ``v ~ N(0, 1)`` and

    sigma_u = [Gamma(1 + beta) sin(pi beta / 2)
               / (Gamma((1 + beta) / 2) beta 2^((beta - 1) / 2))]^(1/beta),

drawn by the env model's ``mantegna_steps`` (which also draws the ``levy`` IoTD layouts).

The search works on the integer part of the solution ``x = [a, f, p]`` (eq. 19): the
continuous part (computing share and transmission power) is not searched but solved exactly
by the environment's allocation for every candidate decision (the paper's sub-problem 13),
so a candidate's fitness is the optimum of eq. (11) for its decision. ``evaluate`` is any
callable ``(P, N) int decisions -> (P,) objectives`` (the model's ``evaluate_population``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from edge_envs.large_scale_mec.model import mantegna_steps

EvaluateFn = Callable[[np.ndarray], np.ndarray]


def auto_step_scale(n_iotds: int, beta: float) -> float:
    """Scale weight ``eta`` of the steps (eq. 18) so that mutation stays local at any N.

    The tail of a Lévy step is ``P(|d| > x) ~ x^-beta``: scaling the steps by
    ``N^(-1/beta)`` keeps the expected number of IoTDs whose weighted step passes a
    threshold independent of ``N`` (a few per candidate), where the unscaled steps would
    re-draw a large share of the 200 decisions at once and never improve on the start.
    """
    return float(max(n_iotds, 1) ** (-1.0 / beta))


def normalised_gain(channel_gain: np.ndarray, decision: np.ndarray) -> np.ndarray:
    """``h_{i,a_i} / sum_j h_ij`` of eq. (20) for each IoTD (rows of ``decision`` may be (P, N)).

    A local decision (``a_i = 0``) has no link; it gets the mean share ``1/M``, so a local
    IoTD is as stable as one on an average server.
    """
    h = np.asarray(channel_gain, dtype=np.float64)
    n, m = h.shape
    share = h / h.sum(axis=1, keepdims=True)
    padded = np.concatenate([np.full((n, 1), 1.0 / m), share], axis=1)
    rows = np.arange(n)
    return padded[rows, decision]


@dataclass
class SearchResult:
    decision: np.ndarray
    objective: float
    start_objective: float
    history: list[float] = field(default_factory=list)  # best objective after each generation
    evaluations: int = 0


def _initial_population(start: np.ndarray, population: int) -> np.ndarray:
    """x(0): ``start`` (N,) copied ``population`` times, or a (P, N) start used as given."""
    parents = np.atleast_2d(np.asarray(start, dtype=np.int64))
    return np.repeat(parents, population, axis=0) if parents.shape[0] == 1 else parents.copy()


def _greedy_selection(
    parents: np.ndarray,
    fitness: np.ndarray,
    evaluations: int,
    generations: int,
    propose: Callable[[int, np.ndarray], np.ndarray],
    evaluate: EvaluateFn,
) -> SearchResult:
    """The loop the searches share: per generation ``g``, ``propose(g, parents)`` gives one
    candidate per parent; a candidate replaces its parent only if strictly better (greedy
    selection, eq. 23 of paper 003). Unchanged candidates are not evaluated again."""
    first = float(fitness.min())
    history = []
    for g in range(generations):
        candidates = propose(g, parents)
        moved = (candidates != parents).any(axis=1)
        if moved.any():
            cand_fit = np.asarray(evaluate(candidates[moved]), dtype=np.float64)
            evaluations += int(moved.sum())
            better = cand_fit < fitness[moved]
            idx = np.flatnonzero(moved)[better]
            parents[idx] = candidates[idx]
            fitness[idx] = cand_fit[better]
        history.append(float(fitness.min()))
    best = int(np.argmin(fitness))
    return SearchResult(parents[best].copy(), float(fitness[best]), first, history, evaluations)


def levy_flight_search(
    start: np.ndarray,
    channel_gain: np.ndarray,
    evaluate: EvaluateFn,
    rng: np.random.Generator,
    *,
    population: int = 5,
    generations: int = 10,
    beta: float = 1.5,
    threshold: float = 0.4,
    step_scale: float | None = None,
    start_objective: float | None = None,
) -> SearchResult:
    """Algorithm 4 of paper 003: h-mutation, Lévy crossover, greedy selection.

    ``start`` (N,) or (P, N) ints in ``0..M``: the ensemble decision ``a^e`` copied into the
    population (x(0) of Algorithm 4). Per generation ``G = 0..Gmax-1`` with
    ``gamma = 2 - 2G/Gmax`` (eq. 21) and fresh steps ``d_i = eta |levy|``:

    * h-mutation (eq. 20): ``a_i`` is replaced by a uniform draw of ``0..M`` when
      ``gamma d_i`` exceeds IoTD i's normalised gain toward its current server;
    * Lévy crossover (eq. 22): the mutant's entry is kept only where ``gamma d_i > th``;
    * greedy selection (eq. 23): a candidate replaces its parent only if strictly better.

    The result is never worse than the best start (greedy selection).
    """
    h = np.asarray(channel_gain, dtype=np.float64)
    n, m = h.shape
    parents = _initial_population(start, population)
    if parents.shape[1] != n:
        raise ValueError(f"start has {parents.shape[1]} IoTDs, channel_gain has {n}")
    eta = auto_step_scale(n, beta) if step_scale is None else float(step_scale)
    if start_objective is not None and np.all(parents == parents[0]):
        fitness = np.full(parents.shape[0], float(start_objective))
        evaluations = 0
    else:
        fitness = np.asarray(evaluate(parents), dtype=np.float64)
        evaluations = parents.shape[0]

    def propose(g: int, parents: np.ndarray) -> np.ndarray:
        weight = 2.0 - 2.0 * g / generations
        steps = weight * eta * np.abs(mantegna_steps(rng, beta, parents.shape))
        mutate = steps > normalised_gain(h, parents)
        cross = steps > threshold
        change = mutate & cross
        return np.where(change, rng.integers(0, m + 1, parents.shape), parents)

    return _greedy_selection(parents, fitness, evaluations, generations, propose, evaluate)


def classic_levy_search(
    start: np.ndarray,
    n_servers: int,
    evaluate: EvaluateFn,
    rng: np.random.Generator,
    *,
    population: int = 5,
    generations: int = 10,
    beta: float = 1.5,
    step_scale: float = 1.0,
) -> SearchResult:
    """The classic Lévy flight of eq. (18), ``x(G) = x(G-1) + eta d``, rounded to ``0..M``.

    The comparison of Fig. 4 of paper 003: no channel information, every coordinate moves
    by a continuous Lévy step, greedy selection keeps the better of parent and child.
    """
    parents = _initial_population(start, population)
    fitness = np.asarray(evaluate(parents), dtype=np.float64)

    def propose(g: int, parents: np.ndarray) -> np.ndarray:
        moved = parents + step_scale * mantegna_steps(rng, beta, parents.shape)
        return np.clip(np.rint(moved), 0, n_servers).astype(np.int64)

    return _greedy_selection(parents, fitness, parents.shape[0], generations, propose, evaluate)


def epsilon_search(
    start: np.ndarray,
    n_servers: int,
    evaluate: EvaluateFn,
    rng: np.random.Generator,
    *,
    population: int = 5,
    generations: int = 10,
    epsilon: float = 0.02,
) -> SearchResult:
    """The epsilon-greedy exploration DIRS is compared with in Fig. 5 of paper 003.

    Same budget and greedy selection as the Lévy search, but each IoTD of a candidate is
    re-drawn uniformly in ``0..M`` with probability ``epsilon``, blind to the channel.
    """
    parents = _initial_population(start, population)
    fitness = np.asarray(evaluate(parents), dtype=np.float64)

    def propose(g: int, parents: np.ndarray) -> np.ndarray:
        flip = rng.random(parents.shape) < epsilon
        return np.where(flip, rng.integers(0, n_servers + 1, parents.shape), parents)

    return _greedy_selection(parents, fitness, parents.shape[0], generations, propose, evaluate)
