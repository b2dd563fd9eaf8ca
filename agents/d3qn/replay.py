"""Uniform experience replay (numpy ring buffer) with n-step returns.

Observations are stored as ``float16``: EdgeCluster's observation is dominated by the 0/1
adjacency matrix (``M^2`` entries), so half precision halves the memory at no loss there.
"""

from __future__ import annotations

import numpy as np


class ReplayBuffer:
    """Ring buffer of ``(obs, action, reward, next_obs, done, discount)`` transitions.

    ``reward`` is the discounted sum of the k rewards between ``obs`` and ``next_obs`` and
    ``discount`` is ``gamma**k`` (k = 1 for plain one-step transitions). ``next_obs_dim``
    (default ``obs_dim``) lets the next entry differ in size: the afterstate D3QN stores the
    taken candidate's features and all candidates of the next state.
    """

    def __init__(self, capacity: int, obs_dim: int, n_heads: int,
                 next_obs_dim: int | None = None) -> None:
        if capacity < 1:
            raise ValueError(f"capacity must be >= 1, got {capacity}")
        self.capacity = int(capacity)
        self.obs = np.zeros((capacity, obs_dim), dtype=np.float16)
        self.next_obs = np.zeros((capacity, obs_dim if next_obs_dim is None else next_obs_dim),
                                 dtype=np.float16)
        self.action = np.zeros((capacity, n_heads), dtype=np.int64)
        self.reward = np.zeros(capacity, dtype=np.float32)
        self.done = np.zeros(capacity, dtype=np.float32)
        self.discount = np.zeros(capacity, dtype=np.float32)
        self.size = 0
        self.pos = 0

    def add(self, obs, action, reward: float, next_obs, done: bool,
            discount: float = 1.0) -> None:
        i = self.pos
        self.obs[i] = obs
        self.next_obs[i] = next_obs
        self.action[i] = action
        self.reward[i] = reward
        self.done[i] = float(done)
        self.discount[i] = discount
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
            self.discount[idx],
        )


class NStepAccumulator:
    """Turns the one-step stream of an episode into n-step transitions for the buffer."""

    def __init__(self, n: int, gamma: float) -> None:
        if n < 1:
            raise ValueError(f"n_step must be >= 1, got {n}")
        self.n, self.gamma = int(n), float(gamma)
        self.pending: list[tuple[np.ndarray, np.ndarray, float]] = []

    def push(self, buffer: ReplayBuffer, obs, action, reward: float, next_obs,
             terminated: bool, truncated: bool) -> None:
        self.pending.append((obs, action, float(reward)))
        if terminated or truncated:
            while self.pending:
                self._emit(buffer, next_obs, terminated)
        elif len(self.pending) == self.n:
            self._emit(buffer, next_obs, False)

    def _emit(self, buffer: ReplayBuffer, next_obs, done: bool) -> None:
        k = len(self.pending)
        ret = sum(self.gamma**i * r for i, (_, _, r) in enumerate(self.pending))
        obs, action, _ = self.pending.pop(0)
        buffer.add(obs, action, ret, next_obs, done, self.gamma**k)
