"""Distributed DDQN (paper 001, Algorithms 1 and 2) and its centralised twin, on the
Gymnasium view of OffloadSAP-v0 (one decision event per step, one policy for every device).

**Distributed** (``distributed-ddqn``, the paper's architecture). A cloud learner trains a
double DQN (eq. (5): reward ``-C`` of the task) on its augmented replay memory (ARM); the
devices decide with their copy of its evaluation network. The loop, one env step at a time:

* the due device acts epsilon-greedily with its copy (Algorithm 2 lines 9-14);
* its previous experience ``(s, a, r, s')`` is completed by this observation (``s'`` is the
  device's own next decision state) and, for one experience in ``gan_k``, queued for upload;
  every ``upload_period`` (``SF``) tasks of the device its queue is sent through
  ``env.unwrapped.send_control`` (Algorithm 2 lines 16-23); when the link is down the device
  keeps it and retries at its next task;
* received experiences go into the basic replay memory (BRM) and the ARM; with ``gan_k > 1``
  a tabular GAN refitted on the BRM adds ``gan_k - 1`` generated experiences per received one
  to the ARM (Algorithm 1 lines 9-14);
* one training iteration per step once the ARM holds a batch (lines 15-22), with the
  double-DQN target of :func:`agents.d3qn.network.double_dqn_target`;
* every ``weight_period`` (``T``) iterations the evaluation network's weights are due for the
  devices (lines 23-25); they are sent when the link is up (the SAP then shares them with
  every device at once, so one copy stands for all devices' copies).

**Centralised** (``centralised-ddqn``): the same learner decides in the cloud (the catalog
runs it with ``decision_site="cloud"``): actions come from the learner's network itself,
experiences arrive with the decision requests and no weights travel. Each decision request
(the state up, the action down) is reported through the same hook.

Traffic accounting: an experience is ``2 obs_dim + 3`` float32 values (state, action, reward,
next state, done), the weights ``4`` bytes per parameter. ``TrainResult.extra`` holds
``control_bytes`` (the sum of ``info["control_bytes"]`` over training), its split into
``weight_bytes``, ``experience_bytes`` and ``request_bytes``, per-episode ``dropped`` and
``unserved`` tasks, the GAN's fits and seconds.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, replace
from typing import Any, ClassVar

import gymnasium as gym
import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from agents.base import Agent, ProgressFn, TrainResult
from agents.d3qn.agent import epsilon_at
from agents.d3qn.network import double_dqn_target, relu_layers
from agents.d3qn.replay import ReplayBuffer
from agents.distributed_ddqn.config import DDQNConfig
from agents.distributed_ddqn.gan import TabularGAN

FLOAT_BYTES = 4


def preprocess(obs: np.ndarray) -> np.ndarray:
    """Network input of an observation (Algorithm 1 line 17): ``log(1 + x)`` per field.

    Every OffloadSAP field is >= 0 and the backlogs and ages span 0 to hundreds of seconds;
    the log keeps them on the scale of the 0/1 and fraction fields."""
    return np.log1p(np.asarray(obs, dtype=np.float32))


def q_network(n_inputs: int, hidden: tuple[int, ...], n_actions: int) -> nn.Sequential:
    layers, width = relu_layers(n_inputs, hidden)
    return nn.Sequential(*layers, nn.Linear(width, n_actions))


class DistributedDDQNAgent(Agent):
    """Cloud learner + device copies (paper 001, Algorithms 1 and 2). Keywords: the fields of
    :class:`DDQNConfig`. ``act`` uses the devices' copy of the evaluation network."""

    name = "distributed-ddqn"
    learns = True
    distributed: ClassVar[bool] = True

    def __init__(self, env: gym.Env, config: DDQNConfig | None = None, **kwargs: Any) -> None:
        cfg = DDQNConfig(**kwargs) if config is None else replace(config, **kwargs)
        super().__init__(env, **asdict(cfg))
        if not isinstance(self.action_space, gym.spaces.Discrete):
            raise ValueError(f"{self.name} needs a Discrete action, got {self.action_space}")
        if not self.distributed and cfg.gan_k != 1:
            raise ValueError(f"gan_k must be 1 for {self.name} (experiences arrive with the "
                             f"decision requests), got {cfg.gan_k}")
        self.cfg = cfg
        self.obs_dim = int(np.prod(self.observation_space.shape))
        self.n_actions = int(self.action_space.n)
        torch.manual_seed(cfg.seed)
        self.q = q_network(self.obs_dim, cfg.hidden, self.n_actions)
        self.q_target = q_network(self.obs_dim, cfg.hidden, self.n_actions)
        self.device_q = q_network(self.obs_dim, cfg.hidden, self.n_actions)
        self._deploy()
        self.q_target.load_state_dict(self.q.state_dict())

    # -- sizes of what crosses the control link ---------------------------------------------
    @property
    def weight_bytes(self) -> int:
        return FLOAT_BYTES * sum(p.numel() for p in self.q.parameters())

    @property
    def experience_bytes(self) -> int:
        return FLOAT_BYTES * (2 * self.obs_dim + 3)

    @property
    def request_bytes(self) -> int:
        """A centralised decision: the state up, the action down."""
        return FLOAT_BYTES * (self.obs_dim + 1)

    @property
    def acting_net(self) -> nn.Module:
        return self.device_q if self.distributed else self.q

    def _deploy(self) -> None:
        self.device_q.load_state_dict(self.q.state_dict())

    # -- acting ---------------------------------------------------------------------------
    @torch.no_grad()
    def _greedy(self, x: np.ndarray) -> int:
        return int(self.acting_net(torch.as_tensor(x)[None])[0].argmax())

    def act(self, observation: Any) -> int:
        return self._greedy(preprocess(self.check_observation(observation)))

    # -- learning -------------------------------------------------------------------------
    def train(self, make_env: Callable[[], gym.Env], budget_steps: int, seed: int,
              progress: ProgressFn | None = None) -> TrainResult:
        c = self.cfg
        t0 = time.perf_counter()
        torch.manual_seed(seed)
        rng = np.random.default_rng(seed)
        env = make_env()
        sap = env.unwrapped
        learner = _Learner(self, rng, seed)
        devices = _Devices(self) if self.distributed else None
        opt = torch.optim.Adam(self.q.parameters(), lr=c.lr)
        weights_due = False
        stats = {"weight_bytes": 0, "experience_bytes": 0, "request_bytes": 0,
                 "control_bytes": 0, "uploads_deferred": 0, "weights_deferred": 0}
        curve: list[tuple[int, float]] = []
        dropped: list[int] = []
        unserved: list[int] = []
        obs, _ = env.reset(seed=seed)
        pending: dict[int, tuple[np.ndarray, int, float]] = {}
        ep_return, ep_dropped, ep_unserved, iterations, losses = 0.0, 0, 0, 0, []
        budget = int(budget_steps)
        for step in range(budget):
            device = int(sap.deciding_device)
            x = preprocess(obs)
            if device in pending:
                self._experience(pending.pop(device), x, False, device, learner, devices,
                                 sap, stats)
            eps = epsilon_at(step, budget, c.exploration_fraction, c.epsilon_start,
                             c.epsilon_end)
            action = (int(rng.integers(self.n_actions)) if rng.random() < eps
                      else self._greedy(x))
            if not self.distributed and sap.send_control(self.request_bytes):
                stats["request_bytes"] += self.request_bytes
            if weights_due:
                if sap.send_control(self.weight_bytes):
                    stats["weight_bytes"] += self.weight_bytes
                    self._deploy()
                    weights_due = False
                else:
                    stats["weights_deferred"] += 1
            obs, reward, terminated, truncated, info = env.step(action)
            stats["control_bytes"] += int(info["control_bytes"])
            ep_return += float(reward)
            ep_dropped += int(info["dropped_tasks"])
            ep_unserved += int(info["unserved_tasks"])
            pending[device] = (x, action, float(reward))
            if terminated or truncated:
                end = np.zeros(self.obs_dim, dtype=np.float32)
                for d, exp in sorted(pending.items()):
                    # Queued on the device; uploaded at its next upload (next episode).
                    self._experience(exp, end, bool(terminated), d, learner, devices, None,
                                     stats)
                pending.clear()
                curve.append((step + 1, ep_return))
                dropped.append(ep_dropped)
                unserved.append(ep_unserved)
                if progress is not None:
                    progress(step + 1, ep_return)
                ep_return, ep_dropped, ep_unserved = 0.0, 0, 0
                obs, _ = env.reset()
            if learner.arm.size >= c.batch_size:
                losses.append(self._train_iteration(learner, opt, rng))
                iterations += 1
                if iterations % c.target_update == 0:
                    self.q_target.load_state_dict(self.q.state_dict())
                if self.distributed and iterations % c.weight_period == 0:
                    weights_due = True
        self.q.eval()
        extra = {**stats, "training_iterations": iterations, "episode_dropped": dropped,
                 "episode_unserved": unserved, "brm_size": learner.brm.size,
                 "arm_size": learner.arm.size, "received": learner.received,
                 "generated": learner.generated, "gan_fits": learner.gan_fits,
                 "gan_fit_s": learner.gan_fit_s, "weight_size_bytes": self.weight_bytes,
                 "experience_size_bytes": self.experience_bytes,
                 "final_loss": float(np.mean(losses[-100:])) if losses else float("nan")}
        return TrainResult(env_steps=budget, wall_clock_s=time.perf_counter() - t0,
                           curve=curve, extra=extra)

    def _experience(self, exp: tuple[np.ndarray, int, float], next_x: np.ndarray, done: bool,
                    device: int, learner: _Learner, devices: _Devices | None, sap: Any,
                    stats: dict) -> None:
        """One completed experience of ``device``: to the cloud directly (centralised) or
        through the device's upload queue (distributed; ``sap=None``: no upload now)."""
        x, action, reward = exp
        row = np.concatenate([x, [action, reward], next_x, [float(done)]]).astype(np.float32)
        if devices is None:
            learner.receive(row[None])
        else:
            devices.record(device, row, learner, sap, stats)

    def _train_iteration(self, learner: _Learner, opt: torch.optim.Optimizer,
                         rng: np.random.Generator) -> float:
        """Algorithm 1 lines 16-20: a batch from the ARM, Huber loss on the double-DQN
        target, one Adam step."""
        obs, action, reward, next_obs, done, _ = (
            torch.as_tensor(a) for a in learner.arm.sample(rng, self.cfg.batch_size))
        q = self.q(obs).gather(1, action).squeeze(1)
        with torch.no_grad():
            target = double_dqn_target(reward, done, self.q(next_obs)[:, None],
                                       self.q_target(next_obs)[:, None], self.cfg.gamma)[:, 0]
        loss = F.smooth_l1_loss(q, target)
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(self.q.parameters(), 10.0)
        opt.step()
        return float(loss.detach())

    # -- persistence ----------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        return {"q": {k: v.clone() for k, v in self.acting_net.state_dict().items()}}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        for net in (self.q, self.q_target, self.device_q):
            net.load_state_dict(state["q"])
            net.eval()


