"""Reproduction of paper 001 (distributed DRL for task offloading, OffloadSAP-v0).

``edge-bench reproduce offload-sap [--fast] [--only PART ...] [--workers N] [--set F=V ...]
[--render-only]`` (the common options: :mod:`benchmarks.reproduce.base`) runs the parts below
as benchmark-runner jobs, then renders ``docs/reproduction/offload-sap.md`` and
``docs/reproduction/img/offload_sap_*.png`` from the stored rows alone.

Parts:

* ``fig2``: on the ``paper`` scenario, ``distributed-ddqn`` (real data) and its GAN variants
  ``-gan2``, ``-gan5``, ``-gan10`` trained with seeds ``0..seeds-1`` and equal budgets, beside
  ``sap-oracle``, ``sap-myopic`` and ``sap-local`` (no training, seed 0). Fig. 2's curve is the
  return of every *training* episode (the cumulative reward the paper plots), read from the
  runner's stored ``curve`` (the agent's ``TrainResult.curve``); evaluation episodes are never
  used for it. The control-link traffic (bytes per task, from ``train_extra``) comes from the
  same jobs.
* ``fig4``: on ``latency-{L}ms-device`` / ``latency-{L}ms-cloud``, ``distributed-ddqn`` and
  ``centralised-ddqn`` with seeds ``0..fig4_seeds-1`` and equal budgets. Drops are read from the
  runner's evaluation episodes: an episode decides ``steps`` of its ``N M`` tasks, the others
  were dropped at their deadline or left unserved by an empty battery (the training episodes'
  ``episode_dropped`` / ``episode_unserved`` in ``train_extra`` give the split); the cost per
  generated task is ``-return / (N M)`` (the env's ``episode_cost_per_task``).

Evaluation is the runner's on seeds 1000, 1001, ...; no setting was tuned on them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from benchmarks.reproduce.base import Claim, Context, Part, Reproduction, claims_table
from benchmarks.reproduce.base import main as run_main

ENV_ID = "OffloadSAP-v0"
PAPER_ID = "001"
REAL = "distributed-ddqn"
CENTRAL = "centralised-ddqn"
STATIC = ("sap-oracle", "sap-myopic", "sap-local")
LATENCIES_MS = (0, 10, 50, 100, 200)


@dataclass(frozen=True)
class Settings:
    """What the parts run (``--set FIELD=VALUE`` changes one field)."""

    budget: int  # env steps per Fig. 2 learner job
    fig4_budget: int  # env steps per Fig. 4 learner job (both architectures)
    seeds: int  # training seeds 0 .. seeds-1 in Fig. 2
    fig4_seeds: int  # training seeds per architecture and latency in Fig. 4
    episodes: int  # evaluation episodes per job: seeds 1000, 1001, ...
    gan_ks: tuple[int, ...]  # GAN variants of Fig. 2 (1 in k experiences uploaded)
    latencies_ms: tuple[int, ...]  # loop latencies of Fig. 4
    tasks_per_device: int = 0  # 0: the scenario's M (100); else an override for every job


FULL = Settings(budget=10_000, fig4_budget=4_000, seeds=5, fig4_seeds=5, episodes=5,
                gan_ks=(2, 5, 10), latencies_ms=LATENCIES_MS)
FAST = Settings(budget=1_200, fig4_budget=600, seeds=2, fig4_seeds=1, episodes=1,
                gan_ks=(2, 10), latencies_ms=(0, 200), tasks_per_device=20)


# --------------------------------------------------------------------------- jobs
def variants(s: Settings) -> tuple[str, ...]:
    return (REAL, *(f"{REAL}-gan{k}" for k in s.gan_ks))


def _jobs(name: str, entries: Sequence) -> list:
    from benchmarks.suites import Suite, expand

    jobs, _ = expand(Suite(f"offload-sap-{name}", tuple(entries)))
    return jobs


def _entry(scenario: str, agents: Sequence, seeds: Sequence[int], s: Settings):
    from benchmarks.suites import Entry, eval_seeds_for

    overrides = {"tasks_per_device": s.tasks_per_device} if s.tasks_per_device else {}
    return Entry(ENV_ID, scenario, tuple(agents), tuple(seeds), eval_seeds_for(s.episodes),
                 overrides)


def fig2_jobs(s: Settings) -> list:
    from benchmarks.suites import AgentChoice

    learners = [AgentChoice(a, {"seed": 0}, s.budget) for a in variants(s)]
    return _jobs("fig2", [_entry("paper", [AgentChoice(a) for a in STATIC], (0,), s),
                          _entry("paper", learners, range(s.seeds), s)])


def fig4_jobs(s: Settings) -> list:
    from benchmarks.suites import AgentChoice

    entries = []
    for ms in s.latencies_ms:
        for site, agent in (("device", REAL), ("cloud", CENTRAL)):
            entries.append(_entry(f"latency-{ms}ms-{site}",
                                  [AgentChoice(agent, {"seed": 0}, s.fig4_budget)],
                                  range(s.fig4_seeds), s))
    return _jobs("fig4", entries)


# --------------------------------------------------------------------------- rows -> numbers
def n_tasks(row: dict) -> int:
    """``N M`` of the row's scenario with its overrides."""
    from edge_envs.offload_sap import SCENARIOS

    p = SCENARIOS[row["scenario"]]
    over = row.get("env_overrides") or {}
    return int(over.get("n_devices", p.n_devices)) * int(
        over.get("tasks_per_device", p.tasks_per_device))


