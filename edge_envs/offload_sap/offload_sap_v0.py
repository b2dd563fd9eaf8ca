"""PettingZoo view of OffloadSAP: one agent per device (``device_0`` ... ``device_{N-1}``).

Each agent observes its device (:mod:`edge_envs.offload_sap.observation`, the same vector as
the Gymnasium view) and acts with ``Discrete(Z + 1)`` (0 = local, ``z`` = server ``z - 1``).
A parallel step is one decision time: every live agent sends an action, and those of the agents
whose ``needs_decision`` entry (the first observation value, also their action mask) is 1 are
booked, in device order; the others are ignored. Usually one device decides per step; at
``t = 0`` in ``device`` mode they all do.

An agent's reward is ``-info["cost"]`` of its own device: the cost of its task booked in this
step plus the penalties of its tasks dropped or left unserved while the simulation ran on to
the next decision. Its ``info`` has the keys of the Gymnasium view for its own device
(``battery_j`` its battery); ``link_up`` and ``control_bytes`` are global.

An agent terminates, and leaves ``agents``, when its device has nothing left to decide: all its
tasks are booked or dropped, or its battery emptied (its remaining tasks are unserved).

Factories: :func:`parallel_env` (parallel API) and :func:`env` (AEC, via ``parallel_to_aec``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from gymnasium import spaces

from edge_envs.core.env_base import check_render_mode
from edge_envs.core.pz_env import METADATA, ModelParallelEnv, pettingzoo_factories
from edge_envs.offload_sap.gym_env import build_model, step_info
from edge_envs.offload_sap.observation import observation_bounds
from edge_envs.offload_sap.params import OffloadSAPParams

__all__ = ["OffloadSAPParallelEnv", "env", "parallel_env"]


class OffloadSAPParallelEnv(ModelParallelEnv):
    """One agent per device; see the module docstring. ``send_control`` and
    ``control_link_up`` are the hooks of the Gymnasium view."""

    metadata = {**METADATA, "name": "offload_sap_v0"}

    def __init__(
        self,
        scenario: str | OffloadSAPParams | None = None,
        render_mode: str | None = None,
        **overrides: Any,
    ) -> None:
        check_render_mode(render_mode, self.metadata["render_modes"])
        self.params, self.model = build_model(scenario, overrides)
        self.render_mode = render_mode
        self.possible_agents = [f"device_{i}" for i in range(self.params.n_devices)]
        self._index = {a: i for i, a in enumerate(self.possible_agents)}
        self.agents: list[str] = []
        low, high = observation_bounds(self.params)
        self.observation_spaces = {
            a: spaces.Box(low, high, dtype=np.float32) for a in self.possible_agents
        }
        self.action_spaces = {
            a: spaces.Discrete(self.params.n_actions) for a in self.possible_agents
        }

    # -- API ------------------------------------------------------------------------
    def reset(self, seed: int | None = None, options: dict | None = None):
        self.model.reset(self._model_entropy(seed))
        live = np.flatnonzero(self.model.active)
        # With no decision left at all (every task dropped), the agents stay for one step that
        # reports the penalties.
        self.agents = [self.possible_agents[i] for i in live] or list(self.possible_agents)
        return self._observations(), {a: {} for a in self.agents}

    def step(self, actions: dict[str, Any]):
        checked = self._checked_actions(actions)
        chosen = {a: int(c) for a, c in zip(self.agents, checked, strict=True)}
        model = self.model
        deciding = model.deciding()
        for i in deciding.tolist():
            model.decide(i, chosen[self.possible_agents[i]])
        more = model.advance() if deciding.size else False
        acc = model.settle()
        link_up = model.link_up
        control_bytes = model.take_control_bytes()
        agents = list(self.agents)
        observations = self._observations(agents)
        rewards, terminations, truncations, infos = {}, {}, {}, {}
        for a in agents:
            i = self._index[a]
            info = step_info(acc[:, i], float(model.battery_j[i]), link_up, control_bytes)
            infos[a] = info
            rewards[a] = -info["cost"]
            terminations[a] = not (more and model.active[i])
            truncations[a] = False
        self.agents = [a for a in agents if not terminations[a]]
        return observations, rewards, terminations, truncations, infos

    def render(self):
        if self.render_mode is None:
            return None
        from edge_envs.offload_sap.render import draw_model

        return draw_model(self.model)

    # -- hooks ------------------------------------------------------------------------
    def send_control(self, n_bytes: int) -> bool:
        """See :meth:`edge_envs.offload_sap.gym_env.OffloadSAPEnv.send_control`."""
        return self.model.send_control(n_bytes)

    @property
    def control_link_up(self) -> bool:
        return self.model.link_up

    # -- helpers ----------------------------------------------------------------------
    def _observations(self, agents: list[str] | None = None) -> dict[str, np.ndarray]:
        agents = self.agents if agents is None else agents
        rows = self.model.observe([self._index[a] for a in agents])
        return {a: rows[k] for k, a in enumerate(agents)}


parallel_env, env = pettingzoo_factories(OffloadSAPParallelEnv)
