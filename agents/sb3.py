"""Adapter that runs any Stable-Baselines3 algorithm through the suite's agent interface.

``SB3Agent(env, algorithm="ppo", policy="MlpPolicy", hyperparams={...}, wrappers=[...])``.
``wrappers`` names standard Gymnasium observation/action wrappers (see :data:`WRAPPERS`)
applied around the env for training; at evaluation the same wrappers translate the raw
observation and the algorithm's action, so the runner always talks to the unwrapped env.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np

from agents.base import Agent, ProgressFn, TrainResult

ALGORITHMS = ("ppo", "a2c", "dqn", "sac", "td3", "ddpg")

# Names of the standard wrappers the env docs refer to; all are stateless per step, so
# applying ``wrapper.observation`` / ``wrapper.action`` outside the env loop is exact.
WRAPPERS: dict[str, Callable[[gym.Env], gym.Wrapper]] = {
    "flatten_observation": gym.wrappers.FlattenObservation,
    "rescale_action": lambda env: gym.wrappers.RescaleAction(
        env, np.float32(-1.0), np.float32(1.0)
    ),
    "clip_action": gym.wrappers.ClipAction,
}


def _algorithm_class(name: str):
    import stable_baselines3 as sb3

    classes = {
        "ppo": sb3.PPO,
        "a2c": sb3.A2C,
        "dqn": sb3.DQN,
        "sac": sb3.SAC,
        "td3": sb3.TD3,
        "ddpg": sb3.DDPG,
    }
    if name not in classes:
        raise ValueError(f"unknown SB3 algorithm {name!r}; valid: {', '.join(ALGORITHMS)}")
    return classes[name]


class _CurveCallback:
    """SB3 callback that reports (timesteps, mean recent episode return) to ``progress``."""

    def __new__(cls, progress: ProgressFn | None, curve: list, every: int):
        from stable_baselines3.common.callbacks import BaseCallback

        class Callback(BaseCallback):
            def _on_step(self) -> bool:
                if self.num_timesteps % every == 0 and len(self.model.ep_info_buffer) > 0:
                    mean = float(np.mean([ep["r"] for ep in self.model.ep_info_buffer]))
                    curve.append((int(self.num_timesteps), mean))
                    if progress is not None:
                        progress(int(self.num_timesteps), mean)
                return True

        return Callback()


def fit_rollout(cls, hyperparams: dict[str, Any], budget_steps: int) -> dict[str, Any]:
    """On-policy rollout sizes that keep SB3 within the step budget.

    SB3's on-policy algorithms always finish a rollout of ``n_steps``, so a budget that is not a
    multiple of ``n_steps`` would be overrun. We take the largest rollout length in
    ``(n_steps / 2, n_steps]`` that divides the budget, else ``budget // rollouts`` with the
    number of rollouts SB3 would run (at most ``budget`` steps in total), and, for PPO, the
    minibatch as the largest divisor of ``n_steps`` not above the requested one.
    """
    import inspect

    defaults = {
        k: v.default
        for k, v in inspect.signature(cls.__init__).parameters.items()
        if v.default is not inspect.Parameter.empty
    }
    n_steps = int(hyperparams.get("n_steps", defaults["n_steps"]))
    budget = max(1, int(budget_steps))
    # Prefer a rollout length close to the requested one that divides the budget exactly.
    exact = [d for d in range(min(n_steps, budget), n_steps // 2, -1) if budget % d == 0]
    rollouts = max(1, -(-budget // n_steps))
    fitted = {"n_steps": exact[0] if exact else max(1, budget // rollouts)}
    if "batch_size" in defaults:
        batch = min(int(hyperparams.get("batch_size", defaults["batch_size"])), fitted["n_steps"])
        while fitted["n_steps"] % batch:
            batch -= 1
        fitted["batch_size"] = max(batch, 2) if fitted["n_steps"] > 1 else 1
    return fitted


class SB3Agent(Agent):
    """Any SB3 algorithm behind :class:`agents.base.Agent`."""

    name = "sb3"
    learns = True

    def __init__(
        self,
        env: gym.Env,
        algorithm: str = "ppo",
        policy: str = "MlpPolicy",
        hyperparams: dict[str, Any] | None = None,
        wrappers: list[str] | tuple[str, ...] = (),
        curve_points: int = 50,
    ) -> None:
        _algorithm_class(algorithm)
        unknown = [w for w in wrappers if w not in WRAPPERS]
        if unknown:
            raise ValueError(f"unknown wrapper(s) {unknown}; valid: {', '.join(WRAPPERS)}")
        super().__init__(
            env,
            algorithm=algorithm,
            policy=policy,
            hyperparams=dict(hyperparams or {}),
            wrappers=list(wrappers),
            curve_points=curve_points,
        )
        self.name = f"sb3-{algorithm}"
        self.algorithm = algorithm
        self.policy = policy
        self.hyperparams = dict(hyperparams or {})
        self.wrapper_names = list(wrappers)
        self.curve_points = curve_points
        # A wrapped view of the template env, used only to translate observations/actions.
        self._view = self._wrap(env)
        self.model = None

    def _wrap(self, env: gym.Env) -> gym.Env:
        for name in self.wrapper_names:
            env = WRAPPERS[name](env)
        return env

    def _new_model(self, env: gym.Env, seed: int, budget_steps: int | None = None):
        cls = _algorithm_class(self.algorithm)
        hyperparams = dict(self.hyperparams)
        if budget_steps is not None and self.algorithm in ("ppo", "a2c"):
            hyperparams.update(fit_rollout(cls, hyperparams, budget_steps))
        return cls(self.policy, env, seed=seed, device="cpu", verbose=0, **hyperparams)

    def train(
        self,
        make_env: Callable[[], gym.Env],
        budget_steps: int,
        seed: int,
        progress: ProgressFn | None = None,
    ) -> TrainResult:
        from stable_baselines3.common.monitor import Monitor

        start = time.perf_counter()
        env = Monitor(self._wrap(make_env()))
        env.reset(seed=seed)
        self.model = self._new_model(env, seed, budget_steps)
        curve: list[tuple[int, float]] = []
        every = max(1, budget_steps // max(1, self.curve_points))
        self.model.learn(
            total_timesteps=int(budget_steps), callback=_CurveCallback(progress, curve, every)
        )
        env.close()
        return TrainResult(
            env_steps=int(self.model.num_timesteps),
            wall_clock_s=time.perf_counter() - start,
            curve=curve,
        )

    def _translate_observation(self, observation):
        chain = []
        env = self._view
        while isinstance(env, gym.Wrapper):
            chain.append(env)
            env = env.env
        for wrapper in reversed(chain):  # innermost first
            if isinstance(wrapper, gym.ObservationWrapper):
                observation = wrapper.observation(observation)
        return observation

    def _translate_action(self, action):
        env = self._view
        while isinstance(env, gym.Wrapper):  # outermost first
            if isinstance(env, gym.ActionWrapper):
                action = env.action(action)
            env = env.env
        return action

    def act(self, observation):
        if self.model is None:
            raise RuntimeError(f"{self.name}: train() or load() before act()")
        self.check_observation(observation)
        action, _ = self.model.predict(self._translate_observation(observation), deterministic=True)
        return self._translate_action(action)

    def save(self, path: str | Path) -> Path:
        path = super().save(path)
        if self.model is not None:
            self.model.save(path / "model.zip")
        return path

    @classmethod
    def load(cls, path: str | Path, env: gym.Env) -> SB3Agent:
        agent = super().load(path, env)
        model_file = Path(path) / "model.zip"
        if model_file.exists():
            agent.model = _algorithm_class(agent.algorithm).load(model_file, device="cpu")
        return agent


def sb3_factory(algorithm: str) -> Callable[..., SB3Agent]:
    """Factory bound to one algorithm, for the agent catalog."""

    def factory(env: gym.Env, **config: Any) -> SB3Agent:
        return SB3Agent(env, algorithm=algorithm, **config)

    factory.__name__ = f"sb3_{algorithm}"
    return factory


ppo = sb3_factory("ppo")
a2c = sb3_factory("a2c")
dqn = sb3_factory("dqn")
sac = sb3_factory("sac")
td3 = sb3_factory("td3")
ddpg = sb3_factory("ddpg")