class CentralisedDDQNAgent(DistributedDDQNAgent):
    """The same learner deciding in the cloud (``decision_site="cloud"``)."""

    name = "centralised-ddqn"
    distributed = False


class _Learner:
    """The cloud side of Algorithm 1: BRM, ARM and the GAN that augments the ARM."""

    def __init__(self, agent: DistributedDDQNAgent, rng: np.random.Generator, seed: int) -> None:
        c = agent.cfg
        self.cfg, self.rng, self.obs_dim = c, rng, agent.obs_dim
        self.n_actions = agent.n_actions
        self.brm = ReplayBuffer(c.brm_size, agent.obs_dim, 1)
        self.arm = ReplayBuffer(c.arm_size, agent.obs_dim, 1)
        self.gan = (TabularGAN(2 * agent.obs_dim + 2, agent.n_actions, seed=seed)
                    if c.gan_k > 1 else None)
        self.received = self.generated = self.gan_fits = 0
        self.gan_fit_s = 0.0
        self._next_fit = c.gan_first_fit

    def _store(self, buffer: ReplayBuffer, rows: np.ndarray) -> None:
        d = self.obs_dim
        for r in rows:
            buffer.add(r[:d], int(r[d]), float(r[d + 1]), r[d + 2:2 * d + 2], bool(r[-1] > 0.5))

    def receive(self, rows: np.ndarray) -> None:
        """Algorithm 1 lines 9-14: store received experiences in the BRM and the ARM; with
        ``gan_k > 1`` add ``gan_k - 1`` generated ones per received one to the ARM."""
        self._store(self.brm, rows)
        self._store(self.arm, rows)
        self.received += len(rows)
        if self.gan is None:
            return
        if self.received >= self._next_fit:
            self._fit()
        if self.gan.fits:
            n = (self.cfg.gan_k - 1) * len(rows)
            cont, action = self.gan.sample(n)
            d = self.obs_dim
            cont[:, :d] = np.maximum(cont[:, :d], 0.0)  # log1p inputs are >= 0
            cont[:, d + 1:2 * d + 1] = np.maximum(cont[:, d + 1:2 * d + 1], 0.0)
            rows = np.concatenate([cont[:, :d], action[:, None], cont[:, d:]], axis=1)
            self._store(self.arm, rows)
            self.generated += n

    def _fit(self) -> None:
        t0 = time.perf_counter()
        n = min(self.brm.size, self.cfg.gan_window)
        idx = (self.brm.pos - 1 - np.arange(n)) % self.brm.capacity  # the newest n rows
        b = self.brm
        cont = np.concatenate([b.obs[idx], b.reward[idx, None], b.next_obs[idx],
                               b.done[idx, None]], axis=1).astype(np.float32)
        self.gan.fit(cont, b.action[idx, 0], self.cfg.gan_iterations)
        self.gan_fits += 1
        self.gan_fit_s += time.perf_counter() - t0
        self._next_fit = self.received + self.cfg.gan_refit


class _Devices:
    """The devices' side of Algorithm 2: which experiences each uploads, and when."""

    def __init__(self, agent: DistributedDDQNAgent) -> None:
        self.cfg, self.size = agent.cfg, agent.experience_bytes
        self.seen: dict[int, int] = {}
        self.tasks: dict[int, int] = {}
        self.queue: dict[int, list[np.ndarray]] = {}

    def record(self, device: int, row: np.ndarray, learner: _Learner, sap: Any,
               stats: dict) -> None:
        seen = self.seen[device] = self.seen.get(device, 0) + 1
        if seen % self.cfg.gan_k == 0:
            self.queue.setdefault(device, []).append(row)
        tasks = self.tasks[device] = self.tasks.get(device, 0) + 1
        if sap is not None and tasks >= self.cfg.upload_period and self.queue.get(device):
            n_bytes = self.size * len(self.queue[device])
            if sap.send_control(n_bytes):
                stats["experience_bytes"] += n_bytes
                learner.receive(np.stack(self.queue.pop(device)))
                self.tasks[device] = 0
            else:
                stats["uploads_deferred"] += 1
