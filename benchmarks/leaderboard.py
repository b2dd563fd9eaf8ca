"""The leaderboard as a terminal table, Markdown and CSV, from :class:`~benchmarks.stats.Summary`.

One block per cell (env, scenario, overrides, evaluation seeds) and code version, best paper
metric first. Privileged references (agents reading hidden env state, e.g. the exact optimum or
the oracle) carry a ``*``. A block's title names its code version when the table holds
several versions of its cell; ``versions=True`` (``--all-versions``) adds a ``code`` column.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Sequence
from pathlib import Path

from benchmarks.fingerprint import SHORT
from benchmarks.jobs import canonical_json
from benchmarks.stats import Summary

HEADERS = ("agent", "kind", "seeds x eps", "{metric} mean [95% CI]", "{metric} IQM",
           "return mean [95% CI]", "normalised", "train steps", "train s")
FOOTNOTE = "* privileged reference: reads hidden env state (exact optimum / oracle)"
PLANNING_FOOTNOTE = (
    "+ plans with the model: scores candidate actions with the environment's own cost model "
    "(compare it with the other + agents, e.g. greedy-lookahead, which have the same information)"
)
HIDDEN = ("{n} stored job(s) of older code versions not shown "
          "(`edge-bench leaderboard --all-versions` shows every version)")

CSV_FIELDS = (
    "env_id", "scenario", "env_overrides", "code_version", "code_fingerprint", "env_fingerprint",
    "git_commit", "agent", "agent_kind", "agent_config", "resolved_config", "env_kwargs",
    "eval_env_kwargs",
    "privileged", "plans_with_model", "learns", "budget_steps", "train_seeds", "n_episodes",
    "paper_metric", "metric_goal", "metric_mean", "metric_ci_low", "metric_ci_high", "metric_iqm",
    "metric_iqm_ci_low", "metric_iqm_ci_high", "return_mean", "return_ci_low", "return_ci_high",
    "return_iqm", "return_iqm_ci_low", "return_iqm_ci_high", "normalised", "normalised_against",
    "train_env_steps", "train_wall_s", "cpu_count",
)


def fmt(x: float | None, digits: int = 4) -> str:
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "-"
    return f"{x:.{digits}g}"


def _ci(est) -> str:
    return f"{fmt(est.mean)} [{fmt(est.mean_ci[0])}, {fmt(est.mean_ci[1])}]"


def _cells(summaries: Sequence[Summary]) -> list[list[Summary]]:
    blocks: dict[tuple, list[Summary]] = {}
    for s in summaries:
        blocks.setdefault(s.cell(), []).append(s)
    return list(blocks.values())


def version_label(s: Summary) -> str:
    """Short env fingerprint (what the agents of a table share; the code fingerprint for rows
    stored before it), and the git commit when known: ``9cabc3c06a40 (git 51228a1+dirty)``."""
    label = (s.env_fingerprint or s.code_fingerprint)[:SHORT]
    if s.git_commit:
        sha, plus, dirty = s.git_commit.partition("+")
        label += f" (git {sha[:7]}{plus}{dirty})"
    return label


def _title(block: list[Summary], show_version: bool) -> str:
    s = block[0]
    over = f" {canonical_json(s.env_overrides)}" if s.env_overrides else ""
    better = "lower" if s.metric_goal == "min" else "higher"
    against = next((b.normalised_against for b in block if b.normalised_against), None)
    norm = f"; normalised: 0 = random, 1 = {against}" if against else ""
    code = f"; code {version_label(s)}" if show_version else ""
    return (
        f"{s.env_id} / {s.scenario}{over} - {s.paper_metric} ({better} is better), "
        f"{len(s.eval_seeds)} evaluation seeds from {min(s.eval_seeds)}{norm}{code}"
    )


def _titles(blocks: list[list[Summary]], versions: bool) -> list[str]:
    """Versions are named when asked for or when one cell appears with several."""
    counts: dict[tuple, int] = {}
    for block in blocks:
        counts[block[0].base_cell()] = counts.get(block[0].base_cell(), 0) + 1
    return [_title(b, versions or counts[b[0].base_cell()] > 1) for b in blocks]


def _row(s: Summary, versions: bool = False) -> list[str]:
    return [
        *([s.code_fingerprint[:SHORT]] if versions else []),
        s.display_name,
        s.agent_kind,
        f"{len(s.train_seeds)}x{s.n_episodes}",
        _ci(s.metric),
        fmt(s.metric.iqm),
        _ci(s.ret),
        fmt(s.normalised, 3),
        str(int(s.train_env_steps)) if s.learns else "-",
        fmt(s.train_wall_s, 3) if s.learns else "-",
    ]


def _headers(block: list[Summary], versions: bool = False) -> list[str]:
    return [*(["code"] if versions else []),
            *(h.format(metric=block[0].paper_metric) for h in HEADERS)]


def to_text(summaries: Sequence[Summary], hidden: int = 0, versions: bool = False) -> str:
    """The terminal table; ``hidden`` rows of older versions are mentioned at the end."""
    if not summaries:
        return "no results\n"
    lines = []
    blocks = _cells(summaries)
    for block, title in zip(blocks, _titles(blocks, versions), strict=True):
        headers = _headers(block, versions)
        rows = [_row(s, versions) for s in block]
        widths = [max(len(r[i]) for r in [headers, *rows]) for i in range(len(headers))]
        lines.append(title)
        for r in [headers, ["-" * w for w in widths], *rows]:
            lines.append("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip())
        lines.append("")
    if any(s.privileged for s in summaries):
        lines.append(FOOTNOTE)
    if any(s.plans_with_model for s in summaries):
        lines.append(PLANNING_FOOTNOTE)
    if hidden:
        lines.append(HIDDEN.format(n=hidden))
    return "\n".join(lines).rstrip() + "\n"


def to_markdown(summaries: Sequence[Summary], hidden: int = 0, versions: bool = False) -> str:
    if not summaries:
        return "_no results_\n"
    out = ["# Leaderboard", ""]
    blocks = _cells(summaries)
    for block, title in zip(blocks, _titles(blocks, versions), strict=True):
        out += [f"## {title}", ""]
        headers = _headers(block, versions)
        out.append("| " + " | ".join(headers) + " |")
        out.append("|" + "|".join("---" for _ in headers) + "|")
        for s in block:
            cells = [c.replace("|", "\\|") for c in _row(s, versions)]
            out.append("| " + " | ".join(cells) + " |")
        out.append("")
    if any(s.privileged for s in summaries):
        out += [f"\\{FOOTNOTE}", ""]
    if any(s.plans_with_model for s in summaries):
        out += [f"\\{PLANNING_FOOTNOTE}", ""]
    if hidden:
        out += [HIDDEN.format(n=hidden), ""]
    return "\n".join(out)


def csv_rows(summaries: Sequence[Summary]) -> list[dict[str, object]]:
    rows = []
    for s in summaries:
        rows.append(
            {
                "env_id": s.env_id,
                "scenario": s.scenario,
                "env_overrides": canonical_json(s.env_overrides),
                "code_version": s.code_version,
                "code_fingerprint": s.code_fingerprint,
                "env_fingerprint": s.env_fingerprint,
                "git_commit": s.git_commit or "",
                "agent": s.agent,
                "agent_kind": s.agent_kind,
                "agent_config": canonical_json(s.agent_config),
                "resolved_config": _json_or_blank(s.resolved_config),
                "env_kwargs": _json_or_blank(s.env_kwargs),
                "eval_env_kwargs": _json_or_blank(s.eval_env_kwargs),
                "privileged": int(s.privileged),
                "plans_with_model": int(s.plans_with_model),
                "learns": int(s.learns),
                "budget_steps": s.budget_steps,
                "train_seeds": " ".join(map(str, s.train_seeds)),
                "n_episodes": s.n_episodes,
                "paper_metric": s.paper_metric,
                "metric_goal": s.metric_goal,
                "metric_mean": s.metric.mean,
                "metric_ci_low": s.metric.mean_ci[0],
                "metric_ci_high": s.metric.mean_ci[1],
                "metric_iqm": s.metric.iqm,
                "metric_iqm_ci_low": s.metric.iqm_ci[0],
                "metric_iqm_ci_high": s.metric.iqm_ci[1],
                "return_mean": s.ret.mean,
                "return_ci_low": s.ret.mean_ci[0],
                "return_ci_high": s.ret.mean_ci[1],
                "return_iqm": s.ret.iqm,
                "return_iqm_ci_low": s.ret.iqm_ci[0],
                "return_iqm_ci_high": s.ret.iqm_ci[1],
                "normalised": s.normalised,
                "normalised_against": s.normalised_against or "",
                "train_env_steps": s.train_env_steps,
                "train_wall_s": s.train_wall_s,
                "cpu_count": s.cpu_count,
            }
        )
    return rows


def _json_or_blank(value) -> str:
    """Blank for rows of store schema 1, which did not record the resolved values."""
    return "" if value is None else canonical_json(value)


def write_csv(summaries: Sequence[Summary], path: str | Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=CSV_FIELDS)
        writer.writeheader()
        for row in csv_rows(summaries):
            writer.writerow({k: (repr(v) if isinstance(v, float) else v) for k, v in row.items()})
    return path


def write_markdown(
    summaries: Sequence[Summary], path: str | Path, hidden: int = 0, versions: bool = False
) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(to_markdown(summaries, hidden, versions))
    return path
