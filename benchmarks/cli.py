"""``edge-bench`` (also ``python -m benchmarks``): list, run, status, leaderboard, reproduce,
tune.

Errors in the arguments exit with code 2 and one line naming the valid choices, never a
traceback: the registries raise ``ValueError`` with such a line, and :func:`main` prints it.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

PROG = "edge-bench"


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors (exit code 2), like the rest of the CLI."""

    def error(self, message: str):  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def _parse_assignment(text: str) -> tuple[str, Any]:
    if "=" not in text:
        raise ValueError(f"expected FIELD=VALUE, got {text!r}")
    name, raw = text.split("=", 1)
    try:
        value = json.loads(raw)
    except json.JSONDecodeError:
        value = raw
    return name.strip(), value


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not value >= 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"expected a number of seconds >= 0, got {text!r}")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog=PROG, description="Benchmark runner and leaderboard of edge-envs.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("list", help="environments, scenarios, agents and presets")
    p.add_argument("--import", dest="imports", action="append", default=[], metavar="MODULE",
                   help="import MODULE first (e.g. one registering extra environments)")

    p = sub.add_parser("run", help="train, evaluate and store a preset or an explicit suite")
    p.add_argument("--preset", help="named preset (see `edge-bench list`)")
    p.add_argument("--env", help="environment id (with --preset: keep only this env)")
    p.add_argument("--scenario", help="named scenario (default: the system's default)")
    p.add_argument("--agent", dest="agents", action="append", default=[], metavar="NAME",
                   help="agent name or package.module:factory (repeatable)")
    p.add_argument("--config", default=None, metavar="JSON",
                   help="agent config (factory keyword arguments) as a JSON object")
    p.add_argument("--hyperparams", default=None, metavar="FILE",
                   help="SB3 agents: a hyper-parameter YAML file (format of "
                   "agents/hyperparams/<algo>.yml) used instead of the shipped one; --config "
                   "still deep-merges over its entry")
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="FIELD=VALUE",
                   help="override a scenario field (repeatable; VALUE parsed as JSON if it can)")
    p.add_argument("--seeds", help="training seeds, e.g. 0,1,2 or 0-4 (default 0,1,2)")
    p.add_argument("--eval-seeds", help="evaluation seeds, disjoint from training (default "
                   "1000, 1001, ...)")
    p.add_argument("--eval-episodes", type=int, help="number of evaluation episodes (default 10)")
    p.add_argument("--budget", type=int, metavar="STEPS", help="training budget in env steps")
    p.add_argument("--workers", type=int, default=None,
                   help="parallel jobs (default: number of CPUs; 1 = serial)")
    p.add_argument("--backend", choices=("process", "ray", "serial"), default=None,
                   help="process pool (default), Ray (needs edge-envs[ray]) or serial")
    p.add_argument("--address", default=None, help="Ray cluster address (default: local Ray)")
    p.add_argument("--results", default="results", metavar="DIR", help="results folder")
    p.add_argument("--import", dest="imports", action="append", default=[], metavar="MODULE",
                   help="import MODULE first, here and in every worker")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--traceback", action="store_true", help="print tracebacks of failed jobs")
    p.add_argument("--job-timeout", type=_seconds, default=None, metavar="SECONDS",
                   help="wall-clock limit of one job; a job over it is stopped and recorded "
                        "as failed (default: 21600, i.e. 6 h; 0 = no limit)")

    p = sub.add_parser("status", help="stored, failed and running jobs of a results folder")
    p.add_argument("--results", default="results", metavar="DIR", help="results folder")

    p = sub.add_parser("leaderboard", help="tables and plots from the results store")
    p.add_argument("--results", default="results", metavar="DIR", help="results folder")
    p.add_argument("--env", help="only this environment")
    p.add_argument("--scenario", help="only this scenario")
    p.add_argument("--agent", dest="agents", action="append", default=None, metavar="NAME",
                   help="only these agents (repeatable)")
    p.add_argument("--markdown", metavar="FILE", help="write the table as Markdown")
    p.add_argument("--csv", metavar="FILE", help="write the table as CSV")
    p.add_argument("--plots", metavar="DIR", help="write PNG bar charts and learning curves")
    p.add_argument("--all-versions", action="store_true",
                   help="every stored code version, with a code column (default: the newest "
                        "version of each agent on each scenario)")

    p = sub.add_parser("tune", help="tune an SB3 agent's hyper-parameters on validation seeds")
    p.add_argument("--env", required=True, help="environment id")
    p.add_argument("--scenario", help="named scenario (default: the system's default); the "
                   "entry is written under `scenarios` when given")
    p.add_argument("--agent", required=True, metavar="NAME", help="SB3 agent, e.g. sb3-ppo")
    p.add_argument("--trials", type=int, required=True, help="number of Optuna trials")
    p.add_argument("--budget", type=int, metavar="STEPS",
                   help="training budget of each trial in env steps (default 20000)")
    p.add_argument("--seed", type=int, default=0,
                   help="seed of the sampler and training seed of every trial (default 0)")
    p.add_argument("--episodes", type=int, default=5,
                   help="validation episodes (seeds 500, 501, ...; default 5)")
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="FIELD=VALUE",
                   help="override a scenario field (repeatable)")
    p.add_argument("--out", metavar="FILE",
                   help="hyper-parameter file to merge into (default hyperparams-<algo>.yml)")

    p = sub.add_parser("reproduce", help="run a paper's experiments and write its report")
    p.add_argument("paper", help="paper to reproduce (cluster, offload-sap, single-cell, dirs)")
    p.add_argument("args", nargs=argparse.REMAINDER, help="arguments for the paper's script")
    return parser


