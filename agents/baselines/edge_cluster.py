"""EdgeCluster-v0 baselines (paper 000, sec. 5.2) and the oracle reference, as agents.

The clustering math lives in ``edge_envs.edge_cluster.baselines``; these classes only adapt
it to the :class:`agents.base.Agent` interface.
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np

from agents.base import Agent
from edge_envs.edge_cluster.baselines import metis_labelling, oracle_actions, oracle_single_action
from edge_envs.edge_cluster.model import STAY


def _stay_action(action_space: gym.Space):
    """The action that keeps every core where it is (single mode: core 0 Stays)."""
    if isinstance(action_space, gym.spaces.MultiDiscrete):
        return np.full(action_space.shape, STAY, dtype=action_space.dtype)
    return STAY


class SCMWVCAgent(Agent):
    """SC-MWVC: cores fixed at the servers with weight 1, so the MWVC clusters of the
    initial state are kept for the whole episode (every core always Stays)."""

    name = "sc-mwvc"

    def act(self, observation: Any):
        self.check_observation(observation)
        stay = _stay_action(self.action_space)
        return stay.copy() if isinstance(stay, np.ndarray) else stay


class SCMETISAgent(SCMWVCAgent):
    """SC-METIS: a balanced METIS partition, matched to the servers, fixed for the episode.

    In ``begin_episode`` it reads the read-only layout of ``env.unwrapped`` (``adjacency``,
    ``node_positions``, ``server_positions``), partitions it and installs the labelling with
    ``env.unwrapped.set_labelling``; it then always Stays, so each cluster's head stays the
    member nearest to its server. Without ``begin_episode`` it behaves like SC-MWVC.
    """

    name = "sc-metis"

    def __init__(self, env: gym.Env, seed: int = 0) -> None:
        super().__init__(env, seed=seed)
        self.seed = int(seed)

    def begin_episode(self, env: gym.Env) -> None:
        base = env.unwrapped
        labels = metis_labelling(base.adjacency, base.node_positions, base.server_positions,
                                 seed=self.seed)
        base.set_labelling(labels)


class OracleAgent(Agent):
    """Privileged one-step oracle: knows the vehicles' next positions and picks the core
    actions that maximise the next reward, scoring candidates with the env model's own
    reward code (see ``edge_envs.edge_cluster.baselines.oracle_actions``): every joint
    action when ``7 ** n <= exhaustive_limit`` (n <= 4 by default, every paper scenario),
    else greedy coordinate search over the 7 actions per core for up to ``sweeps`` sweeps;
    in ``single`` mode always exhaustive over the ``7n`` actions.

    It maximises the next reward only: a reference for one-step play, not a proof of
    optimality over the episode (a planner could beat it).
    """

    name = "oracle"
    privileged = True
    plans_with_model = True

    def __init__(self, env: gym.Env, sweeps: int = 3, exhaustive_limit: int = 2401) -> None:
        super().__init__(env, sweeps=sweeps, exhaustive_limit=exhaustive_limit)
        if int(sweeps) < 1:
            raise ValueError(f"sweeps must be a positive integer, got {sweeps!r}")
        self.sweeps = int(sweeps)
        self.exhaustive_limit = int(exhaustive_limit)
        self._env = None

    def begin_episode(self, env: gym.Env) -> None:
        self._env = env.unwrapped

    def act(self, observation: Any):
        self.check_observation(observation)
        if self._env is None:
            raise RuntimeError("the oracle reads the env state: call begin_episode(env) first")
        model = self._env.model
        # None: the next positions (foresight); else the vehicles where they are now.
        positions = None if self.privileged else model.vehicle_positions
        if isinstance(self.action_space, gym.spaces.MultiDiscrete):
            actions = oracle_actions(model, self.sweeps, self.exhaustive_limit, positions)
            return actions.astype(self.action_space.dtype)
        return int(oracle_single_action(model, positions))


class GreedyLookaheadAgent(OracleAgent):
    """The oracle's search without its foresight: each step, the action of the env's own
    action space whose clustering scores best with the vehicles where they are NOW (every
    joint action for up to 4 servers in the default view, the ``7n`` one-core actions in
    ``single`` mode). A myopic controller that needs no future knowledge and does not learn;
    the paper does not compare against it. It reads the env's model only for the present:
    cores, weights, labels and sensed data are in the observation, node positions and links
    are deployment knowledge (as for SC-METIS), so it is not marked privileged."""

    name = "greedy-lookahead"
    privileged = False
