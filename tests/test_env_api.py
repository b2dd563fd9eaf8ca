"""The API contract every registered environment must keep (spec 06, "Environments").

Parametrised over every id in ``edge_envs.SYSTEMS`` and every named scenario, so a new
environment or scenario is checked the moment it is registered.
"""

from __future__ import annotations

import multiprocessing as mp
import pickle

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env as gym_check_env
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import ENV_IDS, SCENARIOS, SYSTEMS
from tests.helpers import action_sequence, bad_actions, play, play_in_fresh_process


def quick(env_id: str) -> dict:
    return {"scenario": SYSTEMS[env_id].quick_scenario or SYSTEMS[env_id].default_scenario}


@pytest.mark.parametrize("env_id", ENV_IDS)
def test_gymnasium_check_env_with_rendering(env_id):
    env = gym.make(env_id, render_mode="rgb_array", **quick(env_id))
    gym_check_env(env.unwrapped, skip_render_check=False)
    env.reset(seed=0)
    frame = env.render()
    assert frame.ndim == 3 and frame.shape[2] == 3 and frame.dtype == np.uint8
    assert frame.std() > 0, "the frame is blank"


@pytest.mark.parametrize("env_id", ENV_IDS)
def test_sb3_check_env(env_id):
    from stable_baselines3.common.env_checker import check_env

    check_env(gym.make(env_id, **quick(env_id)).unwrapped, warn=True)


@pytest.mark.parametrize("env_id", ENV_IDS)
def test_default_scenario_is_the_papers(env_id):
    env = gym.make(env_id)
    assert env.unwrapped.params == SYSTEMS[env_id].scenario(None)


@pytest.mark.parametrize(("env_id", "scenario"), SCENARIOS)
def test_random_run_stays_in_spaces(env_id, scenario):
    """1,000 random steps (across resets) of every named scenario: obs in space, finite,
    float32, Python float reward and bool flags, the paper metric in ``info``."""
    env = gym.make(env_id, scenario=scenario)
    metric = SYSTEMS[env_id].paper_metric
    obs, info = env.reset(seed=1)
    actions = action_sequence(env.action_space, 1000, seed=1)
    for step, action in enumerate(actions):
        obs, reward, terminated, truncated, info = env.step(action)
        assert obs.dtype == np.float32 and np.all(np.isfinite(obs)), step
        assert env.observation_space.contains(obs), f"obs outside its space at step {step}"
        assert type(reward) is float and np.isfinite(reward)
        assert type(terminated) is bool and type(truncated) is bool
        if metric != "reward":
            assert np.isfinite(info[metric])
        if terminated or truncated:
            obs, info = env.reset()
            assert env.observation_space.contains(obs)


@pytest.mark.parametrize("env_id", ENV_IDS)
def test_same_seed_same_episode_different_seed_different(env_id):
    env = gym.make(env_id, **quick(env_id))
    actions = action_sequence(env.action_space, 60, seed=7)
    first = play(env, 11, actions)
    assert play(env, 11, actions) == first
    assert play(gym.make(env_id, **quick(env_id)), 11, actions) == first
    assert play(env, 12, actions) != first


@pytest.mark.parametrize("env_id", ENV_IDS)
def test_same_seed_same_episode_in_a_fresh_process(env_id):
    kwargs = quick(env_id)
    here = play_in_fresh_process(env_id, kwargs, 5, 40)
    with mp.get_context("spawn").Pool(1) as pool:
        there = pool.apply(play_in_fresh_process, (env_id, kwargs, 5, 40))
    assert here == there


@pytest.mark.parametrize("vector_cls", [gym.vector.SyncVectorEnv, gym.vector.AsyncVectorEnv])
@pytest.mark.parametrize("env_id", ENV_IDS)
def test_vector_envs_reproduce_single_envs(env_id, vector_cls):
    kwargs = quick(env_id)
    single = gym.make(env_id, **kwargs)
    n_steps = 20
    seeds = [3, 4]
    actions = [action_sequence(single.action_space, n_steps, seed=s) for s in seeds]
    vec = vector_cls([lambda: gym.make(env_id, **kwargs) for _ in seeds])
    try:
        obs, _ = vec.reset(seed=seeds)
        vec_obs = [obs]
        for t in range(n_steps):
            obs, *_ = vec.step(np.stack([np.asarray(actions[i][t]) for i in range(2)]))
            vec_obs.append(obs)
    finally:
        vec.close()
    for i, seed in enumerate(seeds):
        obs, _ = single.reset(seed=seed)
        np.testing.assert_array_equal(vec_obs[0][i], obs)
        for t in range(n_steps):
            obs, *_ = single.step(actions[i][t])
            np.testing.assert_array_equal(vec_obs[t + 1][i], obs)


