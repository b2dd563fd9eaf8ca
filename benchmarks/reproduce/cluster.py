"""Reproduction of paper 000 (dynamic clustering for load balancing, EdgeCluster-v0).

``edge-bench reproduce cluster [--fast] [--only PART ...] [--workers N] [--backend B]
[--set FIELD=VALUE ...] [--render-only]`` (the common options: :mod:`benchmarks.reproduce.base`)
runs the parts below as benchmark-runner jobs, then renders ``docs/reproduction/cluster.md``
and ``docs/reproduction/img/cluster_*.png`` from the stored rows alone.

Parts: ``fig9`` (D3QN on synthetic mobility), ``fig11`` (warehouse trace, 25/50/100 % of the
training part), ``fig12``-``fig14`` (the sweeps of servers, nodes and the sensing ratio) and
``seeds`` (the warehouse targets over several training seeds of LL-D3QN on every layout).

Protocol (the paper's, sec. 5.4.1): a *round* is one random deployment of nodes and servers,
the layout of env seed ``r``: every job of round ``r`` runs on ``EdgeCluster-v0`` with
``layout_seed=r``, so each reset seed draws only the vehicle path. Learning agents train on
that layout (paths from the training part of the trace for D3QN/L-D3QN/SB3, LSTM roll-outs
for LL-D3QN, the scenario's mobility model for Fig. 9) with training seeds ``0..k-1``, and
are evaluated by the runner on the same layout over the evaluation seeds ``1000, 1001, ...``,
whose paths come from the held-out test part of the trace (or fresh draws of the mobility
model). Static agents (no training) run once per layout, with training seed 0 and without the
training-data override (their evaluation does not depend on it), so Fig. 11 and the seed study
share them. The score is the mean per-step reward ``Gamma x Delta``. Convergence time (sec.
5.1): the learners' factory is :class:`~benchmarks.reproduce.cluster_jobs.HeldOutCurveAgent`,
which plays the greedy policy on the first 50 steps of evaluation episode 0 after every
training episode (about every 200 steps); the convergence step is the first of these points
after which the test reward deviates by at most 3 % over the next 400 training steps
(:func:`convergence_step`); ``-`` when it never settles.

Budgets count every env step of a learner, its validation episodes included (the agents'
interface), so the D3QN agents and SB3 get equal budgets.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from benchmarks.reproduce.base import Context, Part, Reproduction, claims_table
from benchmarks.reproduce.base import main as run_main

ENV_ID = "EdgeCluster-v0"
WRAPPER = "benchmarks.reproduce.cluster_jobs:HeldOutCurveAgent"
PAPER_ID = "000"
WAREHOUSE = "warehouse-80x4"
FIG9 = ("fixed-route-80x4", "random-direction-20x3", "random-reflection-20x3",
        "random-reflection-20x3-3v")
FRACTIONS = (0.25, 0.5, 1.0)
SWEEPS = {
    "fig12": ("servers-2", "servers-3", "servers-4"),
    "fig13": ("nodes-20", "nodes-40", "nodes-80"),
    "fig14": ("snst-2", "snst-3", "snst-4"),
}
DRL = ("d3qn", "l-d3qn", "ll-d3qn")
STATIC = ("sc-mwvc", "sc-metis", "greedy-lookahead", "oracle")
SB3 = ("sb3-dqn", "sb3-ppo")
FIG9_AGENTS = (("sc-mwvc", "oracle"), ("d3qn",))
# The paper's reported values (sec. 5.3-5.4); ratios are to SC-MWVC.
PAPER_LL = {"warehouse-0.25": 0.68, "warehouse-0.5": 0.66, "warehouse-1": 0.66,
            "servers-2": 0.89, "servers-3": 0.89 / 1.21, "servers-4": 0.89 / 1.31,
            "nodes-20": 0.51, "nodes-40": 0.57, "nodes-80": 0.68,
            "snst-2": 0.60, "snst-3": 0.51, "snst-4": 0.40}
PAPER_LL_RATIO = {"warehouse-0.25": 3.05, "warehouse-0.5": 2.97, "warehouse-1": 2.98,
                  "servers-2": 3.62, "servers-3": 2.94, "servers-4": 3.05,
                  "nodes-20": 5.03, "nodes-40": 5.75, "nodes-80": 3.05,
                  "snst-2": 6.28, "snst-3": 5.03, "snst-4": 3.90}
PAPER_FIG9_RATIO = {"fixed-route-80x4": "1.4", "random-direction-20x3": "about 5",
                    "random-reflection-20x3": "> 1", "random-reflection-20x3-3v": "> 1, lower"}


@dataclass(frozen=True)
class Settings:
    """What the parts run (``--set FIELD=VALUE`` changes one field)."""

    budget: int  # env steps per D3QN-family job, validation episodes included
    sb3_budget: int  # env steps per SB3 job
    rounds: int  # layouts 0 .. rounds-1
    fig_seeds: int  # training seeds 0 .. fig_seeds-1 per layout in Figs. 9, 11-14
    seeds: int  # LL-D3QN training seeds 0 .. seeds-1 per layout in the seed study
    episodes: int  # evaluation (test) episodes per job: seeds 1000, 1001, ...
    fractions: tuple[float, ...]  # training-data fractions of Fig. 11
    fig9: tuple[str, ...]  # scenarios of Fig. 9
    sweeps: tuple[str, ...]  # which of fig12, fig13, fig14 run
    sb3: bool  # SB3 DQN and PPO in Fig. 11
    curve_steps: int = 50  # steps of the held-out episode per test-curve point


FULL = Settings(budget=30_000, sb3_budget=30_000, rounds=3, fig_seeds=1, seeds=5, episodes=5,
                fractions=FRACTIONS, fig9=FIG9, sweeps=tuple(SWEEPS), sb3=True)
FAST = Settings(budget=4000, sb3_budget=4000, rounds=1, fig_seeds=1, seeds=2, episodes=2,
                fractions=(0.25,), fig9=("fixed-route-80x4",), sweeps=(), sb3=True)


# --------------------------------------------------------------------------- jobs
def eval_seeds(s: Settings) -> tuple[int, ...]:
    from benchmarks.suites import eval_seeds_for

    return eval_seeds_for(s.episodes)


def learner(name: str, seed: int, s: Settings) -> Any:
    """The :class:`AgentChoice` of a learning agent: wrapped to record its test curve."""
    from agents.registry import resolve_agent
    from benchmarks.suites import AgentChoice

    spec = resolve_agent(name, ENV_ID)
    config: dict[str, Any] = {"inner": spec.factory, "curve_seed": eval_seeds(s)[0],
                              "curve_steps": s.curve_steps}
    if spec.kind == "sb3":
        # One test-curve point every ~200 training steps, as for the D3QN agents.
        config["curve_points"] = max(1, s.sb3_budget // 200)
        return AgentChoice(name, config, s.sb3_budget)
    config["seed"] = seed  # the network's initial weights
    return AgentChoice(name, config, s.budget)


def cell_entries(scenario: str, layout: int, static: Iterable[str], learners: Iterable[str],
                 seeds: Iterable[int], s: Settings, overrides: dict | None = None) -> list:
    """Entries of one (scenario, layout): static agents once, learners per training seed;
    ``overrides`` (e.g. the training-data fraction) apply to the learners only."""
    from benchmarks.suites import AgentChoice, Entry

    layout_env = {"layout_seed": int(layout)}
    static = tuple(AgentChoice(a) for a in static)
    entries = [Entry(ENV_ID, scenario, static, (0,), eval_seeds(s), layout_env)] if static else []
    learners = tuple(learners)
    for seed in seeds if learners else ():
        entries.append(Entry(ENV_ID, scenario, tuple(learner(a, seed, s) for a in learners),
                             (int(seed),), eval_seeds(s), {**layout_env, **(overrides or {})}))
    return entries


def to_jobs(name: str, entries: Sequence) -> list:
    """Expand the entries; learners' jobs get the test-curve wrapper as their factory."""
    from benchmarks.suites import Suite, expand

    jobs, _ = expand(Suite(f"cluster-{name}", tuple(entries)))
    return [replace(j, factory=WRAPPER) if "inner" in j.agent_config else j for j in jobs]


