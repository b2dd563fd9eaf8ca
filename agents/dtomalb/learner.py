"""What DTOMALB, IDQL-TOLB and DQN-TOLB share: the per-user view of the centralised
observation and one off-policy training loop on the PettingZoo view (paper 002, sec. 4).

The runner drives every agent through the Gymnasium env ``SingleCellMEC-v0`` (observation =
loads, server speeds and all users' blocks; action ``MultiDiscrete([M + 1] * N)``). The
agents learn on the PettingZoo view ``single_cell_v0`` of the same scenario, built from
``env.unwrapped.params`` (so env kwargs such as DTOMA's ``w2 = 0`` carry over): it gives each
user its own eq. (20) reward. User ``n``'s observation is the shared part of the centralised
observation followed by user ``n``'s block (:func:`split_observation`), which is exactly the
PettingZoo agent's observation (tested), so the agents act on the Gymnasium observation and
learn from the PettingZoo state alike.
"""

from __future__ import annotations

import time
from abc import abstractmethod
from collections.abc import Callable
from typing import Any, ClassVar

import gymnasium as gym
import numpy as np
import torch

from agents.base import Agent, ProgressFn, TrainResult
from agents.threads import one_torch_thread
from edge_envs.single_cell_mec.observation import USER_FEATURES, shared_size
from edge_envs.single_cell_mec.params import SingleCellMECParams


def split_observation(obs: np.ndarray, params: SingleCellMECParams) -> np.ndarray:
    """``(..., 2M + 4N)`` centralised observations -> ``(..., N, 2M + 4)`` per-user ones.

    Row ``n`` is the shared part (``2M`` loads and speeds) followed by user ``n``'s four
    values: the PettingZoo agent ``user_n``'s observation.
    """
    obs = np.asarray(obs)
    n, shared = params.n_users, shared_size(params)
    head = np.broadcast_to(obs[..., None, :shared], (*obs.shape[:-1], n, shared))
    users = obs[..., shared:].reshape(*obs.shape[:-1], n, USER_FEATURES)
    return np.concatenate([head, users], axis=-1)


