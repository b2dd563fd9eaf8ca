"""Kill the runner with SIGKILL mid-suite, run it again: it resumes without recomputing.

And resume never reuses a result of other code: after a source edit the same command re-runs.
"""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
N_JOBS, WORKERS = 8, 2


@pytest.fixture
def code(tmp_path) -> Path:
    """A copy of the packages the runs import: the code fingerprint is that of the copy, so
    edits to the working tree while the test runs do not change the jobs' keys."""
    for package in ("edge_envs", "agents", "benchmarks"):
        shutil.copytree(ROOT / package, tmp_path / "code" / package,
                        ignore=shutil.ignore_patterns("__pycache__"))
    return tmp_path / "code"


def run_env(code: Path, **extra: str) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": os.pathsep.join((str(code), str(ROOT))), **extra}


def _rows(db_path: Path) -> dict[str, tuple]:
    if not db_path.exists():
        return {}
    try:
        db = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=5)
        try:
            return {k: (i, s, f) for i, k, s, f in db.execute(
                "SELECT id, job_key, train_seed, finished_at FROM results")}
        finally:
            db.close()
    except sqlite3.OperationalError:  # table not created yet
        return {}


def _seeds(counter):
    """Training starts per seed, from the agents' ``seed pid`` log."""
    return Counter(line.split()[0] for line in counter.read_text().splitlines())


@pytest.mark.skipif(not hasattr(os, "killpg"), reason="needs POSIX process groups")
def test_sigkill_then_resume(tmp_path, code):
    results, counter = tmp_path / "results", tmp_path / "trained.txt"
    cmd = [sys.executable, "-m", "benchmarks", "run", "--import", "tests.benchmark_toy",
           "--env", "BenchToy-v0", "--scenario", "tiny",
           "--agent", "tests.benchmark_toy:SlowAgent", "--config", '{"delay_s": 0.4}',
           "--seeds", f"0-{N_JOBS - 1}", "--eval-episodes", "2",
           "--workers", str(WORKERS), "--backend", "process",
           "--results", str(results), "--no-progress"]
    env = run_env(code, BENCH_TOY_COUNTER=str(counter))
    db_path = results / "results.sqlite"

    proc = subprocess.Popen(cmd, cwd=tmp_path, env=env, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 120
        while len(_rows(db_path)) < 2:
            assert proc.poll() is None, f"runner ended early: {proc.stderr.read().decode()}"
            assert time.monotonic() < deadline, "runner stored nothing in 120 s"
            time.sleep(0.02)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # the runner and its worker processes
        proc.wait(timeout=30)
        proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL

    before = _rows(db_path)
    assert 2 <= len(before) < N_JOBS
    db = sqlite3.connect(db_path)
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    db.close()
    started_before = _seeds(counter)
    # every job that was started either finished or was in flight (at most one per worker)
    assert len(before) <= sum(started_before.values()) <= len(before) + WORKERS

    done = subprocess.run(cmd, cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    assert f"resuming: {len(before)} finished job(s) skipped" in done.stderr
    after = _rows(db_path)
    assert len(after) == N_JOBS
    assert {k: after[k] for k in before} == before  # same row ids and finish times
    trained = _seeds(counter)
    assert set(trained) == {str(s) for s in range(N_JOBS)}
    for _, seed, _ in before.values():
        assert trained[str(seed)] == 1, f"finished job (seed {seed}) was trained again"
    assert sum(trained.values()) <= N_JOBS + WORKERS
    db = sqlite3.connect(db_path)
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    db.close()


def test_same_command_resumes_and_a_code_change_reruns(tmp_path, code):
    """Untouched or with only a comment added, the command resumes; after an edit of the
    code, it re-runs."""
    results = tmp_path / "results"
    cmd = [sys.executable, "-m", "benchmarks", "run", "--import", "tests.benchmark_toy",
           "--env", "BenchToy-v0", "--scenario", "tiny",
           "--agent", "tests.benchmark_toy:GreedyAgent",
           "--agent", "tests.benchmark_toy:ToyRandomAgent",
           "--seeds", "0,1", "--eval-episodes", "2", "--workers", "1",
           "--results", str(results), "--no-progress"]
    env = run_env(code)

    def run() -> str:
        done = subprocess.run(cmd, cwd=tmp_path, env=env, capture_output=True, text=True,
                              timeout=300)
        assert done.returncode == 0, done.stderr
        return done.stderr

    assert "4 job(s) run, 0 already stored" in run()
    assert "0 job(s) run, 4 already stored" in run()
    with open(code / "edge_envs" / "registry.py", "a") as fh:
        fh.write("\n# documentation only: the same code version\n")
    assert "0 job(s) run, 4 already stored" in run()
    with open(code / "edge_envs" / "registry.py", "a") as fh:
        fh.write("\n_A_CHANGE_THAT_ALTERS_NO_NUMBER = 'still a new code version'\n")
    assert "4 job(s) run, 0 already stored" in run()
    db = sqlite3.connect(results / "results.sqlite")
    fingerprints = [r[0] for r in db.execute("SELECT code_fingerprint FROM results ORDER BY id")]
    db.close()
    assert len(set(fingerprints[:4])) == len(set(fingerprints[4:])) == 1
    assert fingerprints[0] != fingerprints[4]
