"""The paper-000 protocol as runner jobs: the agent wrapper that measures during training.

Every job of ``edge-bench reproduce cluster`` is an ordinary runner job on ``EdgeCluster-v0``
with the env option ``layout_seed=r`` (round ``r``: one deployment of nodes and servers, the
layout of env seed ``r``; each reset seed then draws only the vehicle path), so training,
validation and the runner's evaluation episodes all happen on that deployment, as in sec.
5.4.1 of the paper. Evaluation is the runner's (:func:`agents.evaluation.evaluate`, the
system's ``eval_overrides`` select the held-out test part of the trace).

What the runner does not measure is added by :class:`HeldOutCurveAgent`, the factory of every
learning job: it wraps the registered agent (``inner``, a ``module:attr`` factory) and, while
the inner agent trains, records the *test* reward of its greedy policy on one fixed held-out
episode after every training episode (the paper's convergence metric, sec. 5.1). The
reproduction plays a VALIDATION seed (500) there, on the evaluation env (the held-out test
part of the trace): a path no score uses, so no episode of the runner's score is played
during training. The curve chooses nothing (the agents keep their own checkpoints). Its
``TrainResult.extra`` (stored as ``train_extra``) adds to the inner agent's own:

* ``test_curve``: ``[[training step, mean per-step test reward over curve_steps steps], ...]``;
* ``test_curve_s``: the seconds spent on it (left out of the training wall-clock);
* ``reward_curve``: the training reward, 200-step moving average, at most
  :data:`CURVE_POINTS` points (replaces the inner agent's per-step ``step_rewards``);
* ``lstm_accuracy``: for agents with an LSTM predictor, its next-direction accuracy on the
  test part of the trace against "repeat the last move".
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import gymnasium as gym
import numpy as np

from agents.base import ProgressFn, TrainResult
from agents.evaluation import evaluate
from benchmarks.reproduce.wrapper import WrappedAgent

CURVE_POINTS = 100
SMOOTH_WINDOW = 200


def reward_curve(step_rewards, window: int = SMOOTH_WINDOW,
                 points: int = CURVE_POINTS) -> list[list[float]]:
    """``[[step, moving average of the last window rewards], ...]``, at most ``points`` long.

    ``step`` counts the rewards up to and including the window (1-based). Shorter series than
    ``window`` give their running mean at the end only.
    """
    r = np.asarray(step_rewards, dtype=np.float64)
    if len(r) == 0:
        return []
    w = min(window, len(r))
    avg = np.convolve(r, np.ones(w) / w, mode="valid")
    ends = np.arange(w, len(r) + 1)
    keep = np.unique(np.linspace(0, len(avg) - 1, min(points, len(avg))).round().astype(int))
    return [[int(ends[i]), round(float(avg[i]), 5)] for i in keep]


class HeldOutCurveAgent(WrappedAgent):
    """Wraps a learning agent and records its test-reward curve while it trains.

    Config: ``inner`` (the wrapped agent's factory, ``module:attr``), ``curve_seed`` (the
    held-out episode, played on the runner's evaluation env: a curve point over the whole
    episode equals the runner's score of that seed), ``curve_steps`` (steps played per point,
    50) and the inner agent's own keyword arguments. Acting, saving and loading are
    the inner agent's (a saved model reloads as the inner agent).
    """

    name = "held-out-curve"

    def __init__(self, env: gym.Env, inner: str, curve_seed: int, curve_steps: int = 50,
                 **config: Any) -> None:
        from edge_envs.edge_cluster import SYSTEM

        super().__init__(env, inner=inner, curve_seed=curve_seed, curve_steps=curve_steps,
                         **config)
        self.wrap(env, inner, config)
        # The runner's evaluation env: the training params with the system's eval overrides.
        self.test_params = replace(env.unwrapped.params, **SYSTEM.eval_overrides)
        self.curve_seed, self.curve_steps = int(curve_seed), int(curve_steps)

    def test_curve_recorder(self) -> tuple[Callable[[int, float], None], list, list]:
        """``(progress, points, seconds)``: ``progress(step, _)`` appends one curve point."""
        from edge_envs.edge_cluster.gym_env import EdgeClusterEnv

        env = EdgeClusterEnv(self.test_params)
        points: list[list[float]] = []
        seconds = [0.0]

        def record(step: int, _value: float) -> None:
            t0 = time.perf_counter()
            out = evaluate(self.inner, env, [self.curve_seed], "reward",
                           max_steps=self.curve_steps)
            points.append([int(step), round(float(out["metrics"][0]), 6)])
            seconds[0] += time.perf_counter() - t0

        return record, points, seconds

    def train(self, make_env: Callable[[], gym.Env], budget_steps: int, seed: int,
              progress: ProgressFn | None = None) -> TrainResult:
        record, points, seconds = self.test_curve_recorder()

        def both(step: int, value: float) -> None:
            record(step, value)
            if progress is not None:
                progress(step, value)

        t0 = time.perf_counter()
        result = self.inner.train(make_env, budget_steps, seed, both)
        wall = (result.wall_clock_s or time.perf_counter() - t0) - seconds[0]
        extra = dict(result.extra)
        rewards = extra.pop("step_rewards", None)
        if rewards is not None:
            extra["reward_curve"] = reward_curve(rewards)
        extra["test_curve"] = points
        extra["test_curve_s"] = seconds[0]
        predictor = getattr(self.inner, "predictor", None)
        if predictor is not None:
            from edge_envs.edge_cluster.traces import load_trace

            test = load_trace(self.test_params.trace_name, "test")
            extra["lstm_accuracy"] = predictor.accuracy(test)
        return TrainResult(env_steps=result.env_steps, wall_clock_s=wall, curve=result.curve,
                           extra=extra)