def fig9_jobs(s: Settings) -> list:
    static, learners = FIG9_AGENTS
    return to_jobs("fig9", [e for sc in s.fig9 for r in range(s.rounds)
                            for e in cell_entries(sc, r, static, learners, range(s.fig_seeds), s)])


def fig11_jobs(s: Settings) -> list:
    learners = DRL + (SB3 if s.sb3 else ())
    entries = [e for r in range(s.rounds) for e in cell_entries(WAREHOUSE, r, STATIC, (), (), s)]
    entries += [e for f in s.fractions for r in range(s.rounds)
                for e in cell_entries(WAREHOUSE, r, (), learners, range(s.fig_seeds), s,
                                      {"trace_train_fraction": float(f)})]
    return to_jobs("fig11", entries)


def sweep_jobs(key: str) -> Callable[[Settings], list]:
    def build(s: Settings) -> list:
        if key not in s.sweeps:
            return []
        return to_jobs(key, [e for sc in SWEEPS[key] for r in range(s.rounds)
                             for e in cell_entries(sc, r, STATIC, DRL, range(s.fig_seeds), s)])

    return build


def seed_study_jobs(s: Settings) -> list:
    """LL-D3QN with training seeds ``0..seeds-1`` on each layout (100 % training data),
    beside the static agents on the same layouts and test episodes."""
    return to_jobs("seeds", [e for r in range(s.rounds) for e in cell_entries(
        WAREHOUSE, r, STATIC, ("ll-d3qn",), range(s.seeds), s, {"trace_train_fraction": 1.0})])