# --------------------------------------------------------------------------- commands
def _imports(modules: Sequence[str]) -> None:
    for module in modules:
        try:
            importlib.import_module(module)
        except ImportError as exc:
            raise ValueError(f"cannot import module {module!r} (--import): {exc}") from None


def cmd_list(args: argparse.Namespace) -> int:
    import edge_envs
    from agents.registry import agents_for
    from benchmarks.suites import presets

    _imports(args.imports)
    out = ["Environments"]
    if not edge_envs.SYSTEMS:
        out.append("  (none registered)")
    for env_id, system in edge_envs.SYSTEMS.items():
        better = "lower" if system.metric_goal == "min" else "higher"
        out.append(f"  {env_id}: paper metric {system.paper_metric!r} ({better} is better), "
                   f"reference agent: {system.reference_agent or 'best baseline'}")
        tags = []
        for name in system.scenarios:
            marks = [m for m, on in (("default", name == system.default_scenario),
                                     ("quick", name == system.quick_scenario)) if on]
            tags.append(name + (f" ({', '.join(marks)})" if marks else ""))
        out.append(f"    scenarios: {', '.join(tags)}")
        by_kind: dict[str, list[str]] = {}
        for name, spec in agents_for(env_id).items():
            by_kind.setdefault(spec.kind, []).append(name)
        for kind, names in by_kind.items():
            out.append(f"    agents ({kind}): {', '.join(names)}")
    out.append("Presets")
    for preset in presets().values():
        out.append(f"  {preset.name}: {preset.description}")
    out.append("Any agent can also be given as --agent package.module:factory.")
    print("\n".join(out))
    return 0


