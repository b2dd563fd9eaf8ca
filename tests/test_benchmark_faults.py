"""Fault injection in the benchmark runner (issue 20), with real processes.

A worker killed with SIGKILL mid-job, the runner killed with SIGKILL, a plug-in agent that hangs,
two runs sharing one results folder, a store that cannot be written, and the worker and hang
faults on a local Ray instance. Each test checks the exit status, the message, the stored rows
and that running again completes what failed. The faults come from the plug-in agents
``HangAgent`` and ``KillSelfAgent`` of ``tests/benchmark_toy.py``, which log every attempt
(``seed pid``) to ``$BENCH_TOY_COUNTER``. Every subprocess runs under a timeout.
"""

from __future__ import annotations

import json
import os
import platform
import re
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from benchmarks import cli, suites
from benchmarks.runner import run_jobs
from benchmarks.store import STALE_AFTER_S, Owner, Store, StoreError, claim_live
from tests.benchmark_toy import COUNTER_ENV
from tests.test_benchmark_resume import code, run_env  # noqa: F401 - fixture of the copy

TOY = "tests.benchmark_toy"
PRELOAD = (TOY,)
RUN_TIMEOUT_S = 120  # no test waits longer than this for a run
SIGKILL_DEATH = "worker died: signal 9 (SIGKILL)"
posix_only = pytest.mark.skipif(os.name != "posix", reason="needs POSIX signals")


def command(results: Path, agent: str, config: dict, seeds: str, *extra: str) -> list[str]:
    return [sys.executable, "-m", "benchmarks", "run", "--import", TOY,
            "--env", "BenchToy-v0", "--scenario", "tiny", "--agent", f"{TOY}:{agent}",
            "--config", json.dumps(config), "--seeds", seeds, "--eval-episodes", "2",
            "--results", str(results), "--no-progress", *extra]


def run(cmd: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=RUN_TIMEOUT_S)


def attempts(counter: Path) -> Counter:
    """Attempts per training seed, from the agents' log."""
    if not counter.exists():
        return Counter()
    return Counter(int(line.split()[0]) for line in counter.read_text().splitlines())


def worker_pids(counter: Path) -> list[int]:
    return [int(line.split()[1]) for line in counter.read_text().splitlines()]


def table(results: Path, sql: str) -> list[tuple]:
    db = sqlite3.connect(f"file:{results / 'results.sqlite'}?mode=ro", uri=True, timeout=5)
    try:
        return db.execute(sql).fetchall()
    finally:
        db.close()


def stored_seeds(results: Path) -> list[int]:
    return sorted(s for (s,) in table(results, "SELECT train_seed FROM results"))


def failures(results: Path) -> dict[int, str]:
    rows = table(results, "SELECT label, reason FROM failures")
    return {int(label.rsplit("seed=", 1)[1]): reason for label, reason in rows}


def final_line(stderr: str) -> str:
    return stderr.strip().splitlines()[-1]


