"""Benchmark runner: the evaluation protocol, backends, store, resume, stored models."""

from __future__ import annotations

import dataclasses
import sqlite3

import numpy as np
import pytest

from benchmarks import fingerprint, suites
from benchmarks.runner import load_model, reevaluate, run_jobs
from benchmarks.store import Store
from edge_envs.core.seeding import spawn_streams

PRELOAD = ("tests.benchmark_toy",)
NUMBERS = ("returns", "metrics", "steps", "first_obs", "curve", "train_env_steps",
           "eval_seeds", "privileged", "learns", "model_path")


@pytest.fixture
def toy(monkeypatch):
    from tests import benchmark_toy

    with benchmark_toy.installed(monkeypatch):
        yield benchmark_toy


def toy_jobs(agents=("random", "toy-greedy", "toy-oracle", "toy-learner"), seeds=(0, 1),
             eval_seeds=(100, 101, 102), budget=40, scenario="tiny", overrides=None):
    suite = suites.explicit_suite("BenchToy-v0", scenario, agents, seeds, eval_seeds, budget,
                                  overrides)
    jobs, warnings = suites.expand(suite)
    assert not warnings
    return jobs


def hand_episode(seed, slots=4, n=3, accuracy=0.7):
    """The toy episode of ``seed``, recomputed from its definition: targets and hints."""
    s = spawn_streams(seed, ("targets", "hints", "layout"))
    targets = s["targets"].integers(0, n, size=slots)
    right = s["hints"].random(slots) < accuracy
    wrong = (targets + 1 + s["hints"].integers(0, n - 1, size=slots)) % n
    return targets, np.where(right, targets, wrong)


def by_agent(rows):
    out = {}
    for r in rows:
        out.setdefault(r["agent"], {})[r["train_seed"]] = r
    return out


def test_evaluation_protocol_matches_hand_computation(toy, tmp_path):
    eval_seeds = (100, 101, 102)
    report = run_jobs(toy_jobs(), tmp_path, backend="serial", preload=PRELOAD, progress=False)
    assert len(report.ran) == 8 and not report.failed and not report.skipped
    with Store(tmp_path) as store:
        rows = by_agent(store.rows())
        assert store.integrity_check() == "ok"
    for seed in (0, 1):
        greedy, oracle = rows["toy-greedy"][seed], rows["toy-oracle"][seed]
        assert greedy["eval_seeds"] == list(eval_seeds)
        for k, s in enumerate(eval_seeds):
            targets, hints = hand_episode(s)
            # paper metric: mean over the steps of info["cost"] = |action - target|
            assert greedy["metrics"][k] == pytest.approx(np.mean(np.abs(hints - targets)))
            assert greedy["returns"][k] == float(np.sum(hints == targets))
            assert greedy["steps"][k] == 4
        assert oracle["metrics"] == [0.0, 0.0, 0.0] and oracle["returns"] == [4.0] * 3
        assert oracle["privileged"] and not greedy["privileged"]
        # every agent faced the same episodes: same first observations, per episode
        firsts = {a: rows[a][seed]["first_obs"] for a in rows}
        assert len(set(map(tuple, firsts.values()))) == 1
        assert len(set(firsts["random"])) == 3
    # the greedy heuristic is deterministic: both training seeds give the same numbers
    assert rows["toy-greedy"][0]["metrics"] == rows["toy-greedy"][1]["metrics"]
    # the learner: cost and curve recorded, model saved
    learner = rows["toy-learner"][0]
    assert learner["learns"] and learner["train_env_steps"] == 40
    assert learner["curve"][-1][0] == 40 and len(learner["curve"]) == 10  # 10 episodes of 4
    assert learner["model_path"] == f"models/{learner['job_key']}"
    assert (tmp_path / learner["model_path"] / "agent.json").exists()
    assert rows["toy-greedy"][0]["model_path"] is None
    assert learner["cpu_count"] >= 1 and learner["train_wall_s"] > 0
    assert learner["finished_at"] >= learner["started_at"]
    # what the key was made of, stored with the result
    job = next(j for j in toy_jobs() if j.key == learner["job_key"])
    assert learner["code_fingerprint"] == job.fingerprint() == fingerprint.job_fingerprint(
        job.env_id, job.factory, job.build_config())
    assert learner["git_commit"] == fingerprint.git_commit()
    assert learner["resolved_config"] == job.build_config() and learner["agent_config"] == {}
    assert learner["env_kwargs"] == learner["eval_env_kwargs"] == {}


def test_stored_model_reloads_and_reevaluates_identically(toy, tmp_path):
    run_jobs(toy_jobs(agents=("toy-learner",), seeds=(3,)), tmp_path, backend="serial",
             preload=PRELOAD, progress=False)
    with Store(tmp_path) as store:
        (row,) = store.rows()
    agent, job = load_model(row["job_key"], tmp_path)
    assert job.key == row["job_key"] and job.train_seed == 3
    again = reevaluate(row["job_key"], tmp_path)
    for name in ("returns", "metrics", "steps", "first_obs"):
        assert again[name] == row[name]
    other = reevaluate(row["job_key"], tmp_path, eval_seeds=[200])
    assert other["first_obs"] != row["first_obs"][:1]
    with pytest.raises(ValueError, match="no stored job"):
        load_model("0" * 20, tmp_path)


