"""Why the paper's D3QN network stays below the paper on the warehouse trace, and what the LSTM
adds (issue 19, item 5). Results: ``docs/reproduction/studies/d3qn-paper-network.json``;
findings: ``docs/agents/d3qn.md``.

``python -m benchmarks.studies.d3qn_paper_network [--variants A,B] [--seeds 0,1,2]
[--budget N] [--episodes E] [--out PATH]`` trains each variant with each training seed and
stores one row per (variant, seed, budget). It resumes: rows already in ``--out`` are skipped,
and the file is rewritten after every run, so one killed run costs one job.

Protocol (as the cluster reproduction, ``benchmarks/reproduce/cluster.py``): ``warehouse-80x4``
on the one-core-per-step view (the catalog's), round ``r = seed % 3`` (``layout_seed=r``: one
deployment, each reset seed draws only the vehicle path), training seed ``seed``, a budget of
env steps that counts the agents' own validation episodes. Every score here is the mean
per-step reward on VALIDATION episodes: env seeds ``500, 501, ...`` on the training part of the
trace (the runner's training env). No evaluation (test) seed ``1000+`` and no test part of the
trace is played, so choosing defaults from these numbers leaves the report's test episodes
untouched.

Per run it records, besides the score:

* ``noop_share``: share of the decisions whose one-core move leaves the clustering as it is
  (a Stay, or a move that changes no head and no label); ``greedy_agreement``: share of the
  decisions that take a best one-core move scored with the vehicle where it is now (what
  ``greedy-lookahead`` takes; ties count), and ``step_regret``: the mean reward that best move
  would have given minus the chosen move's (both use the env's model; the agent does not);
* for the learners, from the network's Q-values of the current state: ``noop_q_spread`` (max
  minus min Q over the moves that leave the clustering as it is: one next state, so ideally
  0), ``q_top_gap`` (best minus second-best Q) and ``q_lookahead_rank_corr`` (Spearman
  correlation, per decision, between the 7n Q-values and the moves' one-step rewards);
* for L-D3QN and LL-D3QN: ``score_without_eq6`` (the same trained network acting on
  ``argmax_a Q(s, a)`` of the current state), ``eq6_changed`` (share of the decisions where
  eq. 6's ``argmax_a sum_k P_k Q(s^k, a)`` differs from ``argmax_a Q(s, a)``) and the LSTM's
  next-move accuracy on the validation paths against "repeat the last move".

Static references (SC-MWVC, greedy-lookahead, oracle) are played once per round on the same
validation episodes.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

import numpy as np

SCENARIO = "warehouse-80x4"
ROUNDS = 3
VALIDATION_BASE = 500
OUT = Path(__file__).resolve().parents[2] / "docs/reproduction/studies/d3qn-paper-network.json"
STATIC = ("sc-mwvc", "greedy-lookahead", "oracle")
LSTM_BASELINE = "explore-0.2"  # D3QN with the settings the L/LL-D3QN runs use

# name -> (catalog agent, D3QNConfig overrides, env overrides). ``explore-0.5`` is the catalog
# ``d3qn`` as it stood when the study began, ``explore-0.2`` its default since; the others
# change one thing the paper leaves open (or, marked "ours", go beyond the paper's input).
VARIANTS: dict[str, tuple[str, dict[str, Any], dict[str, Any]]] = {
    "explore-0.5": ("d3qn", {"exploration_fraction": 0.5}, {}),
    "explore-0.1": ("d3qn", {"exploration_fraction": 0.1}, {}),
    "explore-0.2": ("d3qn", {"exploration_fraction": 0.2}, {}),
    "target-100": ("d3qn", {"target_update": 100}, {}),
    "target-2000": ("d3qn", {"target_update": 2000}, {}),
    "validate-3000": ("d3qn", {"validate_every": 3000}, {}),
    "no-validation": ("d3qn", {"validate_every": 0}, {}),
    "train-every-step": ("d3qn", {"train_freq": 1}, {}),
    "balance (ours)": ("d3qn", {}, {"observe_balance": True}),
    "l-d3qn": ("l-d3qn", {"exploration_fraction": 0.2}, {}),
    "ll-d3qn": ("ll-d3qn", {"exploration_fraction": 0.2}, {}),
}


def make_env_factory(layout: int, env_overrides: dict[str, Any]):
    from edge_envs.edge_cluster.gym_env import EdgeClusterEnv

    def make_env():
        return EdgeClusterEnv(SCENARIO, action_mode="single", layout_seed=layout,
                              **env_overrides)

    return make_env


class DecisionProbe:
    """Wraps an agent for :func:`agents.evaluation.evaluate` and records, per decision, what
    the module docstring lists (the wrapped agent acts exactly as it would alone)."""

    def __init__(self, agent: Any) -> None:
        self.agent = agent
        self.env = None
        self.rows: list[tuple[bool, bool, float, bool]] = []
        self.paths: list[np.ndarray] = []

    def begin_episode(self, env: Any) -> None:
        self.env = env
        self.agent.begin_episode(env)
        self.paths.append(np.asarray(env.unwrapped.model.vehicle_path)[:, 0])

    def act(self, observation: Any) -> Any:
        import torch
        from scipy.stats import spearmanr

        from edge_envs.edge_cluster.model import one_core_actions

        agent, model = self.agent, self.env.unwrapped.model
        action = int(agent.act(observation))
        lookahead = model.one_core_lookahead()
        _, labels = model.cluster_candidates(one_core_actions(np.arange(len(lookahead)),
                                                              model.params.n_servers))
        same = np.all(labels == model.labels[None, :], axis=1)
        regret = float(lookahead.max() - lookahead[action])
        row = [float(same[action]), float(regret < 1e-9), regret]
        net = getattr(agent, "net", None)
        if net is not None:
            obs = agent.check_observation(observation).astype(np.float32)
            x = torch.as_tensor(net.inputs(obs, agent.controller))[None]
            with torch.no_grad():
                q = net.head_q(x)[0].reshape(-1).numpy()
            top = np.sort(q)[::-1]
            rank = spearmanr(q, lookahead)[0] if np.ptp(lookahead) > 0 else np.nan
            row += [float(int(q.argmax()) != action), float(np.ptp(q[same])),
                    float(top[0] - top[1]), float(rank)]
        self.rows.append(row)
        return action


def play(agent: Any, make_env, episodes: int) -> dict[str, Any]:
    """Mean per-step reward on the validation seeds and the decision diagnostics."""
    from agents.evaluation import evaluate

    probe = DecisionProbe(agent)
    seeds = range(VALIDATION_BASE, VALIDATION_BASE + episodes)
    out = evaluate(probe, make_env(), seeds, paper_metric="reward")
    rows = np.array(probe.rows, dtype=np.float64)
    result = {"score": float(np.mean(out["metrics"])),
              "episode_scores": [round(m, 4) for m in out["metrics"]],
              "noop_share": float(rows[:, 0].mean()),
              "greedy_agreement": float(rows[:, 1].mean()),
              "step_regret": float(rows[:, 2].mean())}
    if rows.shape[1] > 3:
        result.update({"noop_q_spread": float(rows[:, 4].mean()),
                       "q_top_gap": float(rows[:, 5].mean()),
                       "q_lookahead_rank_corr": float(np.nanmean(rows[:, 6]))})
    predictor = getattr(agent, "predictor", None)
    if predictor is not None:
        result["eq6_changed"] = float(rows[:, 3].mean())
        acc = [predictor.accuracy(p) for p in probe.paths]
        n = np.array([a["n_moves"] for a in acc], dtype=np.float64)
        result["lstm_accuracy"] = float(np.dot([a["lstm"] for a in acc], n) / n.sum())
        result["repeat_last_accuracy"] = float(
            np.dot([a["repeat_last"] for a in acc], n) / n.sum())
    return result


def run_learner(variant: str, seed: int, budget: int, episodes: int) -> dict[str, Any]:
    from agents.registry import make_agent
    from agents.threads import one_torch_thread

    name, config, env_overrides = VARIANTS[variant]
    layout = seed % ROUNDS
    make_env = make_env_factory(layout, env_overrides)
    with one_torch_thread():
        agent = make_agent(name, make_env(), seed=seed, **config)
        t0 = time.perf_counter()
        result = agent.train(make_env, budget, seed=seed)
        train_s = time.perf_counter() - t0
        row = {"variant": variant, "agent": name, "config": config,
               "env_overrides": env_overrides, "seed": seed, "layout": layout,
               "budget": budget, "episodes": episodes,
               "exploration_fraction": agent.cfg.exploration_fraction,
               "training_steps": result.extra["training_steps"],
               "selected_step": result.extra.get("selected_step"),
               "train_s": round(train_s, 1)}
        row.update(play(agent, make_env, episodes))
        if getattr(agent, "predictor", None) is not None:
            predictor, agent.predictor = agent.predictor, None
            row["score_without_eq6"] = play(agent, make_env, episodes)["score"]
            agent.predictor = predictor
    return row


def run_static(name: str, layout: int, episodes: int) -> dict[str, Any]:
    from agents.registry import make_agent

    make_env = make_env_factory(layout, {})
    row = {"variant": name, "agent": name, "layout": layout, "episodes": episodes}
    row.update(play(make_agent(name, make_env()), make_env, episodes))
    return row


def summarise(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Mean and sample standard deviation over seeds per (variant, budget)."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        key = r["variant"] if "budget" not in r else f"{r['variant']} @ {r['budget']}"
        groups.setdefault(key, []).append(r)
    out = {}
    for key, rs in sorted(groups.items()):
        fields = [f for f in ("score", "score_without_eq6", "eq6_changed", "noop_share",
                              "greedy_agreement", "step_regret", "noop_q_spread", "q_top_gap",
                              "q_lookahead_rank_corr", "lstm_accuracy",
                              "repeat_last_accuracy", "train_s") if any(f in r for r in rs)]
        entry: dict[str, Any] = {"n": len(rs), "seeds": sorted(r.get("seed", r["layout"])
                                                              for r in rs)}
        for f in fields:
            v = np.array([r[f] for r in rs if f in r], dtype=np.float64)
            entry[f] = {"mean": round(float(v.mean()), 4), "n": len(v),
                        "std": round(float(v.std(ddof=1)), 4) if len(v) > 1 else None}
        out[key] = entry
    return out


def _pm(entry: dict[str, Any], field: str, digits: int = 3) -> str:
    v = entry.get(field)
    if v is None:
        return "-"
    std = "" if v["std"] is None else f" ± {v['std']:.{digits}f}"
    return f"{v['mean']:.{digits}f}{std}"


def render(data: dict[str, Any]) -> str:
    """The markdown tables of ``docs/agents/d3qn.md`` ("The paper's network: what limits it")."""
    summary, rows = data["summary"], data["rows"]
    lines = ["| variant | agent | change | budget | seeds | score (mean ± sd) | per seed | "
             "training steps | no-op moves | best one-core move | regret per step |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for key, entry in summary.items():
        if " @ " not in key:
            continue
        variant, budget = key.split(" @ ")
        runs = sorted((r for r in rows if r["variant"] == variant
                       and r.get("budget") == int(budget)), key=lambda r: r["seed"])
        name, config, env = VARIANTS.get(variant, (runs[0]["agent"], {}, {}))
        change = ", ".join(f"`{k}={v}`" for k, v in {**config, **env}.items()) or "-"
        steps = sorted({r["training_steps"] for r in runs})
        lines.append(
            f"| {variant} | `{name}` | {change} | {budget} | {entry['n']} | "
            f"{_pm(entry, 'score')} | "
            + " / ".join(f"{r['score']:.3f}" for r in runs)
            + f" | {'/'.join(str(s) for s in steps)} | {_pm(entry, 'noop_share', 2)} | "
            f"{_pm(entry, 'greedy_agreement', 2)} | {_pm(entry, 'step_regret')} |")
    lines += ["", "| reference (single view) | layout 0 | layout 1 | layout 2 | mean | no-op "
              "moves |", "|---|---|---|---|---|---|"]
    for name in STATIC:
        runs = sorted((r for r in rows if r["variant"] == name), key=lambda r: r["layout"])
        if runs:
            lines.append(f"| {name} | " + " | ".join(f"{r['score']:.3f}" for r in runs)
                         + f" | {_pm(summary[name], 'score')} | "
                         f"{_pm(summary[name], 'noop_share', 2)} |")
    probed = [(k, e) for k, e in summary.items() if "q_top_gap" in e]
    if probed:
        lines += ["", "| variant (seeds with Q probe) | n | Q spread over the no-op moves | "
                  "best minus second Q | rank correlation of Q with one-step rewards |",
                  "|---|---|---|---|---|"]
        for key, e in probed:
            lines.append(f"| {key} | {e['q_top_gap']['n']} | {_pm(e, 'noop_q_spread')} | "
                         f"{_pm(e, 'q_top_gap')} | {_pm(e, 'q_lookahead_rank_corr', 2)} |")
    lstm = [(k, e) for k, e in summary.items() if "eq6_changed" in e]
    if lstm:
        lines += ["", "| agent | seeds | score with eq. 6 | same network, argmax Q(s) | "
                  "decisions eq. 6 changes | LSTM next-move accuracy | repeat last move |",
                  "|---|---|---|---|---|---|---|"]
        for key, e in lstm:
            lines.append(f"| {key} | {e['n']} | {_pm(e, 'score')} | "
                         f"{_pm(e, 'score_without_eq6')} | {_pm(e, 'eq6_changed')} | "
                         f"{_pm(e, 'lstm_accuracy')} | {_pm(e, 'repeat_last_accuracy')} |")
        lines += ["", f"| agent | minus `{LSTM_BASELINE}` (same seed, layout and budget), per "
                  "seed | mean |", "|---|---|---|"]
        base = {(r["seed"], r["budget"]): r["score"] for r in rows
                if r["variant"] == LSTM_BASELINE}
        for key, _ in lstm:
            variant, budget = key.split(" @ ")
            diffs = [(r["seed"], r["score"] - base[r["seed"], r["budget"]]) for r in sorted(
                rows, key=lambda r: r.get("seed", -1))
                if r["variant"] == variant and r["budget"] == int(budget)
                and (r["seed"], r["budget"]) in base]
            if diffs:
                lines.append(f"| {key} | " + " / ".join(f"{d:+.3f} (seed {k})" for k, d in diffs)
                             + f" | {np.mean([d for _, d in diffs]):+.3f} |")
    return "\n".join(lines)


def load(path: Path) -> dict[str, Any]:
    if path.exists():
        return json.loads(path.read_text())
    return {"rows": []}


def save(path: Path, data: dict[str, Any]) -> None:
    data["protocol"] = {
        "scenario": SCENARIO, "view": "action_mode=single", "rounds": ROUNDS,
        "layout": "seed % 3", "scores": f"mean per-step reward on env seeds {VALIDATION_BASE}.. "
        "(training part of the trace); no test seed or test trace played",
        "torch_threads": 1,
    }
    data["summary"] = summarise(data["rows"])
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--variants", default="explore-0.2")
    ap.add_argument("--seeds", default="0,1,2")
    ap.add_argument("--budget", type=int, default=30_000)
    ap.add_argument("--episodes", type=int, default=6)
    ap.add_argument("--static", action="store_true", help="also play the static references")
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--render", action="store_true", help="print the doc tables and stop")
    args = ap.parse_args(argv)
    data = load(args.out)
    if args.render:
        print(render(data))
        return
    done = {(r["variant"], r.get("seed"), r.get("budget"), r.get("layout")) for r in data["rows"]}
    if args.static:
        for layout in range(ROUNDS):
            for name in STATIC:
                if (name, None, None, layout) not in done:
                    data["rows"].append(run_static(name, layout, args.episodes))
                    save(args.out, data)
                    print(name, layout, round(data["rows"][-1]["score"], 4), flush=True)
    for variant in args.variants.split(","):
        if variant not in VARIANTS:
            raise SystemExit(f"unknown variant {variant!r}; known: {', '.join(VARIANTS)}")
        for seed in (int(s) for s in args.seeds.split(",")):
            if (variant, seed, args.budget, seed % ROUNDS) in done:
                continue
            row = run_learner(variant, seed, args.budget, args.episodes)
            data["rows"].append(row)
            save(args.out, data)
            print(variant, seed, args.budget, round(row["score"], 4), f"{row['train_s']} s",
                  flush=True)


if __name__ == "__main__":
    main()
