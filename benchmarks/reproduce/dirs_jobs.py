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
from dataclasses import replace
from typing import Any

import gymnasium as gym
import numpy as np

from agents.base import Agent, ProgressFn, TrainResult
from agents.dirs.agent import DIRSAgent
from agents.dirs.core import DIRSLearner
from agents.evaluation import evaluate, observation_digest
from benchmarks.reproduce.wrapper import WrappedAgent

SLOT_METRICS = ("objective", "time_s", "energy_j")


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


def demonstrations(env: gym.Env, agent: DIRSAgent, count: int, first_seed: int,
                   labels: str = "search", slots_per_layout: int | None = 10
                   ) -> tuple[np.ndarray, np.ndarray]:
    """``count`` demonstration pairs (features, decision) from consecutive slots.

    Layouts: env seeds ``first_seed, first_seed + 1, ...``, a new one every
    ``slots_per_layout`` slots; ``None`` keeps the one layout of ``first_seed`` for all
    slots (the paper's setting: its IoTDs are placed once; the env must allow ``count``
    slots per episode). ``labels``: ``"search"`` (the demonstration Lévy search of
    Algorithm 2), ``"search2"`` (the same search with another random stream) or ``"exact"``
    (the optimum). The slots do not depend on the decisions, so the same seeds give the same
    slots for every kind, and the first ``n`` pairs of a longer set are the set of ``n`` (a
    cached longer set is sliced).
    """
    from benchmarks.jobs import canonical_json

    key = canonical_json([repr(env.unwrapped.params), agent.options, first_seed, labels,
                          slots_per_layout])
    cached = _DEMOS.get(key)
    if cached is None or len(cached[0]) < count:
        cached = _DEMOS[key] = _make_demonstrations(env, agent, count, first_seed, labels,
                                                    slots_per_layout)
    return cached[0][:count], cached[1][:count]