@pytest.mark.parametrize("env_id", ENV_IDS)
def test_pickle_mid_episode_continues_identically(env_id):
    env = gym.make(env_id, **quick(env_id))
    actions = action_sequence(env.action_space, 30, seed=2)
    env.reset(seed=9)
    for action in actions[:10]:
        env.step(action)
    clone = pickle.loads(pickle.dumps(env))
    for action in actions[10:]:
        a = env.step(action)
        b = clone.step(action)
        np.testing.assert_array_equal(a[0], b[0])
        assert a[1:4] == b[1:4]


@pytest.mark.parametrize("env_id", ENV_IDS)
def test_returns_fresh_arrays(env_id):
    env = gym.make(env_id, **quick(env_id))
    obs0, _ = env.reset(seed=0)
    env.action_space.seed(0)  # reproducible random actions
    obs1, *_ = env.step(env.action_space.sample())
    obs2, *_ = env.step(env.action_space.sample())
    assert obs0 is not obs1 and obs1 is not obs2
    assert not np.shares_memory(obs1, obs2)


@pytest.mark.parametrize("env_id", ENV_IDS)
def test_action_outside_space_raises_value_error(env_id):
    env = gym.make(env_id, **quick(env_id)).unwrapped
    env.reset(seed=0)
    for action in bad_actions(env.action_space):
        with pytest.raises(ValueError, match="action"):
            env.step(action)


@pytest.mark.parametrize("env_id", ENV_IDS)
def test_action_error_says_what_is_expected_and_where(env_id):
    """A short message naming the space, and the first bad entry's index when the shape fits
    (``bad_actions`` spoils entry 0), never the whole space or action."""
    env = gym.make(env_id, scenario=SYSTEMS[env_id].default_scenario).unwrapped
    env.reset(seed=0)
    kind = type(env.action_space).__name__
    for action in bad_actions(env.action_space):
        with pytest.raises(ValueError, match=kind) as err:
            env.step(action)
        message = str(err.value)
        assert len(message) < 250, message
        if np.ndim(action) and np.shape(action) == env.action_space.shape:
            assert "[" + ", ".join(["0"] * np.ndim(action)) + "]=" in message, message


def test_action_error_messages_by_hand():
    from edge_envs.core.env_base import check_action

    space = gym.spaces.MultiDiscrete(np.full(200, 11))
    action = np.zeros(200, dtype=np.int64)
    action[[17, 40, 100, 150]] = [11, -1, 30, 12]
    with pytest.raises(ValueError) as err:
        check_action(space, action)
    assert str(err.value) == (
        "action must be an element of MultiDiscrete of shape (200,) with integer entries in "
        "0..10; first 3 of 4 entries outside: [17]=11, [40]=-1, [100]=30")
    low, high = np.array([[0.0, -1.0]], np.float32), np.array([[1.0, 2.0]], np.float32)
    box = gym.spaces.Box(low, high, dtype=np.float32)
    with pytest.raises(ValueError) as err:
        check_action(box, np.array([[0.5, np.nan]]))
    assert str(err.value) == (
        "action must be an element of Box of shape (1, 2) float32 with entries in "
        "[{-1 to 0}, {1 to 2}]; 1 entry outside: [0, 1]=nan")
    with pytest.raises(ValueError, match=r"Discrete\(3\) \(an integer in 2\.\.4\); got 5$"):
        check_action(gym.spaces.Discrete(3, start=2), 5)
    with pytest.raises(ValueError, match=r"got shape \(3,\) \(int64\)$"):
        check_action(space, np.zeros(3, dtype=np.int64))


@pytest.mark.parametrize("env_id", ENV_IDS)
def test_step_before_reset_and_after_end_raises(env_id):
    env = gym.make(env_id, **quick(env_id)).unwrapped
    with pytest.raises(RuntimeError):
        env.step(env.action_space.sample())
    env.reset(seed=0)
    env.action_space.seed(0)  # reproducible random actions
    done = False
    while not done:
        _, _, terminated, truncated, _ = env.step(env.action_space.sample())
        done = terminated or truncated
    with pytest.raises(RuntimeError):
        env.step(env.action_space.sample())


@pytest.mark.parametrize("env_id", ENV_IDS)
def test_bad_construction_arguments_raise(env_id):
    env_class = SYSTEMS[env_id].env_class()  # gym.make would only warn first
    with pytest.raises(ValueError, match="render_mode"):
        env_class(render_mode="ascii-art")
    with pytest.raises(ValueError, match="scenario"):
        gym.make(env_id, scenario="no-such-scenario")
    with pytest.raises(ValueError, match="no_such_field"):
        gym.make(env_id, no_such_field=1)


@pytest.mark.parametrize("env_id", ENV_IDS)
@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**31 - 1), data=st.data())
def test_property_any_seed_any_scenario_valid_observations(env_id, seed, data):
    scenario = data.draw(st.sampled_from(sorted(SYSTEMS[env_id].scenarios)))
    env = gym.make(env_id, scenario=scenario)
    obs, _ = env.reset(seed=seed)
    assert env.observation_space.contains(obs)
    for action in action_sequence(env.action_space, 25, seed=seed):
        obs, reward, *_ = env.step(action)
        assert env.observation_space.contains(obs) and np.isfinite(reward)
