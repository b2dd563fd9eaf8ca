"""Job keys follow what a job resolves to; the leaderboard separates code versions.

Issue 14 part 1: a changed catalog default, env kwarg or source file must give a new key (so
the store never serves a stale result), equal resolved configs the same key; the leaderboard
shows the newest code version by default; a store of schema 1 is migrated in place.
"""

from __future__ import annotations

import csv
import dataclasses
import json
import sqlite3

import pytest

from benchmarks import fingerprint, suites
from benchmarks.cli import main
from benchmarks.jobs import Job
from benchmarks.runner import run_jobs
from benchmarks.stats import newest_versions, summarise
from benchmarks.store import ADDED_IN_2, ADDED_IN_3, COLUMNS, SCHEMA_VERSION, Store

PRELOAD = ("tests.benchmark_toy",)


@pytest.fixture
def toy(monkeypatch):
    from tests import benchmark_toy

    with benchmark_toy.installed(monkeypatch):
        yield benchmark_toy


def keys(agent="toy-learner", config=None, overrides=None):
    suite = suites.explicit_suite("BenchToy-v0", "tiny", [agent], (0, 1), (100, 101), 40,
                                  overrides, config)
    jobs, _ = suites.expand(suite)
    return [job.key for job in jobs]


def set_spec(toy, monkeypatch, name, **changes):
    """Replace one toy catalog entry (as an edit of the catalog's defaults would)."""
    import agents.registry as registry

    catalog = {s.name: s for s in toy.CATALOG}
    catalog[name] = dataclasses.replace(catalog[name], **changes)
    monkeypatch.setattr(registry, "builtin_agents", lambda: dict(catalog))


def set_system(toy, monkeypatch, **changes):
    monkeypatch.setitem(toy.SYSTEMS, toy.ENV_ID, dataclasses.replace(toy.SYSTEM, **changes))


# ----------------------------------------------------------------------------- keys
def test_catalog_default_is_in_the_key_and_explicit_defaults_are_the_same_job(toy, monkeypatch):
    before = keys()
    set_spec(toy, monkeypatch, "toy-learner", config={"epsilon": 0.1})
    changed = keys()
    assert set(changed).isdisjoint(before)
    # Saying the default out loud is the same job; a partial config merges with the defaults.
    assert keys(config={"epsilon": 0.1}) == changed
    set_spec(toy, monkeypatch, "toy-learner", config={"epsilon": 0.1, "unused": 2})
    assert keys(config={"unused": 2}) == keys(config={"epsilon": 0.1}) == keys()
    assert keys(config={"epsilon": 0.2}) != keys()


def test_env_kwargs_are_in_the_key(toy, monkeypatch):
    base = keys()
    # a scenario override
    assert set(keys(overrides={"hint_accuracy": 0.9})).isdisjoint(base)
    # the agent's own gym.make kwargs (its action view)
    set_spec(toy, monkeypatch, "toy-learner", env_kwargs={toy.ENV_ID: {"n_actions": 4}})
    view = keys()
    assert set(view).isdisjoint(base)
    # an override equal to what the agent asks for resolves to the same kwargs: same job
    assert keys(overrides={"n_actions": 4}) == view
    # the system's evaluation overrides: training kwargs equal, evaluation kwargs not
    set_spec(toy, monkeypatch, "toy-learner")
    set_system(toy, monkeypatch, eval_overrides={"hint_accuracy": 1.0})
    jobs, _ = suites.expand(suites.explicit_suite("BenchToy-v0", "tiny", ["toy-learner"],
                                                  (0, 1), (100, 101), 40))
    assert [j.env_kwargs() for j in jobs] == [{}, {}]
    assert set(j.key for j in jobs).isdisjoint(base)


