"""A tiny toy system and toy agents for the benchmark-runner tests (not a real environment).

``BenchToy-v0``: each step a hidden target in ``{0..n-1}``; the observation is a one-hot
*hint* (right with probability ``hint_accuracy``), the time fraction and an episode "layout"
value (uniform, fixed for the episode, so first observations identify episodes). Reward 1 for
hitting the target; the "paper metric" ``info["cost"] = |action - target|`` (lower is better).
The targets and hints of an episode come from the reset seed only.

Importing this module registers the system (worker processes import it through the runner's
``preload``); tests use :func:`installed` to register it and a toy agent catalog for their
duration and remove both afterwards, so other test files never see the toy.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from dataclasses import dataclass

import gymnasium as gym
import numpy as np

from agents.base import Agent, TrainResult
from agents.registry import AgentSpec
from edge_envs.core.env_base import EpisodeGuard, check_action, check_render_mode
from edge_envs.core.seeding import entropy_from, spawn_streams
from edge_envs.core.validation import check_float, check_int
from edge_envs.registry import SYSTEMS, System, add_system, resolve_scenario

ENV_ID = "BenchToy-v0"
MODULE = __name__  # "tests.benchmark_toy"


@dataclass(frozen=True)
class ToyParams:
    episode_slots: int = 6
    n_actions: int = 3
    hint_accuracy: float = 0.7

    def __post_init__(self) -> None:
        check_int("episode_slots", self.episode_slots, 1, 10_000)
        check_int("n_actions", self.n_actions, 2, 1_000)
        check_float("hint_accuracy", self.hint_accuracy, 0.0, 1.0)


SCENARIOS = {
    "tiny": ToyParams(episode_slots=4),
    "small": ToyParams(),
    "wide": ToyParams(n_actions=5, hint_accuracy=0.5),
}


class ToyEnv(gym.Env):
    metadata = {"render_modes": ["rgb_array"], "render_fps": 4}

    def __init__(self, scenario=None, render_mode=None, **overrides) -> None:
        check_render_mode(render_mode, self.metadata["render_modes"])
        self.render_mode = render_mode
        self.params = resolve_scenario(SYSTEM, scenario, overrides)
        n = self.params.n_actions
        self.observation_space = gym.spaces.Box(0.0, 1.0, (n + 2,), np.float32)
        self.action_space = gym.spaces.Discrete(n)
        self._guard = EpisodeGuard()

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        p = self.params
        streams = spawn_streams(
            entropy_from(self.np_random, seed), ("targets", "hints", "layout")
        )
        self.layout = float(streams["layout"].random())
        self.targets = streams["targets"].integers(0, p.n_actions, size=p.episode_slots)
        right = streams["hints"].random(p.episode_slots) < p.hint_accuracy
        wrong = (self.targets + 1 + streams["hints"].integers(0, p.n_actions - 1,
                                                               size=p.episode_slots))
        self.hints = np.where(right, self.targets, wrong % p.n_actions)
        self.t = 0
        self._guard.started()
        return self._obs(), {}

    @property
    def current_target(self) -> int:
        """Privileged: the hidden target of this step (read by the toy oracle)."""
        return int(self.targets[self.t])

    def _obs(self) -> np.ndarray:
        n = self.params.n_actions
        obs = np.zeros(n + 2, dtype=np.float32)
        t = min(self.t, self.params.episode_slots - 1)
        obs[self.hints[t]] = 1.0
        obs[n] = self.t / self.params.episode_slots
        obs[n + 1] = self.layout
        return obs

    def step(self, action):
        self._guard.check()
        a = int(check_action(self.action_space, action))
        target = self.current_target
        reward = 1.0 if a == target else 0.0
        info = {"cost": float(abs(a - target))}
        self.t += 1
        truncated = self.t >= self.params.episode_slots
        if truncated:
            self._guard.ended()
        return self._obs(), reward, False, bool(truncated), info

    def render(self):
        return np.zeros((8, 8, 3), dtype=np.uint8)


SYSTEM = System(
    env_id=ENV_ID,
    entry_point=f"{MODULE}:ToyEnv",
    scenarios=SCENARIOS,
    default_scenario="small",
    paper_metric="cost",
    metric_goal="min",
    quick_scenario="tiny",
    reference_agent="toy-oracle",
    quick_overrides={"episode_slots": 3},
    scale_10x={"n_actions": 30},
)


# ----------------------------------------------------------------------------- agents
def hint_of(obs) -> int:
    """The hinted action: the one-hot part is everything but the last two entries."""
    return int(np.argmax(np.asarray(obs)[:-2]))


class ToyRandomAgent(Agent):
    """Uniform actions from a generator seeded by the training seed and the episode index."""

    name = "random"

    def __init__(self, env, seed: int = 0) -> None:
        super().__init__(env, seed=seed)
        self.seed, self.episode = int(seed), 0
        self.rng = np.random.default_rng(self.seed)

    def train(self, make_env, budget_steps, seed, progress=None):
        self.seed = int(seed)
        return TrainResult()

    def begin_episode(self, env) -> None:
        self.rng = np.random.default_rng([self.seed, self.episode])
        self.episode += 1

    def act(self, observation):
        return int(self.rng.integers(self.action_space.n))


class GreedyAgent(Agent):
    """Trusts the hint."""

    name = "toy-greedy"

    def act(self, observation):
        obs = self.check_observation(observation)
        return hint_of(obs)


class OracleAgent(Agent):
    """Reads the hidden target: a privileged reference."""

    name = "toy-oracle"
    privileged = True

    def begin_episode(self, env) -> None:
        self.env = env.unwrapped

    def act(self, observation):
        return self.env.current_target


class TabularLearner(Agent):
    """Epsilon-greedy value table over (hinted action, action); learns to trust the hint."""

    name = "toy-learner"
    learns = True

    def __init__(self, env, epsilon: float = 0.3) -> None:
        super().__init__(env, epsilon=epsilon)
        n = env.action_space.n
        self.q = np.zeros((n, n))
        self.visits = np.zeros((n, n))

    def train(self, make_env, budget_steps, seed, progress=None):
        rng = np.random.default_rng(seed)
        env = make_env()
        steps, curve, t0 = 0, [], time.perf_counter()
        obs, _ = env.reset(seed=seed)
        episode_return = 0.0
        while steps < budget_steps:
            hint = hint_of(obs)
            if rng.random() < self.config["epsilon"]:
                a = int(rng.integers(self.q.shape[1]))
            else:
                a = int(np.argmax(self.q[hint]))
            obs, reward, terminated, truncated, _ = env.step(a)
            self.visits[hint, a] += 1
            self.q[hint, a] += (reward - self.q[hint, a]) / self.visits[hint, a]
            steps += 1
            episode_return += reward
            if terminated or truncated:
                curve.append((steps, episode_return))
                if progress is not None:
                    progress(steps, episode_return)
                episode_return = 0.0
                obs, _ = env.reset()
        env.close()
        return TrainResult(env_steps=steps, wall_clock_s=time.perf_counter() - t0, curve=curve)

    def act(self, observation):
        obs = self.check_observation(observation)
        return int(np.argmax(self.q[hint_of(obs)]))

    def state_dict(self):
        return {"q": self.q.copy(), "visits": self.visits.copy()}

    def load_state_dict(self, state):
        self.q, self.visits = state["q"].copy(), state["visits"].copy()


COUNTER_ENV = "BENCH_TOY_COUNTER"


class SlowAgent(GreedyAgent):
    """Greedy, but training logs ``seed pid`` to ``$BENCH_TOY_COUNTER`` and sleeps ``delay_s``,
    and then, while fewer than ``processes`` distinct pids are in the log (at most 60 s), longer:
    a barrier that makes concurrent runs overlap however slowly the machine starts them."""

    name = "toy-slow"

    def __init__(self, env, delay_s: float = 0.5, processes: int = 1) -> None:
        super().__init__(env, delay_s=delay_s, processes=processes)

    def train(self, make_env, budget_steps, seed, progress=None):
        path = os.environ.get(COUNTER_ENV)
        if path:
            with open(path, "a") as fh:
                fh.write(f"{seed} {os.getpid()}\n")
        time.sleep(float(self.config["delay_s"]))
        deadline = time.monotonic() + 60
        while path and len(_logged_pids(path)) < int(self.config["processes"]):
            if time.monotonic() > deadline:
                raise TimeoutError("the other processes never logged a job")
            time.sleep(0.02)
        return TrainResult()


def _logged_pids(path: str) -> set[str]:
    with open(path) as fh:
        return {line.split()[1] for line in fh.read().splitlines()}


def _attempt(seed: int) -> int:
    """Log an attempt of ``seed`` (``"seed pid"``) to ``$BENCH_TOY_COUNTER``; the number of
    earlier attempts of that seed."""
    path = os.environ.get(COUNTER_ENV)
    if not path:
        return 0
    with open(path, "a+") as fh:
        fh.seek(0)
        earlier = [line.split()[0] for line in fh.read().splitlines()].count(str(seed))
        fh.write(f"{seed} {os.getpid()}\n")
    return earlier


def _faults(config, seed: int) -> int:
    """How many first attempts of ``seed`` fail: ``{"<seed>": n}`` per seed, or one ``n``."""
    faults = config
    if isinstance(faults, dict):
        faults = faults.get(str(seed), 0)
    return int(faults)


class HangAgent(GreedyAgent):
    """A plug-in stuck in ``train``: the first ``hangs`` attempts of a seed sleep forever
    (``hangs``: a number, or ``{"<seed>": number}``), later ones train like the greedy agent."""

    name = "toy-hang"

    def __init__(self, env, hangs=1) -> None:
        super().__init__(env, hangs=hangs)

    def train(self, make_env, budget_steps, seed, progress=None):
        if _attempt(seed) < _faults(self.config["hangs"], seed):
            while True:
                time.sleep(3600)
        return TrainResult()


class KillSelfAgent(GreedyAgent):
    """A plug-in whose process dies in ``train`` (``SIGKILL``, as the OOM killer does) in the
    first ``deaths`` attempts of a seed (a number, or ``{"<seed>": number}``)."""

    name = "toy-kill-self"

    def __init__(self, env, deaths=1) -> None:
        super().__init__(env, deaths=deaths)

    def train(self, make_env, budget_steps, seed, progress=None):
        if _attempt(seed) < _faults(self.config["deaths"], seed):
            os.kill(os.getpid(), signal.SIGKILL)
        return TrainResult()


def make_greedy(env, **config) -> Agent:
    """A factory *function* (the plug-in path takes any callable)."""
    return GreedyAgent(env, **config)


CATALOG = [
    AgentSpec("random", f"{MODULE}:ToyRandomAgent", "baseline", description="toy random"),
    AgentSpec("toy-greedy", f"{MODULE}:GreedyAgent", "baseline", (ENV_ID,), "trusts the hint"),
    AgentSpec("toy-oracle", f"{MODULE}:OracleAgent", "reference", (ENV_ID,), "hidden target"),
    AgentSpec("toy-learner", f"{MODULE}:TabularLearner", "paper", (ENV_ID,), "tabular learner"),
    AgentSpec("toy-slow", f"{MODULE}:SlowAgent", "baseline", (ENV_ID,), "sleeps in train"),
]


# ----------------------------------------------------------------------------- registration
def install() -> None:
    add_system(SYSTEM)
    if ENV_ID not in gym.registry:
        gym.register(id=ENV_ID, entry_point=SYSTEM.entry_point)


def uninstall() -> None:
    SYSTEMS.pop(ENV_ID, None)
    gym.registry.pop(ENV_ID, None)


@contextlib.contextmanager
def installed(monkeypatch, only_toy: bool = True):
    """The toy system registered and the toy agents as the built-in catalog.

    ``only_toy`` hides the real systems from ``edge_envs.SYSTEMS`` (presets see the toy only).
    """
    import agents.registry as registry

    install()
    if only_toy:
        for env_id in [e for e in SYSTEMS if e != ENV_ID]:
            monkeypatch.delitem(SYSTEMS, env_id)
    monkeypatch.setattr(registry, "builtin_agents", lambda: {s.name: s for s in CATALOG})
    try:
        yield
    finally:
        uninstall()


install()  # worker processes import this module to see the toy system
