"""OffloadSAP-v0 baselines as agents: thin wrappers over ``edge_envs.offload_sap.baselines``.

What each agent reads:

* ``sap-local``: nothing (every task on its device).
* ``sap-fastest-server``: the scenario's nominal server speeds and link rates (static, known
  to any operator): every task to the server with the smallest uncongested
  ``S / link_z + D / speed_z``.
* ``sap-myopic``: the observation only: the cheapest action by the device's own state and the
  SAP's last (possibly stale) report, aged by its age field.
* ``sap-oracle`` (reference, ``privileged = True``): the true current state of
  ``env.unwrapped.model`` (bound in ``begin_episode``): the cheapest action by the exact
  booking of every option, with fresh state and a perfect link for its information (its
  actions still go through the scenario's decision site). A greedy choice, so a strong
  reference, not a bound: a policy that plans ahead can beat it. If the observation it is
  given is not that env's current one, it acts as ``sap-myopic`` (``fallbacks`` counts it).

Names carry the ``sap-`` prefix because agent names are global (``local`` is LargeScaleMEC's).
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np

from agents.base import Agent
from edge_envs.offload_sap import baselines as rules

ENV_ID = "OffloadSAP-v0"


class _SAPAgent(Agent):
    def __init__(self, env: gym.Env, **config: Any) -> None:
        super().__init__(env, **config)
        self.params = env.unwrapped.params


class LocalAgent(_SAPAgent):
    """Every task runs on its device (action 0)."""

    name = "sap-local"

    def act(self, observation):
        self.check_observation(observation)
        return 0


class FastestServerAgent(_SAPAgent):
    """Every task to the server with the smallest uncongested transfer plus processing time."""

    name = "sap-fastest-server"

    def __init__(self, env: gym.Env, **config: Any) -> None:
        super().__init__(env, **config)
        self._action = rules.fastest_server_action(self.params)

    def act(self, observation):
        self.check_observation(observation)
        return self._action


class MyopicAgent(_SAPAgent):
    """Cheapest action by what the deciding device observes (``observed_costs``)."""

    name = "sap-myopic"
    plans_with_model = True  # scores each option with the model's cost formulas

    def act(self, observation):
        return rules.myopic_action(self.check_observation(observation), self.params)


class OracleAgent(_SAPAgent):
    """Cheapest action on the env's true, fresh state (privileged; see the module docstring)."""

    name = "sap-oracle"
    privileged = True
    plans_with_model = True

    def __init__(self, env: gym.Env, **config: Any) -> None:
        super().__init__(env, **config)
        self._env = None
        self.fallbacks = 0

    def begin_episode(self, env: gym.Env) -> None:
        self._env = env.unwrapped

    def act(self, observation):
        obs = self.check_observation(observation)
        env = self._env
        device = -1 if env is None else env.deciding_device
        if device >= 0 and env.params == self.params:
            current = env.model.observe([device])[0]
            if np.array_equal(current, np.asarray(obs, dtype=np.float32)):
                return rules.oracle_action(env.model, device)
        self.fallbacks += 1
        return rules.myopic_action(obs, self.params)