def _suite_from_args(args: argparse.Namespace):
    from benchmarks import suites
    from benchmarks.jobs import parse_seeds

    train = parse_seeds(args.seeds, "training seeds") if args.seeds else None
    evals = parse_seeds(args.eval_seeds, "evaluation seeds") if args.eval_seeds else None
    if args.eval_episodes is not None:
        if evals is not None and len(evals) != args.eval_episodes:
            raise ValueError(
                f"--eval-episodes {args.eval_episodes} disagrees with the {len(evals)} "
                f"--eval-seeds given; give one of them"
            )
        if evals is None:
            evals = suites.eval_seeds_for(args.eval_episodes)
    if args.budget is not None and args.budget < 0:
        raise ValueError(f"--budget must be non-negative, got {args.budget}")
    config = None
    if args.config:
        try:
            config = json.loads(args.config)
        except json.JSONDecodeError as exc:
            raise ValueError(f"--config is not valid JSON: {exc}") from None
        if not isinstance(config, dict):
            raise ValueError("--config must be a JSON object, e.g. '{\"lr\": 0.001}'")
    if args.hyperparams:
        from agents.hyperparams import read

        # The file's contents, not its path, go into the config: editing it changes job keys.
        config = {**(config or {}), "hyperparams_file": read(args.hyperparams)}
    overrides = dict(_parse_assignment(a) for a in args.overrides)

    if args.preset:
        extra = [f for f, v in (("--scenario", args.scenario), ("--agent", args.agents),
                                ("--config", args.config), ("--set", args.overrides),
                                ("--hyperparams", args.hyperparams)) if v]
        if extra:
            raise ValueError(f"--preset cannot be combined with {', '.join(extra)}")
        suite = suites.get_preset(args.preset)
        if args.env:
            import edge_envs

            if args.env not in edge_envs.SYSTEMS:
                raise ValueError(
                    f"unknown environment {args.env!r}; valid: {', '.join(edge_envs.SYSTEMS)}"
                )
            kept = tuple(e for e in suite.entries if e.env_id == args.env)
            if not kept:
                raise ValueError(f"preset {args.preset!r} has no entry for {args.env}")
            suite = type(suite)(suite.name, kept, suite.description, suite.warnings)
        return suites.with_overrides(suite, train, evals, args.budget)
    if not args.env:
        import edge_envs

        raise ValueError(
            f"give --preset NAME or --env ID; presets: {', '.join(suites.presets())}; "
            f"environments: {', '.join(edge_envs.SYSTEMS) or 'none'}"
        )
    import edge_envs

    if args.env not in edge_envs.SYSTEMS:
        raise ValueError(
            f"unknown environment {args.env!r}; valid: {', '.join(edge_envs.SYSTEMS) or 'none'}"
        )
    if not args.agents:
        from agents.registry import agents_for

        raise ValueError(
            f"give at least one --agent; valid for {args.env}: "
            f"{', '.join(agents_for(args.env))} (or module:factory)"
        )
    return suites.explicit_suite(
        args.env, args.scenario, args.agents, train, evals, args.budget, overrides, config
    )


def cmd_run(args: argparse.Namespace) -> int:
    from benchmarks import suites
    from benchmarks.backends import make_backend
    from benchmarks.leaderboard import to_text
    from benchmarks.runner import DEFAULT_JOB_TIMEOUT_S, run_jobs
    from benchmarks.stats import summarise
    from benchmarks.store import Store

    _imports(args.imports)
    suite = _suite_from_args(args)
    jobs, warnings = suites.expand(suite)
    for line in warnings:
        print(line, file=sys.stderr)
    if not jobs:
        raise ValueError("nothing to run: the suite expands to no jobs")
    make_backend(args.backend, args.workers, args.address)  # argument errors before any work
    report = run_jobs(
        jobs,
        results_dir=args.results,
        backend=args.backend,
        workers=args.workers,
        address=args.address,
        preload=args.imports,
        progress=not args.no_progress,
        tracebacks=args.traceback,
        job_timeout_s=_job_timeout(args.job_timeout, DEFAULT_JOB_TIMEOUT_S),
    )
    with Store(args.results) as store:
        rows = store.rows(keys=report.keys)
    print(to_text(summarise(rows)), end="")
    elsewhere = f"{len(report.elsewhere)} run by another run, " if report.elsewhere else ""
    print(
        f"{len(report.ran)} job(s) run, {len(report.skipped)} already stored, {elsewhere}"
        f"{len(report.failed)} failed; store: {Path(args.results) / 'results.sqlite'}",
        file=sys.stderr,
    )
    return 1 if report.failed else 0


