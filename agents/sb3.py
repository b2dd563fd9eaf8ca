"""Adapter that runs any Stable-Baselines3 algorithm through the suite's agent interface.

``SB3Agent(env, algorithm="ppo", policy="MlpPolicy", hyperparams={...}, wrappers=[...],
n_envs=1, normalize=False, action_noise=None)``. ``wrappers`` names standard Gymnasium
observation/action wrappers (see :data:`WRAPPERS`) applied around the env for training; at
evaluation the same wrappers translate the raw observation and the algorithm's action, so the
runner always talks to the unwrapped env. ``normalize`` wraps the training envs in
``VecNormalize`` (its statistics are saved and loaded with the model and applied to
observations at evaluation); ``n_envs > 1`` trains on a ``DummyVecEnv``; ``action_noise`` is
``{type: normal | ornstein-uhlenbeck, sigma}``.

The catalog's factories (:func:`sb3_factory`) start from the entry of
``agents/hyperparams/<algo>.yml`` for the env id and scenario (or of the file or table given as
config key ``hyperparams_file``) and deep-merge the agent config over it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np

from agents import hyperparams as hyperparam_files
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
            next_point = every  # a threshold, not a modulo: n_envs steps are taken at once

            def _on_step(self) -> bool:
                if self.num_timesteps >= self.next_point and len(self.model.ep_info_buffer) > 0:
                    self.next_point += every * (1 + (self.num_timesteps - self.next_point) // every)
                    mean = float(np.mean([ep["r"] for ep in self.model.ep_info_buffer]))
                    curve.append((int(self.num_timesteps), mean))
                    if progress is not None:
                        progress(int(self.num_timesteps), mean)
                return True

        return Callback()


def fit_rollout(
    cls, hyperparams: dict[str, Any], budget_steps: int, n_envs: int = 1
) -> dict[str, Any]:
    """On-policy rollout sizes that keep SB3 within the step budget.

    SB3's on-policy algorithms always finish a rollout of ``n_steps`` per env, so a budget that
    is not a multiple of ``n_steps * n_envs`` would be overrun. We take the largest rollout
    length in ``(n_steps / 2, n_steps]`` that divides the per-env budget, else
    ``budget // rollouts`` with the number of rollouts SB3 would run (at most ``budget`` steps
    in total), and, for PPO, the minibatch as the largest divisor of the rollout
    (``n_steps * n_envs``) not above the requested one.
    """
    import inspect

    defaults = {
        k: v.default
        for k, v in inspect.signature(cls.__init__).parameters.items()
        if v.default is not inspect.Parameter.empty
    }
    n_steps = int(hyperparams.get("n_steps", defaults["n_steps"]))
    budget = max(1, int(budget_steps) // max(1, n_envs))
    # Prefer a rollout length close to the requested one that divides the budget exactly.
    exact = [d for d in range(min(n_steps, budget), n_steps // 2, -1) if budget % d == 0]
    rollouts = max(1, -(-budget // n_steps))
    fitted = {"n_steps": exact[0] if exact else max(1, budget // rollouts)}
    if "batch_size" in defaults:
        rollout = fitted["n_steps"] * max(1, n_envs)
        batch = min(int(hyperparams.get("batch_size", defaults["batch_size"])), rollout)
        while rollout % batch:
            batch -= 1
        fitted["batch_size"] = max(batch, 2) if rollout > 1 else 1
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
        n_envs: int = 1,
        normalize: bool | dict[str, Any] = False,
        action_noise: dict[str, Any] | None = None,
    ) -> None:
        _algorithm_class(algorithm)
        unknown = [w for w in wrappers if w not in WRAPPERS]
        if unknown:
            raise ValueError(f"unknown wrapper(s) {unknown}; valid: {', '.join(WRAPPERS)}")
        if not isinstance(n_envs, int) or isinstance(n_envs, bool) or n_envs < 1:
            raise ValueError(f"n_envs must be a positive int, got {n_envs!r}")
        hyperparam_files.check_table({"config": {"action_noise": action_noise}}, "SB3 agent")
        super().__init__(
            env,
            algorithm=algorithm,
            policy=policy,
            hyperparams=dict(hyperparams or {}),
            wrappers=list(wrappers),
            curve_points=curve_points,
            n_envs=n_envs,
            normalize=normalize,
            action_noise=action_noise,
        )
        self.name = f"sb3-{algorithm}"
        self.algorithm = algorithm
        self.policy = policy
        self.hyperparams = dict(hyperparams or {})
        self.wrapper_names = list(wrappers)
        self.curve_points = curve_points
        self.n_envs = n_envs
        self.normalize = normalize
        self.action_noise = action_noise
        # A wrapped view of the template env, used only to translate observations/actions.
        self._view = self._wrap(env)
        self.model = None
        self.vec_normalize = None  # VecNormalize of training, frozen, for evaluation

    def _wrap(self, env: gym.Env) -> gym.Env:
        for name in self.wrapper_names:
            env = WRAPPERS[name](env)
        return env

    def model_kwargs(self, budget_steps: int | None = None) -> dict[str, Any]:
        """SB3 constructor arguments: policy_kwargs parsed, schedules and action noise built."""
        cls = _algorithm_class(self.algorithm)
        kwargs = {k: hyperparam_files.parse_schedule(v) for k, v in self.hyperparams.items()}
        if "policy_kwargs" in kwargs:
            kwargs["policy_kwargs"] = hyperparam_files.parse_policy_kwargs(kwargs["policy_kwargs"])
        if isinstance(kwargs.get("train_freq"), list):  # YAML has no tuples: [1, "episode"]
            kwargs["train_freq"] = tuple(kwargs["train_freq"])
        if budget_steps is not None and self.algorithm in ("ppo", "a2c"):
            kwargs.update(fit_rollout(cls, kwargs, budget_steps, self.n_envs))
        if self.action_noise:
            kwargs["action_noise"] = make_action_noise(self.action_noise, self._view.action_space)
        return kwargs

    def _new_model(self, env, seed: int, budget_steps: int | None = None):
        cls = _algorithm_class(self.algorithm)
        kwargs = self.model_kwargs(budget_steps)
        return cls(self.policy, env, seed=seed, device="cpu", verbose=0, **kwargs)

    def _normalize_kwargs(self) -> dict[str, Any] | None:
        """``VecNormalize`` arguments from ``normalize`` (``None``: no normalisation)."""
        if not self.normalize:
            return None
        spec = {} if self.normalize is True else dict(self.normalize)
        unknown = sorted(set(spec) - {"obs", "reward", "clip_reward", "gamma"})
        if unknown:
            raise ValueError(f"normalize: unknown key(s) {unknown}; valid: obs, reward, "
                             "clip_reward, gamma")
        return {
            "norm_obs": bool(spec.get("obs", True)),
            "norm_reward": bool(spec.get("reward", True)),
            "clip_reward": float(spec.get("clip_reward", 10.0)),
            "gamma": float(spec.get("gamma", self.hyperparams.get("gamma", 0.99))),
        }

    def train(
        self,
        make_env: Callable[[], gym.Env],
        budget_steps: int,
        seed: int,
        progress: ProgressFn | None = None,
    ) -> TrainResult:
        from stable_baselines3.common.monitor import Monitor
        from stable_baselines3.common.vec_env import DummyVecEnv, VecNormalize

        start = time.perf_counter()
        # SB3 would wrap a single env in a DummyVecEnv itself; the model's seed seeds them all.
        env = DummyVecEnv([lambda: Monitor(self._wrap(make_env()))] * self.n_envs)
        normalize = self._normalize_kwargs()
        if normalize is not None:
            env = VecNormalize(env, **normalize)
        self.model = self._new_model(env, seed, budget_steps)
        curve: list[tuple[int, float]] = []
        every = max(1, budget_steps // max(1, self.curve_points))
        self.model.learn(
            total_timesteps=int(budget_steps), callback=_CurveCallback(progress, curve, every)
        )
        if normalize is not None:
            env.training = False  # statistics frozen from here on
            self.vec_normalize = env
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
        observation = self._translate_observation(observation)
        if self.vec_normalize is not None:
            observation = self.vec_normalize.normalize_obs(observation)
        action, _ = self.model.predict(observation, deterministic=True)
        return self._translate_action(action)

    def save(self, path: str | Path) -> Path:
        path = super().save(path)
        if self.model is not None:
            self.model.save(path / "model.zip")
        if self.vec_normalize is not None:
            self.vec_normalize.save(path / VEC_NORMALIZE_FILE)
        return path

    @classmethod
    def load(cls, path: str | Path, env: gym.Env) -> SB3Agent:
        from stable_baselines3.common.vec_env import DummyVecEnv, VecNormalize

        agent = super().load(path, env)
        model_file = Path(path) / "model.zip"
        if model_file.exists():
            agent.model = _algorithm_class(agent.algorithm).load(model_file, device="cpu")
        stats_file = Path(path) / VEC_NORMALIZE_FILE
        if stats_file.exists():
            # VecNormalize needs a VecEnv to attach to; the wrapped template env is never stepped.
            agent.vec_normalize = VecNormalize.load(stats_file, DummyVecEnv([lambda: agent._view]))
            agent.vec_normalize.training = False
        return agent


VEC_NORMALIZE_FILE = "vecnormalize.pkl"


def make_action_noise(spec: dict[str, Any], action_space: gym.Space):
    """SB3 action noise ``{type: normal | ornstein-uhlenbeck, sigma}`` for a Box space."""
    from stable_baselines3.common.noise import NormalActionNoise, OrnsteinUhlenbeckActionNoise

    if not isinstance(action_space, gym.spaces.Box):
        raise ValueError(f"action_noise needs a Box action space, got {action_space}")
    n_actions = int(np.prod(action_space.shape))
    mean, sigma = np.zeros(n_actions), float(spec["sigma"]) * np.ones(n_actions)
    if spec["type"] == "normal":
        return NormalActionNoise(mean=mean, sigma=sigma)
    return OrnsteinUhlenbeckActionNoise(mean=mean, sigma=sigma)


def resolve_config(algorithm: str, env: gym.Env, config: dict[str, Any]) -> dict[str, Any]:
    """The hyper-parameter file's entry for ``env``'s id and scenario, ``config`` deep-merged
    over it; ``config["hyperparams_file"]`` (a path or a parsed table) replaces the shipped
    file. The ``tuned`` metadata is dropped."""
    config = dict(config)
    source = config.pop("hyperparams_file", None)
    env_id = env.spec.id if env.spec is not None else None
    if env_id is None:
        return config
    scenario = (env.spec.kwargs or {}).get("scenario")
    if scenario is None:
        from edge_envs.registry import SYSTEMS  # on use: edge_envs may import agents

        system = SYSTEMS.get(env_id)
        scenario = system.default_scenario if system is not None else None
    entry = hyperparam_files.load(algorithm, env_id, scenario, source)
    entry.pop("tuned", None)
    return hyperparam_files.deep_merge(entry, config)


def sb3_factory(algorithm: str) -> Callable[..., SB3Agent]:
    """Factory bound to one algorithm, for the agent catalog (see :func:`resolve_config`)."""

    def factory(env: gym.Env, **config: Any) -> SB3Agent:
        return SB3Agent(env, algorithm=algorithm, **resolve_config(algorithm, env, config))

    factory.__name__ = f"sb3_{algorithm}"
    return factory


ppo = sb3_factory("ppo")
a2c = sb3_factory("a2c")
dqn = sb3_factory("dqn")
sac = sb3_factory("sac")
td3 = sb3_factory("td3")
ddpg = sb3_factory("ddpg")
