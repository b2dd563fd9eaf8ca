"""Reading a results store must not write to it: ``Store(folder, readonly=True)``.

Tables, ``status`` and the rendering of committed reports open stores read-only, so rendering
``docs/reproduction/*`` leaves the committed SQLite files byte-identical, an older schema is
migrated in memory only, and a store a run is still writing (pages in its ``-wal`` file) is
read in full.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3

import pytest

from benchmarks import suites
from benchmarks.runner import run_jobs
from benchmarks.store import SCHEMA_VERSION, Store, StoreError
from tests.test_benchmark_keys import PRELOAD, make_v1_store, run_cli


@pytest.fixture
def toy(monkeypatch):
    from tests import benchmark_toy

    with benchmark_toy.installed(monkeypatch):
        yield benchmark_toy


@pytest.fixture
def stored(toy, tmp_path):
    """A results folder holding two finished toy jobs, closed cleanly."""
    jobs, _ = suites.expand(suites.explicit_suite("BenchToy-v0", "tiny", ["toy-greedy"],
                                                  (0, 1), (100, 101), 0))
    run_jobs(jobs, tmp_path / "res", backend="serial", preload=PRELOAD, progress=False)
    return tmp_path / "res", jobs


def digest(folder) -> tuple[str, list[str]]:
    data = (folder / "results.sqlite").read_bytes()
    return hashlib.sha256(data).hexdigest(), sorted(p.name for p in folder.iterdir())


def test_reading_leaves_the_file_and_folder_untouched(stored):
    folder, jobs = stored
    before = digest(folder)
    with Store(folder, readonly=True) as store:
        assert {r["job_key"] for r in store.rows()} == {j.key for j in jobs}
        assert store.done_keys() == {j.key for j in jobs} and store.failures() == []
        with pytest.raises(StoreError, match="opened read-only"):
            store.put(store.rows()[0])
    assert digest(folder) == before  # no byte changed, no -wal/-shm left behind


def test_cli_tables_and_status_do_not_write(stored, capsys, tmp_path):
    folder, _ = stored
    before = digest(folder)
    code, board, _ = run_cli(capsys, "leaderboard", "--results", folder)
    assert code == 0 and "toy-greedy" in board
    code, status, _ = run_cli(capsys, "status", "--results", folder)
    assert code == 0 and status.startswith("2 stored job(s)")
    assert digest(folder) == before


def test_old_schema_is_migrated_in_memory_only(stored, tmp_path):
    folder, _ = stored
    db = sqlite3.connect(folder / "results.sqlite")
    db.row_factory = sqlite3.Row
    record = dict(db.execute("SELECT * FROM results").fetchone())
    db.close()
    old = tmp_path / "old"
    old.mkdir()
    make_v1_store(old, {**record, "job_key": "old-key", "code_version": "0.1.0",
                        "job": json.dumps({"code_version": "0.1.0"})})
    before = digest(old)
    with Store(old, readonly=True) as store:
        (row,) = store.rows()
        assert row["code_fingerprint"] == "0.1.0" and row["plans_with_model"] is False
    assert digest(old) == before
    db = sqlite3.connect(old / "results.sqlite")
    assert db.execute("PRAGMA user_version").fetchone()[0] == 1 < SCHEMA_VERSION
    db.close()


def test_a_store_being_written_is_read_with_its_wal_pages(stored):
    folder, jobs = stored
    with Store(folder) as writer:  # a run holds the store open: rows wait in the -wal file
        row = writer.rows()[0]
        writer.put({**row, "job_key": "new-key", "agent": "toy-new"})
        assert (folder / "results.sqlite-wal").exists()
        with Store(folder, readonly=True) as reader:
            assert "new-key" in reader.done_keys()


def test_missing_store_is_one_line(tmp_path):
    with pytest.raises(StoreError, match="no results store at"):
        Store(tmp_path / "nothing", readonly=True)
    assert not (tmp_path / "nothing").exists()
