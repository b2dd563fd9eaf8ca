"""The one interface shared by every agent of the suite.

An agent is built by a *factory* ``factory(env, **config) -> Agent`` from a template
environment of the scenario it will face (it reads the spaces and, if it wants, the
scenario parameters from ``env.unwrapped.params``). Then:

* ``train(make_env, budget_steps, seed, progress)`` learns with at most
  ``budget_steps`` environment steps, all randomness from ``seed``;
* ``begin_episode(env)`` is called before each evaluation episode, after ``reset``;
  reference agents that use privileged state (the exact optimum, the oracle) read the
  documented read-only attributes of ``env.unwrapped`` there;
* ``act(observation)`` returns one action of ``env.action_space``;
* ``save(path)`` / ``Agent.load(path, env)`` round-trip everything needed to act.

Heuristics simply inherit the no-op ``train``.
"""

from __future__ import annotations

import json
import pickle
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import gymnasium as gym
import numpy as np

ProgressFn = Callable[[int, float], None]
"""``progress(env_steps_so_far, recent_mean_episode_return)``, for learning curves."""


@dataclass
class TrainResult:
    """What training cost and how it went.

    ``curve`` holds ``(env_steps, mean_episode_return)`` points for the learning curve.
    """

    env_steps: int = 0
    wall_clock_s: float = 0.0
    curve: list[tuple[int, float]] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)


class Agent(ABC):
    """Base class of every agent. Subclasses set ``name`` and implement ``act``.

    Class attributes:
        name: registry name of the agent.
        learns: ``True`` when ``train`` does something (the runner records its cost).
        privileged: ``True`` for references that read hidden env state (exact optimum,
            oracle); the leaderboard marks them.
        plans_with_model: ``True`` for agents that score candidate actions with the
            environment's own cost model (a search or lookahead with the true simulator);
            the leaderboard marks them ``+``, to be compared with agents of the same
            information such as ``greedy-lookahead``. May be a property when it depends on
            the config.
    """

    name: ClassVar[str] = "agent"
    learns: ClassVar[bool] = False
    privileged: ClassVar[bool] = False
    plans_with_model: ClassVar[bool] = False

    def __init__(self, env: gym.Env, **config: Any) -> None:
        self.observation_space = env.observation_space
        self.action_space = env.action_space
        self.env_id = env.spec.id if env.spec is not None else type(env.unwrapped).__name__
        self.config = dict(config)

    # -- learning -------------------------------------------------------------------
    def train(
        self,
        make_env: Callable[[], gym.Env],
        budget_steps: int,
        seed: int,
        progress: ProgressFn | None = None,
    ) -> TrainResult:
        """Learn for at most ``budget_steps`` env steps. Heuristics do nothing."""
        return TrainResult()

    # -- acting ---------------------------------------------------------------------
    def begin_episode(self, env: gym.Env) -> None:  # noqa: B027 - optional hook
        """Called after each ``env.reset`` during evaluation."""

    @abstractmethod
    def act(self, observation: Any) -> Any:
        """One action of ``self.action_space`` for ``observation``."""

    def check_observation(self, observation: Any) -> np.ndarray:
        """``observation`` as an array, or ``ValueError`` if its shape does not fit the space."""
        obs = np.asarray(observation)
        expected = self.observation_space.shape
        if expected is not None and obs.shape != tuple(expected):
            raise ValueError(
                f"{self.name}: observation of shape {obs.shape} given, {tuple(expected)} expected "
                f"(env {self.env_id})"
            )
        return obs

    # -- persistence ----------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        """Everything needed to act again after ``load``; override for learned weights."""
        return {}

    def load_state_dict(self, state: dict[str, Any]) -> None:  # noqa: B027 - optional hook
        """Inverse of :meth:`state_dict`."""

    def save(self, path: str | Path) -> Path:
        """Write the agent to ``path`` (a directory is created)."""
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        header = {
            "agent": self.name,
            "class": f"{type(self).__module__}:{type(self).__qualname__}",
            "env_id": self.env_id,
            "observation_shape": list(self.observation_space.shape or ()),
            "action_space": repr(self.action_space),
            "config": self.config,
        }
        (path / "agent.json").write_text(json.dumps(header, indent=2, default=str))
        with open(path / "state.pkl", "wb") as fh:
            pickle.dump(self.state_dict(), fh)
        return path

    @classmethod
    def load(cls, path: str | Path, env: gym.Env) -> Agent:
        """Rebuild an agent saved by :meth:`save` for ``env``.

        Raises ``ValueError`` when the file was saved for another environment or other spaces.
        """
        path = Path(path)
        header = json.loads((path / "agent.json").read_text())
        if getattr(cls, "__abstractmethods__", None):
            # Called on the base class: hand over to the saved class (it may override load).
            return _import_class(header["class"]).load(path, env)
        env_id = env.spec.id if env.spec is not None else type(env.unwrapped).__name__
        if header["env_id"] != env_id:
            raise ValueError(
                f"{path} holds a {header['agent']!r} agent saved for {header['env_id']}, "
                f"not for {env_id}"
            )
        if (
            list(env.observation_space.shape or ()) != header["observation_shape"]
            or repr(env.action_space) != header["action_space"]
        ):
            raise ValueError(
                f"{path} was saved for observation shape {header['observation_shape']} and action "
                f"space {header['action_space']}; this env has {env.observation_space.shape} and "
                f"{env.action_space} (another scenario?)"
            )
        agent = cls(env, **header["config"])
        with open(path / "state.pkl", "rb") as fh:
            agent.load_state_dict(pickle.load(fh))
        return agent


def _import_class(dotted: str) -> type[Agent]:
    import importlib

    module, qualname = dotted.split(":")
    obj: Any = importlib.import_module(module)
    for part in qualname.split("."):
        obj = getattr(obj, part)
    return obj
