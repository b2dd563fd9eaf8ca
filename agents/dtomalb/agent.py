"""DTOMALB (paper 002, sec. 4, Table 1): MADDPG with Gumbel-softmax over the users' discrete
offloading choices; DTOMA is the same agent on the reward with ``w2 = 0``.

* Actor ``mu_i`` of user ``i`` (decentralised, eq. 34): its own observation (``2M + 4``
  values, :func:`~agents.dtomalb.learner.split_observation`) -> ``M + 1`` logits; it acts by
  ``argmax`` at evaluation.
* Critic ``Q_i(x, a_1..a_N)`` of user ``i`` (centralised, eq. 35): the global state ``x``
  (the centralised observation) and every user's one-hot action -> user ``i``'s value.
* Critic target (eq. 35, line 16): ``y_i = r_i + gamma Q'_i(x', a'_1..a'_N)`` with
  ``a'_j`` the target actor ``mu'_j``'s choice (one-hot argmax) on ``o'_j``.
* Actor update (eq. 34, line 18): ascend ``Q_i`` through user ``i``'s own action, the
  straight-through Gumbel-softmax sample of its logits (the paper's Gumbel-softmax,
  ref. [17]), the other users' actions as stored; plus the usual small penalty on the
  logits (``logit_l2``, as in the MADDPG authors' discrete-action code).
* Exploration (line 10, ``a_i = mu_i + N_t``): Gumbel noise, i.e. sampling from the softmax
  of the logits; ``warmup`` uniformly random steps first.
* Target networks with soft update ``tau`` (line 20), one shared replay of
  ``(x, a_1..a_N, r_1..r_N, x')`` (line 13).

The N actors (and the N critics) are independent networks stored as one
:class:`agents.dirs.networks.AgentEnsemble` (stacked weights, one batched product: the same
computation as N separate networks), as MADDPG's actors on LargeScaleMEC.
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
import torch
from torch import nn

from agents.dirs.networks import AgentEnsemble
from agents.dtomalb.learner import MultiUserLearner
from agents.maddpg.agent import soft_update

DEFAULTS: dict[str, Any] = {
    "actor_lr": 1e-3,
    "critic_lr": 1e-3,
    "gamma": 0.95,
    "tau": 0.01,
    "buffer_size": 100_000,
    "batch_size": 64,
    "warmup": 1_000,
    "actor_hidden": (64, 64),
    "critic_hidden": (64, 64),
    "gumbel_temperature": 1.0,
    "logit_l2": 1e-3,
}


class DTOMALBAgent(MultiUserLearner):
    name = "dtomalb"
    DEFAULTS = DEFAULTS

    def _build(self) -> None:
        o = self.options
        n, a = self.n_users, self.n_actions
        self.actor = AgentEnsemble(n, (self.obs_size, *o["actor_hidden"], a), gain_skip=False)
        self.critic = AgentEnsemble(n, (self.state_size + n * a, *o["critic_hidden"], 1),
                                    gain_skip=False)
        self.actor_target = copy.deepcopy(self.actor)
        self.critic_target = copy.deepcopy(self.critic)
        self.actor_opt = torch.optim.Adam(self.actor.parameters(), lr=o["actor_lr"])
        self.critic_opt = torch.optim.Adam(self.critic.parameters(), lr=o["critic_lr"])
        # eye[i, j] = 1: in critic i's input, user j's action is i's own (policy) action.
        self._own = torch.eye(n)[None, :, :, None]

    def _networks(self) -> dict[str, nn.Module]:
        return {"actor": self.actor, "critic": self.critic}

    def _logits(self, states: np.ndarray) -> np.ndarray:
        with torch.no_grad():
            return self.actor(self.per_user(torch.from_numpy(states))).numpy()

    def _greedy(self, states: np.ndarray) -> np.ndarray:
        return self._logits(states).argmax(-1)

    def _explore(self, state, rng, fraction) -> np.ndarray:
        logits = self._logits(state[None])[0] / self.options["gumbel_temperature"]
        return (logits + rng.gumbel(size=logits.shape)).argmax(-1)

    def _q(self, critic: nn.Module, s: torch.Tensor, actions: torch.Tensor) -> torch.Tensor:
        """``(B, N)`` values ``Q_i(x, a)``; ``actions`` ``(B, N, N*A)``: critic i's actions."""
        x = torch.cat([s[:, None, :].expand(-1, self.n_users, -1), actions], dim=-1)
        return critic(x).squeeze(-1)

    def _update(self, s, a, r, s2, done) -> float:
        o = self.options
        n, na = self.n_users, self.n_actions
        onehot = nn.functional.one_hot(a, na).float()
        with torch.no_grad():
            a2 = nn.functional.one_hot(self.actor_target(self.per_user(s2)).argmax(-1), na)
            a2 = a2.float().flatten(1)[:, None, :].expand(-1, n, -1)
            y = r + o["gamma"] * (1.0 - done[:, None]) * self._q(self.critic_target, s2, a2)
        stored = onehot.flatten(1)[:, None, :].expand(-1, n, -1)
        critic_loss = nn.functional.mse_loss(self._q(self.critic, s, stored), y)
        self.critic_opt.zero_grad()
        critic_loss.backward()
        self.critic_opt.step()
        logits = self.actor(self.per_user(s))
        own = nn.functional.gumbel_softmax(logits, tau=o["gumbel_temperature"], hard=True)
        mixed = onehot[:, None] * (1.0 - self._own) + own[:, :, None] * self._own
        actor_loss = (-self._q(self.critic, s, mixed.flatten(2)).mean()
                      + o["logit_l2"] * logits.pow(2).mean())
        self.actor_opt.zero_grad()
        actor_loss.backward()
        self.actor_opt.step()
        soft_update(self.actor, self.actor_target, o["tau"])
        soft_update(self.critic, self.critic_target, o["tau"])
        return float(critic_loss.detach())
