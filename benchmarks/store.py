"""The results store: one SQLite file, one row per finished job.

``results/results.sqlite`` (WAL journal) holds a table ``results`` keyed by the job key. A row
is written in one transaction when its job has finished, so a killed run loses only the jobs in
flight, and a reader never sees half a row. Only the parent process writes. Arrays
(per-episode returns, metrics, steps, first-observation digests), the learning curve and the
job itself are stored as JSON text.

Schema 2 (``PRAGMA user_version``) added what makes a row trustworthy across code changes: the
code fingerprint and git commit, the resolved agent config and the resolved ``gym.make``
keyword arguments of training and evaluation. A schema-1 file is migrated in place when
opened: the columns are added, and old rows keep their package version string as their
fingerprint (their keys never match new jobs, so they are re-run, not reused). Schema 3 added
``plans_with_model`` (the agent scores candidate actions with the environment's own model; 0 in
older rows).

Two more tables let several runs share one results folder and keep what failed (``Faults`` in
``docs/benchmark.md``); they are created when missing and change nothing in ``results``, so
they did not change the schema version and older code simply ignores them:

- ``claims``: a job being run (job key, label, owner token, pid, host, claim and heartbeat
  times). A run claims a job before it starts it, refreshes its heartbeat every
  :data:`HEARTBEAT_S` seconds and deletes the claim when the job is stored, failed or the run
  stops. A claim is *live* while its heartbeat is younger than :data:`STALE_AFTER_S` and, on
  this host, its pid is alive; any other run may take over a claim that is not live.
- ``failures``: the last failure of each job not stored (reason, traceback, job JSON, pid,
  host, time). Storing the job later deletes its failure row.
"""

from __future__ import annotations

import json
import os
import platform
import sqlite3
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DB_NAME = "results.sqlite"
SCHEMA_VERSION = 3

# column -> SQL type; JSON columns hold lists/dicts as text.
COLUMNS: dict[str, str] = {
    "job_key": "TEXT NOT NULL UNIQUE",
    "env_id": "TEXT NOT NULL",
    "scenario": "TEXT NOT NULL",
    "env_overrides": "TEXT NOT NULL",  # JSON
    "agent": "TEXT NOT NULL",
    "agent_kind": "TEXT",
    "agent_config": "TEXT NOT NULL",  # JSON
    "train_seed": "INTEGER NOT NULL",
    "budget_steps": "INTEGER NOT NULL",
    "eval_seeds": "TEXT NOT NULL",  # JSON
    "code_version": "TEXT NOT NULL",
    "paper_metric": "TEXT NOT NULL",
    "metric_goal": "TEXT NOT NULL",
    "reference_agent": "TEXT",
    "privileged": "INTEGER NOT NULL",
    "learns": "INTEGER NOT NULL",
    "returns": "TEXT NOT NULL",  # JSON, one per evaluation episode
    "metrics": "TEXT NOT NULL",  # JSON, mean of the paper metric per episode
    "steps": "TEXT NOT NULL",  # JSON
    "first_obs": "TEXT NOT NULL",  # JSON, digest of each episode's first observation
    "mean_return": "REAL",
    "mean_metric": "REAL",
    "train_env_steps": "INTEGER",
    "train_wall_s": "REAL",
    "eval_wall_s": "REAL",
    "cpu_count": "INTEGER",
    "hostname": "TEXT",
    "curve": "TEXT",  # JSON [[env_steps, mean_return], ...]
    "train_extra": "TEXT",  # JSON
    "model_path": "TEXT",  # relative to the results folder
    "job": "TEXT NOT NULL",  # JSON of the whole job
    "started_at": "TEXT",
    "finished_at": "TEXT",
    # Schema 2; NULL in rows of schema 1, except the fingerprint (their code_version).
    "code_fingerprint": "TEXT",
    "git_commit": "TEXT",  # informational: "<sha>[+dirty]", NULL outside git
    "resolved_config": "TEXT",  # JSON, catalog defaults merged with agent_config
    "env_kwargs": "TEXT",  # JSON, gym.make kwargs of training
    "eval_env_kwargs": "TEXT",  # JSON, gym.make kwargs of evaluation
    "plans_with_model": "INTEGER",  # 1: scores candidate actions with the env's model
}
ADDED_IN_2 = ("code_fingerprint", "git_commit", "resolved_config", "env_kwargs",
              "eval_env_kwargs")
