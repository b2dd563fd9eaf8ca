"""The DIRS agent of paper 003 behind the suite's :class:`agents.base.Agent` interface.

Training (:meth:`DIRSAgent.train`) follows Algorithm 1 of the paper:

1. imitation acceleration (Algorithm 2): ``n_demos`` slots are solved by the Lévy flight
   search with a small ``demo_beta`` (long jumps, many generations) from the all-local
   decision; the pairs ``(h, a*)`` enter the replay buffer as demonstrations and all agents
   are pre-trained ``pretrain_iters`` times on minibatches with the loss L1 (eq. (14));
2. online training (Algorithm 3) every ``train_interval`` slots: the ensemble decision of the
   current slot (vote of the M agents) is refined by the Lévy flight search (Algorithm 4,
   P=5, Gmax=10, beta=1.5, th=0.4), stored, and every agent makes ``updates_per_train`` Adam
   steps on a prioritised minibatch with the loss L2 (eq. (16)).

Inference (:meth:`DIRSAgent.act`) uses the M agent networks, the vote and two per-MEC
capacity rules (``admission`` trims an overloaded MEC, ``fill`` lets a MEC with room take local
IoTDs by its agent's scores; our additions, docs/agents/dirs.md), no search; the env then
applies the exact compute/power allocation of the decision (sub-problem (13)).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import gymnasium as gym
import numpy as np
import torch

from agents.base import Agent, ProgressFn, TrainResult
from agents.dirs.core import DIRSLearner
from agents.dirs.levy import epsilon_search, levy_flight_search
from agents.dirs.networks import layer_sizes
from agents.threads import one_torch_thread
from edge_envs.large_scale_mec.model import vote_decision

DEFAULTS: dict[str, Any] = {
    # paper 003, section V-A
    "buffer_size": 1024,
    "batch_size": 256,
    "train_interval": 10,  # phi
    "pretrain_iters": 500,  # T_D
    "lambda1": 1e-4,
    "updates_per_train": 2,  # T_M
    "lambda2": 0.5,
    "eps_agent": 0.08,
    "eps_demo": 0.02,
    "population": 5,  # P
    "generations": 10,  # Gmax
    "beta": 1.5,
    "threshold": 0.4,  # th
    "n_demos": 256,  # sec. V-B: "the demonstration data quantity is set to 256" (paper 004)
    # not given by the paper (our choices, see docs/agents/dirs.md)
    "lr": 3e-3,
    "priority_tau": 0.6,  # tau of eq. (15), as in prioritised replay (Schaul et al.)
    "demo_beta": 1.0,  # "small beta" for the demonstrations
    "demo_population": 5,
    "demo_generations": 200,
    "step_scale": None,  # eta of eq. (18); None = N^(-1/beta) (levy.auto_step_scale)
    "refine_every": 1,  # slots between searches (Algorithm 1: train_interval); see docs
    "slots_per_layout": 10,  # new layout (env reset) every this many training slots
    "permute_iotds": True,  # IoTD relabelling augmentation of the minibatches
    "exploration": "levy",  # "levy" (Algorithm 4) or "epsilon" (Fig. 5's comparison)
    "epsilon": 0.02,
    "admission": True,  # each MEC keeps the IoTDs its capacity serves faster than local
    "fill": True,  # MECs with spare capacity then take local IoTDs by their agents' scores
    "pos_weight": 2.0,  # weight of the offloading (positive) targets in the cross-entropy
    "gain_skip": True,  # diagonal skip connection input i -> output i (networks.py)
}


def gain_features(observation: np.ndarray, n_iotd: int, n_mec: int) -> np.ndarray:
    """Agent inputs ``(M, N)``: row ``j`` is ``h_j``, MEC j's column of normalised log-gains.

    The observation's first ``N*M`` entries are the gains IoTD-major (``i * M + j``), already
    log-scaled to [0, 1] by the env (``observation.encode_gains``).
    """
    obs = np.asarray(observation, dtype=np.float32).reshape(-1)
    return np.ascontiguousarray(obs[: n_iotd * n_mec].reshape(n_iotd, n_mec).T)


def channel_start(state, model) -> np.ndarray:
    """Start of the demonstration search: every IoTD on its strongest link, and each MEC
    keeping its strongest IoTDs within capacity (the others local), from the gains alone.

    The paper does not say where the demonstration search starts; starting from the
    all-local decision gives near-optimal costs but labels that are random with respect to
    the gains (the upload cost barely depends on which IoTD is picked), which no agent can
    learn. This start keeps the demonstrations a function of ``h``.
    """
    from edge_envs.large_scale_mec.baselines import admit_within_capacity, best_channel_decision

    decision = best_channel_decision(state)
    gain = state.channel_gain[np.arange(state.n_iotd), decision - 1]
    priority = np.argsort(np.argsort(-gain))
    return admit_within_capacity(decision, state, model, priority)


class DIRSAgent(Agent):
    """Distributed intelligent resource scheduling (paper 003): M MEC agents and a vote."""

    name = "dirs"
    learns = True

    @property
    def plans_with_model(self) -> bool:
        """The capacity rules accept decisions with the model's capacities (not the paper's)."""
        return bool(self.options["admission"] or self.options["fill"])

    def __init__(self, env: gym.Env, seed: int = 0, hidden: tuple[int, ...] | None = None,
                 **config: Any) -> None:
        unknown = set(config) - set(DEFAULTS)
        if unknown:
            raise ValueError(f"unknown DIRS option(s) {sorted(unknown)}; valid: "
                             f"{', '.join(sorted(DEFAULTS))}")
        if config.get("exploration", "levy") not in ("levy", "epsilon"):
            raise ValueError(f"exploration must be 'levy' or 'epsilon', got "
                             f"{config['exploration']!r}")
        super().__init__(env, seed=seed, hidden=hidden, **config)
        self.params = env.unwrapped.params
        self.n_iotd, self.n_mec = self.params.n_iotd, self.params.n_mec
        # ``hidden=None``: the paper's sizes for (N, M), or the scaled rule (default_hidden).
        self.layers = layer_sizes(self.n_iotd, self.n_mec, hidden)
        self.options = {**DEFAULTS, **config}
        self.seed = int(seed)
        self.learner = self._new_learner(self.seed)
        from edge_envs.large_scale_mec.model import LargeScaleMECModel

        self._admission_model = LargeScaleMECModel(self.params)  # capacities only, no episode

    def _new_learner(self, seed: int) -> DIRSLearner:
        torch.manual_seed(seed)
        o = self.options
        return DIRSLearner(
            self.n_mec, self.layers, lr=o["lr"], lambda1=o["lambda1"], lambda2=o["lambda2"],
            buffer_size=o["buffer_size"], batch_size=o["batch_size"], eps_agent=o["eps_agent"],
            eps_demo=o["eps_demo"], priority_tau=o["priority_tau"],
            permute_iotds=o["permute_iotds"], gain_skip=o["gain_skip"],
            pos_weight=o["pos_weight"],
        )

    # -- acting -----------------------------------------------------------------------
    def features(self, observation) -> np.ndarray:
        return gain_features(observation, self.n_iotd, self.n_mec)

    def decide(self, observation) -> np.ndarray:
        """The agents' outputs, the vote, then each MEC's capacity rules: ``admission`` trims
        an overloaded MEC, ``fill`` lets a MEC with spare capacity take local IoTDs."""
        scores = self.learner.scores(self.features(observation))
        decision = vote_decision(scores)
        if not (self.options["admission"] or self.options["fill"]):
            return decision
        from edge_envs.large_scale_mec.baselines import (
            admit_within_capacity,
            fill_within_capacity,
        )
        from edge_envs.large_scale_mec.observation import decode_observation

        state = decode_observation(observation, self.params)
        if self.options["admission"]:
            # MEC j admits its requests by decreasing score while each admitted IoTD still
            # gets at least the local CPU speed (the capacity rule of the paper's
            # Random/Remote baselines).
            priority = np.argsort(np.argsort(-scores.max(axis=0)))
            decision = admit_within_capacity(decision, state, self._admission_model, priority)
        if self.options["fill"]:
            # The vote leaves IoTDs local that a MEC could still serve faster than their own
            # CPU; each MEC with room takes them by its agent's score (same capacity rule).
            decision = fill_within_capacity(decision, state, self._admission_model, scores)
        return decision

    def act(self, observation) -> np.ndarray:
        obs = self.check_observation(observation)
        with one_torch_thread():
            return self.decide(obs)

    # -- search helpers ---------------------------------------------------------------
    def refine(self, start, state, model, rng, *, demo: bool = False):
        """Lévy flight search (Algorithm 4) from ``start`` on ``state`` with the model's exact
        allocation as the fitness; the demonstration variant uses ``demo_*`` options."""
        o = self.options
        if o["exploration"] == "epsilon" and not demo:
            return epsilon_search(
                start, self.n_mec, lambda d: model.evaluate_population(d, state), rng,
                population=o["population"], generations=o["generations"], epsilon=o["epsilon"],
            )
        return levy_flight_search(
            start, state.channel_gain, lambda d: model.evaluate_population(d, state), rng,
            population=o["demo_population"] if demo else o["population"],
            generations=o["demo_generations"] if demo else o["generations"],
            beta=o["demo_beta"] if demo else o["beta"],
            threshold=o["threshold"], step_scale=o["step_scale"],
        )

    # -- learning ---------------------------------------------------------------------
    def train(
        self,
        make_env: Callable[[], gym.Env],
        budget_steps: int,
        seed: int,
        progress: ProgressFn | None = None,
    ) -> TrainResult:
        with one_torch_thread():
            return self._train(make_env, int(budget_steps), int(seed), progress)

    def _train(self, make_env, budget, seed, progress) -> TrainResult:
        start_time = time.perf_counter()
        o = self.options
        self.seed = seed
        self.learner = self._new_learner(seed)
        rng = np.random.default_rng(seed)
        loop = _SlotLoop(make_env(), rng, o["slots_per_layout"], progress)
        learner = self.learner
        model = loop.env.unwrapped.model

        # Algorithm 2: demonstrations from the Lévy search with a small beta, pre-training.
        n_demos = min(int(o["n_demos"]), budget, learner.replay.capacity)
        demo_gap = []
        for _ in range(n_demos):
            state = loop.state()
            result = self.refine(channel_start(state, model), state, model, rng, demo=True)
            learner.replay.add(self.features(loop.obs), result.decision, demo=True)
            demo_gap.append(result.objective)
            loop.step(result.decision)
        pretrain_loss: list[list[float]] = []
        pretrain_end: dict[str, list[float]] = {}
        if n_demos:
            learner.fit_standardisation()
            for _ in range(int(o["pretrain_iters"])):
                pretrain_loss.append(learner.update(rng, with_agent_term=False).per_agent)
            # On all demonstrations: the trained L1 and the plain cross-entropy (Fig. 3).
            pretrain_end = learner.demo_loss(learner.replay.inputs[:n_demos],
                                             learner.replay.decisions[:n_demos])

        # Algorithms 1 and 3: act with the vote; every phi slots refine, store and learn.
        refine_every = int(o["refine_every"])
        online_loss: list[list[float]] = []
        search_gain: list[float] = []
        t = 0
        while loop.steps < budget:
            x = self.features(loop.obs)
            decision = self.decide(loop.obs)
            if t % refine_every == 0:
                state = loop.state()
                result = self.refine(decision, state, model, rng)
                learner.replay.add(x, result.decision)
                search_gain.append(result.start_objective - result.objective)
            if t % int(o["train_interval"]) == 0 and len(learner.replay):
                if learner.input_std == 1.0 and learner.input_mean == 0.0:
                    learner.fit_standardisation()
                for _ in range(int(o["updates_per_train"])):
                    online_loss.append(learner.update(rng, with_agent_term=True).per_agent)
            loop.step(decision)
            t += 1
        loop.env.close()
        return TrainResult(
            env_steps=loop.steps,
            wall_clock_s=time.perf_counter() - start_time,
            curve=loop.curve,
            extra={
                "n_demos": n_demos,
                "pretrain_loss": pretrain_loss,
                "pretrain_end": pretrain_end,
                "online_loss": online_loss,
                "mean_search_gain": float(np.mean(search_gain)) if search_gain else 0.0,
            },
        )

    # -- persistence ------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        return {"seed": self.seed, "learner": self.learner.state_dict()}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.seed = int(state["seed"])
        self.learner.load_state_dict(state["learner"])


class _SlotLoop:
    """The training slots: steps the env, starts a new layout every ``slots_per_layout``
    slots (and at the end of an episode), and records the episode returns."""

    def __init__(self, env: gym.Env, rng: np.random.Generator, slots_per_layout: int,
                 progress: ProgressFn | None) -> None:
        self.env = env
        self.rng = rng
        self.slots_per_layout = max(1, int(slots_per_layout))
        self.progress = progress
        self.steps = 0
        self.curve: list[tuple[int, float]] = []
        self._reset()

    def _reset(self) -> None:
        self.obs, _ = self.env.reset(seed=int(self.rng.integers(0, 2**31 - 1)))
        self.in_layout = 0
        self.episode_return = 0.0
        self.episode_len = 0

    def state(self):
        from edge_envs.large_scale_mec.observation import decode_observation

        return decode_observation(self.obs, self.env.unwrapped.params)

    def step(self, decision: np.ndarray) -> float:
        self.obs, reward, terminated, truncated, _ = self.env.step(decision)
        self.steps += 1
        self.in_layout += 1
        self.episode_return += float(reward)
        self.episode_len += 1
        if terminated or truncated or self.in_layout >= self.slots_per_layout:
            # Layouts may be cut short: report the mean reward per slot of this layout scaled
            # to a full episode, comparable with the runner's episode returns.
            mean = self.episode_return / self.episode_len * self.env.unwrapped.params.episode_slots
            self.curve.append((self.steps, mean))
            if self.progress is not None:
                self.progress(self.steps, mean)
            self._reset()
        return float(reward)