def running(pid: int) -> bool:
    """Alive and not a zombie (an orphan's zombie may wait for a reaper that never comes)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state not in ("Z", "X")


def plugin_jobs(agent: str, config: dict, seeds) -> list:
    suite = suites.explicit_suite("BenchToy-v0", "tiny", [f"{TOY}:{agent}"], seeds, (100, 101),
                                  0, None, config)
    return suites.expand(suite)[0]


@pytest.fixture
def toy(monkeypatch):
    from tests import benchmark_toy

    with benchmark_toy.installed(monkeypatch):
        yield benchmark_toy


# --------------------------------------------------------------------------- 1. dead worker
@posix_only
def test_killed_worker_is_replaced_and_its_job_retried_once(tmp_path, code, capsys):  # noqa: F811
    results, counter = tmp_path / "results", tmp_path / "attempts.txt"
    env = run_env(code, **{COUNTER_ENV: str(counter)})
    # seed 0 dies in both attempts, seed 1 only in the first, seed 2 never
    cmd = command(results, "KillSelfAgent", {"deaths": {"0": 2, "1": 1}}, "0-2",
                  "--workers", "2", "--backend", "process")
    done = run(cmd, env, tmp_path)
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    assert re.search(rf"job failed: \S+ \S+ seed=0: {re.escape(SIGKILL_DEATH)}$", done.stderr,
                     re.MULTILINE), done.stderr
    assert final_line(done.stderr).startswith("2 job(s) run, 0 already stored, 1 failed")
    assert attempts(counter) == {0: 2, 1: 2, 2: 1}
    assert stored_seeds(results) == [1, 2]
    assert failures(results) == {0: SIGKILL_DEATH}
    assert not any(running(pid) for pid in worker_pids(counter))  # pool closed at the end
    assert cli.main(["status", "--results", str(results)]) == 0
    status = capsys.readouterr().out.splitlines()
    assert status[0].startswith("2 stored job(s), 1 failed, 0 claimed; store: ")
    assert re.match(rf"failed  \S+ \S+ seed=0 \[\w+\]: {re.escape(SIGKILL_DEATH)} \(pid \d+ on ",
                    status[1]), status
    assert cli.main(["leaderboard", "--results", str(results)]) == 0
    assert capsys.readouterr().err == (f"1 failed job(s) not stored; `edge-bench status "
                                       f"--results {results}` lists them\n")

    again = run(cmd[:-4], env, tmp_path)  # serially: seed 0's third attempt lives
    assert again.returncode == 0, again.stderr
    assert final_line(again.stderr).startswith("1 job(s) run, 2 already stored, 0 failed")
    assert stored_seeds(results) == [0, 1, 2] and failures(results) == {}


# --------------------------------------------------------------------------- 2. killed run
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_workers_exit_when_the_runner_is_killed(tmp_path, code):  # noqa: F811
    results, counter = tmp_path / "results", tmp_path / "attempts.txt"
    env = run_env(code, **{COUNTER_ENV: str(counter)})
    cmd = command(results, "HangAgent", {"hangs": 1}, "0,1", "--workers", "2",
                  "--backend", "process")
    proc = subprocess.Popen(cmd, cwd=tmp_path, env=env, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + RUN_TIMEOUT_S
        while sum(attempts(counter).values()) < 2:  # both workers stuck in a job
            assert proc.poll() is None, "runner ended early"
            assert time.monotonic() < deadline, "workers did not start their jobs"
            time.sleep(0.05)
        pids = worker_pids(counter)
        os.kill(proc.pid, signal.SIGKILL)  # the runner only, not its process group
        proc.wait(timeout=10)
        deadline = time.monotonic() + 10
        while any(running(pid) for pid in pids) and time.monotonic() < deadline:
            time.sleep(0.05)
        orphans = [pid for pid in pids if running(pid)]
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)  # whatever is left, so the test never leaks
        except ProcessLookupError:
            pass
    assert not orphans, f"workers {orphans} outlived the runner"
    # its claims stay behind, owned by a dead pid: the next run takes them over
    assert len(table(results, "SELECT job_key FROM claims")) == 2
    again = run(command(results, "HangAgent", {"hangs": 1}, "0,1", "--workers", "1"), env,
                tmp_path)
    assert again.returncode == 0, again.stderr
    assert final_line(again.stderr).startswith("2 job(s) run, 0 already stored, 0 failed")
    assert stored_seeds(results) == [0, 1]
    assert table(results, "SELECT job_key FROM claims") == []


# --------------------------------------------------------------------------- 3. hung agent
def test_hung_agent_is_stopped_at_the_job_timeout(tmp_path, code):  # noqa: F811
    results, counter = tmp_path / "results", tmp_path / "attempts.txt"
    env = run_env(code, **{COUNTER_ENV: str(counter)})
    cmd = command(results, "HangAgent", {"hangs": {"0": 1}}, "0-2", "--workers", "2",
                  "--backend", "process", "--job-timeout", "3")
    done = run(cmd, env, tmp_path)
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    assert re.search(r"job failed: \S+ \S+ seed=0: timed out after 3 s$", done.stderr,
                     re.MULTILINE), done.stderr
    assert final_line(done.stderr).startswith("2 job(s) run, 0 already stored, 1 failed")
    assert attempts(counter) == {0: 1, 1: 1, 2: 1}  # a timed-out job is not retried
    assert stored_seeds(results) == [1, 2] and failures(results) == {0: "timed out after 3 s"}
    assert not any(running(pid) for pid in worker_pids(counter))  # the stuck worker was stopped

    again = run(cmd[:-6], env, tmp_path)
    assert again.returncode == 0, again.stderr
    assert final_line(again.stderr).startswith("1 job(s) run, 2 already stored, 0 failed")
    assert stored_seeds(results) == [0, 1, 2] and failures(results) == {}


@posix_only
def test_serial_backend_stops_a_hung_job(toy, tmp_path, monkeypatch):
    monkeypatch.setenv(COUNTER_ENV, str(tmp_path / "attempts.txt"))
    jobs = plugin_jobs("HangAgent", {"hangs": {"0": 1}}, (0, 1))
    report = run_jobs(jobs, tmp_path, backend="serial", preload=PRELOAD, progress=False,
                      job_timeout_s=0.5)
    assert report.failed == [(jobs[0].label(), "timed out after 0.5 s")]
    assert report.ran == [jobs[1].key]
    again = run_jobs(jobs, tmp_path, backend="serial", preload=PRELOAD, progress=False,
                     job_timeout_s=0.5)
    assert again.ran == [jobs[0].key] and not again.failed
    with Store(tmp_path) as store:
        assert store.failures() == [] and store.claims() == []


# --------------------------------------------------------------------------- 4. shared store
def test_two_runs_on_one_store_split_the_jobs(tmp_path, code):  # noqa: F811
    results, counter = tmp_path / "results", tmp_path / "attempts.txt"
    env = run_env(code, **{COUNTER_ENV: str(counter)})
    # The first run's first job waits until the second run has started one: both must work.
    cmd = command(results, "SlowAgent", {"delay_s": 0.1, "processes": 2}, "0-7",
                  "--workers", "1")
    first = subprocess.Popen(cmd, cwd=tmp_path, env=env, stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE, text=True)
    second = None
    try:
        deadline = time.monotonic() + RUN_TIMEOUT_S
        while not counter.exists():  # the first run is in its first job
            assert first.poll() is None and time.monotonic() < deadline
            time.sleep(0.02)
        second = subprocess.Popen(cmd, cwd=tmp_path, env=env, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.PIPE, text=True)
        errs = [p.communicate(timeout=RUN_TIMEOUT_S)[1] for p in (first, second)]
    finally:
        for p in (first, second):
            if p is not None and p.poll() is None:
                p.kill()
                p.wait()
    assert first.returncode == 0 and second.returncode == 0, errs
    assert attempts(counter) == {seed: 1 for seed in range(8)}  # every job ran once
    ran = [int(re.search(r"(\d+) job\(s\) run", final_line(e)).group(1)) for e in errs]
    assert sum(ran) == 8 and min(ran) >= 1, errs  # and both runs worked
    assert stored_seeds(results) == list(range(8))
    assert table(results, "SELECT job_key FROM claims") == []


def test_claims_hold_while_their_run_lives(tmp_path):
    now = 1_000_000.0
    here = platform.node()
    assert claim_live(os.getpid(), here, now, now)
    assert not claim_live(os.getpid(), here, now - STALE_AFTER_S - 1, now)  # stale heartbeat
    assert claim_live(1, "another-host", now - STALE_AFTER_S + 1, now)
    assert not claim_live(1, "another-host", now - STALE_AFTER_S - 1, now)
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    assert not claim_live(gone.pid, here, now, now)  # same host, process gone

    me, twin = Owner(), Owner()  # two runs in this process: the pid lives
    remote, dead = Owner(pid=1, host="another-host"), Owner(pid=gone.pid)
    with Store(tmp_path) as store:
        assert store.claim("a", "job a", twin) == ("claimed", "")
        assert store.claim("a", "job a", me) == ("taken", f"pid {os.getpid()} on {here}")
        assert store.claim("b", "job b", remote) == ("claimed", "")
        assert store.claim("b", "job b", me) == ("taken", "pid 1 on another-host")
        assert store.claim("c", "job c", dead) == ("claimed", "")
        assert store.claim("c", "job c", me) == ("claimed", "")  # taken over
        store.put_failure("d", "job d", "boom", remote)
        assert store.claim("d", "job d", me, since=0.0) == ("failed", "boom")
        assert store.claim("d", "job d", me, since=time.time() + 1) == ("claimed", "")
        assert {c["job_key"]: c["live"] for c in store.claims()} == {
            "a": True, "b": True, "c": True, "d": True}
        store.release(me)
        assert [c["job_key"] for c in store.claims()] == ["a", "b"]


# --------------------------------------------------------------------------- 5. store unwritable
def _read_only(folder: Path) -> list[str]:
    """A command prefix under which ``folder`` cannot be written (chmod is no bar to root: then
    a read-only bind mount in a private mount namespace)."""
    if os.geteuid() != 0:
        folder.chmod(0o555)
        return []
    prefix = ["unshare", "-m", "sh", "-c",
              'mount --bind "$0" "$0" && mount -o remount,bind,ro "$0" && shift && exec "$@"',
              str(folder), "--"]
    try:
        probe = subprocess.run([*prefix, "sh", "-c", f'! touch "{folder}/probe" 2>/dev/null'],
                               capture_output=True, timeout=30)
    except FileNotFoundError:
        probe = None
    if probe is None or probe.returncode != 0:
        pytest.skip("running as root without mount namespaces: no read-only folder")
    return prefix


@posix_only
def test_read_only_store_stops_before_any_job(tmp_path, code):  # noqa: F811
    results, counter = tmp_path / "results", tmp_path / "attempts.txt"
    env = run_env(code, **{COUNTER_ENV: str(counter)})
    assert run(command(results, "SlowAgent", {"delay_s": 0}, "0", "--workers", "1"),
               env, tmp_path).returncode == 0
    cmd = command(results, "SlowAgent", {"delay_s": 0}, "0,1", "--workers", "1")
    try:
        done = run([*_read_only(results), *cmd], env, tmp_path)
    finally:
        results.chmod(0o755)
    assert done.returncode == 1, done.stderr
    assert done.stderr.count("\n") == 1, done.stderr
    assert done.stderr.startswith(
        f"edge-bench: error: cannot write the results store {results / 'results.sqlite'}: ")
    assert attempts(counter) == {0: 1}  # no job ran
    again = run(cmd, env, tmp_path)
    assert again.returncode == 0, again.stderr
    assert final_line(again.stderr).startswith("1 job(s) run, 1 already stored, 0 failed")
    assert stored_seeds(results) == [0, 1]


def test_full_store_mid_run_stops_and_keeps_what_was_stored(toy, tmp_path, monkeypatch):
    jobs = plugin_jobs("GreedyAgent", {}, (0, 1, 2))
    put = Store.put

    def put_then_fill(self, record):  # rows of a few pages each, the disk full after one
        put(self, {**record, "train_extra": {"padding": "x" * 20_000}})
        pages = self._db.execute("PRAGMA page_count").fetchone()[0]
        self._db.execute(f"PRAGMA max_page_count = {pages}")  # no room left from now on

    monkeypatch.setattr(Store, "put", put_then_fill)
    with pytest.raises(StoreError) as error:
        run_jobs(jobs, tmp_path, backend="serial", preload=PRELOAD, progress=False)
    message = str(error.value)
    assert "\n" not in message
    assert message.startswith(f"cannot write the results store {tmp_path / 'results.sqlite'}: "
                              f"database or disk is full")
    assert message.endswith("stopped, the 1 job(s) stored by this run are kept")
    monkeypatch.setattr(Store, "put", put)
    with Store(tmp_path) as store:
        assert store.done_keys() == {jobs[0].key} and store.integrity_check() == "ok"
    again = run_jobs(jobs, tmp_path, backend="serial", preload=PRELOAD, progress=False)
    assert len(again.ran) == 2 and again.skipped == [jobs[0].key] and not again.failed


# --------------------------------------------------------------------------- Ray
@posix_only
def test_ray_retries_a_dead_worker_once_and_cancels_a_hung_task(toy, tmp_path, monkeypatch):
    pytest.importorskip("ray")
    counter = tmp_path / "attempts.txt"
    monkeypatch.setenv(COUNTER_ENV, str(counter))  # inherited by the local Ray's workers
    kill = plugin_jobs("KillSelfAgent", {"deaths": {"0": 2, "1": 1}}, (0, 1))
    hang = plugin_jobs("HangAgent", {"hangs": {"2": 1}}, (2, 3))
    # the hung job first: the others run beside it on the second CPU. Ray's clock starts at
    # submission, worker start-ups included, hence a limit that a loaded machine cannot reach
    # (20 s was, with both cores busy: five worker start-ups queue behind the hung job).
    report = run_jobs(hang + kill, tmp_path, backend="ray", workers=2, preload=PRELOAD,
                      progress=False, job_timeout_s=40)
    assert dict(report.failed) == {
        kill[0].label(): "worker died: WorkerCrashedError (Ray does not report the signal)",
        hang[0].label(): "timed out after 40 s",
    }
    assert sorted(report.ran) == sorted([kill[1].key, hang[1].key])
    assert attempts(counter) == {0: 2, 1: 2, 2: 1, 3: 1}
    again = run_jobs(kill + hang, tmp_path, backend="serial", preload=PRELOAD, progress=False)
    assert sorted(again.ran) == sorted([kill[0].key, hang[0].key]) and not again.failed
