"""Reproduction of paper 002 (DTOMALB: multi-agent load-balanced offloading, SingleCellMEC-v0).

``edge-bench reproduce single-cell [--fast] [--only PART ...] [--workers N] [--backend B]
[--set FIELD=VALUE ...] [--render-only]`` (the common options: :mod:`benchmarks.reproduce.base`)
runs the parts below as benchmark-runner jobs, then renders
``docs/reproduction/single-cell.md`` and ``docs/reproduction/img/single_cell_*.png`` from the
stored rows alone.

Parts:

* ``fig5``: DTOMALB, DQN-TOLB and IDQL-TOLB on ``paper-10x5``, training seeds
  ``0..seeds-1``, beside the baselines and ``slot-optimum`` (convergence and final utility);
* ``fig6``: DTOMA (``w2 = 0``) on the same seeds (DTOMALB's jobs are ``fig5``'s);
* ``fig7``: every agent and baseline on the users sweep (``sweep-users-N``; 10 users is
  ``paper-10x5``, so those jobs are ``fig5``'s and ``fig6``'s), ``sweep_seeds`` seeds per point;
* ``fig8``: DTOMALB and the baselines on ``load-balance-12-20ghz`` (servers 12, 14, ..., 20
  GHz): load factor and task count per server.

Protocol: every learner gets the same budget (``budget`` env steps). Every job's factory is
:class:`~benchmarks.reproduce.single_cell_jobs.MeasuredAgent`: the learning curve is the
greedy policy's utility on *validation* seeds (900, 901) after every training episode; the
scores are the runner's, on the evaluation seeds 1000, 1001, ...; the per-server figures and
the load-balanced utility of DTOMA (which trains and is scored by the runner on ``w2 = 0``)
come from the wrapper's replay of the same evaluation episodes after training. "Utility"
below is the mean per-slot reward (the users' mean of eq. 20, ``w1 = w2 = 1``); the paper's
system utility is the same summed over an episode's 100 slots.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from benchmarks.reproduce.base import Claim, Context, Part, Reproduction, claims_table
from benchmarks.reproduce.base import main as run_main

ENV_ID = "SingleCellMEC-v0"
PAPER_ID = "002"
WRAPPER = "benchmarks.reproduce.single_cell_jobs:MeasuredAgent"
PAPER_SCENARIO = "paper-10x5"
LOAD_SCENARIO = "load-balance-12-20ghz"
FIG5 = ("dtomalb", "dqn-tolb", "idql-tolb")
LEARNERS = ("dtomalb", "dtoma", "dqn-tolb", "idql-tolb")
BASELINES = ("sc-local", "random", "least-loaded", "greedy-delay")
REFERENCE = "slot-optimum"
SLOT_OPTIMUM_MAX_USERS = 14  # 0.06 s per slot at 10 users, 0.6 s at 20 (x2: replayed)


@dataclass(frozen=True)
class Settings:
    """What the parts run (``--set FIELD=VALUE`` changes one field)."""

    budget: int  # env steps per learner, equal for every learner
    seeds: int  # training seeds 0 .. seeds-1 in Figs. 5, 6 and 8
    sweep_seeds: int  # training seeds per point of Fig. 7
    users: tuple[int, ...]  # Fig. 7's numbers of users
    episodes: int  # evaluation episodes per job: seeds 1000, 1001, ...


FULL = Settings(budget=8_000, seeds=5, sweep_seeds=5, users=(4, 10, 14, 20), episodes=5)
FAST = Settings(budget=1_200, seeds=2, sweep_seeds=1, users=(4, 10), episodes=1)


# --------------------------------------------------------------------------- jobs
def eval_seeds(s: Settings) -> tuple[int, ...]:
    from benchmarks.suites import eval_seeds_for

    return eval_seeds_for(s.episodes)


def scenario_for(users: int) -> str:
    return PAPER_SCENARIO if int(users) == 10 else f"sweep-users-{int(users)}"


def entries(scenario: str, learners, static, seeds: int, s: Settings) -> list:
    """Static agents once (seed 0), learners per training seed, all through the wrapper."""
    from agents.registry import resolve_agent
    from benchmarks.suites import AgentChoice, Entry

    def choice(name: str, budget: int) -> AgentChoice:
        config = {"inner": resolve_agent(name, ENV_ID).factory,
                  "final_seeds": list(eval_seeds(s))}
        return AgentChoice(name, config, budget)

    out = []
    if static:
        out.append(Entry(ENV_ID, scenario, tuple(choice(a, 0) for a in static), (0,),
                         eval_seeds(s)))
    for seed in range(seeds) if learners else ():
        learner_choices = tuple(choice(a, s.budget) for a in learners)
        out.append(Entry(ENV_ID, scenario, learner_choices, (seed,), eval_seeds(s)))
    return out


def to_jobs(name: str, parts: list) -> list:
    from benchmarks.suites import Suite, expand

    jobs, _ = expand(Suite(f"single-cell-{name}", tuple(parts)))
    return [replace(j, factory=WRAPPER) for j in jobs]


def fig5_jobs(s: Settings) -> list:
    return to_jobs("fig5", entries(PAPER_SCENARIO, FIG5, (*BASELINES, REFERENCE), s.seeds, s))


def fig6_jobs(s: Settings) -> list:
    return to_jobs("fig6", entries(PAPER_SCENARIO, ("dtomalb", "dtoma"), (), s.seeds, s))


def fig7_jobs(s: Settings) -> list:
    out = []
    for n in s.users:
        static = BASELINES + ((REFERENCE,) if n <= SLOT_OPTIMUM_MAX_USERS else ())
        seeds = s.seeds if n == 10 else s.sweep_seeds  # 10 users: Figs. 5 and 6's jobs
        out += entries(scenario_for(n), LEARNERS, static, seeds, s)
    return to_jobs("fig7", out)


def fig8_jobs(s: Settings) -> list:
    return to_jobs("fig8", entries(LOAD_SCENARIO, ("dtomalb",), (*BASELINES[1:], REFERENCE),
                                   s.seeds, s))


# --------------------------------------------------------------------------- rows
def _final(row: dict) -> dict:
    return (row.get("train_extra") or {}).get("final") or {}


def utility(row: dict) -> float:
    """Load-balanced utility (w2 = 1) on the evaluation episodes: the runner's score, except
    for agents trained with another ``w2`` (DTOMA), whose policy the wrapper replayed on the
    same episodes with ``w2 = 1``."""
    if "w2" in ((row.get("job") or {}).get("agent_env_kwargs") or {}):
        return float(_final(row)["utility"])
    return float(row["mean_metric"])


def by_agent(rows, scenario: str | None = None) -> dict[str, list[dict]]:
    """``{agent: rows}`` (a job two parts share counts once)."""
    out: dict[str, list[dict]] = {}
    seen: set[str] = set()
    for r in rows:
        if r["job_key"] not in seen and (scenario is None or r["scenario"] == scenario):
            seen.add(r["job_key"])
            out.setdefault(r["agent"], []).append(r)
    return out


def mean_curve(rows: list[dict]) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """Steps, mean and standard deviation over seeds of the validation utility curves."""
    curves = [(r.get("train_extra") or {}).get("validation_curve") or [] for r in rows]
    curves = [c for c in curves if c]
    if not curves:
        return None
    n = min(len(c) for c in curves)
    values = np.array([[p[1] for p in c[:n]] for c in curves])
    return np.array([p[0] for p in curves[0][:n]]), values.mean(0), values.std(0)


def settle_step(curve, tolerance: float = 0.05) -> int | None:
    """Convergence step of a mean validation curve: the first point from which every later
    point lies within ``tolerance`` (relative) of the final utility, the mean of the last
    three points. ``None`` without at least four points."""
    if curve is None or len(curve[0]) < 4:
        return None
    steps, mean, _ = curve
    end = float(np.mean(mean[-3:]))
    inside = np.abs(mean - end) <= tolerance * max(abs(end), 1e-9)
    outside = np.flatnonzero(~inside)
    first = 0 if len(outside) == 0 else int(outside[-1]) + 1
    return int(steps[first]) if first < len(steps) else None


def fluctuation(rows: list[dict]) -> float | None:
    """Mean over seeds of the standard deviation of the validation utility over the second
    half of training (how much the greedy policy keeps moving once it has learned)."""
    out = []
    for r in rows:
        c = (r.get("train_extra") or {}).get("validation_curve") or []
        if len(c) >= 4:
            out.append(float(np.std([p[1] for p in c[len(c) // 2:]])))
    return float(np.mean(out)) if out else None


def seed_sd(values: Sequence[float]) -> float:
    """Sample standard deviation over training seeds (0 for a single run)."""
    return float(np.std(values, ddof=1)) if len(values) > 1 else 0.0


def summary(rows: list[dict]) -> dict[str, Any]:
    u = [utility(r) for r in rows]
    finals = [_final(r) for r in rows if _final(r)]
    return {
        "utility": float(np.mean(u)), "std": seed_sd(u), "n": len(u),
        "delay": float(np.mean([f["mean_delay_s"] for f in finals])) if finals else None,
        "var": float(np.mean([f["load_variance"] for f in finals])) if finals else None,
        "local": float(np.mean([f["n_local"] for f in finals])) if finals else None,
        "train_min": float(np.mean([r["train_wall_s"] for r in rows])) / 60,
        "score": float(np.mean([r["mean_metric"] for r in rows])),
    }


# --------------------------------------------------------------------------- report
def _f(x, digits: int = 3) -> str:
    return "-" if x is None else f"{x:.{digits}f}"


def _table(groups: dict[str, list[dict]], order) -> list[str]:
    lines = ["| agent | utility (w2 = 1) | runner score | mean delay (s) | var(LD) | local | "
             "training (min) |", "|---|---:|---:|---:|---:|---:|---:|"]
    for a in [a for a in order if a in groups]:
        s = summary(groups[a])
        spread = f" ± {s['std']:.3f} ({s['n']} seeds)" if s["n"] > 1 else ""
        lines.append(f"| `{a}` | {s['utility']:.3f}{spread} | {s['score']:.3f} | "
                     f"{_f(s['delay'])} | {_f(s['var'], 4)} | {_f(s['local'], 2)} | "
                     f"{s['train_min']:.1f} |")
    return lines + [""]


def _curves_figure(ctx: Context, name: str, groups, agents, static) -> str:
    """Mean ± std validation curves; the y range leaves out the first eighth of training
    (warm-up with random actions), which would otherwise flatten the rest."""
    def draw(fig):
        ax = fig.add_subplot(111)
        shown = []
        for a in agents:
            curve = mean_curve(groups.get(a, []))
            if curve is not None:
                steps, mean, std = curve
                ax.plot(steps, mean, label=a)
                ax.fill_between(steps, mean - std, mean + std, alpha=0.2)
                late = slice(len(steps) // 8, None)
                shown += [*(mean - std)[late], *(mean + std)[late]]
        for a, style in zip(static, ("--", ":"), strict=False):
            if a in groups:
                value = summary(groups[a])["utility"]
                ax.axhline(value, ls=style, lw=1.0, color="grey", label=a)
                shown.append(value)
        if shown:
            pad = 0.1 * (max(shown) - min(shown)) + 1e-3
            ax.set_ylim(min(shown) - pad, max(shown) + pad)
        ax.set_xlabel("training env steps")
        ax.set_ylabel("utility per slot (validation)")
        ax.legend(fontsize=8)
    return ctx.figure(name, draw)


ORDER = (*LEARNERS, *BASELINES, REFERENCE)


def render(ctx: Context) -> str:
    s = ctx.rows
    lines = [
        f"# Reproduction: paper {PAPER_ID} (SingleCellMEC-v0, DTOMALB)", "",
        f"Generated by `{ctx.command or 'edge-bench reproduce single-cell'}` from the results "
        "store (`--render-only` rewrites this file from it). Utility = mean per-slot reward, "
        "the users' mean of eq. (20) with w1 = w2 = 1 (the paper's system utility is it summed "
        "over an episode). Learning curves: greedy policy on validation seeds 900-901 after "
        "every training episode, mean ± standard deviation over training seeds; scores: the "
        "evaluation seeds 1000, ...; equal budgets for every learner. DTOMA trains and is "
        "scored by the runner with w2 = 0 (column *runner score*); the *utility* column "
        "replays its policy on the w2 = 1 reward. Delay, var(LD), users kept local and the "
        "per-server figures come from that replay of the evaluation episodes for every agent "
        "(`random` draws other actions there). Protocol: `benchmarks/reproduce/"
        "single_cell.py`; agents: `docs/agents/dtomalb.md`.", "",
    ]
    g5 = by_agent(s.get("fig5", []) + s.get("fig6", []), PAPER_SCENARIO)
    if ctx.shown("fig5"):
        lines += ["## Fig. 5: convergence (10 users, 5 servers)", "", *ctx.provenance("fig5"),
                  _curves_figure(ctx, "single_cell_fig5", g5, FIG5, ("greedy-delay",
                                                                      REFERENCE)), "",
                  *_table(g5, ORDER),
                  "| agent | convergence step (mean curve within 5 % of its end from there "
                  "on) | fluctuation (std of the validation utility, 2nd half) |",
                  "|---|---:|---:|"]
        for a in FIG5 + ("dtoma",):
            if a in g5:
                lines.append(f"| `{a}` | {settle_step(mean_curve(g5[a])) or '-'} | "
                             f"{_f(fluctuation(g5[a]), 4)} |")
        lines.append("")
    if ctx.shown("fig6"):
        lines += ["## Fig. 6: with (DTOMALB) and without (DTOMA) the load-balance term", "",
                  *ctx.provenance("fig6"),
                  _curves_figure(ctx, "single_cell_fig6", g5, ("dtomalb", "dtoma"), ()), "",
                  *_table(g5, ("dtomalb", "dtoma")),
                  "Both curves are on the w2 = 1 utility (DTOMA's policy replayed on it).", ""]
    sweep = fig7_cells(s.get("fig7", []))
    if ctx.shown("fig7"):
        runs = fig7_runs(s.get("fig7", []))
        lines += ["## Fig. 7: utility against the number of users", "",
                  *ctx.provenance("fig7"), _sweep_figure(ctx, sweep), "",
                  "Learners: mean ± standard deviation over training seeds (runs in brackets); "
                  "static agents: one evaluation.", ""]
        agents = [a for a in ORDER if any(a in c for c in sweep.values())]
        lines += ["| users | " + " | ".join(f"`{a}`" for a in agents) + " |",
                  "|---:|" + "---:|" * len(agents)]
        for n, cell in runs.items():
            lines.append(f"| {n} | " + " | ".join(_mean_sd(cell.get(a)) for a in agents) + " |")
        lines.append("")
    g8 = by_agent(s.get("fig8", []), LOAD_SCENARIO)
    if ctx.shown("fig8"):
        lines += ["## Fig. 8: load balance on servers of 12, 14, 16, 18, 20 GHz", "",
                  *ctx.provenance("fig8"), _load_figure(ctx, g8), "",
                  "Per server (12 -> 20 GHz), mean per slot over the evaluation episodes "
                  "(DTOMALB: and over its training seeds):", "",
                  "| agent | load factor LD (s) | tasks per slot | var(LD) |",
                  "|---|---|---|---:|"]
        for a in [a for a in ORDER if a in g8]:
            loads, counts = per_server(g8[a])
            lines.append(f"| `{a}` | {' / '.join(f'{v:.3f}' for v in loads)} | "
                         f"{' / '.join(f'{v:.2f}' for v in counts)} | "
                         f"{_f(summary(g8[a])['var'], 4)} |")
        lines.append("")
    lines += ["## Claims of the paper", "", *claims_table(paper_claims(g5, sweep, g8))]
    lines += ["## Targets", "", *[f"- {t}" for t in targets(g5)], ""]
    lines += ctx.notes_section()
    return "\n".join(lines)


def fig7_runs(rows) -> dict[int, dict[str, list[float]]]:
    """Utility of every run, by number of users and agent."""
    out: dict[int, dict[str, list[float]]] = {}
    for r in rows:
        n = int(r["scenario"].rsplit("-", 1)[-1]) if r["scenario"].startswith(
            "sweep-users-") else 10
        out.setdefault(n, {}).setdefault(r["agent"], []).append(utility(r))
    return dict(sorted(out.items()))


def fig7_cells(rows) -> dict[int, dict[str, float]]:
    """Mean utility over the runs, by number of users and agent."""
    return {n: {a: float(np.mean(v)) for a, v in cell.items()}
            for n, cell in fig7_runs(rows).items()}


def _mean_sd(runs: list[float] | None) -> str:
    """``mean ± sd (n)`` over training seeds; the mean alone for a single run."""
    if not runs:
        return "-"
    if len(runs) == 1:
        return _f(runs[0])
    return f"{np.mean(runs):.3f} ± {seed_sd(runs):.3f} ({len(runs)})"


def per_server(rows: list[dict]) -> tuple[np.ndarray, np.ndarray]:
    finals = [_final(r) for r in rows if _final(r)]
    return (np.mean([f["load_factors_s"] for f in finals], axis=0),
            np.mean([f["task_counts"] for f in finals], axis=0))


def _sweep_figure(ctx: Context, sweep) -> str:
    def draw(fig):
        ax = fig.add_subplot(111)
        for a in ORDER:
            pts = [(n, c[a]) for n, c in sweep.items() if a in c]
            if pts and a != "sc-local":
                ax.plot(*zip(*pts, strict=True), marker="o", label=a)
        ax.set_xlabel("users")
        ax.set_ylabel("utility per slot (w2 = 1)")
        ax.legend(fontsize=7)
    return ctx.figure("single_cell_fig7", draw)


def _load_figure(ctx: Context, groups) -> str:
    def draw(fig):
        speeds = np.array([12, 14, 16, 18, 20])
        shown = [a for a in ("dtomalb", "greedy-delay", "least-loaded", REFERENCE) if a in groups]
        width = 0.8 / max(1, len(shown))
        for k, title in enumerate(("load factor LD (s)", "tasks per slot")):
            ax = fig.add_subplot(1, 2, k + 1)
            for i, a in enumerate(shown):
                ax.bar(speeds + (i - len(shown) / 2) * width * 2, per_server(groups[a])[k],
                       width * 2, label=a)
            ax.set_xlabel("server speed (GHz)")
            ax.set_ylabel(title)
        ax.legend(fontsize=7)
    return ctx.figure("single_cell_fig8", draw, width=9.0)


# --------------------------------------------------------------------------- claims
def _u(groups, agent) -> float | None:
    return summary(groups[agent])["utility"] if groups.get(agent) else None


def paper_claims(g5: dict, sweep: dict, g8: dict) -> list[Claim]:
    claims = []
    u = {a: _u(g5, a) for a in (*LEARNERS, *BASELINES, REFERENCE)}
    conv = {a: settle_step(mean_curve(g5[a])) if a in g5 else None for a in LEARNERS}
    have5 = all(u[a] is not None for a in FIG5)
    claims.append(Claim(
        "DTOMALB converges fastest and to the highest utility (Fig. 5)", "fastest, highest",
        ", ".join(f"{a} {_f(u[a])} (settles at {conv[a] or '-'})" for a in FIG5) if have5 else "-",
        (u["dtomalb"] >= max(u["dqn-tolb"], u["idql-tolb"])
         and (conv["dtomalb"] or 1e18) <= min(conv["dqn-tolb"] or 1e18,
                                               conv["idql-tolb"] or 1e18)) if have5 else None,
        "" if not have5 or u["dtomalb"] >= max(u["dqn-tolb"], u["idql-tolb"]) else
        "another learner ends higher"))
    claims.append(Claim(
        "DQN-TOLB converges more slowly, to a lower utility (Fig. 5)", "slower, lower",
        f"{_f(u['dqn-tolb'])} vs {_f(u['dtomalb'])}, settles at {conv['dqn-tolb'] or '-'} vs "
        f"{conv['dtomalb'] or '-'}" if have5 else "-",
        (u["dqn-tolb"] < u["dtomalb"] and (conv["dqn-tolb"] or 1e18) > (conv["dtomalb"] or 0))
        if have5 else None))
    fl = {a: fluctuation(g5[a]) if a in g5 else None for a in FIG5}
    claims.append(Claim(
        "IDQL-TOLB is unstable: the largest fluctuation (Fig. 5)", "largest fluctuation",
        ", ".join(f"{a} {_f(fl[a], 4)}" for a in FIG5) if None not in fl.values() else "-",
        fl["idql-tolb"] >= max(fl["dtomalb"], fl["dqn-tolb"]) if None not in fl.values()
        else None,
        "" if None in fl.values() or fl["idql-tolb"] >= max(fl["dtomalb"], fl["dqn-tolb"])
        else "another learner fluctuates as much or more"))
    have6 = u["dtoma"] is not None and u["dtomalb"] is not None
    claims.append(Claim(
        "Load balancing helps: DTOMALB faster and higher than DTOMA (Fig. 6)",
        "faster, higher",
        f"{_f(u['dtomalb'])} vs {_f(u['dtoma'])} (w2 = 1 utility), settles at "
        f"{conv['dtomalb'] or '-'} vs {conv['dtoma'] or '-'}" if have6 else "-",
        (u["dtomalb"] > u["dtoma"] and (conv["dtomalb"] or 1e18) <= (conv["dtoma"] or 1e18))
        if have6 else None,
        "" if not have6 or u["dtomalb"] > u["dtoma"] else
        "var(LD) is a few 1e-3 s^2 beside delays of about 0.2 s: the term barely changes "
        "the reward at the defaults, so both learn nearly the same policy"))
    pts = [(n, c["dtomalb"]) for n, c in sweep.items() if "dtomalb" in c]
    falls = bool(np.all(np.diff([v for _, v in pts]) < 0)) if len(pts) > 1 else None
    claims.append(Claim(
        "Utility falls as users grow (Fig. 7)", "falls",
        " -> ".join(f"{n}: {v:.3f}" for n, v in pts) or "-", falls))
    above = [n for n, c in sweep.items() if "dtomalb" in c and all(
        c["dtomalb"] >= c[a] for a in ("dqn-tolb", "idql-tolb") if a in c)]
    claims.append(Claim(
        "DTOMALB above DQN-TOLB and IDQL-TOLB at every number of users (Fig. 7)", "above",
        f"above at {len(above)} of {len(pts)} points" if pts else "-",
        len(above) == len(pts) if pts else None))
    best_h = [n for n, c in sweep.items() if "dtomalb" in c and "greedy-delay" in c and
              c["dtomalb"] >= max(c.get("greedy-delay", -1e9), c.get("least-loaded", -1e9))]
    claims.append(Claim(
        "(ours) DTOMALB above the heuristics greedy-delay and least-loaded (Fig. 7)",
        "not compared", f"above at {len(best_h)} of {len(pts)} points" if pts else "-",
        len(best_h) == len(pts) if pts else None,
        "" if not pts or len(best_h) == len(pts) else
        "the greedy rules see every user's task and the loads when placing; DTOMALB's actors "
        "see only their own task"))
    if g8.get("dtomalb"):
        loads, counts = per_server(g8["dtomalb"])
        more = bool(np.all(np.diff(counts) >= -1e-9))
        level = float(np.std(loads) / max(np.mean(loads), 1e-9))
        claims.append(Claim(
            "Faster servers get more tasks, load factors nearly equal (Fig. 8)",
            "more tasks on faster servers; equal loads",
            f"tasks {' / '.join(f'{c:.2f}' for c in counts)}; LD "
            f"{' / '.join(f'{v:.3f}' for v in loads)} (spread {level:.0%} of the mean)",
            more and level < 0.2,
            "" if more and level < 0.2 else "; ".join(
                ([] if more else ["task counts do not rise with speed"])
                + ([] if level < 0.2 else ["load factors differ by 20 % or more (std/mean)"]))))
    else:
        claims.append(Claim("Faster servers get more tasks, load factors nearly equal (Fig. 8)",
                            "more tasks on faster servers; equal loads", "-", None))
    return claims


def targets(g5: dict) -> list[str]:
    if not all(g5.get(a) for a in FIG5):
        return ["not measured yet"]
    s = {a: summary(g5[a]) for a in g5}
    d = s["dtomalb"]
    rivals = max(s["idql-tolb"]["utility"], s["dqn-tolb"]["utility"])
    out = [f"DTOMALB above IDQL-TOLB and DQN-TOLB at equal budgets: {d['utility']:.3f} vs "
           f"{s['idql-tolb']['utility']:.3f} and {s['dqn-tolb']['utility']:.3f} -> "
           f"{'met' if d['utility'] > rivals else 'MISSED'}"]
    for h in ("greedy-delay", "least-loaded"):
        if h in s:
            out.append(f"DTOMALB against `{h}`: {d['utility']:.3f} vs {s[h]['utility']:.3f} "
                       f"({'DTOMALB' if d['utility'] > s[h]['utility'] else h} higher)")
    if REFERENCE in s:
        gap = s[REFERENCE]["utility"] - d["utility"]
        out.append(f"gap to `slot-optimum`: {gap:.3f} per slot "
                   f"({gap / abs(s[REFERENCE]['utility']):.0%} of its utility)")
    out.append(f"DTOMALB training wall-clock {d['train_min']:.1f} min per seed (target < 30 "
               f"min) -> {'met' if d['train_min'] < 30 else 'MISSED'}")
    return out


REPRODUCTION = Reproduction(
    name="single-cell",
    title="paper 002: DTOMALB, multi-agent load-balanced offloading (SingleCellMEC-v0)",
    parts=(
        Part("fig5", fig5_jobs, "Fig. 5: convergence of DTOMALB, DQN-TOLB, IDQL-TOLB"),
        Part("fig6", fig6_jobs, "Fig. 6: DTOMALB against DTOMA (w2 = 0)"),
        Part("fig7", fig7_jobs, "Fig. 7: utility against users"),
        Part("fig8", fig8_jobs, "Fig. 8: load factors and tasks per server, 12..20 GHz"),
    ),
    full=FULL,
    fast=FAST,
    render=render,
    description=__doc__,
)


def main(argv=None) -> int:
    return run_main(REPRODUCTION, argv)
