"""SingleCellMEC-v0 baselines and the per-slot optimum as agents: thin wrappers over
``edge_envs.single_cell_mec.baselines``.

What each agent reads:

* ``sc-local``: nothing (every user computes locally).
* ``sc-fixed-assign``: nothing (user ``i`` always goes to server ``i mod k + 1``).
* ``least-loaded``, ``greedy-delay``: the observation only, decoded with
  ``decode_observation`` (loads, server speeds, tasks, local speeds, uplink-rate estimates;
  exact up to ``float32`` rounding), so they are not privileged.
* ``slot-optimum`` (reference, ``privileged = True``): the env's true slot state
  (``env.unwrapped.model.state``, bound in ``begin_episode``), whose channel gains give the
  true upload rate for every number of uploaders. It maximises the slot's mean reward
  (exhaustively while ``(M + 1)^N <= exhaustive_limit``, else by the documented search).

All four are deterministic: no training, no random stream (the search's restarts use a fixed
seed), so ``state_dict`` is empty.
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np

from agents.base import Agent
from edge_envs.single_cell_mec import baselines as solvers
from edge_envs.single_cell_mec.observation import Observed, decode_observation


class _SingleCellAgent(Agent):
    """Shared plumbing: the scenario's params and the decoded observation."""

    def __init__(self, env: gym.Env, **config: Any) -> None:
        super().__init__(env, **config)
        self.params = env.unwrapped.params

    def _observed(self, observation) -> Observed:
        return decode_observation(self.check_observation(observation), self.params)


class SCLocalAgent(_SingleCellAgent):
    """Every user computes its own task (``local`` of the issue; the name ``local`` is
    LargeScaleMEC's)."""

    name = "sc-local"

    def act(self, observation):
        self.check_observation(observation)
        return solvers.local_decision(self.params.n_users)


class FixedAssignAgent(_SingleCellAgent):
    """User ``i`` always sends its task to server ``i mod k + 1``, whatever it observes: the
    yardstick a learner must beat on the quick board (``System.fixed_rule_agent``).

    Config: ``servers_used`` (``k``, ``None`` = all ``M`` servers; 1 sends everything to the
    base station's server, which needs no fibre hop).
    """

    name = "sc-fixed-assign"

    def __init__(self, env: gym.Env, servers_used: int | None = None, **config: Any) -> None:
        super().__init__(env, servers_used=servers_used, **config)
        m = self.params.n_servers
        k = m if servers_used is None else int(servers_used)
        if not 1 <= k <= m:
            raise ValueError(f"servers_used must be in [1, {m}] or None, got {servers_used!r}")
        self.decision = np.arange(self.params.n_users, dtype=np.int64) % k + 1

    def act(self, observation):
        self.check_observation(observation)
        return self.decision.copy()


class LeastLoadedAgent(_SingleCellAgent):
    """Users in turn take the server with the smallest load factor (never local)."""

    name = "least-loaded"

    def act(self, observation):
        return solvers.least_loaded_decision(self._observed(observation))


class GreedyDelayAgent(_SingleCellAgent):
    """Users in turn take the option with the lowest estimated delay given the loads so far."""

    name = "greedy-delay"
    plans_with_model = True  # scores each option with the model's delay formulas

    def act(self, observation):
        return solvers.greedy_delay_decision(self._observed(observation), self.params)


class SlotOptimumAgent(_SingleCellAgent):
    """The joint decision with the best mean reward in each slot, on the true slot state.

    Config: ``exhaustive_limit`` (50,000), ``restarts`` (16), ``polish`` (2), ``seed`` (0);
    see :func:`edge_envs.single_cell_mec.baselines.slot_optimum`. Myopic: the backlog a
    decision leaves to the next slot is not scored.
    """

    name = "slot-optimum"
    privileged = True
    plans_with_model = True

    def __init__(
        self,
        env: gym.Env,
        exhaustive_limit: int = solvers.EXHAUSTIVE_LIMIT,
        restarts: int = 16,
        polish: int = 2,
        seed: int = 0,
    ) -> None:
        super().__init__(env, exhaustive_limit=exhaustive_limit, restarts=restarts,
                         polish=polish, seed=seed)
        self._search = {"exhaustive_limit": int(exhaustive_limit), "restarts": int(restarts),
                        "polish": int(polish), "seed": int(seed)}
        self._env = None
        self.last_result: solvers.SlotOptimum | None = None

    def begin_episode(self, env: gym.Env) -> None:
        self._env = env.unwrapped

    def act(self, observation):
        self.check_observation(observation)
        if self._env is None:
            raise RuntimeError("slot-optimum reads the env state: call begin_episode(env) first")
        self.last_result = solvers.slot_optimum(self._env.model.state, self.params,
                                                **self._search)
        return np.asarray(self.last_result.decision, dtype=np.int64)
