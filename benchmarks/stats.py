"""Aggregates over stored jobs: mean, interquartile mean, bootstrap CIs, normalised score.

Scores of one *entry* (env, scenario, overrides, evaluation seeds, code fingerprint, agent,
resolved agent config, budget) are the per-episode values of all its training seeds: a (train
seed x evaluation episode) matrix, flattened. Point estimates use ``rliable.metrics``
(``aggregate_mean``, ``aggregate_iqm``). The 95% confidence intervals are percentile
bootstraps over those scores with a fixed generator seed (:data:`BOOTSTRAP_SEED`), so tables
are reproducible. (We resample with numpy rather than ``rliable.library``: the latter imports
``arch``, whose releases break with new pandas versions; the estimator is the same IID
percentile bootstrap.)

Normalised score per entry, on the mean paper metric ``m``::

    (m - m_random) / (m_ref - m_random)

``m_random`` is the mean of the ``random`` agent on the same cell, ``m_ref`` that of the
system's ``reference_agent`` if it was run on the cell, else of the best agent of the run on that
cell, learner or not (``metric_goal`` decides what "best" means); ``normalised_against`` then
reads ``"<agent> (best of run)"`` so the table title says which. The ratio is direction-free:
with ``metric_goal="min"`` both differences are negative. 0 = random, 1 = reference (or the best
of the run); NaN when either
is missing or they coincide. Only entries run on the same environment code are compared: the
same env fingerprint (the hash of the job's system and of the runner, stored in the job;
:mod:`benchmarks.fingerprint`), or for rows stored before it, the same code fingerprint.

A store may hold several code versions of the same agent on the same cell;
:func:`newest_versions` keeps, per (env, scenario, overrides, agent), the rows of the
fingerprint that finished last, which is what the leaderboard shows by default.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

BOOTSTRAP_SEED = 20_240_601
BOOTSTRAP_REPS = 2_000
CONFIDENCE = 0.95
RANDOM_AGENT = "random"


def _mean(x: np.ndarray) -> float:
    try:
        from rliable.metrics import aggregate_mean

        return float(aggregate_mean(x.reshape(-1, 1)))
    except ImportError:  # pragma: no cover - rliable is a dependency
        return float(np.mean(x))


def _iqm(x: np.ndarray) -> float:
    try:
        from rliable.metrics import aggregate_iqm

        return float(aggregate_iqm(x.reshape(-1, 1)))
    except ImportError:  # pragma: no cover
        from scipy.stats import trim_mean

        return float(trim_mean(x, 0.25, axis=None))


def iqm_rows(samples: np.ndarray) -> np.ndarray:
    """Interquartile mean of each row (25% trimmed on each side, like ``aggregate_iqm``)."""
    from scipy.stats import trim_mean

    return trim_mean(samples, 0.25, axis=1)


def bootstrap_ci(
    scores: Sequence[float],
    statistic: str = "mean",
    reps: int = BOOTSTRAP_REPS,
    seed: int = BOOTSTRAP_SEED,
    confidence: float = CONFIDENCE,
) -> tuple[float, float]:
    """Percentile bootstrap interval of the mean or IQM of ``scores``."""
    x = np.asarray(scores, dtype=float)
    if x.size == 0:
        return (math.nan, math.nan)
    if x.size == 1:
        return (float(x[0]), float(x[0]))
    rng = np.random.default_rng(seed)
    samples = x[rng.integers(0, x.size, size=(reps, x.size))]
    values = samples.mean(axis=1) if statistic == "mean" else iqm_rows(samples)
    alpha = (1.0 - confidence) / 2.0
    lo, hi = np.quantile(values, [alpha, 1.0 - alpha])
    return (float(lo), float(hi))


@dataclass
class Estimate:
    mean: float
    mean_ci: tuple[float, float]
    iqm: float
    iqm_ci: tuple[float, float]

    @classmethod
    def of(cls, scores: Sequence[float]) -> Estimate:
        x = np.asarray(scores, dtype=float)
        if x.size == 0:
            nan = (math.nan, math.nan)
            return cls(math.nan, nan, math.nan, nan)
        return cls(_mean(x), bootstrap_ci(x, "mean"), _iqm(x), bootstrap_ci(x, "iqm"))


@dataclass
class Summary:
    """One leaderboard line."""

    env_id: str
    scenario: str
    env_overrides: dict[str, Any]
    eval_seeds: list[int]
    code_fingerprint: str
    agent: str
    agent_kind: str
    agent_config: dict[str, Any]
    budget_steps: int
    privileged: bool
    plans_with_model: bool
    learns: bool
    paper_metric: str
    metric_goal: str
    reference_agent: str | None
    train_seeds: list[int]
    n_episodes: int  # per training seed
    metric: Estimate
    ret: Estimate
    train_env_steps: float
    train_wall_s: float
    cpu_count: int | None
    job_keys: list[str] = field(default_factory=list)
    normalised: float = math.nan
    normalised_against: str | None = None
    code_version: str = ""  # package version, informational
    git_commit: str | None = None  # of the newest member, informational
    resolved_config: dict[str, Any] | None = None  # None for rows of store schema 1
    env_kwargs: dict[str, Any] | None = None
    eval_env_kwargs: dict[str, Any] | None = None
    finished_at: str = ""  # of the newest member
    env_fingerprint: str = ""  # of the env and runner code the agent ran on ("": unknown)

    @property
    def n_scores(self) -> int:
        return len(self.train_seeds) * self.n_episodes

    def cell(self) -> tuple:
        """Entries compared with each other: same episodes, same environment code."""
        return (*self.base_cell(), self.env_fingerprint or self.code_fingerprint)

    def base_cell(self) -> tuple:
        from benchmarks.jobs import canonical_json

        return (
            self.env_id,
            self.scenario,
            canonical_json(self.env_overrides),
            canonical_json(self.eval_seeds),
        )

    @property
    def display_name(self) -> str:
        """Agent name, its config if any, ``*`` for privileged references, ``+`` for agents
        that plan with the environment's model."""
        from benchmarks.jobs import canonical_json

        config = dict(self.agent_config)
        if "hyperparams_file" in config:  # a whole file (--hyperparams): a short hash names it
            from agents.hyperparams import contents_label

            config["hyperparams_file"] = contents_label(config["hyperparams_file"])
        name = self.agent + (f" {canonical_json(config)}" if config else "")
        return name + ("*" if self.privileged else "") + ("+" if self.plans_with_model else "")


