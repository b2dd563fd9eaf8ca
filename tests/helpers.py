"""Helpers for the generic environment tests: fixed action sequences and episode digests."""

from __future__ import annotations

import hashlib

import gymnasium as gym
import numpy as np


def action_sequence(space: gym.Space, n: int, seed: int = 0) -> list:
    space = _copy_space(space)
    space.seed(seed)
    return [space.sample() for _ in range(n)]


def _copy_space(space: gym.Space) -> gym.Space:
    import copy

    return copy.deepcopy(space)


def update_digest(h, value) -> None:
    """Feed a (nested) observation/reward/info value into a hash, types and shapes included."""
    if isinstance(value, dict):
        for key in sorted(value):
            h.update(str(key).encode())
            update_digest(h, value[key])
    elif isinstance(value, list | tuple):
        h.update(f"seq{len(value)}".encode())
        for item in value:
            update_digest(h, item)
    else:
        arr = np.asarray(value)
        h.update(f"{arr.dtype}{arr.shape}".encode())
        h.update(np.ascontiguousarray(arr).tobytes())


def play(env: gym.Env, seed: int, actions: list) -> str:
    """Digest of reset(seed) then the given actions (stops at the episode end)."""
    h = hashlib.sha256()
    obs, info = env.reset(seed=seed)
    update_digest(h, (obs, info))
    for action in actions:
        obs, reward, terminated, truncated, info = env.step(action)
        update_digest(h, (obs, reward, terminated, truncated, info))
        if terminated or truncated:
            break
    return h.hexdigest()


def play_in_fresh_process(env_id: str, kwargs: dict, seed: int, n_steps: int) -> str:
    """Target for a spawned process: build the env from scratch and play."""
    import edge_envs  # noqa: F401

    env = gym.make(env_id, **kwargs)
    return play(env, seed, action_sequence(env.action_space, n_steps, seed=seed))


def bad_actions(space: gym.Space) -> list:
    """Actions that must be refused with ValueError."""
    sample = np.asarray(space.sample())
    bad = [np.zeros(sample.shape + (2,), dtype=sample.dtype)]  # wrong shape
    if isinstance(space, gym.spaces.Discrete):
        bad += [space.start + space.n, space.start - 1]
    elif isinstance(space, gym.spaces.MultiDiscrete):
        too_big = sample.copy()
        too_big.flat[0] = space.nvec.flat[0]
        negative = sample.copy()
        negative.flat[0] = -1
        bad += [too_big, negative]
    elif isinstance(space, gym.spaces.Box):
        above = sample.astype(np.float64).copy()
        above.flat[0] = np.asarray(space.high).flat[0] + 1.0
        nan = sample.astype(np.float64).copy()
        nan.flat[0] = np.nan
        bad += [above, nan]
    return bad
