"""The one evaluation loop: play an agent on fixed seeds and record what the benchmark scores.

The benchmark runner, the reproduction reports and agents that validate during training (the
D3QN agents keep their best weights on validation episodes) all call :func:`evaluate`, so every
score in the suite comes from the same loop.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any

import numpy as np


def observation_digest(observation: Any) -> str:
    """Short stable hash of an observation (arrays, dicts and tuples of arrays)."""
    h = hashlib.sha1()

    def feed(obj: Any) -> None:
        if isinstance(obj, dict):
            for k in sorted(obj):
                h.update(str(k).encode())
                feed(obj[k])
        elif isinstance(obj, tuple | list):
            for item in obj:
                feed(item)
        else:
            arr = np.ascontiguousarray(np.asarray(obj))
            h.update(str(arr.dtype).encode() + str(arr.shape).encode())
            h.update(arr.tobytes())

    feed(observation)
    return h.hexdigest()[:16]


def evaluate(
    agent: Any,
    env: Any,
    eval_seeds: Iterable[int],
    paper_metric: str,
    max_steps: int | None = None,
) -> dict[str, list]:
    """Play one episode per evaluation seed; per-episode returns, metric means, steps."""
    returns, metrics, steps, first_obs = [], [], [], []
    for seed in eval_seeds:
        observation, _ = env.reset(seed=int(seed))
        first_obs.append(observation_digest(observation))
        agent.begin_episode(env)
        total, values, n, done = 0.0, [], 0, False
        while not done:
            action = agent.act(observation)
            observation, reward, terminated, truncated, info = env.step(action)
            reward = float(reward)
            total += reward
            n += 1
            if paper_metric == "reward":
                values.append(reward)
            elif paper_metric in info:
                values.append(float(info[paper_metric]))
            else:
                raise KeyError(
                    f"info has no paper metric {paper_metric!r} (keys: {sorted(info)})"
                )
            done = bool(terminated or truncated) or (max_steps is not None and n >= max_steps)
        returns.append(total)
        metrics.append(float(np.mean(values)))
        steps.append(n)
    return {"returns": returns, "metrics": metrics, "steps": steps, "first_obs": first_obs}
