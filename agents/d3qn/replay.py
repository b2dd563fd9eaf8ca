"""Uniform experience replay (numpy ring buffer).

Observations are stored as ``float16``: EdgeCluster's observation is dominated by the 0/1
adjacency matrix (``M^2`` entries), so half precision halves the memory at no loss there.
"""

from __future__ import annotations

import numpy as np


class ReplayBuffer:
    """Ring buffer of ``(obs, action, reward, next_obs, done)`` transitions."""

    def __init__(self, capacity: int, obs_dim: int, n_heads: int) -> None:
        if capacity < 1:
            raise ValueError(f"capacity must be >= 1, got {capacity}")
        self.capacity = int(capacity)
        self.obs = np.zeros((capacity, obs_dim), dtype=np.float16)
        self.next_obs = np.zeros((capacity, obs_dim), dtype=np.float16)
        self.action = np.zeros((capacity, n_heads), dtype=np.int64)
        self.reward = np.zeros(capacity, dtype=np.float32)
        self.done = np.zeros(capacity, dtype=np.float32)
        self.size = 0
        self.pos = 0

    def add(self, obs, action, reward: float, next_obs, done: bool) -> None:
        i = self.pos
        self.obs[i] = obs
        self.next_obs[i] = next_obs
        self.action[i] = action
        self.reward[i] = reward
        self.done[i] = float(done)
        self.pos = (i + 1) % self.capacity
        self.size = min(self.size + 1, self.capacity)

    def sample(self, rng: np.random.Generator, batch_size: int):
        idx = rng.integers(0, self.size, size=batch_size)
        return (
            self.obs[idx].astype(np.float32),
            self.action[idx],
            self.reward[idx],
            self.next_obs[idx].astype(np.float32),
            self.done[idx],
        )