# --------------------------------------------------------------------------- metrics
def convergence_step(points, horizon: int = 400, tolerance: float = 0.03) -> int | None:
    """Convergence time of sec. 5.1 of paper 000 on a test-reward curve.

    The paper: "we calculate the deviation value of the testing results over the next 400
    epoch time steps; if < 3 % the result starts to converge". Here: ``points`` is a list of
    ``(training step t, test reward R(t))`` (the stored ``test_curve``); the convergence step
    is the first recorded ``t`` such that every recorded ``R(t')`` with
    ``t < t' <= t + horizon`` satisfies ``|R(t') - R(t)| <= tolerance * |R(t)|``, at least one
    such ``t'`` exists, and the curve extends to ``t + horizon``. Points before the test
    reward first changes are skipped: the untrained network (and the network before
    ``learning_starts``) gives a constant policy, which would otherwise count as converged.
    ``None`` if the curve never settles.
    """
    if len(points) < 2:
        return None
    t = np.array([p[0] for p in points], dtype=np.int64)
    r = np.array([p[1] for p in points], dtype=np.float64)
    changed = np.flatnonzero(r != r[0])
    if len(changed) == 0:
        return None
    for i in range(int(changed[0]), len(t)):
        ahead = (t > t[i]) & (t <= t[i] + horizon)
        if t[-1] < t[i] + horizon or not ahead.any():
            break
        if np.all(np.abs(r[ahead] - r[i]) <= tolerance * max(abs(r[i]), 1e-9)):
            return int(t[i])
    return None


def evaluate(agent, params, layout_seed: int, episodes: int, **env_kwargs) -> float:
    """Mean per-step reward over ``episodes`` test episodes on layout ``layout_seed``, the
    path of episode ``e`` drawn from its own stream ``10_000 + 100 * layout_seed + e``.

    The first version of this report scored this way; ``tests/test_d3qn_learning.py`` keeps it
    because its margins were measured on these episodes. The loop is the one evaluation loop.
    """
    from agents.d3qn.mobility import OwnStream
    from agents.evaluation import evaluate as play
    from edge_envs.edge_cluster.gym_env import EdgeClusterEnv
    from edge_envs.edge_cluster.mobility import TraceReplay
    from edge_envs.edge_cluster.model import build_mobility
    from edge_envs.edge_cluster.traces import TRACE_AREA_M, load_trace

    def path_model():
        if params.mobility == "trace":
            return TraceReplay(load_trace(params.trace_name, "test"), params.episode_steps,
                               TRACE_AREA_M)
        return build_mobility(params)

    means = []
    for e in range(episodes):
        env = EdgeClusterEnv(params, mobility_generator=OwnStream(
            path_model(), 10_000 + 100 * layout_seed + e), **env_kwargs)
        means += play(agent, env, [layout_seed], "reward")["metrics"]
    return float(np.mean(means))


# --------------------------------------------------------------------------- rows -> cells
def _extra(row: dict) -> dict:
    return row.get("train_extra") or {}


def _overrides(row: dict) -> dict:
    return row.get("env_overrides") or {}


def _fraction_label(row: dict) -> str:
    return f"warehouse-{float(_overrides(row).get('trace_train_fraction', 1.0)):g}"