def not_decided_share(row: dict) -> float:
    """Share of the generated tasks the evaluation episodes did not decide (dropped at the
    deadline or unserved), mean over the row's episodes."""
    n = n_tasks(row)
    return float(np.mean([1.0 - s / n for s in row["steps"]]))


def cost_per_task(row: dict) -> float:
    """Cost per generated task (the env's ``episode_cost_per_task``), mean over episodes."""
    return float(np.mean([-r / n_tasks(row) for r in row["returns"]]))


def traffic(row: dict) -> dict[str, float]:
    """Control-link bytes per training task of a learner row, by kind."""
    e, steps = row.get("train_extra") or {}, max(1, int(row["train_env_steps"]))
    return {k: float(e.get(f"{k}_bytes", 0)) / steps
            for k in ("weight", "experience", "request", "control")}


def curve_stats(rows: Sequence[dict]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(episode, mean, std)`` of the training-episode returns over the rows (seeds),
    cut to the shortest run."""
    curves = [np.array([p[1] for p in r["curve"]]) for r in rows if r.get("curve")]
    if not curves:
        return np.array([]), np.array([]), np.array([])
    n = min(len(c) for c in curves)
    stack = np.stack([c[:n] for c in curves])
    return np.arange(1, n + 1), stack.mean(axis=0), stack.std(axis=0)


def final_return(rows: Sequence[dict], last: int = 3) -> float:
    """Mean return of the last ``last`` training episodes, mean over the rows."""
    return float(np.mean([np.mean([p[1] for p in r["curve"][-last:]]) for r in rows
                          if r.get("curve")]))


def by_agent(rows: Sequence[dict]) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for r in rows:
        out.setdefault(r["agent"], []).append(r)
    return out


def fig4_table(rows: Sequence[dict]) -> dict[int, dict[str, dict[str, float]]]:
    """``{latency ms: {agent: {"not_decided", "cost_per_task", "dropped_train"}}}``."""
    cells: dict[int, dict[str, list[dict]]] = {}
    for r in rows:
        ms = int(r["scenario"].split("-")[1][:-2])
        cells.setdefault(ms, {}).setdefault(r["agent"], []).append(r)
    out: dict[int, dict[str, dict[str, float]]] = {}
    for ms in sorted(cells):
        out[ms] = {}
        for agent, rs in cells[ms].items():
            unserved = [u for r in rs for u in (r.get("train_extra") or {}).get(
                "episode_unserved", [])]
            out[ms][agent] = {
                "not_decided": float(np.mean([not_decided_share(r) for r in rs])),
                "not_decided_sd": float(np.std([not_decided_share(r) for r in rs])),
                "cost_per_task": float(np.mean([cost_per_task(r) for r in rs])),
                "train_unserved": float(np.sum(unserved)),
                "runs": len(rs),
            }
    return out


# --------------------------------------------------------------------------- rendering
def _fmt(x: float | None, digits: int = 3) -> str:
    return "-" if x is None or not np.isfinite(x) else f"{x:.{digits}f}"


def _mean_metric(rows: Sequence[dict]) -> float | None:
    return float(np.mean([r["mean_metric"] for r in rows])) if rows else None


def _fig2_section(ctx: Context, agents: dict[str, list[dict]], s_order: Sequence[str]
                  ) -> list[str]:
    lines = ["## Fig. 2: cumulative reward during training", "", *ctx.provenance("fig2")]
    learners = [a for a in s_order if a in agents]
    if not agents:
        return lines
    lines += ["Return (cumulative reward, `-` the episode's total cost) of every training "
              "episode, mean and standard deviation over the training seeds; training "
              "episodes include the devices' epsilon-greedy exploration. Test cost: the "
              "runner's metric (cost per decided task) on the evaluation episodes.", "",
              "| agent | uploads | seeds | final training return (last 3 episodes) | "
              "test cost | test cost per seed | training time (s) | GAN fits (s) |",
              "|---|---|---|---|---|---|---|---|"]
    for a in learners:
        rs = agents[a]
        k = a.rsplit("gan", 1)[1] if "gan" in a else "1"
        gan_s = np.mean([(r.get("train_extra") or {}).get("gan_fit_s", 0.0) for r in rs])
        fits = np.mean([(r.get("train_extra") or {}).get("gan_fits", 0) for r in rs])
        lines.append(f"| {a} | 1 in {k} | {len(rs)} | {_fmt(final_return(rs), 1)} | "
                     f"{_fmt(_mean_metric(rs))} | "
                     f"{', '.join(_fmt(r['mean_metric']) for r in rs)} | "
                     f"{np.mean([r['train_wall_s'] for r in rs]):.0f} | "
                     f"{fits:.0f} fits, {gan_s:.1f} s |")
    for a in STATIC:
        if a in agents:
            lines.append(f"| {a} | - | - | - | {_fmt(_mean_metric(agents[a]))} | - | - | - |")

    def draw(fig) -> None:
        ax = fig.add_subplot(1, 1, 1)
        for a in learners:
            ep, mean, sd = curve_stats(agents[a])
            if len(ep):
                ax.plot(ep, mean, label=a.replace(REAL, "DDQN") or a)
                ax.fill_between(ep, mean - sd, mean + sd, alpha=0.2)
        ax.set_xlabel("training episode")
        ax.set_ylabel("episode return (cumulative reward)")
        ax.set_title("Fig. 2: real data vs GAN (1 in k uploaded); band: +-1 sd over seeds")
        ax.legend(fontsize=7)

    return lines + ["", ctx.figure("offload_sap_fig2", draw), ""]


def _traffic_section(agents: dict[str, list[dict]], order: Sequence[str]) -> list[str]:
    rows = [(a, agents[a]) for a in order if a in agents]
    if not rows:
        return []
    lines = ["## Control-link traffic", "",
             "Bytes per training task (one task = one decision), mean over the jobs' training "
             "runs: `control` is the sum of the env's `info[\"control_bytes\"]`, i.e. what the "
             "agent reported through `send_control` while the link was up; it is split into "
             "weight transfers, experience uploads and (centralised) decision requests.", "",
             "| agent | weights | experiences | requests | control (env count) |",
             "|---|---|---|---|---|"]
    for a, rs in rows:
        t = {k: np.mean([traffic(r)[k] for r in rs]) for k in traffic(rs[0])}
        lines.append(f"| {a} | {t['weight']:.0f} | {t['experience']:.0f} | "
                     f"{t['request']:.0f} | {t['control']:.0f} |")
    return lines + [""]


def _fig4_section(ctx: Context, table: dict) -> list[str]:
    lines = ["## Fig. 4: dropped tasks against the loop latency", "", *ctx.provenance("fig4")]
    if not table:
        return lines
    lines += ["Share of the generated tasks not decided in the evaluation episodes (dropped "
              "at their deadline; unserved tasks of emptied batteries would count too: "
              "their total over the training episodes is given), and the cost per generated "
              "task, mean over the training seeds.", "",
              "| loop latency (ms) | distributed: not decided | centralised: not decided | "
              "distributed: cost/task | centralised: cost/task | unserved in training "
              "(dist. / cent.) |", "|---|---|---|---|---|---|"]
    for ms, cell in table.items():
        d, c = cell.get(REAL, {}), cell.get(CENTRAL, {})
        lines.append(
            f"| {ms} | {_pct(d.get('not_decided'))} | {_pct(c.get('not_decided'))} | "
            f"{_fmt(d.get('cost_per_task'))} | {_fmt(c.get('cost_per_task'))} | "
            f"{_fmt(d.get('train_unserved'), 0)} / {_fmt(c.get('train_unserved'), 0)} |")

    def draw(fig) -> None:
        ax = fig.add_subplot(1, 1, 1)
        for agent, label in ((CENTRAL, "centralised (cloud decides)"),
                             (REAL, "distributed (devices decide)")):
            pts = [(ms, cell[agent]["not_decided"] * 100, cell[agent]["not_decided_sd"] * 100)
                   for ms, cell in table.items() if agent in cell]
            if pts:
                x, y, e = zip(*pts, strict=True)
                ax.errorbar(x, y, yerr=e, marker="o", capsize=3, label=label)
        ax.set_xlabel("DRL loop latency (ms)")
        ax.set_ylabel("tasks not decided (% of generated)")
        ax.set_title("Fig. 4: dropped tasks vs loop latency")
        ax.legend(fontsize=8)

    return lines + ["", ctx.figure("offload_sap_fig4", draw), ""]


def _span(values: Sequence[float]) -> str:
    lo, hi = f"{min(values):.3f}", f"{max(values):.3f}"
    return lo if lo == hi else f"{lo}-{hi}"


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{100 * x:.2f} %"


def paper_claims(agents: dict[str, list[dict]], fig4: dict, order: Sequence[str]
                 ) -> list[Claim]:
    claims: list[Claim] = []
    real = agents.get(REAL, [])
    oracle = _mean_metric(agents.get("sap-oracle", []))
    if real:
        ep, mean, _ = curve_stats(real)
        first, last = (mean[0], final_return(real)) if len(mean) else (np.nan, np.nan)
        cost = _mean_metric(real)
        claims.append(Claim(
            "DDQN converges on real data (Fig. 2)", "the reward sum rises to a plateau",
            f"training return {first:.1f} (episode 1) -> {last:.1f} (last 3); test cost "
            f"{cost:.3f} vs oracle {_fmt(oracle)}", bool(last > first)))
    for a in order:
        if a == REAL or a not in agents or not real:
            continue
        k = int(a.rsplit("gan", 1)[1])
        train, test = quality(real, agents[a])
        ours = (f"real/GAN cost ratio {train:.0%} on the last training episodes, {test:.0%} "
                "on the test episodes (100 %: as good as real data)")
        if k <= 5:
            claims.append(Claim(f"GAN 1/{k} converges like real data (Fig. 2)", "converges",
                                ours, train >= 0.9 and test >= 0.9, "" if train >= 0.9 and
                                test >= 0.9 else "below 90 % of real data's"))
        else:
            claims.append(Claim(
                "no convergence beyond GAN 1/10", "1/10 is the limit", f"1/{k}: {ours}", None,
                "only 1/10 itself was run, not beyond"))
    if fig4:
        lat = sorted(fig4)
        cent = [fig4[ms].get(CENTRAL, {}).get("not_decided") for ms in lat]
        dist = [fig4[ms].get(REAL, {}).get("not_decided") for ms in lat]
        if all(c is not None for c in cent) and len(cent) > 1:
            claims.append(Claim(
                "centralised drops grow with the loop latency (Fig. 4)", "explode with latency",
                ", ".join(f"{ms} ms: {_pct(c)}" for ms, c in zip(lat, cent, strict=True)),
                bool(cent[-1] > cent[0] and cent[-1] > 0.05)))
        if all(d is not None for d in dist):
            costs = [fig4[ms][REAL]["cost_per_task"] for ms in lat]
            claims.append(Claim(
                "distributed DDQN drops no task at any latency (Fig. 4)", "executed without loss",
                f"at most {_pct(max(dist))} (a device's decision never waits for the link); "
                f"cost per task {_span(costs)}", bool(max(dist) <= 0.01)))
    return claims


def quality(real: Sequence[dict], gan: Sequence[dict]) -> tuple[float, float]:
    """How close a GAN variant comes to real data: ``real / GAN`` of the final training
    return and of the test cost (both costs, so 1 means as good, below 1 worse)."""
    return (final_return(real) / final_return(gan),
            _mean_metric(real) / _mean_metric(gan))


def target_lines(agents: dict[str, list[dict]]) -> list[str]:
    real = agents.get(REAL, [])
    oracle, myopic = (_mean_metric(agents.get(a, [])) for a in ("sap-oracle", "sap-myopic"))
    lines = []
    if real and oracle and myopic:
        cost = _mean_metric(real)
        met = cost <= 1.1 * oracle and cost < myopic
        lines.append(f"Distributed DDQN cost within 10 % of `sap-oracle` and below `sap-myopic`: "
                     f"{cost:.3f} vs oracle {oracle:.3f} ({cost / oracle - 1:+.1%}) and myopic "
                     f"{myopic:.3f} -> {'met' if met else 'not met'}")
    gan2 = agents.get(f"{REAL}-gan2", [])
    if real and gan2:
        ratio = quality(real, gan2)[0]
        exp = np.mean([traffic(r)["experience"] for r in gan2]) / max(
            1e-9, np.mean([traffic(r)["experience"] for r in real]))
        lines.append(f"GAN 1/2 reaches >= 90 % of the real-data final reward with half the "
                     f"experience bytes: {ratio:.0%} of the reward, {exp:.0%} of the bytes -> "
                     f"{'met' if ratio >= 0.9 and exp <= 0.55 else 'not met'}")
    walls = [r["train_wall_s"] for rs in agents.values() for r in rs if r.get("learns")]
    if walls:
        lines.append(f"Training under 30 minutes on 2 CPU cores: longest job {max(walls) / 60:.1f}"
                     f" min (1 torch thread) -> {'met' if max(walls) < 1800 else 'not met'}")
    return lines


def render(ctx: Context) -> str:
    order = [REAL] + sorted({r["agent"] for r in ctx.rows.get("fig2", [])
                             if r["agent"].startswith(f"{REAL}-gan")},
                            key=lambda a: int(a.rsplit("gan", 1)[1]))
    agents = by_agent(ctx.rows.get("fig2", []))
    fig4 = fig4_table(ctx.rows.get("fig4", []))
    lines = [
        f"# Reproduction: paper {PAPER_ID} (OffloadSAP-v0)", "",
        f"Generated by `{ctx.command or 'edge-bench reproduce offload-sap'}` from the results "
        "store (every number is a stored runner job; `--render-only` rewrites this file). "
        "Learners of one part have equal budgets; evaluation is the runner's on seeds 1000, "
        "1001, ..., never used for tuning; 1 torch thread per job. Protocol: the docstring of "
        "`benchmarks/reproduce/offload_sap.py`; agents: `docs/agents/distributed-ddqn.md`; "
        "env: `docs/envs/offload-sap.md`.", "",
    ]
    if ctx.shown("fig2"):
        lines += _fig2_section(ctx, agents, order)
    fig4_agents = by_agent(ctx.rows.get("fig4", []))
    lines += _traffic_section({**agents, **({CENTRAL: fig4_agents[CENTRAL]}
                                            if CENTRAL in fig4_agents else {})},
                              [*order, CENTRAL])
    if ctx.shown("fig4"):
        lines += _fig4_section(ctx, fig4)
    lines += ["## Claims of the paper", "", *claims_table(paper_claims(agents, fig4, order))]
    targets = target_lines(agents)
    if targets:
        lines += ["## Targets (paper scenario)", "", *[f"- {t}" for t in targets], ""]
    lines += ctx.notes_section()
    return "\n".join(lines)


REPRODUCTION = Reproduction(
    name="offload-sap",
    title="paper 001: distributed DRL for task offloading (OffloadSAP-v0)",
    parts=(
        Part("fig2", fig2_jobs, "Fig. 2: training with real data and GAN; traffic"),
        Part("fig4", fig4_jobs, "Fig. 4: dropped tasks vs loop latency"),
    ),
    full=FULL,
    fast=FAST,
    render=render,
    description=__doc__,
)


def main(argv: list[str] | None = None) -> int:
    return run_main(REPRODUCTION, argv)


