"""Baselines that work on every environment."""

from __future__ import annotations

from collections.abc import Callable

import gymnasium as gym
import numpy as np

from agents.base import Agent, TrainResult


class RandomAgent(Agent):
    """Uniform random actions: the 0 of the leaderboard's normalised score.

    Its action stream is seeded from ``seed`` (config, or ``train(seed=...)``) and the index of
    the evaluation episode, so episode k of a job always sees the same actions.
    """

    name = "random"

    def __init__(self, env: gym.Env, seed: int = 0) -> None:
        super().__init__(env, seed=seed)
        self._seed(seed)

    def _seed(self, seed: int, episodes: int = 0) -> None:
        self.seed = int(seed)
        self.episodes = int(episodes)
        self.action_space.seed(self.seed)

    def begin_episode(self, env: gym.Env) -> None:
        # Hash (seed, episode) into one integer so episode k's actions do not depend on
        # how many episodes ran before in this process.
        entropy = np.random.SeedSequence([self.seed, self.episodes]).generate_state(1)[0]
        self.action_space.seed(int(entropy))
        self.episodes += 1

    def train(
        self, make_env: Callable[[], gym.Env], budget_steps: int, seed: int, progress=None
    ) -> TrainResult:
        self._seed(seed)
        return TrainResult()

    def act(self, observation):
        self.check_observation(observation)
        return self.action_space.sample()

    def state_dict(self) -> dict:
        return {"seed": self.seed, "episodes": self.episodes}

    def load_state_dict(self, state: dict) -> None:
        self._seed(state["seed"], state["episodes"])