def summarise(rows: Sequence[dict]) -> dict[str, Any]:
    """One agent in one setting over its rows (layouts and training seeds)."""
    learners = [r for r in rows if r.get("learns")]
    curves = [_extra(r)["reward_curve"] for r in learners if _extra(r).get("reward_curve")]
    curve: list = []
    if curves:
        n = min(len(c) for c in curves)
        curve = [[curves[0][i][0], float(np.mean([c[i][1] for c in curves]))] for i in range(n)]
    return {
        "reward": float(np.mean([r["mean_metric"] for r in rows])),
        "rewards": [float(r["mean_metric"]) for r in rows],
        "convergence": [convergence_step(_extra(r).get("test_curve", [])) for r in learners],
        "train_s": float(np.mean([r["train_wall_s"] for r in learners])) if learners else 0.0,
        "curve": curve,
    }


def cells(rows: Sequence[dict], setting: Callable[[dict], str | None],
          order: Sequence[str] | None = None) -> dict[str, dict[str, dict]]:
    """``{setting: {agent: summary}}``; rows whose ``setting`` is ``None`` (static agents shared
    by every setting) join every setting."""
    grouped: dict[str, dict[str, list]] = {}
    shared: dict[str, list] = {}
    for r in rows:
        key = setting(r)
        target = shared if key is None else grouped.setdefault(key, {})
        target.setdefault(r["agent"], []).append(r)
    keys = [k for k in (order or sorted(grouped)) if k in grouped]
    agent_order = STATIC + DRL + SB3
    out = {}
    for key in keys:
        by_agent = {**shared, **grouped[key]}
        names = [a for a in agent_order if a in by_agent] + sorted(
            a for a in by_agent if a not in agent_order)
        out[key] = {a: summarise(by_agent[a]) for a in names}
    return out


def seed_study(rows: Sequence[dict]) -> dict[int, dict[str, Any]]:
    """``{layout: {static agent: reward, "ll-d3qn": [reward per seed], "train_s": [...],
    "selected_step": [...]}}`` from the seed-study rows."""
    study: dict[int, dict[str, Any]] = {}
    for r in sorted(rows, key=lambda r: (r["agent"], r["train_seed"])):
        row = study.setdefault(int(_overrides(r)["layout_seed"]), {
            "ll-d3qn": [], "train_s": [], "selected_step": []})
        if r["agent"] == "ll-d3qn":
            row["ll-d3qn"].append(float(r["mean_metric"]))
            row["train_s"].append(float(r["train_wall_s"]))
            row["selected_step"].append(_extra(r).get("selected_step"))
        else:
            row[r["agent"]] = float(r["mean_metric"])
    return dict(sorted(study.items()))


# --------------------------------------------------------------------------- targets
def target_lines(ll: float, mw: float, me: float, orc: float, wall_s: float,
                 per: str = "") -> list[str]:
    """The issue's four warehouse targets for LL-D3QN reward ``ll`` against SC-MWVC ``mw``,
    SC-METIS ``me``, the oracle ``orc`` and a training wall-clock of ``wall_s``."""
    return [
        f"LL-D3QN >= 2.5 x SC-MWVC: {ll:.3f} vs {mw:.3f} (x{ll / max(mw, 1e-9):.2f}) -> "
        f"{'met' if ll >= 2.5 * mw else 'MISSED'}",
        f"LL-D3QN > SC-METIS: {ll:.3f} vs {me:.3f} -> {'met' if ll > me else 'MISSED'}",
        f"LL-D3QN within 15 % of the oracle: {ll:.3f} vs {orc:.3f} "
        f"({(orc - ll) / max(orc, 1e-9):.0%} below) -> "
        f"{'met' if ll >= 0.85 * orc else 'MISSED'}",
        f"LL-D3QN training wall-clock {wall_s / 60:.1f} min{per} (target < 30 min) -> "
        f"{'met' if wall_s < 1800 else 'MISSED'}",
    ]


def cell_targets(cell: dict) -> list[str]:
    """The targets on one Fig. 11 cell (empty while one of its agents is missing)."""
    if not all(a in cell for a in ("ll-d3qn", "sc-mwvc", "sc-metis", "oracle")):
        return []
    return target_lines(cell["ll-d3qn"]["reward"], cell["sc-mwvc"]["reward"],
                        cell["sc-metis"]["reward"], cell["oracle"]["reward"],
                        cell["ll-d3qn"]["train_s"])


