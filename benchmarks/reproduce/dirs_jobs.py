"""The paper-003 protocols as runner jobs: agent factories of ``edge-bench reproduce dirs``.

Every job of the reproduction is an ordinary runner job on ``LargeScaleMEC-v0`` whose
evaluation env stops after ``eval_slots`` slots (``episode_slots``); the slots of an
evaluation seed do not depend on the decisions, so every agent faces the same slots. What the
runner does not measure comes from the factories below, in ``TrainResult.extra`` (stored as
``train_extra``):

* :class:`MeasuredAgent` wraps a registered agent (Table V, Tables III/IV, the sweeps). After
  the inner agent trains, it plays the job's evaluation slots with the one evaluation loop
  (:func:`agents.evaluation.evaluate`) and stores per slot the objective, total time, total
  energy and decision wall-clock (``slots``), for the agent as trained and for each *view*:
  the same trained networks with some options changed at act time (DIRS without the fill,
  with the paper's vote alone). So an ablation is measured on the very weights of the row
  beside it, and needs no second training. The runner's own evaluation then replays the
  decisions measured for the agent (same seeds, same observations), so the costly searches
  (PSO, DE) decide each slot once.
* :class:`PretrainedDIRS` (Table II): DIRS pre-trained on demonstrations only (Algorithm 2),
  with its imitation accuracy on those and on held-out demonstrations.
* :class:`SearchCurves` (Fig. 4): our Lévy flight search against the classic one on fixed slots.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

import gymnasium as gym
import numpy as np

from agents.base import Agent, ProgressFn, TrainResult
from agents.dirs.agent import DIRSAgent
from agents.evaluation import evaluate, observation_digest
from benchmarks.reproduce.wrapper import WrappedAgent

SLOT_METRICS = ("objective", "time_s", "energy_j")
# Demonstration sets of Table II: training pairs from layouts of seed 1, test pairs of seed 2.
DEMO_SEED, TEST_SEED = 1, 2


# --------------------------------------------------------------------------- per-slot records
class SlotLog(gym.Wrapper):
    """Keeps ``info[objective|time_s|energy_j]`` of every step."""

    def __init__(self, env: gym.Env) -> None:
        super().__init__(env)
        self.values: dict[str, list[float]] = {k: [] for k in SLOT_METRICS}

    def step(self, action):
        out = self.env.step(action)
        for key in SLOT_METRICS:
            self.values[key].append(float(out[4][key]))
        return out


class _Timed:
    """Acts with ``agent``, timing each decision; ``record`` keeps the decisions by observation."""

    def __init__(self, agent: Agent, record: dict[str, Any] | None = None) -> None:
        self.agent, self.record, self.seconds = agent, record, []

    def begin_episode(self, env: gym.Env) -> None:
        self.agent.begin_episode(env)

    def act(self, observation):
        t0 = time.perf_counter()
        action = self.agent.act(observation)
        self.seconds.append(time.perf_counter() - t0)
        if self.record is not None:
            self.record[observation_digest(observation)] = np.array(action, copy=True)
        return action


def play_slots(agent: Agent, env: gym.Env, seeds, slots: int,
               record: dict[str, Any] | None = None) -> dict[str, list[float]]:
    """Per-slot objective, time, energy and decision seconds of ``agent`` on ``slots`` slots of
    each seed (the one evaluation loop); ``record`` receives the decisions."""
    log, actor = SlotLog(env), _Timed(agent, record)
    evaluate(actor, log, seeds, "objective", max_steps=int(slots))
    return {**{k: [round(v, 6) for v in vs] for k, vs in log.values.items()},
            "act_s": [round(v, 7) for v in actor.seconds]}


class MeasuredAgent(WrappedAgent):
    """Wraps a registered agent; measures it (and its act-time views) slot by slot.

    Config: ``inner`` (the wrapped factory, ``module:attr``), ``eval_seeds`` and
    ``eval_slots`` (the job's evaluation slots), ``views`` (label -> overrides of the inner
    agent's ``options`` applied at act time only, e.g. ``{"vote only": {"admission": False,
    "fill": False}}``), and the inner agent's own keyword arguments. ``train_extra["slots"]``
    maps ``"agent"`` and each view label to ``{objective, time_s, energy_j, act_s}`` lists. The
    inner agent's loss curves are dropped (Figs. 3/5 keep them in their own jobs).
    """

    name = "measured"
    MAIN = "agent"

    def __init__(self, env: gym.Env, inner: str, eval_seeds, eval_slots: int,
                 views: Mapping[str, Mapping[str, Any]] | None = None, **config: Any) -> None:
        super().__init__(env, inner=inner, eval_seeds=eval_seeds, eval_slots=eval_slots,
                         views=views, **config)
        self.wrap(env, inner, config)
        self.eval_seeds = [int(s) for s in eval_seeds]
        self.eval_slots = int(eval_slots)
        self.views = {str(k): dict(v) for k, v in (views or {}).items()}
        self.replay: dict[str, Any] = {}

    def train(self, make_env: Callable[[], gym.Env], budget_steps: int, seed: int,
              progress: ProgressFn | None = None) -> TrainResult:
        t0 = time.perf_counter()
        result = self.inner.train(make_env, budget_steps, seed, progress)
        wall = result.wall_clock_s or time.perf_counter() - t0
        extra = {k: v for k, v in result.extra.items()
                 if k not in ("pretrain_loss", "online_loss")}
        t1 = time.perf_counter()
        env = make_env()
        slots = {self.MAIN: play_slots(self.inner, env, self.eval_seeds, self.eval_slots,
                                       self.replay)}
        options = getattr(self.inner, "options", None)
        saved = dict(options or {})
        for label, changes in self.views.items():
            unknown = set(changes) - set(saved)
            if unknown:
                raise ValueError(f"view {label!r}: the agent has no option(s) {sorted(unknown)}")
            options.update(changes)
            try:
                slots[label] = play_slots(self.inner, env, self.eval_seeds, self.eval_slots)
            finally:
                options.update(saved)
        env.close()
        extra["slots"] = slots
        extra["measure_s"] = time.perf_counter() - t1  # left out of the training wall-clock
        return TrainResult(env_steps=result.env_steps, wall_clock_s=wall, curve=result.curve,
                           extra=extra)

    def act(self, observation: Any) -> Any:
        decided = self.replay.get(observation_digest(observation))
        return decided.copy() if decided is not None else self.inner.act(observation)


# --------------------------------------------------------------------------- Table II
# Demonstration sets already made in this process: the Table II jobs a worker runs share them.
_DEMOS: dict[str, tuple[np.ndarray, np.ndarray]] = {}


def demonstrations(env: gym.Env, agent: DIRSAgent, count: int, seed: int,
                   labels: str = "search") -> tuple[np.ndarray, np.ndarray]:
    """``count`` demonstration pairs (features, decision), one layout every 10 slots.

    ``labels``: ``"search"`` (the demonstration Lévy search of Algorithm 2), ``"search2"`` (the
    same search with another random stream) or ``"exact"`` (the optimum). The slots do not
    depend on the decisions, so the same ``seed`` gives the same slots for every kind, and the
    first ``n`` pairs of a longer set are the set of ``n`` (a cached longer set is sliced).
    """
    from benchmarks.jobs import canonical_json

    key = canonical_json([repr(env.unwrapped.params), agent.options, seed, labels])
    cached = _DEMOS.get(key)
    if cached is None or len(cached[0]) < count:
        cached = _DEMOS[key] = _make_demonstrations(env, agent, count, seed, labels)
    return cached[0][:count], cached[1][:count]


def _make_demonstrations(env, agent, count, seed, labels):
    from agents.dirs.agent import channel_start, gain_features
    from edge_envs.large_scale_mec.baselines import exact_decision

    model, p = env.unwrapped.model, env.unwrapped.params
    rng = np.random.default_rng(seed + (10_000 if labels == "search2" else 0))
    xs, ds = [], []
    obs = None
    for k in range(count):
        if k % 10 == 0:
            obs, _ = env.reset(seed=seed * 100_000 + k)
        state = model.state
        if labels == "exact":
            decision = exact_decision(state, model).decision
        else:
            decision = agent.refine(channel_start(state, model), state, model, rng,
                                    demo=True).decision
        xs.append(gain_features(obs, p.n_iotd, p.n_mec))
        ds.append(decision)
        obs, *_ = env.step(decision)
    return np.array(xs), np.array(ds)


def pretrain(n_mec: int, layers, x: np.ndarray, d: np.ndarray, lambda1: float):
    """A DIRS learner pre-trained on the pairs ``(x, d)`` only (Algorithm 2, ``pretrain_iters``
    updates of the loss L1 (eq. (14)); ``lambda1 = 0`` gives L_D)."""
    import torch

    from agents.dirs.agent import DEFAULTS
    from agents.dirs.core import DIRSLearner

    torch.manual_seed(0)
    learner = DIRSLearner(n_mec, layers, lambda1=lambda1, lr=DEFAULTS["lr"],
                          buffer_size=max(len(x), 1))
    for xi, di in zip(x, d, strict=True):
        learner.replay.add(xi, di, demo=True)
    learner.fit_standardisation()
    rng = np.random.default_rng(0)
    for _ in range(DEFAULTS["pretrain_iters"]):
        learner.update(rng, with_agent_term=False)
    return learner


class PretrainedDIRS(DIRSAgent):
    """DIRS pre-trained on ``demos`` demonstrations only; acts with the pre-trained networks.

    Config: ``demos`` (training pairs), ``loss`` (``"L1"`` or ``"LD"``: without the L2 term),
    ``labels`` (``"search"``, or ``"exact"``: the optimum's decisions, with the agreement of
    a second search and of the optimum with the search labels), ``test_demos`` (held-out pairs).
    ``train_extra``: ``train`` and ``test`` accuracies (``decision``: share of IoTDs whose vote
    equals the label; ``binary``: share of the M*N outputs on the label's side of 0.5).
    """

    name = "dirs-pretrained"

    def __init__(self, env: gym.Env, demos: int = 512, loss: str = "L1", labels: str = "search",
                 test_demos: int = 256, **config: Any) -> None:
        if loss not in ("L1", "LD") or labels not in ("search", "exact"):
            raise ValueError(f"loss must be L1 or LD and labels search or exact; got {loss!r}, "
                             f"{labels!r}")
        super().__init__(env, **config)
        self.config.update(demos=demos, loss=loss, labels=labels, test_demos=test_demos)
        self.demos, self.loss, self.labels = int(demos), loss, labels
        self.test_demos = int(test_demos)

    def train(self, make_env, budget_steps, seed, progress=None) -> TrainResult:
        t0 = time.perf_counter()
        env = make_env()
        x, d = demonstrations(env, self, self.demos, DEMO_SEED, self.labels)
        x_test, d_test = demonstrations(env, self, self.test_demos, TEST_SEED, self.labels)
        lambda1 = self.options["lambda1"] if self.loss == "L1" else 0.0
        self.learner = pretrain(self.n_mec, self.layers, x, d, lambda1)
        extra: dict[str, Any] = {"train": self.learner.accuracy(x, d),
                                 "test": self.learner.accuracy(x_test, d_test)}
        if self.labels == "exact":
            # Label noise: how far the search's labels are a function of the slot at all.
            _, searched = demonstrations(env, self, self.test_demos, TEST_SEED, "search")
            _, again = demonstrations(env, self, self.test_demos, TEST_SEED, "search2")
            extra["search_vs_search"] = float(np.mean(searched == again))
            extra["search_vs_exact"] = float(np.mean(searched == d_test))
        env.close()
        return TrainResult(env_steps=self.demos, wall_clock_s=time.perf_counter() - t0,
                           extra=extra)


# --------------------------------------------------------------------------- Fig. 4
class SearchCurves(Agent):
    """Fig. 4: our Lévy flight search (eqs. (20)-(23)) and the classic one (eq. (18)) from the
    same start and random stream on the first slot of each of ``slot_seeds``.

    ``start``: ``"random"`` (a uniformly random decision) or ``"refine"`` (every IoTD on its
    strongest link with the capacity admission, ``channel_start``: the good decision a trained
    ensemble gives, which Algorithm 1 hands to the search). ``train_extra``: ``ours`` and
    ``classic``, the best fitness / exact optimum at the start and after each generation, mean
    over the slots. Acting, the agent runs our search from that start on the env's state
    (it plans with the model, like PSO).
    """

    name = "levy-search"
    privileged = True

    def __init__(self, env: gym.Env, start: str = "random", generations: int = 100,
                 slot_seeds=(1000,)) -> None:
        if start not in ("random", "refine"):
            raise ValueError(f"start must be 'random' or 'refine', got {start!r}")
        super().__init__(env, start=start, generations=generations, slot_seeds=slot_seeds)
        self.start, self.generations = start, int(generations)
        self.slot_seeds = [int(s) for s in slot_seeds]
        self.model = None
        self.episode = -1  # the k-th evaluation episode searches with random stream k

    def _start(self, state, model, k: int) -> np.ndarray:
        from agents.dirs.agent import channel_start

        if self.start == "refine":
            return channel_start(state, model)
        return np.random.default_rng(k).integers(0, state.n_mec + 1, state.n_iotd)

    def _search(self, classic: bool, state, model, k: int):
        from agents.dirs.levy import classic_levy_search, levy_flight_search

        def fitness(d):
            return model.evaluate_population(d, state)

        start, rng = self._start(state, model, k), np.random.default_rng(k)
        if classic:
            return classic_levy_search(start, state.n_mec, fitness, rng,
                                       generations=self.generations)
        return levy_flight_search(start, state.channel_gain, fitness, rng,
                                  generations=self.generations)

    def train(self, make_env, budget_steps, seed, progress=None) -> TrainResult:
        from edge_envs.large_scale_mec.baselines import exact_decision

        env = make_env()
        model = env.unwrapped.model
        curves: dict[str, list[list[float]]] = {"ours": [], "classic": []}
        for k, slot_seed in enumerate(self.slot_seeds):
            env.reset(seed=slot_seed)
            state = model.state
            opt = exact_decision(state, model).objective
            for name in curves:
                res = self._search(name == "classic", state, model, k)
                curves[name].append([res.start_objective / opt] + [h / opt for h in res.history])
        env.close()
        return TrainResult(extra={name: [round(float(v), 6) for v in np.mean(c, axis=0)]
                                  for name, c in curves.items()})

    def begin_episode(self, env: gym.Env) -> None:
        self.model = env.unwrapped.model
        self.episode += 1

    def act(self, observation: Any) -> Any:
        return self._search(False, self.model.state, self.model, self.episode).decision
