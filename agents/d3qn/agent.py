"""D3QN, L-D3QN and LL-D3QN agents of paper 000 (sec. 4, 5.2) for EdgeCluster-v0.

* ``d3qn``: dueling double DQN (eqs. 3-5), one Q-head of 7 actions per cluster-core, hidden
  layers 600-300-150, Adam lr 1e-3, gamma 0.9, epsilon decaying linearly to 0.01 (Table 2),
  uniform replay, hard target-network updates.
* ``l-d3qn``: the same training on the real training trace; at decision time the LSTM
  predicts the vehicle's next move and the action maximises the expected Q over the
  predicted next states (eq. 6).
* ``ll-d3qn``: like ``l-d3qn`` but trained in an env whose vehicle follows paths rolled out
  by the LSTM (sec. 4.2); evaluated on whatever the evaluation env replays (the held-out
  trace in the reproduction).

Training layout: with ``layout_seed=None`` (default) every training episode draws a new
layout of nodes and servers, so the policy must generalise across layouts (what a generic
benchmark runner evaluates). With ``layout_seed=s`` every training episode is reset with
seed ``s`` (the layout of evaluation seed ``s``) and the vehicle path comes from the agent's
own stream; this is the paper's protocol (one deployment, trained and tested on it).

Input: by default the network reads the observation without its ``M x M`` adjacency block
(``use_adjacency=False``): the block is constant within a layout and is 97 % of the input at
80 nodes, where it makes every update about 30 times slower on a CPU. ``use_adjacency=True``
feeds the whole observation as in the paper (Table 2, ``M^2 + 2M + 2 + |Y|`` inputs).
The catalog builds these agents on envs with ``observe_balance=True``: the observation then
also carries each server's hop and data shares and the two reward factors, which L-D3QN's
predicted states update for each predicted vehicle position (``predicted_states``). On an
env with ``observe_lookahead=True`` the predicted states also re-score the one-core lookahead
(not a catalog default: as inputs it did not help, see ``docs/agents/d3qn.md``).

Network: ``network="dueling"`` is the paper's (Table 2: ``n x 7`` Q-values from the state).
``network="afterstate"`` (the catalog default; single view only) scores each of the ``7n``
one-core moves from what it would produce, as the controller would cluster and score it
with the vehicles where they are now (:mod:`agents.d3qn.afterstate`): one shared network,
the same double-DQN target, replay, exploration and validation. For L/LL-D3QN, eq. 6 takes
the expected Q over the candidates re-scored for each predicted vehicle position. Each
network type is a :class:`agents.d3qn.network.QNetworks` (``self.net``) that owns what
differs (inputs, replay encoding, Q of the taken actions and of the next states, eq. 6's
inputs), so ``train`` reads the same for both. Hyper-parameters: :class:`D3QNConfig`.
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

from agents.base import Agent, ProgressFn, TrainResult
from agents.d3qn.config import NETWORKS, D3QNConfig
from agents.d3qn.mobility import LSTMTraceGenerator, OwnStream
from agents.d3qn.predictor import MotionPredictor, discretise, train_on_warehouse
from agents.d3qn.replay import NStepAccumulator
from agents.evaluation import evaluate
from edge_envs.edge_cluster.model import balance_factors
from edge_envs.edge_cluster.observation import shares

# Seed offset of the validation episodes' stream (distinct from any training stream).
VALIDATION_STREAM = 7_919_000


def epsilon_at(step: int, total: int, fraction: float, start: float, end: float) -> float:
    """Linear decay from ``start`` to ``end`` over the first ``fraction`` of ``total`` steps."""
    span = max(1.0, fraction * total)
    return float(end + (start - end) * max(0.0, 1.0 - step / span))


class D3QNAgent(Agent):
    """Dueling double DQN with one Q-head per cluster-core (paper 000, sec. 4.1).

    Built as ``D3QNAgent(env, **kwargs)`` with the fields of :class:`D3QNConfig` as keywords,
    or ``D3QNAgent(env, config)`` (keywords then override fields of ``config``). ``self.cfg``
    is the dataclass, ``self.config`` the same as a dict (saved with the agent), ``self.net``
    the network type's :class:`agents.d3qn.network.QNetworks`.
    """

    name = "d3qn"

    @property
    def plans_with_model(self) -> bool:
        """The afterstate network scores every one-core move with the env's model."""
        return self.cfg.network == "afterstate"
    learns = True
    uses_predictor: ClassVar[bool] = False
    lstm_training_env: ClassVar[bool] = False

    def __init__(self, env: gym.Env, config: D3QNConfig | None = None, **kwargs: Any) -> None:
        cfg = D3QNConfig(**kwargs) if config is None else replace(config, **kwargs)
        super().__init__(env, **asdict(cfg))
        self.cfg = cfg
        self.params = env.unwrapped.params
        self.layout = env.unwrapped.observation_layout
        if isinstance(self.action_space, gym.spaces.MultiDiscrete):
            # One head of 7 actions per cluster-core; every core acts each step.
            self.n_heads = int(len(self.action_space.nvec))
            self.n_actions = int(self.action_space.nvec[0])
        elif isinstance(self.action_space, gym.spaces.Discrete):
            # action_mode="single": the same n x 7 outputs read as one head of 7n actions
            # (one cluster-core acts per step, sec. 4.1.1).
            self.n_heads, self.n_actions = 1, int(self.action_space.n)
        else:
            raise ValueError(f"{self.name} needs a MultiDiscrete or Discrete action, got "
                             f"{self.action_space}")
        if self.uses_predictor and self.params.n_vehicles != 1:
            raise ValueError(f"{self.name} supports one vehicle, got n_vehicles="
                             f"{self.params.n_vehicles}")
        self.seed = cfg.seed
        torch.manual_seed(self.seed)
        self.net = NETWORKS[cfg.network](env, self.n_heads, self.n_actions, cfg, self.name)
        self.predictor: MotionPredictor | None = None
        self.node_positions: np.ndarray | None = None
        self.controller = None
        self.history: list[np.ndarray] = []

    # -- configuration helpers ------------------------------------------------------------
    @property
    def trace_fraction(self) -> float:
        f = self.cfg.trace_fraction
        return float(self.params.trace_train_fraction if f is None else f)

    def _training_env(self, make_env: Callable[[], gym.Env], seed: int,
                      lstm: bool | None = None) -> gym.Env:
        from edge_envs.edge_cluster.gym_env import EdgeClusterEnv
        from edge_envs.edge_cluster.model import build_mobility
        from edge_envs.edge_cluster.traces import load_trace

        if self.lstm_training_env if lstm is None else lstm:
            seeds = load_trace(self.params.trace_name, "train", self.trace_fraction)
            gen = LSTMTraceGenerator(self.predictor, seeds, self.cfg.rollout_mode,
                                     self.cfg.rollout_floor_m)
            return EdgeClusterEnv(self.params, mobility_generator=OwnStream(gen, seed))
        if self.cfg.layout_seed is None:
            return make_env()
        # Same layout every episode: the env's mobility stream would repeat too, so the
        # scenario's own mobility model runs on the agent's stream instead.
        params = self.params
        if params.mobility == "trace":
            params = replace(params, trace_split="train",
                             trace_train_fraction=self.trace_fraction)
        inner = build_mobility(params)
        return EdgeClusterEnv(params, mobility_generator=OwnStream(inner, seed))

    def _env_action(self, action: np.ndarray) -> Any:
        """``action`` (one entry per head) as an action of the env's space."""
        return int(action[0]) if isinstance(self.action_space, gym.spaces.Discrete) else action

    # -- learning -------------------------------------------------------------------------
    def validation_points(self, training_steps: int) -> int:
        """How many validations ``train`` runs over ``training_steps`` steps (one every
        ``validate_every`` steps once ``learning_starts`` is passed)."""
        every = self.cfg.validate_every
        if not every:
            return 0
        start = self.cfg.learning_starts
        return sum(1 for k in range(every, training_steps + 1, every) if k - 1 >= start)

    def validation_steps(self, training_steps: int) -> int:
        """Env steps the validation episodes take over ``training_steps`` training steps."""
        per = self.cfg.validation_episodes * int(self.params.episode_steps)
        return per * self.validation_points(training_steps)

    def training_steps(self, budget_steps: int) -> int:
        """The largest number of training steps whose validation episodes still fit in
        ``budget_steps`` env steps: the budget counts every env step, validation included,
        so a D3QN never uses more simulator steps than an agent without validation."""
        n = int(budget_steps)
        every = self.cfg.validate_every
        per = self.cfg.validation_episodes * int(self.params.episode_steps)
        if every and per:
            n = int(budget_steps) * every // (every + per)
            while n < budget_steps and n + 1 + self.validation_steps(n + 1) <= budget_steps:
                n += 1
            while n > 0 and n + self.validation_steps(n) > budget_steps:
                n -= 1
        return n

    def train(
        self,
        make_env: Callable[[], gym.Env],
        budget_steps: int,
        seed: int,
        progress: ProgressFn | None = None,
    ) -> TrainResult:
        """Learn within ``budget_steps`` env steps in total: ``training_steps(budget_steps)``
        training steps plus the validation episodes (``validation_steps``)."""
        c, net = self.cfg, self.net
        budget_steps = self.training_steps(int(budget_steps))
        t0 = time.perf_counter()
        torch.manual_seed(seed)
        rng = np.random.default_rng(seed)
        extra: dict[str, Any] = {}
        if self.uses_predictor:
            self.predictor = train_on_warehouse(self.trace_fraction, c.lstm_updates, seed)
            extra["lstm_train_s"] = time.perf_counter() - t0
        env = self._training_env(make_env, seed)
        controller = env.unwrapped.model
        buffer = net.replay_buffer(min(c.buffer_size, max(budget_steps, 1)))
        nstep = NStepAccumulator(c.n_step, c.gamma)
        opt = torch.optim.Adam(net.q.parameters(), lr=c.lr)
        obs, _ = env.reset(seed=seed if c.layout_seed is None else c.layout_seed)
        x = net.inputs(obs, controller)
        curve: list[tuple[int, float]] = []
        returns: list[float] = []
        ep_return, losses = 0.0, []
        step_rewards = np.zeros(budget_steps, dtype=np.float32)
        validation: list[tuple[int, float]] = []
        best: tuple[float, int, dict | None] = (-np.inf, 0, None)
        for step in range(budget_steps):
            eps = epsilon_at(step, budget_steps, c.exploration_fraction, c.epsilon_start,
                             c.epsilon_end)
            action = self._explore(net.greedy(x), eps, rng)
            next_obs, reward, terminated, truncated, _ = env.step(self._env_action(action))
            next_x = net.inputs(next_obs, controller)
            stored, stored_next = net.to_replay(x, action, next_x)
            nstep.push(buffer, stored, action, reward, stored_next, terminated, truncated)
            ep_return += reward
            step_rewards[step] = reward
            x = next_x
            if terminated or truncated:
                returns.append(ep_return)
                ep_return = 0.0
                curve.append((step + 1, float(np.mean(returns[-5:]))))
                if progress is not None:
                    progress(step + 1, curve[-1][1])
                obs, _ = env.reset(seed=c.layout_seed)
                x = net.inputs(obs, controller)
            if step >= c.learning_starts and step % c.train_freq == 0:
                # Huber loss on the double-DQN target (eqs. 4-5), gradient norm clipped at 10.
                b_obs, b_action, b_reward, b_next, b_done, b_discount = (
                    torch.as_tensor(a) for a in buffer.sample(rng, c.batch_size))
                q = net.q_taken(b_obs, b_action)
                with torch.no_grad():
                    target = net.td_target(b_reward, b_done, b_next, b_discount)
                loss = F.smooth_l1_loss(q, target)
                opt.zero_grad()
                loss.backward()
                torch.nn.utils.clip_grad_norm_(net.q.parameters(), 10.0)
                opt.step()
                losses.append(float(loss.detach()))
            if step % c.target_update == 0:
                net.sync_target()
            if c.validate_every and (step + 1) % c.validate_every == 0 and (
                    step >= c.learning_starts):
                score = self.validate(make_env, seed)
                validation.append((step + 1, score))
                if score > best[0]:
                    best = (score, step + 1, net.state_dict())
        if best[2] is not None:
            net.q.load_state_dict(best[2])
            extra["selected_step"] = best[1]
        extra["validation"] = validation
        extra["training_steps"] = budget_steps
        net.q.eval()
        extra["final_loss"] = float(np.mean(losses[-100:])) if losses else float("nan")
        extra["step_rewards"] = step_rewards
        used = budget_steps + self.validation_steps(budget_steps)
        return TrainResult(env_steps=used, wall_clock_s=time.perf_counter() - t0,
                           curve=curve, extra=extra)

    def validate(self, make_env: Callable[[], gym.Env], seed: int) -> float:
        """Mean per-step reward of the greedy policy (``act``, so eq. 6 for L/LL-D3QN) on
        ``validation_episodes`` fixed episodes drawn from the TRAINING data (the training
        layout; paths from the scenario's mobility model, for the trace scenario the training
        part of the trace, also for LL-D3QN; a stream the training never uses), played by
        the suite's one evaluation loop (:func:`agents.evaluation.evaluate`).

        ``train`` keeps the weights of the best validation score: with a constant final
        epsilon the greedy policy of a DQN keeps changing, and the last snapshot can be much
        worse than an earlier one. No test data is involved.
        """
        env = self._training_env(make_env, VALIDATION_STREAM + seed, lstm=False)
        layout_seed = self.cfg.layout_seed
        seeds = [VALIDATION_STREAM + e if layout_seed is None else layout_seed
                 for e in range(self.cfg.validation_episodes)]
        return float(np.mean(evaluate(self, env, seeds, paper_metric="reward")["metrics"]))

    def _explore(self, action: np.ndarray, eps: float, rng: np.random.Generator) -> np.ndarray:
        """Epsilon-greedy over the heads. ``independent``: each cluster-core takes a random
        action with probability eps. ``one-core``: with probability eps ONE random core takes a
        random action and the others stay greedy, so exploration perturbs the clustering one
        core at a time (as the single view does) instead of scrambling every cluster."""
        if self.cfg.exploration == "one-core":
            if rng.random() < eps:
                action[rng.integers(self.n_heads)] = rng.integers(self.n_actions)
            return action
        explore = rng.random(self.n_heads) < eps
        action[explore] = rng.integers(0, self.n_actions, size=int(explore.sum()))
        return action

    # -- acting ---------------------------------------------------------------------------
    def begin_episode(self, env: gym.Env) -> None:
        self.history = []
        # The node layout is static deployment knowledge (not future state): it lets
        # L-D3QN recompute which nodes would sense the vehicle in each predicted state.
        self.node_positions = np.array(env.unwrapped.node_positions, dtype=np.float64)
        # observe_lookahead: eq. 6's predicted states re-score the candidate clusterings
        # for each predicted vehicle position, as the controller would (see predicted_states).
        # network='afterstate' scores the candidates with it at every step.
        self.controller = env.unwrapped.model if (self.params.observe_lookahead
                                                  or self.net.needs_controller) else None

    def act(self, observation: Any):
        return self._env_action(self._act(self.check_observation(observation)
                                          .astype(np.float32)))

    def _act(self, obs: np.ndarray) -> np.ndarray:
        if not self.uses_predictor or self.predictor is None:
            return self.net.greedy(self.net.inputs(obs, self.controller))
        self.history.append(obs[self.layout.vehicle_xy] * self.params.area_m)
        self.history = self.history[-self.predictor.window :]
        probs = self.predictor.probs(np.array(self.history))
        states = self.predicted_states(obs, self.history[-1])
        return self.net.expected_action(states, probs, self.controller)

    def predicted_states(self, obs: np.ndarray, position_m: np.ndarray) -> np.ndarray:
        """``(9, obs_dim)``: ``s^k``, the observation with the vehicle moved by direction k
        (coordinates, last-move one-hot and, when the layout is known, the nodes' data)."""
        p, lay = self.params, self.layout
        disp = self.predictor.displacement_m
        new_pos = np.clip(position_m[None, :] + disp, 0.0, p.area_m)
        states = np.repeat(obs[None, :], len(disp), axis=0)
        states[:, lay.vehicle_xy] = new_pos / p.area_m
        states[:, lay.vehicle_motion] = np.eye(len(disp), dtype=np.float32)
        if self.node_positions is not None:
            d2 = ((self.node_positions[None, :, :] - new_pos[:, None, :]) ** 2).sum(axis=2)
            sensing = d2 <= p.sensing_range_m**2
            node_data = np.where(sensing, 1.0, 1.0 / p.sensing_ratio)
            states[:, lay.node_data] = node_data
            if p.observe_balance:
                # The clustering is unchanged, so only the data side moves with the vehicle.
                labels = np.rint(obs[lay.cluster_ids] * max(p.n_servers - 1, 1)).astype(int)
                per_server = np.zeros((len(disp), p.n_servers))
                np.add.at(per_server, (slice(None), labels), node_data)
                states[:, lay.data_share] = shares(per_server)
                delta = balance_factors(per_server)
                states[:, lay.balance.start + 1] = np.clip(delta, 0.0, 1.0)
            if p.observe_lookahead and self.controller is not None:
                self._predicted_lookahead(states, obs, node_data)
        return states.astype(np.float32)

    def _predicted_lookahead(self, states: np.ndarray, obs: np.ndarray,
                             node_data: np.ndarray) -> None:
        """Write into ``states`` the one-core lookahead rewards scored against each predicted
        state's node data. The candidates come from the controller's current clustering; if
        that is not the state ``obs`` describes (``act`` called on an old observation), the
        observed lookahead is kept."""
        lay = self.layout
        current = np.asarray(obs[lay.lookahead], dtype=np.float64)
        scored = self.controller.one_core_lookahead(
            np.vstack([self.controller.last_score.node_data_bytes, node_data
                       * self.params.sensing_msg_bytes]))
        if np.allclose(scored[0], current, atol=1e-5):
            states[:, lay.lookahead] = np.clip(scored[1:], 0.0, 1.0)

    # -- persistence ----------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        state: dict[str, Any] = {"q": self.net.state_dict()}
        if self.predictor is not None:
            state["predictor"] = self.predictor.state_dict()
        return state

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.net.load_state_dict(state["q"])
        if "predictor" in state:
            self.predictor = MotionPredictor()
            self.predictor.load_state_dict(state["predictor"])


class LD3QNAgent(D3QNAgent):
    """L-D3QN: D3QN trained on the real training trace, acting by eq. (6)."""

    name = "l-d3qn"
    uses_predictor = True


class LLD3QNAgent(D3QNAgent):
    """LL-D3QN: trained on LSTM-generated vehicle paths, acting by eq. (6)."""

    name = "ll-d3qn"
    uses_predictor = True
    lstm_training_env = True


__all__ = ["D3QNAgent", "D3QNConfig", "LD3QNAgent", "LLD3QNAgent", "discretise", "epsilon_at"]
