"""Third-party agents: a module outside the package (``--agent mod:factory``), an entry point,
and the documented example ``docs/examples/plugin_agent.py``, all scored on the same
evaluation episodes as the built-in agents."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from benchmarks.store import Store

ROOT = Path(__file__).resolve().parents[1]

PLUGIN_MODULE = '''
import numpy as np
from agents.base import Agent


class HintFollower(Agent):
    """Same policy as the toy greedy baseline, written by a "third party"."""

    name = "hint-follower"

    def act(self, observation):
        return int(np.argmax(np.asarray(observation)[:-2]))


def make(env, **config):
    return HintFollower(env, **config)
'''

ADHOC_MODULE = '''
from agents.base import Agent


class AlwaysZero(Agent):
    name = "always-zero"

    def act(self, observation):
        self.check_observation(observation)
        return 0
'''


def _write_plugins(tmp_path: Path) -> Path:
    site = tmp_path / "site"
    (site / "bench_plugin_demo-0.1.dist-info").mkdir(parents=True)
    (site / "bench_plugin_mod.py").write_text(PLUGIN_MODULE)
    (site / "adhoc_agent.py").write_text(ADHOC_MODULE)
    info = site / "bench_plugin_demo-0.1.dist-info"
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: bench-plugin-demo\n"
                                   "Version: 0.1\n")
    (info / "entry_points.txt").write_text(
        "[edge_envs.agents]\nhint-follower = bench_plugin_mod:make\n")
    return site


def _cli(args, cwd, extra_path=(), timeout=300):
    path = os.pathsep.join([*map(str, extra_path), str(ROOT)])
    env = {**os.environ, "PYTHONPATH": path}
    return subprocess.run([sys.executable, *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=timeout)


def test_plugins_are_scored_on_the_same_episodes(tmp_path):
    site = _write_plugins(tmp_path)
    listing = _cli(["-m", "benchmarks", "list", "--import", "tests.benchmark_toy"], tmp_path,
                   [site])
    assert listing.returncode == 0, listing.stderr
    toy_block = listing.stdout.split("BenchToy-v0:")[1]
    assert "agents (plugin): hint-follower" in toy_block

    results = tmp_path / "results"
    run = _cli(["-m", "benchmarks", "run", "--import", "tests.benchmark_toy",
                "--env", "BenchToy-v0", "--scenario", "small",
                "--agent", "hint-follower",  # entry point
                "--agent", "adhoc_agent:AlwaysZero",  # module outside the package
                "--agent", "tests.benchmark_toy:GreedyAgent",  # stands in for a built-in
                "--agent", "random",
                "--seeds", "0,1", "--eval-seeds", "500-503", "--workers", "2",
                "--backend", "process", "--results", str(results), "--no-progress"],
               tmp_path, [site])
    assert run.returncode == 0, run.stderr
    assert "hint-follower" in run.stdout and "adhoc_agent:AlwaysZero" in run.stdout

    with Store(results) as store:
        rows = store.rows()
    assert len(rows) == 8
    agents = {r["agent"] for r in rows}
    assert agents == {"hint-follower", "adhoc_agent:AlwaysZero",
                      "tests.benchmark_toy:GreedyAgent", "random"}
    kinds = {r["agent"]: r["agent_kind"] for r in rows}
    assert kinds["hint-follower"] == kinds["adhoc_agent:AlwaysZero"] == "plugin"
    # identical evaluation episodes: seeds and first observations, episode by episode
    assert {tuple(r["eval_seeds"]) for r in rows} == {(500, 501, 502, 503)}
    assert len({tuple(r["first_obs"]) for r in rows}) == 1
    assert len(set(rows[0]["first_obs"])) == 4
    # the plug-in with the greedy policy scores exactly as the greedy agent
    by = {(r["agent"], r["train_seed"]): r for r in rows}
    for seed in (0, 1):
        ours = by[("hint-follower", seed)]
        theirs = by[("tests.benchmark_toy:GreedyAgent", seed)]
        assert ours["metrics"] == theirs["metrics"] and ours["returns"] == theirs["returns"]
        assert by[("adhoc_agent:AlwaysZero", seed)]["metrics"] != ours["metrics"]


def test_docs_example_runs_end_to_end(tmp_path):
    example = ROOT / "docs" / "examples" / "plugin_agent.py"
    results = tmp_path / "results"
    run = _cli([str(example), "--import", "tests.benchmark_toy", "--env", "BenchToy-v0",
                "--scenario", "tiny", "--agent", "random", "--seeds", "0,1",
                "--eval-episodes", "4", "--budget", "40", "--workers", "1",
                "--results", str(results), "--no-progress"], tmp_path)
    assert run.returncode == 0, run.stderr
    assert "plugin_agent:make_agent" in run.stdout
    with Store(results) as store:
        rows = [r for r in store.rows() if r["agent"] == "plugin_agent:make_agent"]
    assert len(rows) == 2
    for row in rows:
        assert row["learns"] and row["train_env_steps"] == 32  # 8 candidates x 4 steps
        assert len(row["curve"]) == 8
        assert (results / row["model_path"] / "agent.json").exists()

    # the saved model reloads (from another process) and gives the stored numbers again
    check = _cli(["-c", textwrap.dedent(f"""
        import json, sys
        import tests.benchmark_toy
        from benchmarks.runner import reevaluate
        print(json.dumps(reevaluate({rows[0]['job_key']!r}, {str(results)!r})))
    """)], tmp_path, [example.parent])
    assert check.returncode == 0, check.stderr
    import json

    again = json.loads(check.stdout)
    assert again["metrics"] == rows[0]["metrics"] and again["returns"] == rows[0]["returns"]


def test_docs_example_agent_interface(monkeypatch):
    import importlib

    import gymnasium as gym

    from tests import benchmark_toy

    monkeypatch.syspath_prepend(str(ROOT / "docs" / "examples"))
    module = importlib.import_module("plugin_agent")
    with benchmark_toy.installed(monkeypatch):
        env = gym.make("BenchToy-v0", scenario="tiny")
        agent = module.make_agent(env, candidates=3)
        result = agent.train(lambda: gym.make("BenchToy-v0", scenario="tiny"), 10, seed=5)
        assert result.env_steps == 10 and [s for s, _ in result.curve] == [4, 8, 10]
        obs, _ = env.reset(seed=1)
        clone = module.BestConstantAgent(env, candidates=3)
        clone.load_state_dict(agent.state_dict())
        assert clone.act(obs) == agent.act(obs)
        with pytest.raises(ValueError, match="observation of shape"):
            agent.act(obs[:-1])
