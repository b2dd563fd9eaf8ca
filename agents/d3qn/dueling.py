"""The paper's network type: a dueling Q-network with one head per cluster-core (paper 000).

The network maps an observation to ``Q[i, a]`` for every cluster-core ``i`` and each of its
seven actions ``a`` (output ``n x 7``, Table 2). Each head is a dueling head (eq. 3):
``Q[i, a] = V[i] + A[i, a] - mean_a' A[i, a']``. On the one-core-per-step view
(``action_mode="single"``) the same outputs are read as one head of ``7 n`` actions.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import gymnasium as gym
import numpy as np
import torch
from torch import nn

from agents.d3qn.network import QNetworks, relu_layers
from agents.d3qn.replay import ReplayBuffer

if TYPE_CHECKING:
    from agents.d3qn.config import D3QNConfig

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


class DuelingQNetworks(QNetworks):
    """The paper's network type: the observation in, ``n_heads x n_actions`` Q-values out.

    Input: the observation, without its ``M x M`` adjacency block unless
    ``config.use_adjacency`` (the block is constant within a layout and 97 % of the input at
    80 nodes). Replay stores the inputs of ``s`` and ``s'`` and the action of every head.
    """

    def __init__(self, env: gym.Env, n_heads: int, n_actions: int,
                 config: D3QNConfig, agent_name: str) -> None:
        full = np.arange(int(np.prod(env.observation_space.shape)))
        adjacency = np.zeros(len(full), dtype=bool)
        adjacency[env.unwrapped.observation_layout.adjacency] = True
        self.features = full if config.use_adjacency else full[~adjacency]
        self.obs_dim = int(len(self.features))
        self.n_heads = n_heads
        super().__init__(DuelingQNetwork(self.obs_dim, n_heads, n_actions),
                         DuelingQNetwork(self.obs_dim, n_heads, n_actions))

    def inputs(self, obs: np.ndarray, controller: Any) -> np.ndarray:
        return np.asarray(obs, dtype=np.float32)[self.features]

    def predicted_inputs(self, states: np.ndarray, controller: Any) -> np.ndarray:
        return states[:, self.features]

    def head_q(self, x: torch.Tensor) -> torch.Tensor:
        return self.q(x)

    def replay_buffer(self, capacity: int) -> ReplayBuffer:
        return ReplayBuffer(capacity, self.obs_dim, self.n_heads)

    def to_replay(self, x: np.ndarray, action: np.ndarray,
                  next_x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return x, next_x

    def q_taken(self, obs: torch.Tensor, action: torch.Tensor) -> torch.Tensor:
        return self.q(obs).gather(-1, action.unsqueeze(-1)).squeeze(-1)

    def next_inputs(self, next_obs: torch.Tensor) -> torch.Tensor:
        return next_obs
