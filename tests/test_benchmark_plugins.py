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


SPEC_MODULE = '''
from agents.registry import AgentSpec

# A plug-in declaring what a built-in can: its env, the env kwargs it needs, its config.
SPEC = AgentSpec(
    name="ignored",  # the entry point's name is the agent's name
    factory="bench_plugin_mod:make",
    kind="baseline",  # plug-ins are always of kind "plugin"
    envs=("BenchToy-v0",),
    env_kwargs={"BenchToy-v0": {"hint_accuracy": 1.0}},
    config={"note": "declared"},
    description="hint follower on the exact-hint view",
)
BOX_SPEC = AgentSpec("x", "bench_plugin_mod:make", "plugin", action_space="box")
'''


def _write_plugins(tmp_path: Path) -> Path:
    site = tmp_path / "site"
    (site / "bench_plugin_demo-0.1.dist-info").mkdir(parents=True)
    (site / "bench_plugin_mod.py").write_text(PLUGIN_MODULE)
    (site / "adhoc_agent.py").write_text(ADHOC_MODULE)
    (site / "bench_spec_mod.py").write_text(SPEC_MODULE)
    info = site / "bench_plugin_demo-0.1.dist-info"
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: bench-plugin-demo\n"
                                   "Version: 0.1\n")
    (info / "entry_points.txt").write_text(
        "[edge_envs.agents]\nhint-follower = bench_plugin_mod:make\n"
        "exact-hint = bench_spec_mod:SPEC\nbox-only = bench_spec_mod:BOX_SPEC\n"
        "missing = no_such_module:make\n")
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


def test_an_entry_point_may_declare_an_agent_spec(tmp_path, monkeypatch):
    from agents.registry import agents_for, all_agents
    from benchmarks import suites
    from benchmarks.runner import run_job
    from tests import benchmark_toy

    monkeypatch.syspath_prepend(str(_write_plugins(tmp_path)))
    with benchmark_toy.installed(monkeypatch):
        specs = all_agents()
        spec = specs["exact-hint"]
        assert (spec.name, spec.kind, spec.envs) == ("exact-hint", "plugin", ("BenchToy-v0",))
        assert spec.description == "hint follower on the exact-hint view"
        assert spec.env_kwargs_for("BenchToy-v0") == {"hint_accuracy": 1.0}
        assert specs["hint-follower"].factory == "bench_plugin_mod:make"
        # a plug-in whose module does not import is still listed; it fails when used
        assert specs["missing"].factory == "no_such_module:make"
        toy_agents = agents_for("BenchToy-v0")
        assert "exact-hint" in toy_agents and "box-only" not in toy_agents  # no Box view
        assert "exact-hint" not in agents_for("EdgeCluster-v0")
        # plug-ins stay out of the presets, whatever kind they declare
        quick = suites.get_preset("quick").entries[0]
        assert "exact-hint" not in [a.name for a in quick.agents]

        suite = suites.explicit_suite("BenchToy-v0", "small", ["exact-hint", "hint-follower"],
                                      (0,), (700, 701, 702), 0)
        jobs, _ = suites.expand(suite)
        by = {j.agent: j for j in jobs}
        assert by["exact-hint"].env_kwargs(True) == {"hint_accuracy": 1.0}
        assert by["exact-hint"].build_config() == {"note": "declared"}
        assert by["hint-follower"].env_kwargs(True) == {}
        metrics = {name: run_job(job, tmp_path / "results")["metrics"]
                   for name, job in by.items()}
    # the same policy, but the declared view has exact hints: never off target
    assert metrics["exact-hint"] == [0.0, 0.0, 0.0]
    assert sum(metrics["hint-follower"]) > 0
