"""The DQN comparisons of paper 002's Fig. 5, both on the load-balanced reward (eq. 20).

* IDQL-TOLB (independent DQN learners, ref. [14]): each user ``i`` has its own Q-network on
  its own observation (``2M + 4`` values) -> ``M + 1`` values, learns from its own reward
  ``r_i`` and treats the others as part of the environment.
* DQN-TOLB (one centralised DQN): a single network on the centralised observation. A flat
  output over the ``(M + 1)^N`` joint actions (about 6e7 at 10 users and 5 servers) is
  intractable, so the output is factored into ``N`` heads of ``M + 1`` values, one per user
  (as in action-branching networks, Tavakoli et al. 2018): the joint greedy action is every
  head's argmax, each head is trained on the system reward (the users' mean reward, the
  Gymnasium env's reward) with its own double-DQN target.

Both: double-DQN targets (:func:`agents.d3qn.network.double_dqn_target`), soft-updated
target networks, epsilon-greedy exploration per user with epsilon decaying linearly from
``eps_start`` to ``eps_end`` over ``eps_fraction`` of the budget.
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
import torch
from torch import nn

from agents.d3qn.network import double_dqn_target, relu_layers
from agents.dirs.networks import AgentEnsemble
from agents.dtomalb.learner import MultiUserLearner
from agents.maddpg.agent import soft_update

DQN_DEFAULTS: dict[str, Any] = {
    "lr": 1e-3,
    "gamma": 0.95,
    "tau": 0.01,
    "buffer_size": 100_000,
    "batch_size": 64,
    "warmup": 1_000,
    "hidden": (64, 64),
    "eps_start": 1.0,
    "eps_end": 0.05,
    "eps_fraction": 0.5,
}


class _DQNBase(MultiUserLearner):
    DEFAULTS = DQN_DEFAULTS

    def _build(self) -> None:
        self.q = self._make_net()
        self.q_target = copy.deepcopy(self.q)
        self.opt = torch.optim.Adam(self.q.parameters(), lr=self.options["lr"])

    def _make_net(self) -> nn.Module:
        raise NotImplementedError

    def _values(self, net: nn.Module, s: torch.Tensor) -> torch.Tensor:
        """``(B, N, M + 1)`` Q-values of every user's options."""
        raise NotImplementedError

    def _networks(self) -> dict[str, nn.Module]:
        return {"q": self.q}

    def _greedy(self, states: np.ndarray) -> np.ndarray:
        with torch.no_grad():
            return self._values(self.q, torch.from_numpy(states)).argmax(-1).numpy()

    def _explore(self, state, rng, fraction) -> np.ndarray:
        o = self.options
        eps = o["eps_end"] + (o["eps_start"] - o["eps_end"]) * max(
            0.0, 1.0 - fraction / o["eps_fraction"])
        action = self._greedy(state[None])[0]
        random = rng.random(self.n_users) < eps
        return np.where(random, rng.integers(0, self.n_actions, self.n_users), action)

    def _targets(self, r, done, q_next_online, q_next_target) -> torch.Tensor:
        raise NotImplementedError

    def _update(self, s, a, r, s2, done) -> float:
        o = self.options
        with torch.no_grad():
            y = self._targets(r, done, self._values(self.q, s2), self._values(self.q_target, s2))
        q = self._values(self.q, s).gather(-1, a[..., None]).squeeze(-1)
        loss = nn.functional.mse_loss(q, y)
        self.opt.zero_grad()
        loss.backward()
        self.opt.step()
        soft_update(self.q, self.q_target, o["tau"])
        return float(loss.detach())


class IDQLTOLBAgent(_DQNBase):
    """Independent DQN per user (see the module docstring)."""

    name = "idql-tolb"

    def _make_net(self) -> nn.Module:
        return AgentEnsemble(self.n_users, (self.obs_size, *self.options["hidden"],
                                            self.n_actions), gain_skip=False)

    def _values(self, net, s):
        return net(self.per_user(s))

    def _targets(self, r, done, q_next_online, q_next_target):
        # Each user bootstraps on its own reward r_i (the shared-reward argument is zero).
        zero = torch.zeros_like(done)
        return r + double_dqn_target(zero, done, q_next_online, q_next_target,
                                     self.options["gamma"])


class DQNTOLBAgent(_DQNBase):
    """One centralised DQN with one output head per user (see the module docstring)."""

    name = "dqn-tolb"

    def _make_net(self) -> nn.Module:
        layers, width = relu_layers(self.state_size, tuple(self.options["hidden"]))
        return nn.Sequential(*layers, nn.Linear(width, self.n_users * self.n_actions))

    def _values(self, net, s):
        return net(s).view(-1, self.n_users, self.n_actions)

    def _targets(self, r, done, q_next_online, q_next_target):
        return double_dqn_target(r.mean(dim=1), done, q_next_online, q_next_target,
                                 self.options["gamma"])