def study_targets(study: dict) -> list[str]:
    """The targets on the seed study: means over every layout and training seed, and how the
    single runs fall against their own layout's references."""
    rows = [r for r in study.values() if r["ll-d3qn"] and all(
        k in r for k in ("sc-mwvc", "sc-metis", "oracle"))]
    if not rows:
        return []
    ll = float(np.mean([np.mean(r["ll-d3qn"]) for r in rows]))
    mw, me, orc = (float(np.mean([r[k] for r in rows])) for k in ("sc-mwvc", "sc-metis",
                                                                   "oracle"))
    wall = float(np.mean([np.mean(r["train_s"]) for r in rows]))
    every = [x for r in rows for x in r["ll-d3qn"]]
    ratio_ok = sum(x >= 2.5 * r["sc-mwvc"] for r in rows for x in r["ll-d3qn"])
    oracle_ok = sum(x >= 0.85 * r["oracle"] for r in rows for x in r["ll-d3qn"])
    lines = target_lines(ll, mw, me, orc, wall, per=" per run") + [
        f"spread: {len(every)} runs from {min(every):.3f} to {max(every):.3f} (standard "
        f"deviation {np.std(every):.3f}); against their own layout's references, {ratio_ok} "
        f"of them reach 2.5 x SC-MWVC and {oracle_ok} lie within 15 % of the oracle",
    ]
    if all("greedy-lookahead" in r for r in rows):
        greedy = float(np.mean([r["greedy-lookahead"] for r in rows]))
        lines.append(f"for comparison, greedy-lookahead (no learning, no foresight): "
                     f"{greedy:.3f} (x{greedy / max(mw, 1e-9):.2f} SC-MWVC, "
                     f"{1 - greedy / max(orc, 1e-9):.0%} below the oracle)")
    return lines


# --------------------------------------------------------------------------- claims
# Fig. 12-14: how the paper's LL-D3QN reward moves along each sweep (-1 falls, +1 rises).
SWEEP_CLAIMS = {
    "fig12": ("LL-D3QN's reward falls as servers are added (Fig. 12)", -1),
    "fig13": ("LL-D3QN's reward rises with the number of nodes (Fig. 13)", +1),
    "fig14": ("LL-D3QN's reward falls as the sensing ratio grows (Fig. 14)", -1),
}


def _pct(label: str) -> str:
    return f"{float(label.split('-')[1]):.0%}"


def paper_claims(fig9: dict, fig11: dict, sweeps: dict[str, dict]) -> list:
    """The paper's claims on Figs. 9 and 11-14 with our numbers (``holds`` is ``None`` while
    the cells a claim needs are not stored)."""
    from benchmarks.reproduce.base import Claim

    claims = []
    ratios = {sc: _reward(c, "d3qn") / max(_reward(c, "sc-mwvc"), 1e-9)
              for sc, c in fig9.items() if "d3qn" in c and "sc-mwvc" in c}
    claims.append(Claim(
        "D3QN scores above SC-MWVC on synthetic mobility (Fig. 9)",
        " / ".join(PAPER_FIG9_RATIO[sc] for sc in FIG9) + " x SC-MWVC",
        ", ".join(f"{sc} x{r:.2f}" for sc, r in ratios.items()) or "-",
        all(r > 1 for r in ratios.values()) if ratios else None))
    full = {k: c for k, c in fig11.items() if all(a in c for a in ("sc-mwvc", *DRL))}
    ll_ratio = {k: _reward(c, "ll-d3qn") / max(_reward(c, "sc-mwvc"), 1e-9)
                for k, c in full.items()}
    claims.append(Claim(
        "LL-D3QN about 3 x SC-MWVC on the warehouse trace, at every share of training data "
        "(Fig. 11; holds at >= 2.5 x)",
        " / ".join(f"x{PAPER_LL_RATIO[f'warehouse-{f:g}']:.2f}" for f in FRACTIONS) +
        " at 25 / 50 / 100 %",
        ", ".join(f"{_pct(k)} x{r:.2f}" for k, r in ll_ratio.items()) or "-",
        all(r >= 2.5 for r in ll_ratio.values()) if ll_ratio else None))
    claims.append(Claim(
        "LL-D3QN above L-D3QN and D3QN: the LSTM helps (Fig. 11)", "LL-D3QN highest",
        "; ".join(f"{_pct(k)}: " + ", ".join(f"{a} {_reward(c, a):.3f}" for a in DRL)
                  for k, c in full.items()) or "-",
        all(_reward(c, "ll-d3qn") > max(_reward(c, "d3qn"), _reward(c, "l-d3qn"))
            for c in full.values()) if full else None))
    quarter, whole = full.get("warehouse-0.25"), full.get("warehouse-1")
    claims.append(Claim(
        "25 % of the training data is enough for LL-D3QN (Fig. 11; holds within 5 % of 100 %)",
        "0.68 at 25 %, 0.66 at 100 %",
        f"{_reward(quarter, 'll-d3qn'):.3f} at 25 %, {_reward(whole, 'll-d3qn'):.3f} at 100 %"
        if quarter and whole else "-",
        _reward(quarter, "ll-d3qn") >= 0.95 * _reward(whole, "ll-d3qn")
        if quarter and whole else None))
    for key, (text, sign) in SWEEP_CLAIMS.items():
        table = sweeps.get(key, {})
        values = [_reward(table[sc], "ll-d3qn") if sc in table else None for sc in SWEEPS[key]]
        known = None not in values
        claims.append(Claim(
            text, " -> ".join(f"{PAPER_LL[sc]:.2f}" for sc in SWEEPS[key]),
            " -> ".join(_fmt(v) for v in values) if any(v is not None for v in values) else "-",
            bool(np.all(sign * np.diff(values) > 0)) if known else None))
    return claims


