"""Hyper-parameter files of the SB3 agents (agents/hyperparams), their merge with the agent
config, VecNormalize statistics and action noise, and System.actions_affect_future."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
from torch import nn

from agents import hyperparams
from agents.hyperparams import deep_merge, load, parse_policy_kwargs, parse_schedule
from agents.registry import resolve_agent
from agents.sb3 import SB3Agent
from benchmarks.jobs import Job
from edge_envs.registry import SYSTEMS

TABLE = """
default:
  hyperparams: {buffer_size: 100000, gamma: 0.9}
  n_envs: 1
E-v0:
  hyperparams: {gamma: 0.5, batch_size: 32}
  normalize: {obs: true, reward: false}
  tuned: null
  scenarios:
    big:
      hyperparams: {gamma: 0.0}
      normalize: {obs: false}
      n_envs: 4
"""


@pytest.fixture
def table(tmp_path):
    path = tmp_path / "algo.yml"
    path.write_text(TABLE)
    return path


def test_merge_order_is_default_then_env_then_scenario(table):
    assert load("algo", "E-v0", path=table) == {
        "hyperparams": {"buffer_size": 100000, "gamma": 0.5, "batch_size": 32},
        "n_envs": 1, "normalize": {"obs": True, "reward": False}, "tuned": None,
    }
    big = load("algo", "E-v0", scenario="big", path=table)
    assert big["hyperparams"] == {"buffer_size": 100000, "gamma": 0.0, "batch_size": 32}
    assert big["normalize"] == {"obs": False, "reward": False} and big["n_envs"] == 4
    # Another scenario, or another env: no scenario entry, only the default for an unknown env.
    assert load("algo", "E-v0", scenario="small", path=table)["hyperparams"]["gamma"] == 0.5
    assert load("algo", "F-v0", path=table) == {"hyperparams": {"buffer_size": 100000,
                                                                "gamma": 0.9}, "n_envs": 1}


def test_deep_merge_recurses_and_copies():
    a = {"hyperparams": {"buffer_size": 1, "gamma": 0.9}, "normalize": {"obs": True}}
    b = {"hyperparams": {"gamma": 0.0}, "normalize": False}
    merged = deep_merge(a, b)
    assert merged == {"hyperparams": {"buffer_size": 1, "gamma": 0.0}, "normalize": False}
    merged["hyperparams"]["buffer_size"] = 2
    assert a["hyperparams"]["buffer_size"] == 1  # inputs untouched


def test_unknown_keys_and_bad_noise_are_refused(tmp_path):
    path = tmp_path / "x.yml"
    path.write_text("E-v0: {hyperparam: {gamma: 0}}\n")
    with pytest.raises(ValueError, match=r"E-v0.*unknown key.*hyperparam"):
        load("x", "E-v0", path=path)
    path.write_text("E-v0: {action_noise: {type: pink, sigma: 0.1}}\n")
    with pytest.raises(ValueError, match="action_noise"):
        load("x", "E-v0", path=path)
    with pytest.raises(ValueError, match="cannot read"):
        load("x", "E-v0", path=tmp_path / "missing.yml")


def test_policy_kwargs_are_parsed_without_eval():
    parsed = parse_policy_kwargs("dict(net_arch=[64, 64], activation_fn=nn.Tanh, log_std_init=-1)")
    assert parsed == {"net_arch": [64, 64], "activation_fn": nn.Tanh, "log_std_init": -1}
    assert parse_policy_kwargs("{'net_arch': dict(pi=[8], vf=[8])}") == {
        "net_arch": {"pi": [8], "vf": [8]}}
    for code in ("__import__('os').system('true')", "dict(a=open('f'))", "nn.Tanh.__init__",
                 "dict(**{'a': 1})", "nn.functional", "[1, 2]", "dict(a=1 + 1)"):
        with pytest.raises(ValueError, match="policy_kwargs"):
            parse_policy_kwargs(code)


def test_linear_schedule():
    schedule = parse_schedule("lin_3e-4")
    assert schedule(1.0) == pytest.approx(3e-4) and schedule(0.5) == pytest.approx(1.5e-4)
    assert parse_schedule(0.001) == 0.001
    with pytest.raises(ValueError, match="lin_"):
        parse_schedule("lin_fast")


def test_every_shipped_file_loads_and_none_claims_tuning():
    for algorithm in ("ppo", "a2c", "dqn", "sac", "td3", "ddpg"):
        table = hyperparams.read(hyperparams.DIRECTORY / f"{algorithm}.yml")
        for env_id, entry in table.items():
            assert env_id == hyperparams.DEFAULT_KEY or env_id in SYSTEMS
            assert (entry or {}).get("tuned") is None
            if env_id in SYSTEMS and not SYSTEMS[env_id].actions_affect_future:
                # A bandit: no discounting, in the env entry and every tuned scenario entry,
                # and VecNormalize's return estimate (if any) discounts the same way.
                for scenario in (None, *(entry.get("scenarios") or {})):
                    merged = load(algorithm, env_id, scenario)
                    assert merged["hyperparams"]["gamma"] == 0.0, (algorithm, scenario)
                    assert (merged.get("normalize") or {}).get("gamma", 0.0) == 0.0
        if algorithm in ("dqn", "sac", "td3", "ddpg"):
            assert load(algorithm, "AnyEnv-v0")["hyperparams"]["buffer_size"] == 100_000


def test_actions_affect_future_field():
    assert SYSTEMS["LargeScaleMEC-v0"].actions_affect_future is False
    for env_id in ("SingleCellMEC-v0", "OffloadSAP-v0", "EdgeCluster-v0"):
        assert SYSTEMS[env_id].actions_affect_future is True


def _lsm(**kwargs):
    return gym.make("LargeScaleMEC-v0", scenario="dirs-2x30", **kwargs)


def test_config_deep_merges_over_the_file_and_the_catalog_holds_none():
    spec = resolve_agent("sb3-td3")
    assert spec.config == {}  # hyper-parameters live in the files only
    env = _lsm(action_mode="scores")
    agent = spec.build(env, hyperparams={"learning_starts": 10})
    # The file's 100k buffer and gamma stay; the user's key is added.
    assert agent.hyperparams == {"buffer_size": 100_000, "gamma": 0.0, "learning_starts": 10}
    job = Job(env_id="LargeScaleMEC-v0", scenario="dirs-2x30", env_overrides={},
              agent="sb3-td3", agent_config={"hyperparams": {"learning_starts": 10}},
              train_seed=0, budget_steps=10, eval_seeds=(1000,), code_fingerprint="x",
              agent_defaults=spec.config)
    assert job.build_config() == {"hyperparams": {"learning_starts": 10}}
    # A whole file (as `--hyperparams FILE` passes it) replaces the shipped one.
    table = {"LargeScaleMEC-v0": {"hyperparams": {"gamma": 0.3}}}
    agent = spec.build(env, hyperparams_file=table)
    assert agent.hyperparams == {"gamma": 0.3}
    assert agent.action_noise is None


def test_action_noise_for_td3_and_ddpg_comes_from_the_file():
    from stable_baselines3.common.noise import NormalActionNoise

    env = _lsm(action_mode="scores")
    for name in ("sb3-td3", "sb3-ddpg"):
        agent = resolve_agent(name).build(env)
        assert agent.action_noise == {"type": "normal", "sigma": 0.1}
        noise = agent.model_kwargs()["action_noise"]
        assert isinstance(noise, NormalActionNoise)
        assert np.allclose(noise._sigma, 0.1) and noise._sigma.shape == (env.action_space.shape[0],)


def test_vecnormalize_statistics_round_trip_through_save_and_load(tmp_path):
    env = gym.make("Pendulum-v1")
    agent = SB3Agent(env, "a2c", hyperparams={"n_steps": 8}, n_envs=2,
                     normalize={"obs": True, "reward": True, "clip_reward": 5.0})
    result = agent.train(lambda: gym.make("Pendulum-v1"), 160, seed=0)
    assert result.env_steps == 160
    stats = agent.vec_normalize.obs_rms
    assert stats.count > 100 and not np.allclose(stats.mean, 0.0)
    agent.save(tmp_path / "a")
    loaded = SB3Agent.load(tmp_path / "a", gym.make("Pendulum-v1"))
    np.testing.assert_array_equal(loaded.vec_normalize.obs_rms.mean, stats.mean)
    obs = [env.observation_space.sample() for _ in range(5)]
    for o in obs:
        np.testing.assert_array_equal(loaded.act(o), agent.act(o))
    # Without the statistics the policy would see other inputs.
    raw = np.array([agent.model.predict(o, deterministic=True)[0] for o in obs])
    normed = np.array([agent.act(o) for o in obs])
    assert not np.allclose(raw, normed)


def test_run_hyperparams_flag_passes_the_file_contents(tmp_path):
    from benchmarks import cli

    path = tmp_path / "ppo.yml"
    path.write_text("LargeScaleMEC-v0:\n  hyperparams: {gamma: 0.2}\n  tuned:\n"
                    "    date: 2026-12-01\n")
    args = cli.build_parser().parse_args(
        ["run", "--env", "LargeScaleMEC-v0", "--agent", "sb3-ppo", "--hyperparams", str(path),
         "--config", '{"hyperparams": {"n_steps": 64}}'])
    (choice,) = cli._suite_from_args(args).entries[0].agents
    assert choice.config == {
        "hyperparams": {"n_steps": 64},
        "hyperparams_file": {"LargeScaleMEC-v0": {"hyperparams": {"gamma": 0.2},
                                                  "tuned": {"date": "2026-12-01"}}},
    }
    agent = resolve_agent("sb3-ppo").build(_lsm(), **choice.config)
    assert agent.hyperparams == {"gamma": 0.2, "n_steps": 64}
    args = cli.build_parser().parse_args(["run", "--preset", "quick", "--hyperparams", str(path)])
    with pytest.raises(ValueError, match="--hyperparams"):
        cli._suite_from_args(args)


def test_leaderboard_names_a_whole_file_by_a_short_hash_of_its_contents():
    import re

    from benchmarks import stats
    from benchmarks.leaderboard import to_text
    from tests.test_benchmark_units import _row

    table = {"E-v0": {"hyperparams": {"gamma": 0.5, "n_steps": 64}, "tuned": None}}
    reordered = {"E-v0": {"tuned": None, "hyperparams": {"n_steps": 64, "gamma": 0.5}}}
    edited = {"E-v0": {"hyperparams": {"gamma": 0.6, "n_steps": 64}, "tuned": None}}
    rows = [_row(name, [1.0], agent_config={"hyperparams_file": t, "n_envs": 2})
            for name, t in (("a", table), ("b", reordered), ("c", edited))]
    names = {s.agent: s.display_name for s in stats.summarise(rows)}
    assert re.fullmatch(r'a \{"hyperparams_file":"file sha256:[0-9a-f]{8}","n_envs":2\}',
                        names["a"])
    label = names["a"].removeprefix("a ")
    assert names["b"] == f"b {label}"  # the contents, not their key order, name the file
    assert names["c"] != f"c {label}"
    text = to_text(stats.summarise(rows))
    assert "n_steps" not in text and label in text
