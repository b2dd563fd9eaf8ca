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

from edge_envs.core.env_base import check_render_mode
from edge_envs.core.pz_env import METADATA, ModelParallelEnv, pettingzoo_factories
from edge_envs.single_cell_mec.gym_env import ModelAttributes, build_model
from edge_envs.single_cell_mec.model import SlotOutcome
from edge_envs.single_cell_mec.observation import (
    agent_observation_size,
    observation_size,
    step_info,
)
from edge_envs.single_cell_mec.params import SingleCellMECParams

__all__ = ["SingleCellParallelEnv", "env", "parallel_env"]


class SingleCellParallelEnv(ModelAttributes, ModelParallelEnv):
    """One agent per user (``user_0`` ... ``user_{N-1}``); see the module docstring."""

    metadata = {**METADATA, "name": "single_cell_v0"}

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
        self.last_outcome: SlotOutcome | None = None

    def reset(self, seed: int | None = None, options: dict | None = None):
        self.model.reset(self._model_entropy(seed))
        self.agents = list(self.possible_agents)
        self.last_outcome = None
        return self._observations(), {a: {} for a in self.agents}

    def step(self, actions: dict[str, Any]):
        checked = self._checked_actions(actions)
        decision = np.array([int(a) for a in checked], dtype=np.int64)
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

    def _observations(self) -> dict[str, np.ndarray]:
        rows = self._encoder.per_agent(self.model.state)
        return {a: rows[n].copy() for n, a in enumerate(self.possible_agents)}


parallel_env, env = pettingzoo_factories(SingleCellParallelEnv)
