"""The paper-002 protocol as runner jobs: the agent wrapper that measures what the runner
does not (``edge-bench reproduce single-cell``).

Every job's factory is :class:`MeasuredAgent`, which wraps the registered agent (``inner``,
a ``module:attr`` factory) and adds to its ``TrainResult.extra`` (stored as ``train_extra``):

* ``validation_curve``: after every ``curve_every``-th training episode (the inner agent's
  ``progress`` calls), the greedy policy plays the *validation* episodes (seeds
  ``validation_seeds``, 900, 901, ...: disjoint from the training seeds and from the
  runner's evaluation seeds 1000, ...): ``[[training step, utility, mean delay s], ...]``;
* ``validation_curve_s``: the seconds spent on it (left out of the training wall-clock);
* ``final``: after training, the policy on the runner's evaluation episodes (``final_seeds``,
  the job's evaluation seeds) with per-server figures: utility, mean delay, ``var(LD)``,
  users computing locally, and per server the mean load factor (eq. 18) and mean task count
  per slot (Fig. 8).

Utilities here are the mean per-slot reward (the users' mean, eq. 20) with the load-balance
weight ``w2`` given to the wrapper (the paper's ``w2 = 1``), whatever reward the agent trains
on: DTOMA trains and is scored by the runner with ``w2 = 0``; these measurements put it on
the same load-balanced utility (and the same delays) as the others (Fig. 6).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

import gymnasium as gym
import numpy as np

from agents.base import Agent, ProgressFn, TrainResult
from benchmarks.reproduce.wrapper import WrappedAgent

VALIDATION_SEED_BASE = 900


def play(agent: Agent, env: gym.Env, seeds: Sequence[int]) -> dict[str, Any]:
    """Greedy episodes of ``agent`` on ``env`` (a ``SingleCellMECEnv``), one per seed: the
    means per slot over all of them, per server for the load factors and task counts."""
    rewards, delays, variances, local, loads, counts = [], [], [], [], [], []
    for seed in seeds:
        obs, _ = env.reset(seed=int(seed))
        agent.begin_episode(env)
        done = False
        while not done:
            obs, reward, terminated, truncated, info = env.step(agent.act(obs))
            rewards.append(float(reward))
            delays.append(info["mean_delay_s"])
            variances.append(info["load_variance"])
            local.append(info["n_local"])
            loads.append(info["load_factors"])
            counts.append(info["server_task_counts"])
            done = bool(terminated or truncated)
    return {
        "utility": round(float(np.mean(rewards)), 6),
        "mean_delay_s": round(float(np.mean(delays)), 6),
        "load_variance": round(float(np.mean(variances)), 6),
        "n_local": round(float(np.mean(local)), 4),
        "load_factors_s": [round(float(v), 6) for v in np.mean(loads, axis=0)],
        "task_counts": [round(float(v), 4) for v in np.mean(counts, axis=0)],
    }


class MeasuredAgent(WrappedAgent):
    """Wraps an agent; records its validation curve and its final per-server figures.

    Config: ``inner`` (the wrapped agent's factory), ``final_seeds`` (the job's evaluation
    seeds), ``validation_seeds`` (default 900, 901), ``curve_every`` (training episodes per
    curve point, 1), ``w2`` (the load-balance weight of the measured utility, 1.0) and the
    inner agent's own keyword arguments. Acting, saving and loading are the inner agent's
    (a saved model reloads as the inner agent; see
    :class:`~benchmarks.reproduce.wrapper.WrappedAgent`).
    """

    name = "sc-measured"

    def __init__(self, env: gym.Env, inner: str, final_seeds: Sequence[int],
                 validation_seeds: Sequence[int] = (VALIDATION_SEED_BASE,
                                                    VALIDATION_SEED_BASE + 1),
                 curve_every: int = 1, w2: float = 1.0, **config: Any) -> None:
        super().__init__(env, inner=inner, final_seeds=list(final_seeds),
                         validation_seeds=list(validation_seeds), curve_every=curve_every,
                         w2=w2, **config)
        self.wrap(env, inner, config)
        self.measure_params = replace(env.unwrapped.params, w2=float(w2))
        self.final_seeds = [int(s) for s in final_seeds]
        self.validation_seeds = [int(s) for s in validation_seeds]
        if set(self.validation_seeds) & set(self.final_seeds):
            raise ValueError("validation seeds must differ from the evaluation seeds")
        self.curve_every = max(1, int(curve_every))

    def _env(self) -> gym.Env:
        from edge_envs.single_cell_mec.gym_env import SingleCellMECEnv

        return SingleCellMECEnv(self.measure_params)

    def train(self, make_env: Callable[[], gym.Env], budget_steps: int, seed: int,
              progress: ProgressFn | None = None) -> TrainResult:
        env = self._env()
        points: list[list[float]] = []
        seconds = [0.0]
        calls = [0]

        def record(step: int, value: float) -> None:
            calls[0] += 1
            if calls[0] % self.curve_every == 0:
                t0 = time.perf_counter()
                out = play(self.inner, env, self.validation_seeds)
                points.append([int(step), out["utility"], out["mean_delay_s"]])
                seconds[0] += time.perf_counter() - t0
            if progress is not None:
                progress(step, value)

        t0 = time.perf_counter()
        result = self.inner.train(make_env, budget_steps, seed, record)
        wall = (result.wall_clock_s or time.perf_counter() - t0) - seconds[0]
        extra = dict(result.extra)
        extra["validation_curve"] = points
        extra["validation_curve_s"] = round(seconds[0], 3)
        extra["final"] = play(self.inner, env, self.final_seeds)
        return TrainResult(env_steps=result.env_steps, wall_clock_s=wall, curve=result.curve,
                           extra=extra)
