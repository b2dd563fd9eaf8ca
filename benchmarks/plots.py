"""PNG figures: per scenario, bars of the paper metric with 95% CIs; learning curves.

Drawn with ``matplotlib.figure.Figure`` and the Agg canvas directly (no ``pyplot`` state, no
backend switch), so it works in headless workers and never changes the user's backend.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.jobs import canonical_json
from benchmarks.stats import Summary, entry_key


def _figure(width: float, height: float):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=100)
    FigureCanvasAgg(fig)
    return fig


def _slug(env_id: str, scenario: str, overrides: dict[str, Any]) -> str:
    base = re.sub(r"[^A-Za-z0-9_.-]+", "_", f"{env_id}_{scenario}")
    if overrides:
        base += "_" + hashlib.sha1(canonical_json(overrides).encode()).hexdigest()[:8]
    return base


def bar_plots(summaries: Sequence[Summary], out_dir: str | Path) -> list[Path]:
    """One PNG per (env, scenario, overrides): mean paper metric per agent, 95% CI whiskers."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    cells: dict[tuple, list[Summary]] = {}
    for s in summaries:
        cells.setdefault(s.cell(), []).append(s)
    paths: list[Path] = []
    used: set[Path] = set()
    for block in cells.values():
        first = block[0]
        names = [s.display_name for s in block]
        means = np.array([s.metric.mean for s in block], dtype=float)
        lo = np.array([s.metric.mean_ci[0] for s in block], dtype=float)
        hi = np.array([s.metric.mean_ci[1] for s in block], dtype=float)
        err = np.vstack([np.clip(means - lo, 0, None), np.clip(hi - means, 0, None)])
        fig = _figure(max(4.0, 0.9 * len(block) + 2.0), 4.0)
        ax = fig.add_subplot(1, 1, 1)
        colours = ["tab:gray" if s.agent == "random" else
                   "tab:orange" if s.privileged else "tab:blue" for s in block]
        ax.bar(np.arange(len(block)), np.nan_to_num(means), yerr=np.nan_to_num(err),
               capsize=4, color=colours)
        ax.set_xticks(np.arange(len(block)))
        ax.set_xticklabels(names, rotation=30, ha="right", fontsize=8)
        better = "lower" if first.metric_goal == "min" else "higher"
        ax.set_ylabel(f"{first.paper_metric} ({better} is better)")
        ax.set_title(f"{first.env_id} / {first.scenario}: mean, 95% CI", fontsize=10)
        fig.tight_layout()
        slug = _slug(first.env_id, first.scenario, first.env_overrides)
        path = _unique(out_dir / f"{slug}_bars.png", used)
        fig.savefig(path)
        paths.append(path)
    return paths


def learning_curves(rows: Iterable[dict[str, Any]], out_dir: str | Path) -> list[Path]:
    """One PNG per (env, scenario, overrides) with a curve per training seed of each learner.

    The thick line is the mean over seeds, interpolated on the union of the logged steps.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    cells: dict[tuple, dict[tuple, list[dict[str, Any]]]] = {}
    for row in rows:
        if not row.get("curve"):
            continue
        key = entry_key(row)
        cells.setdefault(key[:5], {}).setdefault(key, []).append(row)
    paths: list[Path] = []
    used: set[Path] = set()
    for entries in cells.values():
        first = next(iter(entries.values()))[0]
        fig = _figure(6.0, 4.0)
        ax = fig.add_subplot(1, 1, 1)
        for i, members in enumerate(entries.values()):
            colour = f"C{i % 10}"
            grids = []
            for row in members:
                pts = np.asarray(row["curve"], dtype=float)
                ax.plot(pts[:, 0], pts[:, 1], color=colour, alpha=0.3, linewidth=0.8)
                grids.append(pts)
            steps = np.unique(np.concatenate([g[:, 0] for g in grids]))
            mean = np.mean([np.interp(steps, g[:, 0], g[:, 1]) for g in grids], axis=0)
            label = members[0]["agent"]
            if members[0]["agent_config"]:
                label += " " + canonical_json(members[0]["agent_config"])
            ax.plot(steps, mean, color=colour, linewidth=2, label=label)
        ax.set_xlabel("environment steps")
        ax.set_ylabel("mean episode return")
        ax.set_title(f"{first['env_id']} / {first['scenario']}: learning curves", fontsize=10)
        ax.legend(fontsize=8)
        fig.tight_layout()
        slug = _slug(first["env_id"], first["scenario"], first["env_overrides"])
        path = _unique(out_dir / f"{slug}_curves.png", used)
        fig.savefig(path)
        paths.append(path)
    return paths


def _unique(path: Path, used: set[Path]) -> Path:
    """Cells differing only in evaluation seeds or code version get ``_2``, ``_3``, ..."""
    candidate, n = path, 1
    while candidate in used:
        n += 1
        candidate = path.with_name(f"{path.stem}_{n}{path.suffix}")
    used.add(candidate)
    return candidate