def _job_timeout(given: float | None, default: float) -> float | None:
    """``--job-timeout``: ``None`` -> the default; 0 -> no limit."""
    if given is None:
        return default
    return given or None


def _ago(seconds: float) -> str:
    return f"{seconds:.0f} s ago" if seconds < 120 else f"{seconds / 60:.0f} min ago"


def cmd_status(args: argparse.Namespace) -> int:
    """Counts of stored jobs, the failed jobs with their reasons, the claims of running jobs."""
    import time

    from benchmarks.store import DB_NAME, STALE_AFTER_S, Store

    if not (Path(args.results) / DB_NAME).exists():
        raise ValueError(f"no results store in {args.results!r}; run `{PROG} run` first")
    with Store(args.results, readonly=True) as store:
        stored, failures, claims = len(store.done_keys()), store.failures(), store.claims()
    now = time.time()
    out = [f"{stored} stored job(s), {len(failures)} failed, {len(claims)} claimed; "
           f"store: {Path(args.results) / DB_NAME}"]
    for f in failures:
        out.append(f"failed  {f['label']} [{f['job_key']}]: {f['reason']} "
                   f"(pid {f['pid']} on {f['host']}, {_ago(now - f['failed_at'])})")
    for c in claims:
        state = "running" if c["live"] else (
            f"abandoned (process gone or heartbeat older than {STALE_AFTER_S:.0f} s)")
        out.append(f"claimed {c['label']} [{c['job_key']}]: {state}, pid {c['pid']} on "
                   f"{c['host']}, heartbeat {_ago(now - c['heartbeat'])}")
    print("\n".join(out))
    return 0


def cmd_leaderboard(args: argparse.Namespace) -> int:
    from benchmarks import leaderboard, plots
    from benchmarks.stats import newest_versions, summarise
    from benchmarks.store import DB_NAME, Store

    if not (Path(args.results) / DB_NAME).exists():
        raise ValueError(f"no results store in {args.results!r}; run `{PROG} run` first")
    with Store(args.results, readonly=True) as store:
        rows = store.rows(env_id=args.env, scenario=args.scenario, agents=args.agents)
        failed = len(store.failures())
    hidden = 0
    if not args.all_versions:
        rows, hidden = newest_versions(rows)
    summaries = summarise(rows)
    print(leaderboard.to_text(summaries, hidden, args.all_versions), end="")
    if failed:
        print(f"{failed} failed job(s) not stored; `{PROG} status --results {args.results}` "
              f"lists them", file=sys.stderr)
    if args.markdown:
        path = leaderboard.write_markdown(summaries, args.markdown, hidden, args.all_versions)
        print(f"wrote {path}", file=sys.stderr)
    if args.csv:
        print(f"wrote {leaderboard.write_csv(summaries, args.csv)}", file=sys.stderr)
    if args.plots:
        paths = plots.bar_plots(summaries, args.plots) + plots.learning_curves(rows, args.plots)
        print(f"wrote {len(paths)} plot(s) to {args.plots}", file=sys.stderr)
    return 0


def cmd_tune(args: argparse.Namespace) -> int:
    from benchmarks import tune

    args.overrides = [_parse_assignment(a) for a in args.overrides]
    return tune.main(args)


def cmd_reproduce(args: argparse.Namespace) -> int:
    from benchmarks.reproduce import dispatch

    return dispatch(args.paper, args.args)


COMMANDS = {
    "list": cmd_list,
    "run": cmd_run,
    "leaderboard": cmd_leaderboard,
    "status": cmd_status,
    "reproduce": cmd_reproduce,
    "tune": cmd_tune,
}


def main(argv: Sequence[str] | None = None) -> int:
    from benchmarks.store import StoreError

    args = build_parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except ValueError as exc:
        message = " ".join(str(exc).split())
        print(f"{PROG}: error: {message}", file=sys.stderr)
        return 2
    except StoreError as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted; finished jobs are stored, run again to resume",
              file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