# ----------------------------------------------------------------------------- store, board
def run_cli(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


RUN = ("run", "--env", "BenchToy-v0", "--scenario", "tiny", "--seeds", "0,1",
       "--eval-episodes", "2", "--set", "episode_slots=3", "--workers", "1", "--no-progress")


def with_code(monkeypatch, name):
    monkeypatch.setattr(fingerprint, "code_fingerprint", lambda *job_code: name * 64)


def test_code_change_reruns_and_the_board_shows_the_newest_version(toy, capsys, monkeypatch,
                                                                   tmp_path):
    res = tmp_path / "res"
    agents = ("--agent", "random", "--agent", "toy-greedy")
    with_code(monkeypatch, "a")
    code, out_a, err = run_cli(capsys, *RUN, *agents, "--results", res)
    assert code == 0 and "4 job(s) run, 0 already stored" in err
    code, out, err = run_cli(capsys, *RUN, *agents, "--results", res)
    assert "0 job(s) run, 4 already stored" in err and out == out_a
    with_code(monkeypatch, "b")
    code, out_b, err = run_cli(capsys, *RUN, *agents, "--results", res)
    assert "4 job(s) run, 0 already stored" in err and out_b == out_a  # same code path

    code, board, _ = run_cli(capsys, "leaderboard", "--results", res)
    assert board == out_a + ("\n4 stored job(s) of older code versions not shown "
                             "(`edge-bench leaderboard --all-versions` shows every version)\n")
    code, every, _ = run_cli(capsys, "leaderboard", "--results", res, "--all-versions")
    titles = [line for line in every.splitlines() if line.startswith("BenchToy-v0")]
    assert [t.split("; code ")[1][:12] for t in titles] == ["b" * 12, "a" * 12]  # newest first
    assert every.count("\ncode          agent") == 2 and "not shown" not in every
    assert sum(line.startswith("bbbbbbbbbbbb  toy-greedy") for line in every.splitlines()) == 1

    # Only toy-greedy re-run with newer code: the cell shows two versions, named in the titles,
    # and toy-greedy is not normalised against a random agent of other code.
    with_code(monkeypatch, "c")
    run_cli(capsys, *RUN, "--agent", "toy-greedy", "--results", res)
    code, board, _ = run_cli(capsys, "leaderboard", "--results", res, "--csv",
                             tmp_path / "lb.csv")
    titles = [line for line in board.splitlines() if line.startswith("BenchToy-v0")]
    assert [t.split("; code ")[1][:12] for t in titles] == ["c" * 12, "b" * 12]
    assert "6 stored job(s) of older code versions not shown" in board
    table = {row["agent"]: row for row in csv.DictReader(open(tmp_path / "lb.csv"))}
    assert table["toy-greedy"]["code_fingerprint"] == "c" * 64
    assert table["random"]["code_fingerprint"] == "b" * 64
    assert table["toy-greedy"]["normalised"] == "nan"
    assert table["random"]["resolved_config"] == "{}"
    assert table["random"]["env_kwargs"] == table["random"]["eval_env_kwargs"] == (
        '{"episode_slots":3}')
    assert table["random"]["git_commit"] == (fingerprint.git_commit() or "")


def test_newest_versions_uses_finish_time_then_insertion_order():
    def row(i, agent, code, finished):
        return dict(id=i, env_id="E", scenario="s", env_overrides={}, agent=agent,
                    code_fingerprint=code, code_version="0.1", finished_at=finished)

    rows = [row(1, "x", "new", "2026-01-02"), row(2, "x", "old", "2026-01-01"),
            row(3, "y", "p", "2026-01-01"), row(4, "y", "q", "2026-01-01"),
            row(5, "z", None, "2026-01-01")]  # a schema-1 row: its version is its code
    kept, hidden = newest_versions(rows)
    assert [r["id"] for r in kept] == [1, 4, 5] and hidden == 2


def make_v1_store(path, record):
    """A store as schema 1 wrote it, holding ``record`` (less the columns added since)."""
    v1 = {c: t for c, t in COLUMNS.items() if c not in (*ADDED_IN_2, *ADDED_IN_3)}
    db = sqlite3.connect(path / "results.sqlite")
    cols = ",\n  ".join(f"{c} {t}" for c, t in v1.items())
    db.execute(f"CREATE TABLE results (id INTEGER PRIMARY KEY AUTOINCREMENT, {cols})")
    db.execute("PRAGMA user_version = 1")
    db.execute(f"INSERT INTO results ({', '.join(v1)}) VALUES ({', '.join('?' for _ in v1)})",
               [record[c] for c in v1])
    db.commit()
    db.close()


def test_schema_1_store_is_migrated_in_place(toy, tmp_path):
    jobs = suites.expand(suites.explicit_suite("BenchToy-v0", "tiny", ["toy-greedy"], (0,),
                                               (100, 101), 0))[0]
    run_jobs(jobs, tmp_path / "new", backend="serial", preload=PRELOAD, progress=False)
    db = sqlite3.connect(tmp_path / "new" / "results.sqlite")
    db.row_factory = sqlite3.Row
    record = dict(db.execute("SELECT * FROM results").fetchone())
    db.close()
    old = tmp_path / "old"
    old.mkdir()
    job_v1 = {k: v for k, v in json.loads(record["job"]).items()
              if k not in ("code_fingerprint", "env_fingerprint")}
    make_v1_store(old, {**record, "job_key": "old-key", "code_version": "0.1.0",
                        "job": json.dumps({**job_v1, "code_version": "0.1.0"})})

    with Store(old) as store:
        (row,) = store.rows()
        assert row["code_fingerprint"] == "0.1.0" and row["git_commit"] is None
        assert row["resolved_config"] is None and row["metrics"] == json.loads(record["metrics"])
        assert row["plans_with_model"] is False
        assert Job.from_dict(row["job"]).code_fingerprint == "0.1.0"
        assert store.integrity_check() == "ok"
    db = sqlite3.connect(old / "results.sqlite")
    assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 3
    db.close()
    # The old row's key never matches a job of today: the same command re-runs it.
    report = run_jobs(jobs, old, backend="serial", preload=PRELOAD, progress=False)
    assert report.ran == [jobs[0].key] and not report.skipped
    with Store(old) as store:
        rows = store.rows()
    kept, hidden = newest_versions(rows)
    assert hidden == 1 and [r["job_key"] for r in kept] == [jobs[0].key]
    assert [s.code_fingerprint for s in summarise(rows)] == [jobs[0].fingerprint(),
                                                             "0.1.0"]

    db = sqlite3.connect(old / "results.sqlite")
    db.execute("PRAGMA user_version = 4")
    db.close()
    with pytest.raises(ValueError, match="store schema 4; this code reads up to 3"):
        Store(old)



def test_agents_planning_with_the_model_are_stored_and_marked(toy, tmp_path, monkeypatch):
    from benchmarks.leaderboard import PLANNING_FOOTNOTE, csv_rows, to_markdown, to_text

    monkeypatch.setattr(toy.GreedyAgent, "plans_with_model", True)
    jobs = suites.expand(suites.explicit_suite("BenchToy-v0", "tiny", ["toy-greedy", "random"],
                                               (0,), (100, 101), 0))[0]
    run_jobs(jobs, tmp_path, backend="serial", preload=PRELOAD, progress=False)
    with Store(tmp_path) as store:
        rows = {r["agent"]: r for r in store.rows()}
    assert rows["toy-greedy"]["plans_with_model"] is True
    assert rows["random"]["plans_with_model"] is False
    summaries = summarise(list(rows.values()))
    names = {s.agent: s.display_name for s in summaries}
    assert names == {"toy-greedy": "toy-greedy+", "random": "random"}
    assert PLANNING_FOOTNOTE in to_text(summaries) and PLANNING_FOOTNOTE in to_markdown(summaries)
    assert {r["agent"]: r["plans_with_model"] for r in csv_rows(summaries)} == {
        "toy-greedy": 1, "random": 0}