ADDED_IN_3 = ("plans_with_model",)
JSON_COLUMNS = (
    "env_overrides",
    "agent_config",
    "eval_seeds",
    "returns",
    "metrics",
    "steps",
    "first_obs",
    "curve",
    "train_extra",
    "job",
    "resolved_config",
    "env_kwargs",
    "eval_env_kwargs",
)


# A run refreshes the heartbeat of its claims this often; a claim whose heartbeat is older than
# STALE_AFTER_S is abandoned (its run was killed on another host, or its machine froze).
HEARTBEAT_S = 30.0
STALE_AFTER_S = 300.0

CLAIMS_SQL = """CREATE TABLE IF NOT EXISTS claims (
  job_key TEXT PRIMARY KEY, label TEXT, owner TEXT NOT NULL, pid INTEGER NOT NULL,
  host TEXT NOT NULL, claimed_at REAL NOT NULL, heartbeat REAL NOT NULL)"""
FAILURES_SQL = """CREATE TABLE IF NOT EXISTS failures (
  job_key TEXT PRIMARY KEY, label TEXT, reason TEXT NOT NULL, traceback TEXT, job TEXT,
  owner TEXT, pid INTEGER, host TEXT, failed_at REAL NOT NULL)"""


class StoreError(Exception):
    """The store cannot be written (read-only folder, disk full, locked): one line, with the
    path."""


@dataclass(frozen=True)
class Owner:
    """Who claims jobs: one call of the runner in one process on one host."""

    pid: int = field(default_factory=os.getpid)
    host: str = field(default_factory=platform.node)
    token: str = field(default_factory=lambda: uuid.uuid4().hex)


def pid_alive(pid: int) -> bool:
    """Whether process ``pid`` exists on this host (a process of another user counts)."""
    if pid <= 0 or os.name == "nt":  # os.kill(pid, 0) would terminate it on Windows
        return pid > 0
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def claim_live(pid: int, host: str, heartbeat: float, now: float | None = None) -> bool:
    """A claim holds while its heartbeat is fresh and, on this host, its process lives."""
    now = time.time() if now is None else now
    if now - heartbeat > STALE_AFTER_S:
        return False
    return host != platform.node() or pid_alive(pid)


def _dumps(value: Any) -> str:
    from benchmarks.jobs import canonical_json

    return canonical_json(value)