def _make_demonstrations(env, agent, count, first_seed, labels, slots_per_layout):
    from agents.dirs.agent import channel_start, gain_features
    from edge_envs.large_scale_mec.baselines import exact_decision

    model, p = env.unwrapped.model, env.unwrapped.params
    per_layout = count if slots_per_layout is None else int(slots_per_layout)
    if per_layout > p.episode_slots:
        raise ValueError(f"{per_layout} slots per layout need episode_slots >= {per_layout}, "
                         f"got {p.episode_slots}")
    rng = np.random.default_rng(first_seed + (10_000 if labels == "search2" else 0))
    xs, ds = [], []
    obs = None
    for k in range(count):
        if k % per_layout == 0:
            obs, _ = env.reset(seed=first_seed + k // per_layout)
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


def pretrain(n_mec: int, layers, x: np.ndarray, d: np.ndarray, options: Mapping[str, Any],
             seed: int = 0):
    """A DIRS learner pre-trained on the pairs ``(x, d)`` only: Algorithm 2,
    ``options["pretrain_iters"]`` updates of the loss L1 (eq. (14); ``lambda1 = 0`` gives
    L_D), with the learner options of ``options`` (a DIRS agent's ``options``)."""
    import torch

    torch.manual_seed(seed)
    o = options
    learner = DIRSLearner(
        n_mec, layers, lr=o["lr"], lambda1=o["lambda1"], buffer_size=max(len(x), 1),
        batch_size=o["batch_size"], permute_iotds=o["permute_iotds"], gain_skip=o["gain_skip"],
        pos_weight=o["pos_weight"])
    for xi, di in zip(x, d, strict=True):
        learner.replay.add(xi, di, demo=True)
    learner.fit_standardisation()
    rng = np.random.default_rng(seed)
    for _ in range(int(o["pretrain_iters"])):
        learner.update(rng, with_agent_term=False)
    return learner


LAYOUTS = ("new", "one")
ONE_LAYOUT_TRAIN = 512  # one-layout protocol: test slots start after this many


def table2_seeds(seed: int) -> tuple[int, int]:
    """First env seeds of the training and test demonstrations of training seed ``seed``:
    training layouts ``100 seed, 100 seed + 1, ...`` (training seeds 0..499), test layouts
    ``500 + 100 seed, ...`` (validation seeds 500..999); up to 100 layouts each."""
    if not 0 <= seed < 5:
        raise ValueError(f"Table II's seed scheme holds training seeds 0..4, got {seed}")
    return 100 * seed, 500 + 100 * seed


def imitation_run(agent: DIRSAgent, demos: int, test_demos: int, seed: int,
                  labels: str = "search", layout: str = "new",
                  options: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Pre-train on ``demos`` demonstrations and measure (Table II, Fig. 3's end point).

    ``layout="new"``: a new layout every 10 slots, training layouts from training seeds, test
    layouts from validation seeds (:func:`table2_seeds`); ``"one"``: one layout (env seed
    ``100 seed``) for ``ONE_LAYOUT_TRAIN + test_demos`` slots, trained on its first ``demos``
    slots and tested on the slots after ``ONE_LAYOUT_TRAIN`` (the paper places its IoTDs
    once and does not describe its test set). ``options`` override ``agent.options`` for the
    learner. Returns ``train``/``test`` accuracies (:meth:`DIRSLearner.accuracy`), ``loss``
    (:meth:`DIRSLearner.demo_loss` on the training pairs) and the learner.
    """
    x, d, x_test, d_test = imitation_sets(agent, demos, test_demos, seed, labels, layout)
    learner = pretrain(agent.n_mec, agent.layers, x, d, {**agent.options, **(options or {})},
                       seed)
    return {"train": learner.accuracy(x, d), "test": learner.accuracy(x_test, d_test),
            "loss": learner.demo_loss(x, d), "learner": learner, "test_labels": d_test}


def imitation_sets(agent: DIRSAgent, demos: int, test_demos: int, seed: int, labels: str,
                   layout: str) -> tuple[np.ndarray, ...]:
    """Training and test pairs ``(x, d, x_test, d_test)`` of :func:`imitation_run`."""
    from edge_envs.large_scale_mec.gym_env import LargeScaleMECEnv

    if layout not in LAYOUTS:
        raise ValueError(f"layout must be one of {LAYOUTS}, got {layout!r}")
    train_seed, test_seed = table2_seeds(seed)
    if layout == "new":
        env = LargeScaleMECEnv(agent.params)
        x, d = demonstrations(env, agent, demos, train_seed, labels)
        x_test, d_test = demonstrations(env, agent, test_demos, test_seed, labels)
    else:
        total = ONE_LAYOUT_TRAIN + test_demos
        env = LargeScaleMECEnv(replace(agent.params, episode_slots=total))
        x_all, d_all = demonstrations(env, agent, total, train_seed, labels, None)
        x, d = x_all[:demos], d_all[:demos]
        x_test, d_test = x_all[ONE_LAYOUT_TRAIN:], d_all[ONE_LAYOUT_TRAIN:]
    env.close()
    return x, d, x_test, d_test


class PretrainedDIRS(DIRSAgent):
    """DIRS pre-trained on ``demos`` demonstrations only; acts with the pre-trained networks.

    Config: ``demos`` (training pairs), ``loss`` (``"L1"`` or ``"LD"``: without the L2 term),
    ``labels`` (``"search"``, or ``"exact"``: the optimum's decisions, with the agreement of
    a second search and of the optimum with the search labels), ``test_demos`` (held-out
    pairs), ``layout`` (``"new"`` or ``"one"``, :func:`imitation_run`), and DIRS options.
    ``train_extra``: ``train`` and ``test`` accuracies (``decision``: share of IoTDs whose vote
    equals the label; ``binary``: share of the M*N outputs on the label's side of 0.5) and
    ``loss`` (per agent, L1 and the plain cross-entropy, on the training pairs).
    """

    name = "dirs-pretrained"

    def __init__(self, env: gym.Env, demos: int = 512, loss: str = "L1", labels: str = "search",
                 test_demos: int = 256, layout: str = "new", **config: Any) -> None:
        if loss not in ("L1", "LD") or labels not in ("search", "exact") or layout not in LAYOUTS:
            raise ValueError(f"loss must be L1 or LD, labels search or exact, layout one of "
                             f"{LAYOUTS}; got {loss!r}, {labels!r}, {layout!r}")
        super().__init__(env, **config)
        self.config.update(demos=demos, loss=loss, labels=labels, test_demos=test_demos,
                           layout=layout)
        self.demos, self.loss, self.labels = int(demos), loss, labels
        self.test_demos, self.layout = int(test_demos), layout

    def train(self, make_env, budget_steps, seed, progress=None) -> TrainResult:
        t0 = time.perf_counter()
        lambda1 = self.options["lambda1"] if self.loss == "L1" else 0.0
        run = imitation_run(self, self.demos, self.test_demos, seed, self.labels, self.layout,
                            {"lambda1": lambda1})
        self.learner = run.pop("learner")
        d_test = run.pop("test_labels")
        extra: dict[str, Any] = run
        if self.labels == "exact":
            # Label noise: how far the search's labels are a function of the slot at all.
            searched, again = (imitation_sets(self, self.demos, self.test_demos, seed, kind,
                                              self.layout)[3] for kind in ("search", "search2"))
            extra["search_vs_search"] = float(np.mean(searched == again))
            extra["search_vs_exact"] = float(np.mean(searched == d_test))
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