def fingerprint_of(row: dict[str, Any]) -> str:
    """The row's code fingerprint (its package version for rows written before schema 2)."""
    return row.get("code_fingerprint") or row["code_version"]


def env_fingerprint_of(row: dict[str, Any]) -> str:
    """The env fingerprint stored in the row's job ("" for rows stored before it)."""
    job = row.get("job")
    return str(job.get("env_fingerprint") or "") if isinstance(job, dict) else ""


def _order(row: dict[str, Any]) -> tuple:
    """Completion order: finish time, then insertion order."""
    return (row.get("finished_at") or "", row.get("id") or 0)


def entry_key(row: dict[str, Any]) -> tuple:
    """(env, scenario, overrides, evaluation seeds, fingerprint, agent, config, budget)."""
    from benchmarks.jobs import canonical_json

    config = row.get("resolved_config")
    return (
        row["env_id"],
        row["scenario"],
        canonical_json(row["env_overrides"]),
        canonical_json(row["eval_seeds"]),
        fingerprint_of(row),
        row["agent"],
        canonical_json(row["agent_config"] if config is None else config),
        int(row["budget_steps"]),
    )


def newest_versions(rows: Iterable[dict[str, Any]]) -> tuple[list[dict[str, Any]], int]:
    """Rows of the newest fingerprint of each (env, scenario, overrides, agent), and how many
    rows of older fingerprints were left out. Newest = of the row that finished last."""
    from benchmarks.jobs import canonical_json

    def agent_cell(row: dict[str, Any]) -> tuple:
        return (row["env_id"], row["scenario"], canonical_json(row["env_overrides"]),
                row["agent"])

    rows = list(rows)
    newest: dict[tuple, dict[str, Any]] = {}
    for row in rows:
        cell = agent_cell(row)
        if cell not in newest or _order(row) > _order(newest[cell]):
            newest[cell] = row
    kept = [r for r in rows if fingerprint_of(r) == fingerprint_of(newest[agent_cell(r)])]
    return kept, len(rows) - len(kept)