def test_resume_skips_finished_jobs(toy, tmp_path):
    jobs = toy_jobs(agents=("toy-greedy", "toy-learner"))
    first = run_jobs(jobs[:2], tmp_path, backend="serial", preload=PRELOAD, progress=False)
    with Store(tmp_path) as store:
        before = {r["job_key"]: (r["id"], r["finished_at"]) for r in store.rows()}
    assert set(before) == set(first.ran)
    second = run_jobs(jobs, tmp_path, backend="serial", preload=PRELOAD, progress=False)
    assert set(second.skipped) == set(first.ran) and len(second.ran) == len(jobs) - 2
    with Store(tmp_path) as store:
        after = {r["job_key"]: (r["id"], r["finished_at"]) for r in store.rows()}
    assert {k: after[k] for k in before} == before  # not recomputed, not rewritten
    third = run_jobs(jobs, tmp_path, backend="serial", preload=PRELOAD, progress=False)
    assert not third.ran and len(third.skipped) == len(jobs)


def test_failed_job_is_reported_and_not_stored(toy, tmp_path):
    jobs = toy_jobs(agents=("toy-greedy",), seeds=(0,))
    bad = dataclasses.replace(jobs[0], agent="bad", factory="tests.benchmark_toy:nothing")
    report = run_jobs([bad, *jobs], tmp_path, backend="serial", preload=PRELOAD,
                      progress=False)
    assert report.ran == [jobs[0].key]
    assert report.failed == [(bad.label(), report.failed[0][1])]
    assert "has no attribute 'nothing'" in report.failed[0][1]
    with Store(tmp_path) as store:
        assert store.done_keys() == {jobs[0].key}


def test_eval_overrides_apply_to_evaluation_only(toy, tmp_path, monkeypatch):
    # A system may evaluate on held-out settings (EdgeCluster: the test part of the trace).
    system = dataclasses.replace(toy.SYSTEM, eval_overrides={"hint_accuracy": 1.0})
    monkeypatch.setitem(toy.SYSTEMS, toy.ENV_ID, system)
    jobs = toy_jobs(agents=("toy-greedy", "toy-learner"), seeds=(0,), budget=8)
    assert all(dict(j.eval_overrides) == {"hint_accuracy": 1.0} for j in jobs)
    run_jobs(jobs, tmp_path, backend="serial", preload=PRELOAD, progress=False)
    with Store(tmp_path) as store:
        rows = by_agent(store.rows())
    assert rows["toy-greedy"][0]["metrics"] == [0.0, 0.0, 0.0]  # perfect hints in evaluation
    assert rows["toy-greedy"][0]["env_kwargs"] == {}
    assert rows["toy-greedy"][0]["eval_env_kwargs"] == {"hint_accuracy": 1.0}
    assert rows["toy-learner"][0]["curve"][0][1] < 4.0  # training saw imperfect hints


def _numbers(tmp_path):
    with Store(tmp_path) as store:
        return {r["job_key"]: {k: r[k] for k in NUMBERS} for r in store.rows()}


def test_serial_and_process_pool_store_identical_numbers(toy, tmp_path):
    jobs = toy_jobs()
    run_jobs(jobs, tmp_path / "serial", backend="serial", preload=PRELOAD, progress=False)
    report = run_jobs(jobs, tmp_path / "pool", backend="process", workers=2, preload=PRELOAD,
                      progress=False)
    assert not report.failed, report.failed
    serial, pool = _numbers(tmp_path / "serial"), _numbers(tmp_path / "pool")
    assert len(serial) == 8 and serial == pool
    # and the same command twice gives the same numbers
    run_jobs(jobs, tmp_path / "again", backend="serial", preload=PRELOAD, progress=False)
    assert _numbers(tmp_path / "again") == serial


def test_ray_backend_stores_identical_numbers(toy, tmp_path):
    pytest.importorskip("ray")
    jobs = toy_jobs(agents=("random", "toy-learner"))
    run_jobs(jobs, tmp_path / "serial", backend="serial", preload=PRELOAD, progress=False)
    report = run_jobs(jobs, tmp_path / "ray", backend="ray", workers=2, preload=PRELOAD,
                      progress=False)
    assert not report.failed, report.failed
    assert _numbers(tmp_path / "ray") == _numbers(tmp_path / "serial")


def test_store_is_plain_sqlite_in_wal_mode(toy, tmp_path):
    run_jobs(toy_jobs(agents=("toy-greedy",), seeds=(0,)), tmp_path, backend="serial",
             preload=PRELOAD, progress=False)
    db = sqlite3.connect(tmp_path / "results.sqlite")
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    (returns,) = db.execute("SELECT returns FROM results").fetchone()
    assert returns.startswith("[") and db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