# --------------------------------------------------------------------------- report
def _fmt(x) -> str:
    return "-" if x is None else (f"{x:.3f}" if isinstance(x, float) else str(x))


def _conv(cell: dict | None) -> str:
    if not cell or not cell.get("convergence"):
        return ""
    c = [v for v in cell["convergence"] if v is not None]
    return f"{int(np.mean(c))}" if c else "-"


def _reward(cell: dict, agent: str) -> float | None:
    return cell[agent]["reward"] if agent in cell else None


def _ratio(a: float | None, b: float | None) -> str:
    return "-" if a is None or b is None else f"{a / max(b, 1e-9):.2f}"


def _agents_table(ctx: Context) -> list[str]:
    """The agents as run: the catalog's env options and config, read from the stored jobs."""
    seen: dict[str, tuple[str, str]] = {}
    for rows in ctx.rows.values():
        for r in rows:
            job = r.get("job") or {}
            config = job.get("agent_defaults") or {}
            env = job.get("agent_env_kwargs") or {}
            seen.setdefault(r["agent"], (
                ", ".join(f"`{k}={v!r}`" for k, v in sorted(env.items())) or "-",
                ", ".join(f"`{k}={v!r}`" for k, v in sorted(config.items())) or "-"))
    if not seen:
        return []
    order = [a for a in STATIC + DRL + SB3 if a in seen] + sorted(
        a for a in seen if a not in STATIC + DRL + SB3)
    lines = ["| agent | env options | catalog config |", "|---|---|---|"]
    lines += [f"| {a} | {seen[a][0]} | {seen[a][1]} |" for a in order]
    return lines + [""]


def _lstm_section(ctx: Context) -> list[str]:
    by_fraction: dict[float, list[dict]] = {}
    for part in ("fig11", "seeds"):
        for r in ctx.rows.get(part, []):
            if _extra(r).get("lstm_accuracy") and "trace_train_fraction" in _overrides(r):
                by_fraction.setdefault(float(_overrides(r)["trace_train_fraction"]), []).append(r)
    if not by_fraction:
        return []
    lines = ["## LSTM predictor (next-direction accuracy on the test part)", "",
             "Each L-D3QN and LL-D3QN job trains its own predictor (its training seed) on its "
             "share of the training part; means over those jobs.", "",
             "| training data | LSTM | repeat last move | LSTM train time (s) | predictors |",
             "|---|---|---|---|---|"]
    for f, rows in sorted(by_fraction.items()):
        acc = [_extra(r)["lstm_accuracy"] for r in rows]
        secs = [_extra(r).get("lstm_train_s", float("nan")) for r in rows]
        lines.append(f"| {f:.0%} | {np.mean([a['lstm'] for a in acc]):.3f} | "
                     f"{np.mean([a['repeat_last'] for a in acc]):.3f} | {np.mean(secs):.0f} | "
                     f"{len(rows)} |")
    return lines + [""]


