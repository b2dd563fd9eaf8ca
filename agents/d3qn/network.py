"""What both D3QN network types share: the double-DQN target, the ReLU layers and the
:class:`QNetworks` interface each network type implements (paper 000, sec. 4.1).

Network types: :class:`agents.d3qn.dueling.DuelingQNetworks` (the paper's, Table 2) and
:class:`agents.d3qn.afterstate.AfterstateQNetworks` (ours). The agent's training loop
(:mod:`agents.d3qn.agent`) calls only the methods of :class:`QNetworks`, so it reads the same
for both.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, ClassVar

import numpy as np
import torch
from torch import nn

from agents.d3qn.expected import expected_q_action
from agents.d3qn.replay import ReplayBuffer


def relu_layers(n_inputs: int, hidden: tuple[int, ...]) -> tuple[list[nn.Module], int]:
    """``Linear -> ReLU`` for each hidden width, and the last width."""
    layers: list[nn.Module] = []
    width = n_inputs
    for h in hidden:
        layers += [nn.Linear(width, h), nn.ReLU()]
        width = h
    return layers, width


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


class QNetworks(ABC):
    """The online and the target Q-network of one network type, and how they are fed.

    A subclass is built as ``cls(env, n_heads, n_actions, config, agent_name)`` (``config``
    a :class:`agents.d3qn.config.D3QNConfig`) and owns what differs between network types:
    the network input for an observation (:meth:`inputs`) and for eq. 6's predicted states
    (:meth:`predicted_inputs`), what replay stores (:meth:`replay_buffer`,
    :meth:`to_replay`), the Q-values of the stored actions (:meth:`q_taken`) and of the next
    states (:meth:`next_inputs`). Acting, the double-DQN target, eq. 6 and the weights'
    persistence are written once here on top of them.

    Attributes:
        q, q_target: the online and the target network.
    """

    needs_controller: ClassVar[bool] = False
    """``True`` when :meth:`inputs` needs the env's controller (``begin_episode`` keeps it)."""

    def __init__(self, q: nn.Module, q_target: nn.Module) -> None:
        self.q, self.q_target = q, q_target
        self.sync_target()

    # -- what a network type defines -------------------------------------------------------
    @abstractmethod
    def inputs(self, obs: np.ndarray, controller: Any) -> np.ndarray:
        """The network input for one observation; ``controller`` is the env's model in the
        state ``obs`` describes (``None`` when :attr:`needs_controller` is false and the
        scenario does not observe the lookahead)."""

    @abstractmethod
    def predicted_inputs(self, states: np.ndarray, controller: Any) -> np.ndarray:
        """The network inputs of eq. 6's ``K`` predicted states ``(K, obs_dim)``."""

    @abstractmethod
    def head_q(self, x: torch.Tensor) -> torch.Tensor:
        """``(B, n_heads, n_actions)`` online Q-values for a batch of ``B`` inputs."""

    @abstractmethod
    def replay_buffer(self, capacity: int) -> ReplayBuffer:
        """An empty replay of ``capacity`` transitions in this type's stored encoding."""

    @abstractmethod
    def to_replay(self, x: np.ndarray, action: np.ndarray,
                  next_x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """What replay stores for the step ``x --action--> next_x`` (network inputs)."""

    @abstractmethod
    def q_taken(self, obs: torch.Tensor, action: torch.Tensor) -> torch.Tensor:
        """``(B, n_heads)`` online Q-values of the stored actions of a replay batch."""

    @abstractmethod
    def next_inputs(self, next_obs: torch.Tensor) -> torch.Tensor:
        """The stored next entries of a replay batch as inputs whose Q-values are
        ``(B, n_heads, n_actions)``."""

    # -- shared on top of them -------------------------------------------------------------
    @torch.no_grad()
    def greedy(self, x: np.ndarray) -> np.ndarray:
        """Greedy action per head for the network input ``x`` (see :meth:`inputs`)."""
        return self.head_q(torch.as_tensor(x)[None])[0].argmax(dim=-1).numpy().astype(np.int64)

    @torch.no_grad()
    def expected_action(self, states: np.ndarray, probs: np.ndarray,
                        controller: Any) -> np.ndarray:
        """Eq. 6: per head, ``argmax_a sum_k P_k Q(s^k, a)`` over the predicted states."""
        q = self.head_q(torch.as_tensor(self.predicted_inputs(states, controller)))
        return expected_q_action(q, torch.as_tensor(probs)).numpy().astype(np.int64)

    def td_target(self, reward: torch.Tensor, done: torch.Tensor, next_obs: torch.Tensor,
                  discount: torch.Tensor) -> torch.Tensor:
        """Double-DQN target (eqs. 4-5) of a replay batch, ``(B, n_heads)``."""
        x = self.next_inputs(next_obs)
        return double_dqn_target(reward, done, self.q(x), self.q_target(x), discount)

    def sync_target(self) -> None:
        """Hard update: the target network takes the online network's weights."""
        self.q_target.load_state_dict(self.q.state_dict())

    def state_dict(self) -> dict[str, torch.Tensor]:
        """A copy of the online network's weights (all that acting needs)."""
        return {k: v.clone() for k, v in self.q.state_dict().items()}

    def load_state_dict(self, weights: dict[str, torch.Tensor]) -> None:
        """Load ``weights`` (from :meth:`state_dict`) into both networks."""
        self.q.load_state_dict(weights)
        self.q_target.load_state_dict(weights)
        self.q.eval()