def summarise(rows: Iterable[dict[str, Any]]) -> list[Summary]:
    """One :class:`Summary` per entry (training seeds pooled), normalised scores filled in."""
    groups: dict[tuple, list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault(entry_key(row), []).append(row)
    out = []
    for members in groups.values():
        members = sorted(members, key=lambda r: r["train_seed"])
        first, last = members[0], max(members, key=_order)
        metrics = np.concatenate([np.asarray(r["metrics"], dtype=float) for r in members])
        returns = np.concatenate([np.asarray(r["returns"], dtype=float) for r in members])
        out.append(
            Summary(
                env_id=first["env_id"],
                scenario=first["scenario"],
                env_overrides=dict(first["env_overrides"]),
                eval_seeds=list(first["eval_seeds"]),
                code_fingerprint=fingerprint_of(first),
                agent=first["agent"],
                agent_kind=first.get("agent_kind") or "plugin",
                agent_config=dict(first["agent_config"]),
                budget_steps=int(first["budget_steps"]),
                privileged=any(bool(r["privileged"]) for r in members),
                plans_with_model=any(bool(r.get("plans_with_model")) for r in members),
                learns=any(bool(r["learns"]) for r in members),
                paper_metric=first["paper_metric"],
                metric_goal=first["metric_goal"],
                reference_agent=first.get("reference_agent"),
                train_seeds=[int(r["train_seed"]) for r in members],
                n_episodes=len(first["eval_seeds"]),
                metric=Estimate.of(metrics),
                ret=Estimate.of(returns),
                train_env_steps=float(np.mean([r["train_env_steps"] or 0 for r in members])),
                train_wall_s=float(np.mean([r["train_wall_s"] or 0.0 for r in members])),
                cpu_count=first.get("cpu_count"),
                job_keys=[r["job_key"] for r in members],
                code_version=first["code_version"],
                git_commit=last.get("git_commit"),
                resolved_config=first.get("resolved_config"),
                env_kwargs=first.get("env_kwargs"),
                eval_env_kwargs=first.get("eval_env_kwargs"),
                finished_at=last.get("finished_at") or "",
                env_fingerprint=env_fingerprint_of(first),
            )
        )
    fill_normalised(out)
    return sort_summaries(out)


def normalise(value: float, random_value: float, reference_value: float) -> float:
    """``(value - random) / (reference - random)``; NaN if undefined."""
    denom = reference_value - random_value
    if not all(map(math.isfinite, (value, random_value, reference_value))) or denom == 0:
        return math.nan
    return (value - random_value) / denom + 0.0  # + 0.0: no "-0" in tables


def _best(summaries: Sequence[Summary], goal: str) -> Summary | None:
    finite = [s for s in summaries if math.isfinite(s.metric.mean)]
    if not finite:
        return None
    pick = min if goal == "min" else max
    return pick(finite, key=lambda s: s.metric.mean)


def fill_normalised(summaries: Sequence[Summary]) -> None:
    """Set ``normalised`` and ``normalised_against`` on every summary, cell by cell."""
    cells: dict[tuple, list[Summary]] = {}
    for s in summaries:
        cells.setdefault(s.cell(), []).append(s)
    for members in cells.values():
        goal = members[0].metric_goal
        randoms = [s for s in members if s.agent == RANDOM_AGENT]
        reference_name = members[0].reference_agent
        refs = [s for s in members if reference_name and s.agent == reference_name]
        # Without the reference, the best entry of the run (learner or not): scaling against
        # the best baseline gave negative scores to learners when every baseline lost to random.
        label = "{}"
        if not refs:
            refs, label = list(members), "{} (best of run)"
        # Several random/reference entries (configs, budgets): the default-config one first.
        rand = min(randoms, key=lambda s: (bool(s.agent_config), s.budget_steps), default=None)
        ref = _best(refs, goal)
        for s in members:
            if rand is None or ref is None:
                s.normalised, s.normalised_against = math.nan, None
            else:
                s.normalised = normalise(s.metric.mean, rand.metric.mean, ref.metric.mean)
                s.normalised_against = label.format(ref.agent)


def sort_summaries(summaries: list[Summary]) -> list[Summary]:
    """By cell (the newest code version of a cell first), then best paper metric first."""
    newest: dict[tuple, tuple[str, str]] = {}
    for s in summaries:
        newest[s.cell()] = max(newest.get(s.cell(), ("", "")), (s.finished_at, s.code_fingerprint))
    age = {cell: i for i, cell in enumerate(sorted(newest, key=newest.get, reverse=True))}

    def key(s: Summary):
        m = s.metric.mean
        m = m if math.isfinite(m) else math.inf if s.metric_goal == "min" else -math.inf
        return (s.base_cell(), age[s.cell()], m if s.metric_goal == "min" else -m, s.agent)

    return sorted(summaries, key=key)