def _fig9_section(ctx: Context, table: dict) -> list[str]:
    lines = ["## Fig. 9: D3QN on synthetic mobility", "", *ctx.provenance("fig9")]
    if not table:
        return lines
    lines += ["| scenario | SC-MWVC | D3QN | oracle | D3QN / SC-MWVC | paper ratio | "
              "D3QN conv. step |", "|---|---|---|---|---|---|---|"]
    for sc, cell in table.items():
        base, d = _reward(cell, "sc-mwvc"), _reward(cell, "d3qn")
        lines.append(f"| {sc} | {_fmt(base)} | {_fmt(d)} | {_fmt(_reward(cell, 'oracle'))} | "
                     f"{_ratio(d, base)} | {PAPER_FIG9_RATIO.get(sc, '-')} | "
                     f"{_conv(cell.get('d3qn'))} |")

    def draw(fig) -> None:
        ax = fig.add_subplot(1, 1, 1)
        for sc, cell in table.items():
            curve = cell.get("d3qn", {}).get("curve")
            if curve:
                line, = ax.plot([p[0] for p in curve], [p[1] for p in curve], label=f"D3QN {sc}")
                if "sc-mwvc" in cell:
                    ax.axhline(cell["sc-mwvc"]["reward"], ls="--", color=line.get_color(), lw=0.8)
        ax.set_xlabel("training step")
        ax.set_ylabel("reward (200-step moving average)")
        ax.set_title("Fig. 9: D3QN training (dashed: SC-MWVC test reward)")
        ax.legend(fontsize=7)

    return lines + ["", ctx.figure("cluster_fig9", draw), ""]


def _bars(table: dict, title: str):
    def draw(fig) -> None:
        ax = fig.add_subplot(1, 1, 1)
        settings = list(table)
        agents = list(dict.fromkeys(a for cell in table.values() for a in cell))
        width = 0.8 / max(1, len(agents))
        for i, a in enumerate(agents):
            ax.bar(np.arange(len(settings)) + i * width,
                   [table[s][a]["reward"] if a in table[s] else 0.0 for s in settings],
                   width, label=a)
        ax.set_xticks(np.arange(len(settings)) + 0.4 - width / 2, settings)
        ax.set_ylabel("mean reward")
        ax.set_title(title, fontsize=9)
        ax.legend(fontsize=7, ncol=4)

    return draw


def _sweep_section(ctx: Context, key: str, title: str, table: dict) -> list[str]:
    lines = [f"## {title}", "", *ctx.provenance(key)]
    if not table:
        return lines
    agents = list(dict.fromkeys(a for cell in table.values() for a in cell))
    lines += ["| setting | " + " | ".join(agents) +
              " | LL / SC-MWVC | paper LL | paper LL / SC-MWVC |",
              "|---" * (len(agents) + 4) + "|"]
    for setting, cell in table.items():
        lines.append(f"| {setting} | " + " | ".join(_fmt(_reward(cell, a)) for a in agents) +
                     f" | {_ratio(_reward(cell, 'll-d3qn'), _reward(cell, 'sc-mwvc'))} | "
                     f"{_fmt(PAPER_LL.get(setting))} | {_fmt(PAPER_LL_RATIO.get(setting))} |")
    learners = [a for a in agents if a not in STATIC]
    if learners:
        lines += ["", "Convergence step (test reward, sec. 5.1; see `convergence_step`) / "
                  "training wall-clock (s), means over layouts and seeds:", "",
                  "| setting | " + " | ".join(learners) + " |",
                  "|---" * (1 + len(learners)) + "|"]
        for setting, cell in table.items():
            lines.append(f"| {setting} | " + " | ".join(
                f"{_conv(cell[a])} / {cell[a]['train_s']:.0f} s" if a in cell else "-"
                for a in learners) + " |")
    return lines + ["", ctx.figure(f"cluster_{key}", _bars(table, title), 8.0), ""]


def _seed_section(ctx: Context, study: dict) -> list[str]:
    lines = ["## Seed study: warehouse 80/4, 100 % training data", "",
             *ctx.provenance("seeds")]
    if not study:
        return lines
    n_seeds = max(len(r["ll-d3qn"]) for r in study.values())
    base = [b for b in STATIC if any(b in r for r in study.values())]
    lines += ["| layout | " + " | ".join(base) + " | " +
              " | ".join(f"ll-d3qn seed {k}" for k in range(n_seeds)) +
              " | ll-d3qn mean | LL / SC-MWVC | LL / oracle |",
              "|---" * (4 + len(base) + n_seeds) + "|"]
    for layout, row in study.items():
        runs = row["ll-d3qn"] + [None] * (n_seeds - len(row["ll-d3qn"]))
        ll = float(np.mean(row["ll-d3qn"])) if row["ll-d3qn"] else None
        lines.append(f"| {layout} | " + " | ".join(_fmt(row.get(b)) for b in base) + " | " +
                     " | ".join(_fmt(x) for x in runs) + f" | {_fmt(ll)} | "
                     f"{_ratio(ll, row.get('sc-mwvc'))} | {_ratio(ll, row.get('oracle'))} |")
    wall = [x for r in study.values() for x in r["train_s"]]
    sel = [x for r in study.values() for x in r["selected_step"]]
    if wall:
        lines += ["", f"Training wall-clock per run {min(wall):.0f}-{max(wall):.0f} s; steps of "
                  f"the kept (best-validation) weights: {sel}."]
    return lines + [""]