class MultiUserLearner(Agent):
    """Off-policy learner over the users of SingleCellMEC-v0 (see the module docstring).

    Subclasses set ``DEFAULTS`` (every option, with ``buffer_size``, ``batch_size``,
    ``warmup`` and ``gamma``), build their networks in ``_build``, and implement
    ``_greedy`` (actions for a batch of centralised observations), ``_explore`` and
    ``_update``. Transitions store the centralised state, the ``N`` actions and the ``N``
    users' rewards; one gradient update follows every env step once ``warmup`` transitions
    are stored.
    """

    learns = True
    DEFAULTS: ClassVar[dict[str, Any]] = {}

    def __init__(self, env: gym.Env, seed: int = 0, **config: Any) -> None:
        unknown = set(config) - set(self.DEFAULTS)
        if unknown:
            raise ValueError(f"unknown {self.name} option(s) {sorted(unknown)}; valid: "
                             f"{', '.join(sorted(self.DEFAULTS))}")
        super().__init__(env, seed=seed, **config)
        self.params: SingleCellMECParams = env.unwrapped.params
        self.n_users = self.params.n_users
        self.n_actions = self.params.n_servers + 1
        self.state_size = int(np.prod(env.observation_space.shape))
        self.obs_size = shared_size(self.params) + USER_FEATURES
        self.options = {**self.DEFAULTS, **config}
        self.seed = int(seed)
        torch.manual_seed(self.seed)
        self._build()

    # -- to implement -----------------------------------------------------------------
    @abstractmethod
    def _build(self) -> None:
        """Create networks and optimisers (torch's RNG is seeded just before)."""

    @abstractmethod
    def _greedy(self, states: np.ndarray) -> np.ndarray:
        """``(B, N)`` actions of the learned policy for ``(B, S)`` centralised observations."""

    @abstractmethod
    def _explore(self, state: np.ndarray, rng: np.random.Generator,
                 fraction: float) -> np.ndarray:
        """``(N,)`` exploring actions; ``fraction`` = share of the budget used so far."""

    @abstractmethod
    def _update(self, s, a, r, s2, done) -> float:
        """One gradient step on a minibatch (tensors); returns the (critic / TD) loss."""

    @abstractmethod
    def _networks(self) -> dict[str, torch.nn.Module]:
        """The modules saved by :meth:`state_dict`."""

    # -- helpers for subclasses -------------------------------------------------------
    def per_user(self, states: torch.Tensor) -> torch.Tensor:
        """``(B, S)`` -> ``(B, N, 2M + 4)`` (:func:`split_observation` on tensors)."""
        shared = shared_size(self.params)
        head = states[:, None, :shared].expand(-1, self.n_users, -1)
        users = states[:, shared:].reshape(-1, self.n_users, USER_FEATURES)
        return torch.cat([head, users], dim=-1)

    # -- acting -----------------------------------------------------------------------
    def act(self, observation: Any) -> np.ndarray:
        obs = self.check_observation(observation).astype(np.float32)
        with one_torch_thread():
            return self._greedy(obs[None])[0].astype(np.int64)

    # -- learning ---------------------------------------------------------------------
    def train(self, make_env: Callable[[], gym.Env], budget_steps: int, seed: int,
              progress: ProgressFn | None = None) -> TrainResult:
        with one_torch_thread():
            return self._train(make_env, int(budget_steps), int(seed), progress)

    def _train(self, make_env, budget: int, seed: int, progress) -> TrainResult:
        from edge_envs.single_cell_mec.single_cell_v0 import parallel_env

        start = time.perf_counter()
        o = self.options
        self.seed = seed
        torch.manual_seed(seed)
        self._build()
        rng = np.random.default_rng(seed)
        template = make_env()
        env = parallel_env(template.unwrapped.params)
        template.close()
        agents = env.possible_agents
        cap, n = min(int(o["buffer_size"]), max(budget, 1)), self.n_users
        buf_s = np.zeros((cap, self.state_size), np.float32)
        buf_s2 = np.zeros((cap, self.state_size), np.float32)
        buf_a = np.zeros((cap, n), np.int64)
        buf_r = np.zeros((cap, n), np.float32)
        buf_done = np.zeros(cap, np.float32)
        size = 0
        env.reset(seed=seed)
        state = env.state()
        curve: list[tuple[int, float]] = []
        losses: list[float] = []
        ep_return = 0.0
        for step in range(budget):
            if size < int(o["warmup"]):
                action = rng.integers(0, self.n_actions, n)
            else:
                action = self._explore(state, rng, step / budget)
            _, rewards, terms, truncs, _ = env.step(
                {a: int(action[k]) for k, a in enumerate(agents)})
            reward = np.array([rewards[a] for a in agents], np.float32)
            next_state = env.state()
            k = step % cap
            buf_s[k], buf_a[k], buf_r[k], buf_s2[k] = state, action, reward, next_state
            buf_done[k] = float(any(terms.values()))
            size = min(size + 1, cap)
            state = next_state
            # The system utility: the users' mean cumulative reward (sec. 5 of paper 002).
            ep_return += float(reward.mean())
            if any(terms.values()) or any(truncs.values()):
                curve.append((step + 1, ep_return))
                if progress is not None:
                    progress(step + 1, ep_return)
                ep_return = 0.0
                env.reset(seed=int(rng.integers(0, 2**31 - 1)))
                state = env.state()
            if size >= int(o["warmup"]):
                idx = rng.integers(0, size, int(o["batch_size"]))
                losses.append(self._update(*(torch.from_numpy(b[idx]) for b in (
                    buf_s, buf_a, buf_r, buf_s2, buf_done))))
        env.close()
        return TrainResult(env_steps=budget, wall_clock_s=time.perf_counter() - start,
                           curve=curve, extra={"loss_mean_last_1000": float(
                               np.mean(losses[-1000:])) if losses else None})

    # -- persistence ------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        return {"seed": self.seed, **{
            name: {k: v.detach().clone() for k, v in net.state_dict().items()}
            for name, net in self._networks().items()}}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.seed = int(state["seed"])
        for name, net in self._networks().items():
            net.load_state_dict(state[name])
