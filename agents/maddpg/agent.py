"""MADDPG for LargeScaleMEC-v0: one deterministic actor per MEC, one centralised critic.

The semantics are those of the PettingZoo view ``large_scale_mec_v0``: actor ``j`` sees its
own column of gains ``h_j`` (N values) and outputs N offloading scores in [0, 1]; the scores
of all actors are combined by the paper's vote (highest score above 0.5, else local). The
critic ``Q(h, s_1..s_M)`` sees all gains and all scores (centralised training, decentralised
execution). Training runs on the Gymnasium env (discrete action view): the agent votes
itself and sends the decision, which is exactly what the PettingZoo env does with the same
scores, so one implementation serves both views.

Slots are independent (the decision does not change the next channel), so the critic's
target is the immediate reward by default (``gamma = 0``); ``gamma > 0`` uses the usual
bootstrapped target with target networks.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable
from typing import Any

import gymnasium as gym
import numpy as np
import torch
from torch import nn

from agents.base import Agent, ProgressFn, TrainResult
from agents.d3qn.network import relu_layers
from agents.dirs.agent import gain_features
from agents.dirs.networks import AgentEnsemble, layer_sizes
from agents.threads import one_torch_thread
from edge_envs.large_scale_mec.model import vote_decision

DEFAULTS: dict[str, Any] = {
    "actor_lr": 1e-4,
    "critic_lr": 1e-3,
    "gamma": 0.0,
    "tau": 0.01,
    "buffer_size": 20_000,
    "batch_size": 64,
    "warmup": 256,
    "noise_std": 0.1,
    "critic_hidden": (256, 128),
    "actor_hidden": None,  # None = the DIRS sizes for (N, M) (agents.dirs.networks.default_hidden)
}


def soft_update(net: nn.Module, target: nn.Module, tau: float) -> None:
    """Polyak averaging of the target network: ``theta' <- tau theta + (1 - tau) theta'``
    (MADDPG's target update; line 20 of Table 1 of paper 002)."""
    with torch.no_grad():
        for p, tp in zip(net.parameters(), target.parameters(), strict=True):
            tp.mul_(1.0 - tau).add_(tau * p)


class _Critic(nn.Module):
    def __init__(self, n_inputs: int, hidden: tuple[int, ...]) -> None:
        super().__init__()
        layers, size = relu_layers(n_inputs, hidden)
        layers.append(nn.Linear(size, 1))
        self.body = nn.Sequential(*layers)

    def forward(self, gains: torch.Tensor, scores: torch.Tensor) -> torch.Tensor:
        return self.body(torch.cat([gains.flatten(1), scores.flatten(1)], dim=1)).squeeze(1)


class MADDPGAgent(Agent):
    name = "maddpg"
    learns = True

    def __init__(self, env: gym.Env, seed: int = 0, **config: Any) -> None:
        unknown = set(config) - set(DEFAULTS)
        if unknown:
            raise ValueError(f"unknown MADDPG option(s) {sorted(unknown)}; valid: "
                             f"{', '.join(sorted(DEFAULTS))}")
        super().__init__(env, seed=seed, **config)
        params = env.unwrapped.params
        self.n_iotd, self.n_mec = params.n_iotd, params.n_mec
        self.options = {**DEFAULTS, **config}
        self.layers = layer_sizes(self.n_iotd, self.n_mec, self.options["actor_hidden"])
        self.seed = int(seed)
        self._build(self.seed)

    def _build(self, seed: int) -> None:
        torch.manual_seed(seed)
        o = self.options
        self.actor = AgentEnsemble(self.n_mec, self.layers, gain_skip=False)
        self.critic = _Critic(2 * self.n_iotd * self.n_mec, tuple(o["critic_hidden"]))
        self.actor_target = copy.deepcopy(self.actor)
        self.critic_target = copy.deepcopy(self.critic)
        self.actor_opt = torch.optim.Adam(self.actor.parameters(), lr=o["actor_lr"])
        self.critic_opt = torch.optim.Adam(self.critic.parameters(), lr=o["critic_lr"])

    # -- acting -----------------------------------------------------------------------
    def _scores(self, features: np.ndarray) -> np.ndarray:
        with torch.no_grad():
            x = torch.from_numpy(np.asarray(features, dtype=np.float32)[None])
            return torch.sigmoid(self.actor(_centre(x))).numpy()[0]

    def act(self, observation) -> np.ndarray:
        obs = self.check_observation(observation)
        with one_torch_thread():
            return vote_decision(self._scores(gain_features(obs, self.n_iotd, self.n_mec)))

    # -- learning ---------------------------------------------------------------------
    def train(self, make_env: Callable[[], gym.Env], budget_steps: int, seed: int,
              progress: ProgressFn | None = None) -> TrainResult:
        with one_torch_thread():
            return self._train(make_env, int(budget_steps), int(seed), progress)

    def _train(self, make_env, budget, seed, progress) -> TrainResult:
        start = time.perf_counter()
        o = self.options
        self.seed = seed
        self._build(seed)
        rng = np.random.default_rng(seed)
        env = make_env()
        cap = int(o["buffer_size"])
        shape = (self.n_mec, self.n_iotd)
        buf_x = np.zeros((cap, *shape), np.float32)
        buf_s = np.zeros((cap, *shape), np.float32)
        buf_r = np.zeros(cap, np.float32)
        buf_x2 = np.zeros((cap, *shape), np.float32)
        buf_done = np.zeros(cap, np.float32)
        size = 0
        obs, _ = env.reset(seed=seed)
        curve: list[tuple[int, float]] = []
        ep_return = 0.0
        critic_losses: list[float] = []
        for step in range(budget):
            x = gain_features(obs, self.n_iotd, self.n_mec)
            if size < int(o["warmup"]):
                scores = rng.random(shape).astype(np.float32)
            else:
                scores = self._scores(x) + rng.normal(0.0, o["noise_std"], shape)
                scores = np.clip(scores, 0.0, 1.0).astype(np.float32)
            obs, reward, terminated, truncated, _ = env.step(vote_decision(scores))
            k = step % cap
            buf_x[k], buf_s[k], buf_r[k] = x, scores, reward
            buf_x2[k] = gain_features(obs, self.n_iotd, self.n_mec)
            buf_done[k] = float(terminated)
            size = min(size + 1, cap)
            ep_return += float(reward)
            if terminated or truncated:
                curve.append((step + 1, ep_return))
                if progress is not None:
                    progress(step + 1, ep_return)
                ep_return = 0.0
                obs, _ = env.reset(seed=int(rng.integers(0, 2**31 - 1)))
            if size >= int(o["warmup"]):
                idx = rng.integers(0, size, int(o["batch_size"]))
                critic_losses.append(self._update(
                    *(torch.from_numpy(a[idx]) for a in (buf_x, buf_s, buf_r, buf_x2, buf_done))
                ))
        env.close()
        return TrainResult(env_steps=budget, wall_clock_s=time.perf_counter() - start,
                           curve=curve, extra={"critic_loss": critic_losses})

    def _update(self, x, s, r, x2, done) -> float:
        o = self.options
        gx, gx2 = _centre(x), _centre(x2)
        with torch.no_grad():
            target = r
            if o["gamma"] > 0:
                s2 = torch.sigmoid(self.actor_target(gx2))
                target = r + o["gamma"] * (1.0 - done) * self.critic_target(gx2, s2)
        critic_loss = nn.functional.mse_loss(self.critic(gx, s), target)
        self.critic_opt.zero_grad()
        critic_loss.backward()
        self.critic_opt.step()
        # Each actor ascends Q through its own scores, the others' held at their policy
        # outputs (all actors are updated together; their parameters are disjoint).
        actor_loss = -self.critic(gx, torch.sigmoid(self.actor(gx))).mean()
        self.actor_opt.zero_grad()
        actor_loss.backward()
        self.actor_opt.step()
        if o["gamma"] > 0:
            soft_update(self.actor, self.actor_target, o["tau"])
            soft_update(self.critic, self.critic_target, o["tau"])
        return float(critic_loss.detach())

    # -- persistence ------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        return {"seed": self.seed,
                "actor": {k: v.detach().clone() for k, v in self.actor.state_dict().items()},
                "critic": {k: v.detach().clone() for k, v in self.critic.state_dict().items()}}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.seed = int(state["seed"])
        self.actor.load_state_dict(state["actor"])
        self.critic.load_state_dict(state["critic"])


def _centre(x: torch.Tensor) -> torch.Tensor:
    """Normalised log-gains (about 0.6 +- 0.07 in [0, 1]) to roughly zero mean, unit spread."""
    return (x - 0.6) / 0.1