def render(ctx: Context) -> str:
    """The report, from the stored rows of each part."""
    lines = [
        f"# Reproduction: paper {PAPER_ID} (EdgeCluster-v0)", "",
        f"Generated by `{ctx.command or 'edge-bench reproduce cluster'}` from the results store "
        "(every number below is a stored runner job; `--render-only` rewrites this file from "
        "the store). Protocol: one deployment per round (`layout_seed=r`), learners trained "
        "on it, every agent evaluated on it over the evaluation seeds, whose vehicle paths come "
        "from the held-out test part of the trace (Fig. 9: fresh draws of the mobility model). "
        "Reward = mean per-step `Gamma x Delta`, 1 torch thread per job. Learners' budgets count "
        "every env step, their validation episodes included. `greedy-lookahead` (ours, not in "
        "the paper) is the oracle's search scored with the vehicle where it is now, i.e. "
        "without foresight. Protocol details: the docstring of "
        "`benchmarks/reproduce/cluster.py`; agents: `docs/agents/d3qn.md`.", "",
    ]
    agents = _agents_table(ctx)
    if agents:
        lines += ["Agents as run (env options and catalog config of the stored jobs):", "",
                  *agents]
    lines += _lstm_section(ctx)
    fig9 = cells(ctx.rows.get("fig9", []), lambda r: r["scenario"], FIG9)
    if ctx.shown("fig9"):
        lines += _fig9_section(ctx, fig9)
    fig11 = cells(ctx.rows.get("fig11", []),
                  lambda r: _fraction_label(r) if r.get("learns") else None)
    fig11 = dict(sorted(fig11.items(), key=lambda kv: float(kv[0].split("-")[1])))
    if ctx.shown("fig11"):
        lines += _sweep_section(ctx, "fig11", "Fig. 11: warehouse trace, 80 nodes / 4 servers, "
                                "by training data", fig11)
    sweeps = {key: cells(ctx.rows.get(key, []), lambda r: r["scenario"], scenarios)
              for key, scenarios in SWEEPS.items()}
    for key, table in sweeps.items():
        if ctx.shown(key):
            lines += _sweep_section(ctx, key, f"Fig. {key[3:]}: sweep (25 % training data)",
                                    table)
    study = seed_study(ctx.rows.get("seeds", []))
    if ctx.shown("seeds"):
        lines += _seed_section(ctx, study)
    lines += ["## Claims of the paper", "",
              "Means over layouts and training seeds of the tables above.", "",
              *claims_table(paper_claims(fig9, fig11, sweeps))]
    on_study = study_targets(study)
    on_fig11 = cell_targets(fig11.get("warehouse-1", {}))
    if on_study or on_fig11:
        lines += ["## Targets (warehouse 80/4)", ""]
        if on_study:
            lines += ["On the seed study (mean over every layout and training seed):", ""]
            lines += [f"- {t}" for t in on_study] + [""]
        if on_fig11:
            lines += ["On the Fig. 11 run (100 % data):", ""]
            lines += [f"- {t}" for t in on_fig11] + [""]
    lines += ctx.notes_section()
    return "\n".join(lines)


REPRODUCTION = Reproduction(
    name="cluster",
    title="paper 000: dynamic clustering for load balancing (EdgeCluster-v0)",
    parts=(
        Part("fig9", fig9_jobs, "Fig. 9: D3QN on synthetic mobility"),
        Part("fig11", fig11_jobs, "Fig. 11: warehouse trace by training data"),
        *(Part(key, sweep_jobs(key), f"Fig. {key[3:]}: sweep") for key in SWEEPS),
        Part("seeds", seed_study_jobs, "seed study of the warehouse targets"),
    ),
    full=FULL,
    fast=FAST,
    render=render,
    description=__doc__,
)


def main(argv: list[str] | None = None) -> int:
    return run_main(REPRODUCTION, argv)


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
