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
fingerprint (their keys never match new jobs, so they are re-run, not reused).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from pathlib import Path
from typing import Any

DB_NAME = "results.sqlite"
SCHEMA_VERSION = 2

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
}
ADDED_IN_2 = ("code_fingerprint", "git_commit", "resolved_config", "env_kwargs",
              "eval_env_kwargs")
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


def _dumps(value: Any) -> str:
    from benchmarks.jobs import canonical_json

    return canonical_json(value)


class Store:
    """SQLite results store under ``results_dir``."""

    def __init__(self, results_dir: str | Path) -> None:
        self.results_dir = Path(results_dir)
        self.results_dir.mkdir(parents=True, exist_ok=True)
        self.path = self.results_dir / DB_NAME
        self._db = sqlite3.connect(self.path, timeout=60, isolation_level=None)
        self._db.row_factory = sqlite3.Row
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        try:
            self._create()
        except BaseException:
            self._db.close()
            raise

    def _create(self) -> None:
        cols = ",\n  ".join(f"{c} {t}" for c, t in COLUMNS.items())
        self._db.execute("BEGIN IMMEDIATE")
        try:
            self._db.execute(
                f"CREATE TABLE IF NOT EXISTS results (\n  id INTEGER PRIMARY KEY AUTOINCREMENT,"
                f"\n  {cols}\n)"
            )
            self._db.execute(
                "CREATE INDEX IF NOT EXISTS results_cell ON results (env_id, scenario, agent)"
            )
            version = self._db.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise ValueError(
                    f"{self.path} has store schema {version}; this code reads up to "
                    f"{SCHEMA_VERSION}: update edge-envs or use another --results folder"
                )
            self._migrate()
            self._db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            self._db.execute("COMMIT")
        except BaseException:
            self._db.execute("ROLLBACK")
            raise

    def _migrate(self) -> None:
        """Schema 1 -> 2: add the missing columns; old rows' fingerprint is their version."""
        present = {r[1] for r in self._db.execute("PRAGMA table_info(results)")}
        for col in ADDED_IN_2:
            if col not in present:
                self._db.execute(f"ALTER TABLE results ADD COLUMN {col} {COLUMNS[col]}")
        self._db.execute(
            "UPDATE results SET code_fingerprint = code_version WHERE code_fingerprint IS NULL"
        )

    # -- writing --------------------------------------------------------------------
    def put(self, record: dict[str, Any]) -> None:
        """Insert (or replace) one finished job, atomically."""
        values = []
        for col in COLUMNS:
            value = record.get(col)
            if col in JSON_COLUMNS:
                value = _dumps(value if value is not None else None)
            elif isinstance(value, bool):
                value = int(value)
            values.append(value)
        marks = ", ".join("?" for _ in COLUMNS)
        self._db.execute("BEGIN IMMEDIATE")
        try:
            self._db.execute("DELETE FROM results WHERE job_key = ?", (record["job_key"],))
            self._db.execute(
                f"INSERT INTO results ({', '.join(COLUMNS)}) VALUES ({marks})", values
            )
            self._db.execute("COMMIT")
        except BaseException:
            self._db.execute("ROLLBACK")
            raise

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
        out["learns"] = bool(out["learns"])
        return out

    def integrity_check(self) -> str:
        return self._db.execute("PRAGMA integrity_check").fetchone()[0]

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
