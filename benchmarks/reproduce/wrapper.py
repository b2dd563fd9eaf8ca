"""The base of the reproductions' measuring wrappers.

A reproduction that measures more than the runner's score (a held-out curve during training,
per-slot costs, act-time ablations) wraps a registered agent in an agent of its own. The
wrapper is built like any agent (``factory(env, inner="module:attr", **config)``), builds the
wrapped agent from its factory with the remaining config, and passes on what the runner and
the leaderboard read of it: ``learns``, ``privileged``, ``plans_with_model``, acting and saving
(a saved model reloads as the wrapped agent).
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym

from agents.base import Agent


class WrappedAgent(Agent):
    """Subclasses call :meth:`wrap` in ``__init__`` and override ``train`` (and ``act``)."""

    inner: Agent

    def wrap(self, env: gym.Env, inner: str, config: dict[str, Any]) -> None:
        """Build the wrapped agent ``inner`` (``module:attr``) with ``config``."""
        from benchmarks.runner import load_factory

        self.inner = load_factory(inner)(env, **config)
        self.learns = bool(getattr(self.inner, "learns", False))
        self.privileged = bool(getattr(self.inner, "privileged", False))
        self.plans_with_model = bool(getattr(self.inner, "plans_with_model", False))

    def begin_episode(self, env: gym.Env) -> None:
        self.inner.begin_episode(env)

    def act(self, observation: Any) -> Any:
        return self.inner.act(observation)

    def save(self, path):
        return self.inner.save(path)
