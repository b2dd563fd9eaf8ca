"""Prioritised replay buffer of DIRS (paper 003, sec. IV-C (6), eq. (15)).

Transitions are ``(agent inputs x (M, N), refined decision a* (N,))``. The demonstrations
of the imitation stage stay in the buffer for good (as in DQfD, which the paper follows); the
agent-generated pairs fill the rest and overwrite the oldest agent pair once it is full.
Sampling probability ``P_i = w_i^tau / sum_k w_k^tau`` with ``w_i = |delta_i| + eps``, where
``delta_i`` is the mean loss of all agents on transition ``i`` the last time it was used and
``eps = eps_D`` for demonstrations, ``eps_A`` for agent data. New transitions get the highest
current priority so that each is seen at least once soon.
"""

from __future__ import annotations

import numpy as np


class PrioritisedReplay:
    def __init__(
        self,
        capacity: int,
        input_shape: tuple[int, ...],
        n_iotd: int,
        *,
        eps_agent: float = 0.08,
        eps_demo: float = 0.02,
        tau: float = 0.6,
    ) -> None:
        if capacity < 1:
            raise ValueError(f"capacity must be >= 1, got {capacity}")
        self.capacity = int(capacity)
        self.inputs = np.zeros((capacity, *input_shape), dtype=np.float32)
        self.decisions = np.zeros((capacity, n_iotd), dtype=np.int64)
        self.is_demo = np.zeros(capacity, dtype=bool)
        self.loss = np.zeros(capacity, dtype=np.float64)
        self.eps_agent = float(eps_agent)
        self.eps_demo = float(eps_demo)
        self.tau = float(tau)
        self.size = 0
        self.n_demo = 0
        self._next_agent = 0  # ring position among the agent slots

    def __len__(self) -> int:
        return self.size

    def _initial_loss(self) -> float:
        return float(self.loss[: self.size].max()) if self.size else 1.0

    def add(self, inputs: np.ndarray, decision: np.ndarray, demo: bool = False) -> int:
        """Store one pair; returns its slot. Demonstrations must come before agent data."""
        if demo:
            if self.n_demo != self.size:
                raise ValueError("demonstrations must be added before agent-generated data")
            if self.size >= self.capacity:
                raise ValueError(f"replay full ({self.capacity}) of demonstrations")
            slot = self.size
            self.n_demo += 1
            self.size += 1
        else:
            ring = self.capacity - self.n_demo
            if ring <= 0:
                raise ValueError("no room for agent data: the buffer holds only demonstrations")
            slot = self.n_demo + self._next_agent
            self._next_agent = (self._next_agent + 1) % ring
            self.size = min(self.size + 1, self.capacity)
        self.loss[slot] = self._initial_loss()
        self.inputs[slot] = inputs
        self.decisions[slot] = decision
        self.is_demo[slot] = demo
        return slot

    def probabilities(self) -> np.ndarray:
        """Eq. (15) over the stored transitions."""
        eps = np.where(self.is_demo[: self.size], self.eps_demo, self.eps_agent)
        w = (np.abs(self.loss[: self.size]) + eps) ** self.tau
        return w / w.sum()

    def sample(self, rng: np.random.Generator, batch_size: int) -> np.ndarray:
        """Indices of a minibatch drawn by priority (with replacement)."""
        if self.size == 0:
            raise ValueError("cannot sample from an empty replay buffer")
        return rng.choice(self.size, size=batch_size, replace=True, p=self.probabilities())

    def update_loss(self, indices: np.ndarray, losses: np.ndarray) -> None:
        self.loss[indices] = losses

    def state_dict(self) -> dict:
        return {k: getattr(self, k) for k in (
            "inputs", "decisions", "is_demo", "loss", "size", "n_demo", "_next_agent")}

    def load_state_dict(self, state: dict) -> None:
        for key, value in state.items():
            setattr(self, key, value)
