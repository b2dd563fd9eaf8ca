"""PettingZoo view of LargeScaleMEC: one agent per MEC server, combined by the paper's vote.

Agent ``mec_j`` observes its own column of normalised log-gains ``h_j`` (N values, the
encoding of :mod:`edge_envs.large_scale_mec.observation`) followed by the task entries of the
scenario (none for the paper's homogeneous tasks), and acts with ``Box(0, 1, (N,))``
offloading scores. IoTD ``i`` goes to the MEC with the highest score if it exceeds 0.5, else
runs locally (paper 003, sec. IV-C (5)). With ``allocation="agent"`` each agent's action is
``Box(0, 1, (3N,))``: scores, then compute shares and power fractions used for the IoTDs it
wins. The reward (shared by all agents) and ``info`` are those of the Gymnasium env
(both built by ``model.step_info``).
``state()`` returns the Gymnasium observation (all gains), for centralised critics.

Factories: :func:`parallel_env` (parallel API) and :func:`env` (AEC, via ``parallel_to_aec``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from gymnasium import spaces

from edge_envs.core.env_base import check_render_mode
from edge_envs.core.pz_env import METADATA, ModelParallelEnv, pettingzoo_factories
from edge_envs.large_scale_mec.model import (
    LargeScaleMECModel,
    SlotResult,
    reward_of,
    step_info,
    vote_decision,
)
from edge_envs.large_scale_mec.observation import (
    encode_gains,
    encode_observation,
    n_task_features,
    observation_size,
    task_features,
)
from edge_envs.large_scale_mec.params import LargeScaleMECParams
from edge_envs.registry import resolve_scenario

__all__ = ["LargeScaleMECParallelEnv", "env", "parallel_env"]


class LargeScaleMECParallelEnv(ModelParallelEnv):
    """One agent per MEC (``mec_0`` ... ``mec_{M-1}``); see the module docstring."""

    metadata = {**METADATA, "name": "large_scale_mec_v0"}

    def __init__(
        self,
        scenario: str | LargeScaleMECParams | None = None,
        render_mode: str | None = None,
        **overrides: Any,
    ) -> None:
        check_render_mode(render_mode, self.metadata["render_modes"])
        from edge_envs.large_scale_mec import SYSTEM

        self.params: LargeScaleMECParams = resolve_scenario(SYSTEM, scenario, overrides)
        self.model = LargeScaleMECModel(self.params)
        self.render_mode = render_mode
        p = self.params
        self.possible_agents = [f"mec_{j}" for j in range(p.n_mec)]
        self.agents: list[str] = []
        obs_len = p.n_iotd * (1 + n_task_features(p))
        act_len = p.n_iotd * (3 if p.allocation == "agent" else 1)
        self.observation_spaces = {
            a: spaces.Box(0.0, 1.0, (obs_len,), dtype=np.float32) for a in self.possible_agents
        }
        self.action_spaces = {
            a: spaces.Box(0.0, 1.0, (act_len,), dtype=np.float32) for a in self.possible_agents
        }
        self.state_space = spaces.Box(0.0, 1.0, (observation_size(p),), dtype=np.float32)
        self._last: SlotResult | None = None

    # -- API ------------------------------------------------------------------------
    def reset(self, seed: int | None = None, options: dict | None = None):
        self.model.reset(self._model_entropy(seed))
        self.agents = list(self.possible_agents)
        self._last = None
        return self._observations(), {a: {} for a in self.agents}

    def step(self, actions: dict[str, Any]):
        p = self.params
        acts = np.stack(self._checked_actions(actions))
        n = p.n_iotd
        decision = vote_decision(acts[:, :n])
        agent_allocation = None
        if p.allocation == "agent":
            owner = np.maximum(decision - 1, 0)
            rows = np.arange(n)
            agent_allocation = (acts[owner, n + rows], acts[owner, 2 * n + rows])
        result = self.model.evaluate(decision, agent_allocation=agent_allocation)
        self._last = result
        reward = float(reward_of(result.objective, p))
        info = step_info(result, self.model.slot)
        self.model.next_slot()
        truncated = self.model.slot >= p.episode_slots
        observations = self._observations()
        agents = list(self.agents)
        rewards = {a: reward for a in agents}
        terminations = {a: False for a in agents}
        truncations = {a: bool(truncated) for a in agents}
        infos = {a: dict(info) for a in agents}
        if truncated:
            self.agents = []
        return observations, rewards, terminations, truncations, infos

    def state(self) -> np.ndarray:
        """The single-agent observation (all gains and task entries)."""
        return encode_observation(self.model.state, self.params)

    def render(self):
        if self.render_mode is None:
            return None
        from edge_envs.large_scale_mec.render import draw_model

        return draw_model(self.model, self._last)

    # -- helpers --------------------------------------------------------------------
    def _observations(self) -> dict[str, np.ndarray]:
        state = self.model.state
        gains = encode_gains(state.channel_gain, self.params)  # (N, M) float32
        tasks = task_features(state, self.params)
        return {
            a: np.concatenate([gains[:, j], tasks]) for j, a in enumerate(self.possible_agents)
        }


parallel_env, env = pettingzoo_factories(LargeScaleMECParallelEnv)
