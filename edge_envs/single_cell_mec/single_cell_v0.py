"""PettingZoo view of SingleCellMEC: one agent per user (paper 002's decentralised actors).

Agent ``user_n`` observes the shared start-of-slot load factors and server speeds followed by
its own task size, task work, local speed and uplink-rate estimate (``2M + 4`` values in
``[0, 1]``, :mod:`edge_envs.single_cell_mec.observation`) and acts with ``Discrete(M + 1)``
(0 = local, ``m`` = server ``m``). Its reward is its own eq. (20),
``-(w1 t_n + w2 var(LD))``; every agent's ``info`` is the Gymnasium env's ``info``.
``state()`` returns the centralised Gymnasium observation, for centralised critics.
The model, observation and ``info`` code are those of the Gymnasium env.

Factories: :func:`parallel_env` (parallel API) and :func:`env` (AEC, via ``parallel_to_aec``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from gymnasium import spaces
from gymnasium.utils import seeding
from pettingzoo import ParallelEnv
from pettingzoo.utils.conversions import parallel_to_aec

from edge_envs.core.env_base import check_action, check_render_mode
from edge_envs.core.seeding import entropy_from
from edge_envs.single_cell_mec.gym_env import ModelAttributes, build_model
from edge_envs.single_cell_mec.model import SlotOutcome
from edge_envs.single_cell_mec.observation import (
    agent_observation_size,
    observation_size,
    step_info,
)
from edge_envs.single_cell_mec.params import SingleCellMECParams

__all__ = ["SingleCellParallelEnv", "env", "parallel_env"]


def parallel_env(
    scenario: str | SingleCellMECParams | None = None,
    render_mode: str | None = None,
    **overrides: Any,
) -> SingleCellParallelEnv:
    """The parallel multi-agent env (see the module docstring)."""
    return SingleCellParallelEnv(scenario, render_mode=render_mode, **overrides)


def env(
    scenario: str | SingleCellMECParams | None = None,
    render_mode: str | None = None,
    **overrides: Any,
):
    """The AEC version of :func:`parallel_env` (PettingZoo's ``parallel_to_aec``)."""
    return parallel_to_aec(parallel_env(scenario, render_mode=render_mode, **overrides))


class SingleCellParallelEnv(ModelAttributes, ParallelEnv):
    """One agent per user (``user_0`` ... ``user_{N-1}``); see the module docstring."""

    metadata = {
        "render_modes": ["rgb_array"],
        "name": "single_cell_v0",
        "is_parallelizable": True,
        "render_fps": 4,
    }

    def __init__(
        self,
        scenario: str | SingleCellMECParams | None = None,
        render_mode: str | None = None,
        **overrides: Any,
    ) -> None:
        check_render_mode(render_mode, self.metadata["render_modes"])
        self.params, self.model, self._encoder = build_model(scenario, overrides)
        self.render_mode = render_mode
        p = self.params
        self.possible_agents = [f"user_{n}" for n in range(p.n_users)]
        self.agents: list[str] = []
        self.observation_spaces = {
            a: spaces.Box(0.0, 1.0, (agent_observation_size(p),), dtype=np.float32)
            for a in self.possible_agents
        }
        self.action_spaces = {a: spaces.Discrete(p.n_servers + 1) for a in self.possible_agents}
        self.state_space = spaces.Box(0.0, 1.0, (observation_size(p),), dtype=np.float32)
        self._np_random: np.random.Generator | None = None
        self.last_outcome: SlotOutcome | None = None

    def observation_space(self, agent: str) -> spaces.Box:
        return self.observation_spaces[agent]

    def action_space(self, agent: str) -> spaces.Discrete:
        return self.action_spaces[agent]

    def reset(self, seed: int | None = None, options: dict | None = None):
        if seed is not None or self._np_random is None:
            self._np_random, _ = seeding.np_random(seed)
        self.model.reset(entropy_from(self._np_random, seed))
        self.agents = list(self.possible_agents)
        self.last_outcome = None
        return self._observations(), {a: {} for a in self.agents}

    def step(self, actions: dict[str, Any]):
        if not self.agents:
            raise RuntimeError("step() called before reset() or after the episode ended; "
                               "call reset()")
        missing = [a for a in self.agents if a not in actions]
        if missing:
            raise ValueError(f"actions missing for agents {missing}")
        decision = np.array(
            [int(check_action(self.action_spaces[a], actions[a])) for a in self.agents],
            dtype=np.int64,
        )
        outcome = self.model.step(decision)
        self.last_outcome = outcome
        user_rewards = outcome.user_rewards(self.params)[0]
        agents = list(self.agents)
        truncated = self.model.slot >= self.params.episode_slots
        observations = self._observations()
        info = step_info(outcome)
        rewards = {a: float(r) for a, r in zip(agents, user_rewards, strict=True)}
        terminations = {a: False for a in agents}
        truncations = {a: truncated for a in agents}
        infos = {a: dict(info) for a in agents}
        if truncated:
            self.agents = []
        return observations, rewards, terminations, truncations, infos

    def state(self) -> np.ndarray:
        """The centralised Gymnasium observation."""
        return self._encoder.centralised(self.model.state)

    def render(self):
        if self.render_mode is None:
            return None
        from edge_envs.single_cell_mec.render import draw_model

        return draw_model(self.model, self.last_outcome)

    def close(self) -> None:
        pass

    def _observations(self) -> dict[str, np.ndarray]:
        rows = self._encoder.per_agent(self.model.state)
        return {a: rows[n].copy() for n, a in enumerate(self.possible_agents)}
