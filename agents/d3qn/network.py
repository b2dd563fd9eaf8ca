"""Dueling Q-network with one head per cluster-core and the double-DQN target (paper 000).

The network maps an observation to ``Q[i, a]`` for every cluster-core ``i`` and each of its
seven actions ``a`` (output ``n x 7``, Table 2). Each head is a dueling head (eq. 3):
``Q[i, a] = V[i] + A[i, a] - mean_a' A[i, a']``.
"""

from __future__ import annotations

import torch
from torch import nn

HIDDEN = (600, 300, 150)
"""Hidden layers of the D3QN model (Table 2)."""


def dueling_aggregate(value: torch.Tensor, advantage: torch.Tensor) -> torch.Tensor:
    """Eq. (3) of paper 000 per head: ``Q = V + A - mean(A)``.

    Args:
        value: ``(batch, n_heads)``.
        advantage: ``(batch, n_heads, n_actions)``.
    Returns:
        ``(batch, n_heads, n_actions)`` Q-values.
    """
    return value.unsqueeze(-1) + advantage - advantage.mean(dim=-1, keepdim=True)


def relu_layers(n_inputs: int, hidden: tuple[int, ...]) -> tuple[list[nn.Module], int]:
    """``Linear -> ReLU`` for each hidden width, and the last width."""
    layers: list[nn.Module] = []
    width = n_inputs
    for h in hidden:
        layers += [nn.Linear(width, h), nn.ReLU()]
        width = h
    return layers, width


class DuelingQNetwork(nn.Module):
    """MLP trunk 600-300-150 (ReLU), then a value and an advantage stream per head."""

    def __init__(
        self, obs_dim: int, n_heads: int, n_actions: int, hidden: tuple[int, ...] = HIDDEN
    ) -> None:
        super().__init__()
        layers, width = relu_layers(obs_dim, hidden)
        self.trunk = nn.Sequential(*layers)
        self.value = nn.Linear(width, n_heads)
        self.advantage = nn.Linear(width, n_heads * n_actions)
        self.n_heads = n_heads
        self.n_actions = n_actions

    def forward(self, obs: torch.Tensor) -> torch.Tensor:
        z = self.trunk(obs)
        adv = self.advantage(z).view(-1, self.n_heads, self.n_actions)
        return dueling_aggregate(self.value(z), adv)


def double_dqn_target(
    reward: torch.Tensor,
    done: torch.Tensor,
    q_next_online: torch.Tensor,
    q_next_target: torch.Tensor,
    gamma: float | torch.Tensor,
) -> torch.Tensor:
    """Double-DQN target (eqs. 4-5 of paper 000; van Hasselt et al.) for every head.

    The online network picks ``a* = argmax_a Q_online(s', a)`` per head; the target network
    evaluates it: ``y = r + gamma * (1 - done) * Q_target(s', a*)``. The reward is shared by
    all heads (one env reward per step).

    Args:
        reward, done: ``(batch,)``; ``done`` is 1 for terminal transitions (not truncations).
        gamma: the discount, a float or a ``(batch,)`` tensor (``gamma**k`` for the k-step
            returns of an n-step replay).
        q_next_online, q_next_target: ``(batch, n_heads, n_actions)``.
    Returns:
        ``(batch, n_heads)`` targets.
    """
    best = q_next_online.argmax(dim=-1, keepdim=True)
    q_eval = q_next_target.gather(-1, best).squeeze(-1)
    if isinstance(gamma, torch.Tensor):
        gamma = gamma.unsqueeze(-1)
    return reward.unsqueeze(-1) + gamma * (1.0 - done.unsqueeze(-1)) * q_eval
