"""What every system's PettingZoo parallel view shares.

A system's ``<name>_v0`` module subclasses :class:`ModelParallelEnv` (spaces per agent, seeding
of the model from ``reset(seed)``, the checks every ``step`` makes) and gets its two factories
from :func:`pettingzoo_factories`: ``parallel_env`` (parallel API) and ``env`` (AEC, through
PettingZoo's ``parallel_to_aec``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
from gymnasium import spaces
from gymnasium.utils import seeding
from pettingzoo import ParallelEnv
from pettingzoo.utils.conversions import parallel_to_aec

from edge_envs.core.env_base import check_action
from edge_envs.core.seeding import entropy_from

METADATA = {"render_modes": ["rgb_array"], "is_parallelizable": True, "render_fps": 4}


class ModelParallelEnv(ParallelEnv):
    """Base of the parallel views: subclasses fill ``observation_spaces``/``action_spaces``
    (dicts keyed by agent) and ``metadata["name"]``."""

    metadata = METADATA
    observation_spaces: dict[str, spaces.Space]
    action_spaces: dict[str, spaces.Space]
    _np_random: np.random.Generator | None = None

    def observation_space(self, agent: str) -> spaces.Space:
        return self.observation_spaces[agent]

    def action_space(self, agent: str) -> spaces.Space:
        return self.action_spaces[agent]

    def _model_entropy(self, seed: int | None) -> int:
        """The model's reset entropy: from ``seed``, or the next draw of the env's generator
        when ``reset`` is called without one (as Gymnasium envs do)."""
        if seed is not None or self._np_random is None:
            self._np_random, _ = seeding.np_random(seed)
        return entropy_from(self._np_random, seed)

    def _checked_actions(self, actions: Mapping[str, Any]) -> list[Any]:
        """The live agents' actions in ``agents`` order, each checked against its space."""
        if not self.agents:
            raise RuntimeError("step() called before reset() or after the episode ended; "
                               "call reset()")
        missing = [a for a in self.agents if a not in actions]
        if missing:
            raise ValueError(f"actions missing for agents {missing}")
        return [check_action(self.action_spaces[a], actions[a]) for a in self.agents]

    def close(self) -> None:
        pass


def pettingzoo_factories(
    cls: type[ModelParallelEnv],
) -> tuple[Callable[..., ModelParallelEnv], Callable[..., Any]]:
    """``(parallel_env, env)`` for a parallel view class taking ``(scenario, render_mode,
    **overrides)``."""

    def parallel_env(scenario=None, render_mode: str | None = None, **overrides: Any):
        """The parallel multi-agent env (see the module docstring)."""
        return cls(scenario, render_mode=render_mode, **overrides)

    def env(scenario=None, render_mode: str | None = None, **overrides: Any):
        """The AEC version of ``parallel_env`` (PettingZoo's ``parallel_to_aec``)."""
        return parallel_to_aec(parallel_env(scenario, render_mode=render_mode, **overrides))

    return parallel_env, env