class Store:
    """SQLite results store under ``results_dir``."""

    def __init__(self, results_dir: str | Path, readonly: bool = False) -> None:
        """Open (creating if needed) the store; :class:`StoreError` if it cannot be written.

        ``readonly=True`` reads an existing store without writing a byte to it (tables,
        leaderboards, ``status``, rendering a committed report): the file is copied into
        memory and an older schema is migrated in the copy only. It works on read-only media
        and in folders one cannot write; writing methods then raise :class:`StoreError`.
        """
        self.results_dir = Path(results_dir)
        self.path = self.results_dir / DB_NAME
        self.readonly = bool(readonly)
        if self.readonly:
            self._db = self._memory_copy()
            self._db.row_factory = sqlite3.Row
            self._create()
            return
        try:
            self.results_dir.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(self.path, timeout=60, isolation_level=None)
        except (OSError, sqlite3.Error) as exc:
            raise self._error(exc) from None
        self._db.row_factory = sqlite3.Row
        try:
            try:
                self._db.execute("PRAGMA journal_mode=WAL")
                self._db.execute("PRAGMA synchronous=NORMAL")
            except (OSError, sqlite3.OperationalError) as exc:
                raise self._error(exc) from None
            self._write(self._create)  # writes the header: fails early when read-only or full
        except BaseException:
            self._db.close()
            raise

    def _memory_copy(self) -> sqlite3.Connection:
        """The store's contents in an in-memory database, read through a read-only handle."""
        if not self.path.is_file():
            raise StoreError(f"no results store at {self.path}")
        uri = self.path.resolve().as_uri()
        memory = sqlite3.connect(":memory:", isolation_level=None)
        # Without a -wal file (a store closed cleanly, e.g. a committed one) the main file is
        # complete and immutable=1 reads it without creating the -wal/-shm files a read-only
        # WAL reader leaves behind. With one (a run is writing, or was killed), mode=ro also
        # reads the pages still in it.
        wal = self.path.with_name(self.path.name + "-wal").exists()
        for options in (("mode=ro", "immutable=1") if wal else ("immutable=1",)):
            try:
                source = sqlite3.connect(f"{uri}?{options}", uri=True)
            except sqlite3.Error:
                continue
            try:
                source.backup(memory)
                return memory
            except sqlite3.Error:
                continue
            finally:
                source.close()
        memory.close()
        raise StoreError(f"cannot read the results store {self.path}")

    def _error(self, exc: BaseException) -> StoreError:
        reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
        folder = next((p for p in (self.results_dir, *self.results_dir.parents) if p.exists()),
                      None)
        if folder is not None and not os.access(folder, os.W_OK):
            reason += f" ({folder} is not writable)"  # SQLite says only "unable to open"
        return StoreError(f"cannot write the results store {self.path}: {reason}")

    def _write(self, body: Callable[[], Any]) -> Any:
        """Run ``body`` in one ``BEGIN IMMEDIATE`` transaction; write errors -> StoreError."""
        if self.readonly:
            raise StoreError(f"the results store {self.path} was opened read-only")
        try:
            self._db.execute("BEGIN IMMEDIATE")
        except (OSError, sqlite3.OperationalError) as exc:
            raise self._error(exc) from None
        try:
            out = body()
            self._db.execute("COMMIT")
            return out
        except BaseException as exc:
            if self._db.in_transaction:
                self._db.execute("ROLLBACK")
            if isinstance(exc, OSError | sqlite3.OperationalError):
                raise self._error(exc) from None
            raise

    def _create(self) -> None:
        cols = ",\n  ".join(f"{c} {t}" for c, t in COLUMNS.items())
        self._db.execute(
            f"CREATE TABLE IF NOT EXISTS results (\n  id INTEGER PRIMARY KEY AUTOINCREMENT,"
            f"\n  {cols}\n)"
        )
        self._db.execute(
            "CREATE INDEX IF NOT EXISTS results_cell ON results (env_id, scenario, agent)"
        )
        self._db.execute(CLAIMS_SQL)
        self._db.execute(FAILURES_SQL)
        version = self._db.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise ValueError(
                f"{self.path} has store schema {version}; this code reads up to "
                f"{SCHEMA_VERSION}: update edge-envs or use another --results folder"
            )
        self._migrate()
        self._db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def _migrate(self) -> None:
        """Schema 1 -> 2 -> 3: add the missing columns; old rows' fingerprint is their version,
        and rows written before schema 3 did not record model planning (stored as 0)."""
        present = {r[1] for r in self._db.execute("PRAGMA table_info(results)")}
        for col in (*ADDED_IN_2, *ADDED_IN_3):
            if col not in present:
                self._db.execute(f"ALTER TABLE results ADD COLUMN {col} {COLUMNS[col]}")
        self._db.execute(
            "UPDATE results SET code_fingerprint = code_version WHERE code_fingerprint IS NULL"
        )
        self._db.execute("UPDATE results SET plans_with_model = 0 WHERE plans_with_model IS NULL")

    # -- writing --------------------------------------------------------------------
    def put(self, record: dict[str, Any]) -> None:
        """Insert (or replace) one finished job, atomically; drop its claim and failure."""
        values = []
        for col in COLUMNS:
            value = record.get(col)
            if col in JSON_COLUMNS:
                value = _dumps(value if value is not None else None)
            elif isinstance(value, bool):
                value = int(value)
            values.append(value)
        marks = ", ".join("?" for _ in COLUMNS)
        key = (record["job_key"],)

        def body() -> None:
            self._db.execute("DELETE FROM results WHERE job_key = ?", key)
            self._db.execute(
                f"INSERT INTO results ({', '.join(COLUMNS)}) VALUES ({marks})", values
            )
            self._db.execute("DELETE FROM claims WHERE job_key = ?", key)
            self._db.execute("DELETE FROM failures WHERE job_key = ?", key)

        self._write(body)

    def put_failure(self, job_key: str, label: str, reason: str, owner: Owner,
                    traceback: str = "", job: Any = None) -> None:
        """Record that ``job_key`` failed (replacing an older failure); drop its claim."""

        def body() -> None:
            self._db.execute(
                "INSERT OR REPLACE INTO failures VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (job_key, label, reason, traceback, _dumps(job), owner.token, owner.pid,
                 owner.host, time.time()),
            )
            self._db.execute("DELETE FROM claims WHERE job_key = ?", (job_key,))

        self._write(body)

    # -- claims ---------------------------------------------------------------------
    def claim(self, job_key: str, label: str, owner: Owner,
              since: float = 0.0) -> tuple[str, str]:
        """Claim a job before running it: ``(state, detail)``.

        ``"claimed"`` (run it), ``"done"`` (stored meanwhile by another run), ``"taken"``
        (another run holds a live claim; detail names its pid and host) or ``"failed"``
        (another run failed it after ``since``, a Unix time; detail is the reason).
        A claim that is not live (:func:`claim_live`) is taken over.
        """
        key = (job_key,)

        def body() -> tuple[str, str]:
            if self._db.execute("SELECT 1 FROM results WHERE job_key = ?", key).fetchone():
                return "done", ""
            row = self._db.execute(
                "SELECT owner, pid, host, heartbeat FROM claims WHERE job_key = ?", key
            ).fetchone()
            now = time.time()
            if row and row["owner"] != owner.token and claim_live(
                row["pid"], row["host"], row["heartbeat"], now
            ):
                return "taken", f"pid {row['pid']} on {row['host']}"
            failed = self._db.execute(
                "SELECT reason FROM failures WHERE job_key = ? AND failed_at >= ? "
                "AND owner != ?", (job_key, since, owner.token)
            ).fetchone()
            if failed:
                return "failed", failed["reason"]
            self._db.execute(
                "INSERT OR REPLACE INTO claims VALUES (?, ?, ?, ?, ?, ?, ?)",
                (job_key, label, owner.token, owner.pid, owner.host, now, now),
            )
            return "claimed", ""

        return self._write(body)

    def heartbeat(self, owner: Owner) -> None:
        self._write(lambda: self._db.execute(
            "UPDATE claims SET heartbeat = ? WHERE owner = ?", (time.time(), owner.token)))

    def release(self, owner: Owner) -> None:
        """Drop every claim of ``owner`` (its run stops)."""
        self._write(lambda: self._db.execute("DELETE FROM claims WHERE owner = ?",
                                             (owner.token,)))

    # -- reading --------------------------------------------------------------------
    def done_keys(self) -> set[str]:
        return {r[0] for r in self._db.execute("SELECT job_key FROM results")}

    def rows(
        self,
        keys: Iterable[str] | None = None,
        env_id: str | None = None,
        scenario: str | None = None,
        agents: Iterable[str] | None = None,
    ) -> list[dict[str, Any]]:
        """Decoded rows in insertion order, optionally filtered."""
        where, args = [], []
        if env_id is not None:
            where.append("env_id = ?")
            args.append(env_id)
        if scenario is not None:
            where.append("scenario = ?")
            args.append(scenario)
        if agents is not None:
            names = list(agents)
            where.append(f"agent IN ({', '.join('?' for _ in names)})")
            args.extend(names)
        sql = "SELECT * FROM results" + (f" WHERE {' AND '.join(where)}" if where else "")
        rows = [self._decode(r) for r in self._db.execute(sql + " ORDER BY id", args)]
        if keys is not None:
            wanted = set(keys)
            rows = [r for r in rows if r["job_key"] in wanted]
        return rows

    def get(self, job_key: str) -> dict[str, Any] | None:
        row = self._db.execute("SELECT * FROM results WHERE job_key = ?", (job_key,)).fetchone()
        return None if row is None else self._decode(row)

    @staticmethod
    def _decode(row: sqlite3.Row) -> dict[str, Any]:
        out = dict(row)
        for col in JSON_COLUMNS:
            if out.get(col) is not None:
                out[col] = json.loads(out[col])
        out["privileged"] = bool(out["privileged"])
        out["plans_with_model"] = bool(out.get("plans_with_model"))
        out["learns"] = bool(out["learns"])
        return out

    def failures(self) -> list[dict[str, Any]]:
        """Failed jobs not stored since, oldest first."""
        rows = self._db.execute("SELECT * FROM failures ORDER BY failed_at").fetchall()
        return [{**dict(r), "job": json.loads(r["job"]) if r["job"] else None} for r in rows]

    def claims(self) -> list[dict[str, Any]]:
        """Current claims, each with ``live`` (see :func:`claim_live`)."""
        rows = self._db.execute("SELECT * FROM claims ORDER BY claimed_at").fetchall()
        now = time.time()
        return [{**dict(r), "live": claim_live(r["pid"], r["host"], r["heartbeat"], now)}
                for r in rows]

    def integrity_check(self) -> str:
        return self._db.execute("PRAGMA integrity_check").fetchone()[0]

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
