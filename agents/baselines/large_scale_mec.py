"""LargeScaleMEC-v0 baselines as agents: thin wrappers over ``edge_envs.large_scale_mec.baselines``.

What each agent reads:

* ``local``, ``fixed-split``: nothing (the decision depends on the scenario's ``N``, ``M`` and
  MEC capacities only).
* ``random-mec``, ``pso``, ``de``: the observation only, decoded back to the slot's channel
  gains and tasks with ``decode_observation`` (exact up to ``float32`` rounding, about 2e-6
  relative on the gains), so they are not privileged.
* ``greedy``: the observation, plus the static layout (IoTD and MEC positions, read from
  ``env.unwrapped.iotd_positions`` / ``mec_positions`` in ``begin_episode``): the paper's rule
  is "nearest MEC", and positions are not part of the observation. The layout is known to any
  operator, so we do not count it as hidden state.
* ``exact`` (reference, ``privileged = True``): the true slot state of
  ``env.unwrapped.slot_state`` (bound in ``begin_episode``), so its objective is the proven
  optimum (homogeneous tasks) used as the normalised score's 1.0 and as the NRR denominator.
  If the observation it is given does not belong to that env, it solves the decoded
  observation instead (``decoded_fallbacks`` counts those).

Every agent works with both action modes: ``discrete`` (the decision itself) and ``scores``
(one-hot scores the vote maps back to the decision; with ``allocation="agent"`` followed by
the exact allocation's compute shares ``w_i / max w`` and power fractions ``p*_i / P_max``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import gymnasium as gym
import numpy as np

from agents.base import Agent, TrainResult
from edge_envs.large_scale_mec import baselines as solvers
from edge_envs.large_scale_mec.model import LargeScaleMECModel, SlotState
from edge_envs.large_scale_mec.observation import decode_observation, encode_gains

ENV_ID = "LargeScaleMEC-v0"


class _MECAgent(Agent):
    """Shared plumbing: decode observations, build actions, seed per episode and step."""

    def __init__(self, env: gym.Env, seed: int = 0, **config: Any) -> None:
        super().__init__(env, seed=seed, **config)
        self.params = env.unwrapped.params
        self.model = LargeScaleMECModel(self.params)
        self.seed = int(seed)
        self.episodes = 0
        self._step = 0

    # -- seeding ----------------------------------------------------------------------
    def train(
        self, make_env: Callable[[], gym.Env], budget_steps: int, seed: int, progress=None
    ) -> TrainResult:
        self.seed, self.episodes, self._step = int(seed), 0, 0
        return TrainResult()

    def begin_episode(self, env: gym.Env) -> None:
        self.episodes += 1
        self._step = 0

    def _rng(self) -> np.random.Generator:
        """Generator of (seed, episode, step): actions do not depend on earlier episodes."""
        self._step += 1
        return np.random.default_rng([self.seed, self.episodes, self._step])

    def state_dict(self) -> dict[str, Any]:
        return {"seed": self.seed, "episodes": self.episodes}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.seed, self.episodes, self._step = int(state["seed"]), int(state["episodes"]), 0

    # -- observation -> state, decision -> action --------------------------------------
    def _decoded(self, observation) -> SlotState:
        return decode_observation(self.check_observation(observation), self.params)

    def _action(self, decision: np.ndarray, state: SlotState) -> np.ndarray:
        p = self.params
        decision = np.asarray(decision, dtype=np.int64)
        if p.action_mode == "discrete":
            return decision
        scores = np.zeros((p.n_iotd, p.n_mec), dtype=np.float32)
        off = np.flatnonzero(decision)
        scores[off, decision[off] - 1] = 1.0
        parts = [scores.ravel()]
        if p.allocation == "agent":
            costs = self.model.slot_costs(state)
            w = state.compute_weights
            power = np.ones(p.n_iotd)
            power[off] = costs.tx_power_w[off, decision[off] - 1] / p.p_max_w
            parts += [w / w.max(), power]
        return np.clip(np.concatenate(parts), 0.0, 1.0).astype(np.float32)


class LocalAgent(_MECAgent):
    """Every IoTD computes locally (the paper's "Local")."""

    name = "local"

    def act(self, observation):
        state = self._decoded(observation)
        return self._action(solvers.local_decision(state), state)


def fixed_split_decision(f_max_hz, n_iotd: int, offload_share: float = 1.0) -> np.ndarray:
    """The first ``round(offload_share N)`` IoTDs offload, split over the MECs in proportion
    to their capacities ``F_max,j`` (largest remainder), IoTD ``i`` to MEC ``i mod M`` when the
    capacities are equal; the others run locally.

    IoTDs are exchangeable (positions, fading and tasks are drawn i.i.d. per IoTD), so which
    IoTDs go where does not matter on average, only how many.
    """
    f = np.asarray(f_max_hz, dtype=np.float64)
    n_off = int(round(offload_share * n_iotd))
    quota = n_off * f / f.sum()
    counts = np.floor(quota).astype(np.int64)
    counts[np.argsort(counts - quota, kind="stable")[: n_off - counts.sum()]] += 1
    # Deal the MECs out round-robin while each has quota left: i mod M for equal capacities.
    mec = np.repeat(np.arange(f.size), counts)
    rank = np.arange(n_off) - np.repeat(np.cumsum(counts) - counts, counts)
    decision = np.zeros(n_iotd, dtype=np.int64)
    decision[:n_off] = mec[np.lexsort((mec, rank))] + 1
    return decision


class FixedSplitAgent(_MECAgent):
    """A fixed offloading decision that ignores the observation (``fixed_split_decision``):
    the yardstick a learner must beat on the quick board (``System.fixed_rule_agent``).

    Config: ``offload_share`` (1.0): the share of IoTDs that offload.
    """

    name = "fixed-split"

    def __init__(self, env: gym.Env, seed: int = 0, offload_share: float = 1.0,
                 **config: Any) -> None:
        super().__init__(env, seed=seed, offload_share=offload_share, **config)
        if not 0.0 <= float(offload_share) <= 1.0:
            raise ValueError(f"offload_share must be in [0, 1], got {offload_share!r}")
        self.decision = fixed_split_decision(self.params.f_max_per_mec, self.params.n_iotd,
                                             float(offload_share))

    def act(self, observation):
        # Decoded only so that the scores view with allocation="agent" can carry the exact
        # allocation; the decision itself never looks at it.
        return self._action(self.decision, self._decoded(observation))


class RandomMECAgent(_MECAgent):
    """The paper's "Random": local or a uniformly drawn MEC per IoTD; IoTDs whose MEC would
    go over capacity (``edge_envs.large_scale_mec.baselines`` docstring) run locally."""

    name = "random-mec"
    plans_with_model = True  # accepts or scores decisions with the model's slot costs

    def act(self, observation):
        state = self._decoded(observation)
        return self._action(solvers.random_mec_decision(state, self.model, self._rng()), state)


class GreedyAgent(_MECAgent):
    """The paper's "Remote"/"Greedy": nearest MEC, over-capacity IoTDs fall back to local.

    Reads the layout (positions) from ``env.unwrapped`` in ``begin_episode``.
    """

    name = "greedy"
    plans_with_model = True  # accepts or scores decisions with the model's slot costs

    def __init__(self, env: gym.Env, seed: int = 0, **config: Any) -> None:
        super().__init__(env, seed=seed, **config)
        self._layout: tuple[np.ndarray, np.ndarray] | None = None

    def begin_episode(self, env: gym.Env) -> None:
        super().begin_episode(env)
        base = env.unwrapped
        self._layout = (np.array(base.iotd_positions), np.array(base.mec_positions))

    def act(self, observation):
        state = self._decoded(observation)
        if self._layout is None:
            raise RuntimeError("greedy needs begin_episode(env) first (it reads the layout)")
        iotd, mecs = self._layout
        return self._action(solvers.greedy_decision(state, self.model, iotd, mecs), state)


class PSOAgent(_MECAgent):
    """Particle swarm optimisation per slot on the decoded observation (paper's PSO).

    Config: ``particles`` (100), ``iterations`` (``None`` = ``clip(5 N, 100, 1000)``),
    ``inertia`` ((0.9, 0.4)), ``c1``/``c2`` (1.5).
    """

    name = "pso"
    plans_with_model = True  # accepts or scores decisions with the model's slot costs

    def act(self, observation):
        state = self._decoded(observation)
        keys = ("particles", "iterations", "inertia", "c1", "c2")
        kwargs = {k: self.config[k] for k in keys if k in self.config}
        if "inertia" in kwargs:
            kwargs["inertia"] = tuple(kwargs["inertia"])
        result = solvers.pso_decision(state, self.model, self._rng(), **kwargs)
        return self._action(result.decision, state)


class DEAgent(_MECAgent):
    """Differential evolution per slot on the decoded observation (paper's DE; our
    vectorised DE/rand/1/bin, see ``de_decision``).

    Config: ``population`` (50), ``generations`` (``None`` = ``clip(10 N, 200, 2000)``),
    ``mutation`` (0.5), ``crossover`` (0.05).
    """

    name = "de"
    plans_with_model = True  # accepts or scores decisions with the model's slot costs

    def act(self, observation):
        state = self._decoded(observation)
        keys = ("population", "generations", "mutation", "crossover")
        kwargs = {k: self.config[k] for k in keys if k in self.config}
        result = solvers.de_decision(state, self.model, self._rng(), **kwargs)
        return self._action(result.decision, state)


class ExactAgent(_MECAgent):
    """Optimal decision per slot (linear assignment; exact for equal ``phi_T F``).

    Privileged: solves the env's true slot state (``env.unwrapped.slot_state``). With
    heterogeneous tasks it is the best-known heuristic of ``exact_decision`` (lower bound
    within about 0.1 %).
    """

    name = "exact"
    privileged = True
    plans_with_model = True

    def __init__(self, env: gym.Env, seed: int = 0, **config: Any) -> None:
        super().__init__(env, seed=seed, **config)
        self._env: gym.Env | None = None
        self.decoded_fallbacks = 0
        self.last_result: solvers.ExactResult | None = None

    def begin_episode(self, env: gym.Env) -> None:
        super().begin_episode(env)
        self._env = env.unwrapped

    def act(self, observation):
        obs = self.check_observation(observation)
        state = self._true_state(obs)
        if state is None:
            self.decoded_fallbacks += 1
            state = decode_observation(obs, self.params)
        self.last_result = solvers.exact_decision(state, self.model)
        return self._action(self.last_result.decision, state)

    def _true_state(self, obs: np.ndarray) -> SlotState | None:
        """The env's current state if ``obs`` is its observation (checked on a few gains)."""
        env = self._env
        state = None if env is None else getattr(env, "slot_state", None)
        if state is None or getattr(env, "params", None) != self.params:
            return None
        k = min(16, state.channel_gain.size)
        head = encode_gains(state.channel_gain.reshape(-1)[:k], self.params)
        return state if np.array_equal(head, np.asarray(obs, dtype=np.float32)[:k]) else None
