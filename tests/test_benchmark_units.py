"""Benchmark runner, pure parts: seed lists, job keys, suites/presets, statistics."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math

import numpy as np
import pytest

from benchmarks import stats, suites
from benchmarks.jobs import Job, canonical_json, check_disjoint, parse_seeds


@pytest.fixture
def toy(monkeypatch):
    from tests import benchmark_toy

    with benchmark_toy.installed(monkeypatch):
        yield benchmark_toy


# ----------------------------------------------------------------------------- seeds
@pytest.mark.parametrize(
    "text, expected",
    [("0,1,2", (0, 1, 2)), ("0-4", (0, 1, 2, 3, 4)), ("3-4,10", (3, 4, 10)),
     (" 7 ", (7,)), ("1,1,2", (1, 2)), ("5-5", (5,))],
)
def test_parse_seeds(text, expected):
    assert parse_seeds(text) == expected


@pytest.mark.parametrize("text", ["", "a", "1,,2", "3-1", "-1", "1.5", "0-x", "1-2-3"])
def test_parse_seeds_rejects_malformed(text):
    with pytest.raises(ValueError, match="seeds") as info:
        parse_seeds(text)
    assert "\n" not in str(info.value)


def test_overlapping_seeds_refused():
    check_disjoint((0, 1), (1000, 1001))
    with pytest.raises(ValueError, match=r"disjoint.*\[1\]"):
        check_disjoint((0, 1), (1, 1000))


# ----------------------------------------------------------------------------- job key
def _job(**kw) -> Job:
    base = dict(env_id="E-v0", scenario="s", env_overrides={"b": 1, "a": 2}, agent="x",
                agent_config={"lr": 0.5}, train_seed=3, budget_steps=100,
                eval_seeds=(1000, 1001), code_fingerprint="f0")
    base.update(kw)
    return Job(**base)


def test_job_key_is_hash_of_canonical_key_fields():
    job = _job()
    text = ('{"agent":"x","agent_config":{"lr":0.5},"budget_steps":100,"code_fingerprint":"f0",'
            '"env_id":"E-v0","env_kwargs":{"a":2,"b":1},"eval_env_kwargs":{"a":2,"b":1},'
            '"eval_seeds":[1000,1001],"scenario":"s","train_seed":3}')
    assert canonical_json(job.key_fields()) == text
    assert job.key == hashlib.sha256(text.encode()).hexdigest()[:20]


def test_job_key_ignores_resolved_fields_but_not_key_fields():
    job = _job()
    assert _job(factory="m:f", agent_kind="sb3", paper_metric="cost").key == job.key
    assert _job(env_overrides={"a": 2, "b": 1}).key == job.key  # dict order irrelevant
    for change in ({"train_seed": 4}, {"budget_steps": 101}, {"eval_seeds": (1000,)},
                   {"agent_config": {}}, {"code_fingerprint": "f1"}, {"scenario": "t"},
                   {"env_overrides": {}}):
        assert _job(**change).key != job.key, change


def test_job_round_trips_through_json():
    job = _job(factory="m:f", agent_env_kwargs={"mode": "single"}, eval_overrides={"k": 1})
    again = Job.from_dict(json.loads(json.dumps(job.to_dict())))
    assert again.key == job.key and again.to_dict() == job.to_dict()
    assert again.env_kwargs() == {"b": 1, "a": 2, "mode": "single"}
    assert again.env_kwargs(evaluation=True) == {"b": 1, "a": 2, "mode": "single", "k": 1}


# ----------------------------------------------------------------------------- suites
def test_quick_preset_is_built_from_the_registries(toy, monkeypatch):
    suite = suites.get_preset("quick")
    assert [e.env_id for e in suite.entries] == [toy.ENV_ID]
    entry = suite.entries[0]
    assert entry.scenario == "tiny"  # the system's quick_scenario
    assert dict(entry.env_overrides) == {"episode_slots": 3}  # System.quick_overrides
    assert entry.train_seeds == suites.QUICK["train_seeds"]
    assert entry.eval_seeds == (1000, 1001, 1002, 1003, 1004)
    names = [a.name for a in entry.agents]
    # random, the baseline/reference kinds (not the "paper" learner), then sb3-ppo
    assert names == ["random", "toy-greedy", "toy-oracle", "toy-slow", "sb3-ppo"]
    assert [a.budget_steps for a in entry.agents] == [0, 0, 0, 0, suites.QUICK[
        "learner_budget_steps"]]
    jobs, warnings = suites.expand(suite)
    assert len(jobs) == 4 * 3  # 3 training seeds; sb3-ppo is not registered here: skipped
    assert warnings == [
        "warning: agent 'sb3-ppo' is not registered (yet); skipped on BenchToy-v0/tiny"
    ]
    assert {j.eval_seeds for j in jobs} == {entry.eval_seeds}
    oracle = next(j for j in jobs if j.agent == "toy-oracle")
    assert (oracle.paper_metric, oracle.metric_goal, oracle.reference_agent) == (
        "cost", "min", "toy-oracle")
    assert oracle.factory == "tests.benchmark_toy:OracleAgent"

    # A second system appears in `quick` without touching suites.py.
    other = dataclasses.replace(toy.SYSTEM, env_id="BenchToy2-v0", quick_scenario="wide",
                                quick_overrides={})
    monkeypatch.setitem(toy.SYSTEMS, "BenchToy2-v0", other)
    entries = suites.get_preset("quick").entries
    assert [(e.env_id, e.scenario, dict(e.env_overrides)) for e in entries] == [
        (toy.ENV_ID, "tiny", {"episode_slots": 3}), ("BenchToy2-v0", "wide", {})]
    # toy-greedy etc. only support BenchToy-v0: filtered out on the second system
    assert [a.name for a in entries[1].agents] == ["random", "sb3-ppo"]


def test_quick_preset_adds_the_paper_agent_with_its_own_budget(toy, monkeypatch):
    system = dataclasses.replace(toy.SYSTEM, quick_agents={"toy-learner": 123})
    monkeypatch.setitem(toy.SYSTEMS, toy.ENV_ID, system)  # System.quick_agents
    entry = suites.get_preset("quick").entries[0]
    assert [(a.name, a.budget_steps) for a in entry.agents][-2:] == [
        ("sb3-ppo", suites.QUICK["learner_budget_steps"]), ("toy-learner", 123)]
    assert "toy-learner" in entry.optional_agents


def test_quick_preset_takes_paper_agents_from_the_system_records():
    import edge_envs

    quick = {e.env_id: e for e in suites.get_preset("quick").entries}
    assert set(quick) == set(edge_envs.SYSTEMS)
    for env_id, system in edge_envs.SYSTEMS.items():
        budgets = {a.name: a.budget_steps for a in quick[env_id].agents}
        assert {n: budgets[n] for n in system.quick_agents} == dict(system.quick_agents)
        assert dict(quick[env_id].env_overrides) == dict(system.quick_overrides)
    cluster, mec = edge_envs.SYSTEMS["EdgeCluster-v0"], edge_envs.SYSTEMS["LargeScaleMEC-v0"]
    # The paper's agents and our variants, with the committed quick board's budgets.
    assert dict(cluster.quick_agents) == {"d3qn": 20_000, "d3qn-afterstate": 20_000}
    assert dict(mec.quick_agents) == {"dirs": 3_000, "dirs-capacity": 3_000}
    assert dict(mec.quick_overrides) == {"episode_slots": 20}


@pytest.fixture
def own_presets(monkeypatch):
    """Preset tables restored after the test (systems registered by it add paper presets)."""
    monkeypatch.setattr(suites, "PRESETS", dict(suites.PRESETS))
    monkeypatch.setattr(suites, "PAPER_PRESETS", dict(suites.PAPER_PRESETS))


def test_paper_presets_come_from_the_system_records():
    import edge_envs

    named = {s.paper_preset: s.env_id for s in edge_envs.SYSTEMS.values() if s.paper_preset}
    assert named["paper-dirs"] == "LargeScaleMEC-v0"
    assert named["paper-cluster"] == "EdgeCluster-v0"
    assert {n: e for n, e in suites.PAPER_PRESETS.items() if n in named} == named
    assert set(named) < set(suites.PRESETS)
    assert "d3qn, l-d3qn, ll-d3qn" in suites.PRESETS["paper-cluster"].description


def test_paper_presets_need_their_system(toy, own_presets):
    with pytest.raises(ValueError, match="paper-dirs.*LargeScaleMEC-v0.*registered: BenchToy"):
        suites.get_preset("paper-dirs")
    suite = suites.get_preset("paper")
    assert suite.entries == () and len(suite.warnings) == len(suites.PAPER_PRESETS) >= 2
    with pytest.raises(ValueError, match="unknown preset 'nope'; valid: quick, paper-cluster"):
        suites.get_preset("nope")


def test_paper_preset_lists_all_scenarios_and_warns_on_missing_paper_agents(
        toy, monkeypatch, own_presets):
    system = dataclasses.replace(toy.SYSTEM, paper_preset="paper-toy", paper_agents=("dirs",))
    monkeypatch.setitem(toy.SYSTEMS, toy.ENV_ID, system)
    assert "paper-toy" in suites.presets()  # registered once the system is
    suite = suites.get_preset("paper-toy")
    assert [e.scenario for e in suite.entries] == ["tiny", "small", "wide"]
    names = [a.name for a in suite.entries[0].agents]
    assert names == ["random", "toy-greedy", "toy-oracle", "toy-learner", "toy-slow", "dirs"]
    budgets = {a.name: a.budget_steps for a in suite.entries[0].agents}
    assert budgets["toy-learner"] == budgets["dirs"] == suites.PAPER["budget_steps"]
    assert budgets["toy-greedy"] == 0
    jobs, warnings = suites.expand(suites.with_overrides(suite, (0,), (50, 51), 10))
    assert len(jobs) == 3 * 5 and len(warnings) == 3
    assert all("'dirs' is not registered" in w for w in warnings)
    assert {j.budget_steps for j in jobs if j.agent == "toy-learner"} == {10}
    assert {j.eval_seeds for j in jobs} == {(50, 51)}


def test_agents_needing_an_action_space_run_on_the_systems_offering_it(toy, monkeypatch):
    from agents.registry import AgentSpec, resolve_agent

    system = dataclasses.replace(
        toy.SYSTEM, action_views={"discrete": {}, "box": {"n_actions": 4}})
    monkeypatch.setitem(toy.SYSTEMS, toy.ENV_ID, system)
    box = AgentSpec("b", "m:f", "sb3", action_space="box",
                    env_kwargs={toy.ENV_ID: {"hint_accuracy": 1.0}})
    assert box.supports(toy.ENV_ID)
    assert box.env_kwargs_for(toy.ENV_ID) == {"n_actions": 4, "hint_accuracy": 1.0}
    discrete = AgentSpec("d", "m:f", "sb3", action_space="discrete")
    assert discrete.supports(toy.ENV_ID) and discrete.env_kwargs_for(toy.ENV_ID) == {}
    multi = AgentSpec("m", "m:f", "sb3", action_space="multi_discrete")
    assert not multi.supports(toy.ENV_ID) and not multi.supports("Nope-v0")
    assert not AgentSpec("e", "m:f", "sb3", envs=("Other-v0",),
                         action_space="box").supports(toy.ENV_ID)
    with pytest.raises(ValueError, match="action_space must be one of"):
        AgentSpec("x", "m:f", "sb3", action_space="Box")
    monkeypatch.setattr("agents.registry.builtin_agents", lambda: {"m": multi})
    with pytest.raises(ValueError, match="agent 'm' does not support BenchToy-v0"):
        resolve_agent("m", toy.ENV_ID)


def test_sb3_agents_take_their_view_from_the_system_records():
    import edge_envs
    from agents.registry import all_agents

    specs = all_agents()
    for name, kind in (("sb3-dqn", "discrete"), ("sb3-sac", "box"), ("sb3-td3", "box"),
                       ("sb3-ddpg", "box"), ("sb3-ppo", None), ("sb3-a2c", None)):
        assert specs[name].action_space == kind
        for env_id, system in edge_envs.SYSTEMS.items():
            offered = kind is None or kind in system.action_views
            assert specs[name].supports(env_id) == offered, (name, env_id)
            if offered:
                view = system.action_views[kind] if kind else {}
                assert specs[name].env_kwargs_for(env_id) == dict(view)
    # the kwargs the committed results were made with
    assert specs["sb3-dqn"].env_kwargs_for("EdgeCluster-v0") == {"action_mode": "single"}
    for name in ("sb3-sac", "sb3-td3", "sb3-ddpg"):
        assert specs[name].env_kwargs_for("LargeScaleMEC-v0") == {"action_mode": "scores"}
        assert not specs[name].supports("EdgeCluster-v0")
    assert not specs["sb3-dqn"].supports("LargeScaleMEC-v0")


def test_explicit_suite_errors_name_the_valid_choices(toy):
    def expand(**kw):
        args = dict(env_id=toy.ENV_ID, scenario="tiny", agents=["toy-greedy"])
        args.update(kw)
        return suites.expand(suites.explicit_suite(**args))

    assert len(expand()[0]) == 3  # default training seeds 0, 1, 2
    with pytest.raises(ValueError, match="unknown environment 'Nope-v0'; valid: BenchToy-v0"):
        expand(env_id="Nope-v0")
    with pytest.raises(ValueError, match="unknown scenario 'big'.*valid: tiny, small, wide"):
        expand(scenario="big")
    with pytest.raises(ValueError, match="unknown agent 'nope'; valid: random, toy-greedy"):
        expand(agents=["nope"])
    with pytest.raises(ValueError, match="unknown parameter.*episode_slot"):
        expand(env_overrides={"episode_slot": 3})
    with pytest.raises(ValueError, match="episode_slots must lie in"):
        expand(env_overrides={"episode_slots": 0})
    with pytest.raises(ValueError, match="disjoint"):
        expand(train_seeds=(0, 1000))


# ----------------------------------------------------------------------------- stats
def test_normalise_hand_example():
    # metric to minimise: random 2.0, reference 0.5 -> an agent at 1.0 closes 2/3 of the gap
    assert stats.normalise(1.0, 2.0, 0.5) == pytest.approx(2 / 3)
    assert stats.normalise(2.0, 2.0, 0.5) == 0.0
    assert stats.normalise(0.5, 2.0, 0.5) == 1.0
    assert stats.normalise(2.5, 2.0, 0.5) == pytest.approx(-1 / 3)  # worse than random
    # metric to maximise: random 10, reference 30
    assert stats.normalise(25.0, 10.0, 30.0) == pytest.approx(0.75)
    assert math.isnan(stats.normalise(1.0, 2.0, 2.0))
    assert math.isnan(stats.normalise(math.nan, 2.0, 1.0))


def _row(agent, metrics, seed=0, kind="baseline", goal="min", reference="ref", **kw):
    row = dict(job_key=f"{agent}-{seed}", env_id="E-v0", scenario="s", env_overrides={},
               eval_seeds=[100 + i for i in range(len(metrics))], code_version="1",
               agent=agent, agent_kind=kind, agent_config={}, budget_steps=0, train_seed=seed,
               privileged=kind == "reference", learns=False, paper_metric="cost",
               metric_goal=goal, reference_agent=reference, metrics=list(metrics),
               returns=[-m for m in metrics], train_env_steps=0, train_wall_s=0.0, cpu_count=2)
    row.update(kw)
    return row


def test_summaries_pool_seeds_and_normalise_against_the_reference():
    rows = [
        _row("random", [2.0, 3.0], seed=0), _row("random", [1.0, 2.0], seed=1),  # mean 2.0
        _row("ref", [0.5, 0.5], seed=0, kind="reference"),
        _row("ref", [0.5, 0.5], seed=1, kind="reference"),  # mean 0.5
        _row("greedy", [1.0, 1.0], seed=0), _row("greedy", [1.5, 0.5], seed=1),  # mean 1.0
        _row("mine", [1.25, 1.75], seed=0, kind="plugin"),  # mean 1.5
    ]
    out = {s.agent: s for s in stats.summarise(rows)}
    assert [s.agent for s in stats.summarise(rows)] == ["ref", "greedy", "mine", "random"]
    assert out["random"].metric.mean == 2.0 and out["random"].n_scores == 4
    assert out["random"].ret.mean == -2.0
    assert out["random"].train_seeds == [0, 1]
    assert out["greedy"].normalised == pytest.approx(2 / 3)
    assert out["mine"].normalised == pytest.approx(1 / 3)
    assert out["random"].normalised == 0.0 and out["ref"].normalised == 1.0
    assert out["greedy"].normalised_against == "ref"
    assert out["ref"].display_name == "ref*"

    # Reference not run: the best agent of the run is 1 (goal "min": greedy at 1.0), and the
    # label says it is the best of the run, not a reference.
    out = {s.agent: s for s in stats.summarise([r for r in rows if r["agent"] != "ref"])}
    assert out["greedy"].normalised == 1.0 and out["mine"].normalised == pytest.approx(0.5)
    assert out["mine"].normalised_against == "greedy (best of run)"

    # Goal "max": the best agent is the largest metric.
    rows_max = [_row("random", [1.0], goal="max"), _row("a", [3.0], goal="max"),
                _row("b", [5.0], goal="max"), _row("p", [4.0], kind="plugin", goal="max")]
    out = {s.agent: s for s in stats.summarise(rows_max)}
    assert out["p"].normalised == pytest.approx(0.75)
    assert out["p"].normalised_against == "b (best of run)"

    # No random agent: no normalised score.
    assert all(math.isnan(s.normalised) for s in stats.summarise(rows[2:]))


def test_cells_are_separate():
    rows = [_row("random", [2.0]), _row("greedy", [1.0]),
            _row("random", [4.0], scenario="t"), _row("greedy", [3.0], scenario="t"),
            _row("mine", [2.0], scenario="t", kind="plugin")]
    out = {(s.scenario, s.agent): s.normalised for s in stats.summarise(rows)}
    assert out[("t", "greedy")] == pytest.approx(0.5)  # (3 - 4) / (2 - 4): mine is best
    assert out[("t", "mine")] == 1.0
    assert out[("s", "greedy")] == 1.0


def test_without_reference_the_best_learner_is_one_even_if_baselines_lose_to_random():
    # goal "min": "local" (3.0) is worse than random (2.0); the learner (1.0) is the best.
    rows = [_row("random", [2.0]), _row("local", [3.0]),
            _row("ppo", [1.0], kind="sb3"), _row("a2c", [1.5], kind="sb3")]
    out = {s.agent: s for s in stats.summarise(rows)}
    assert out["ppo"].normalised == 1.0 and out["a2c"].normalised == pytest.approx(0.5)
    assert out["local"].normalised == pytest.approx(-1.0)  # (3 - 2) / (1 - 2)
    assert out["a2c"].normalised_against == "ppo (best of run)"


def test_iqm_and_bootstrap_ci():
    x = np.arange(1.0, 9.0)  # 1..8: the middle half is 3, 4, 5, 6
    est = stats.Estimate.of(x)
    assert est.mean == 4.5 and est.iqm == 4.5
    assert stats.Estimate.of([1, 2, 3, 100]).iqm == 2.5
    lo, hi = est.mean_ci
    assert lo < 4.5 < hi and 2.5 < lo and hi < 6.5
    assert stats.bootstrap_ci(x) == (lo, hi)  # fixed bootstrap seed: reproducible
    assert stats.bootstrap_ci([3.0, 3.0, 3.0]) == (3.0, 3.0)
    assert stats.bootstrap_ci([7.0]) == (7.0, 7.0)
    # hand check of the percentile bootstrap on two values: resampled means are 0, 0.5, 1
    lo2, hi2 = stats.bootstrap_ci([0.0, 1.0], reps=4000)
    assert (lo2, hi2) == (0.0, 1.0)
