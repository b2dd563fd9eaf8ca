"""The Stable-Baselines3 adapter: budgets, wrappers, errors."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
from stable_baselines3 import A2C, PPO

from agents.sb3 import SB3Agent, fit_rollout


@pytest.mark.parametrize("cls", [PPO, A2C])
@pytest.mark.parametrize("budget", [1, 7, 256, 2048, 3001, 10_000, 200_000])
def test_fitted_rollouts_never_exceed_the_budget(cls, budget):
    fitted = fit_rollout(cls, {}, budget)
    rollouts = -(-budget // fitted["n_steps"])
    assert rollouts * fitted["n_steps"] >= budget  # SB3 stops at the first rollout past it
    assert fitted["n_steps"] * (rollouts - 1) < budget
    if budget % fitted["n_steps"] == 0:
        assert rollouts * fitted["n_steps"] == budget
    if "batch_size" in fitted:
        assert fitted["n_steps"] % fitted["batch_size"] == 0


@pytest.mark.parametrize("n_envs", [2, 4])
def test_fitted_rollouts_count_every_env(n_envs):
    # 1000 steps on n envs: a rollout of n_steps per env, batches dividing n_steps * n_envs.
    fitted = fit_rollout(PPO, {"n_steps": 128, "batch_size": 64}, 1000, n_envs)
    assert (1000 // n_envs) % fitted["n_steps"] == 0 and 64 < fitted["n_steps"] <= 128
    assert (fitted["n_steps"] * n_envs) % fitted["batch_size"] == 0


def test_training_respects_the_budget_and_records_a_curve():
    env = gym.make("CartPole-v1")
    agent = SB3Agent(env, "ppo", hyperparams={"n_epochs": 1})
    result = agent.train(lambda: gym.make("CartPole-v1"), 600, seed=0)
    assert result.env_steps == 600
    assert result.curve and all(step <= 600 for step, _ in result.curve)


def test_action_wrapper_is_applied_at_evaluation():
    env = gym.make("Pendulum-v1")
    agent = SB3Agent(env, "td3", wrappers=["rescale_action"], hyperparams={"learning_starts": 50})
    agent.train(lambda: gym.make("Pendulum-v1"), 100, seed=0)
    obs, _ = env.reset(seed=0)
    raw, _ = agent.model.predict(obs, deterministic=True)
    # The policy acts in [-1, 1]; the env wants [-2, 2].
    np.testing.assert_allclose(agent.act(obs), 2.0 * raw, rtol=1e-6)


def test_unknown_algorithm_and_wrapper_raise():
    env = gym.make("CartPole-v1")
    with pytest.raises(ValueError, match="algorithm"):
        SB3Agent(env, "trpo")
    with pytest.raises(ValueError, match="wrapper"):
        SB3Agent(env, "ppo", wrappers=["no-such-wrapper"])
    with pytest.raises(RuntimeError, match="train"):
        SB3Agent(env, "ppo").act(env.observation_space.sample())
