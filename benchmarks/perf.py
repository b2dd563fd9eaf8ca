"""Environment speed: steps per second with a random policy, written to ``docs/performance.md``.

``python -m benchmarks.perf [--steps N] [--max-seconds S] [--out docs/performance.md]``

For every registered environment, at the paper size (default scenario) and at 10x the paper
size (the scenario-field overrides ``System.scale_10x``; skipped with a note if the
system does not declare them):

* one process pinned to one core, through ``gymnasium.make``;
* 8 copies in a ``gymnasium.vector.SyncVectorEnv`` and in an ``AsyncVectorEnv`` (env steps
  counted as 8 x vector steps).

Each figure times at most ``--steps`` env steps or ``--max-seconds`` seconds, whichever comes
first, after a reset (episode resets inside the run are counted in the time). The file keeps
everything from the marker line ``<!-- agents -->`` on (hand-written training times).
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import importlib
import os
import platform
import sys
import time
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

MARKER = "<!-- agents -->"
COPIES = 8
WARM_UP = 5  # untimed steps first (the passive checker's first-step checks, caches)


@contextlib.contextmanager
def one_core():
    """Pin this process to one CPU for the single-process figure (Linux), then restore."""
    if not hasattr(os, "sched_getaffinity"):
        yield
        return
    before = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {min(before)})
    try:
        yield
    finally:
        os.sched_setaffinity(0, before)


def _warm_up(env) -> None:
    for _ in range(WARM_UP):
        _, _, terminated, truncated, _ = env.step(env.action_space.sample())
        if terminated or truncated:
            env.reset()


def single_rate(make_env, steps: int, max_seconds: float, seed: int = 0) -> float:
    env = make_env()
    env.action_space.seed(seed)
    env.reset(seed=seed)
    _warm_up(env)
    n, t0 = 0, time.perf_counter()
    while n < steps:
        _, _, terminated, truncated, _ = env.step(env.action_space.sample())
        n += 1
        if terminated or truncated:
            env.reset()
        if time.perf_counter() - t0 > max_seconds:
            break
    rate = n / (time.perf_counter() - t0)
    env.close()
    return rate


def vector_rate(make_env, kind: str, steps: int, max_seconds: float, seed: int = 0) -> float:
    import gymnasium as gym

    cls = gym.vector.AsyncVectorEnv if kind == "async" else gym.vector.SyncVectorEnv
    vec = cls([make_env] * COPIES)
    vec.action_space.seed(seed)
    vec.reset(seed=seed)
    for _ in range(WARM_UP):
        vec.step(vec.action_space.sample())
    n, t0 = 0, time.perf_counter()
    while n < steps:
        vec.step(vec.action_space.sample())  # next-step autoreset inside the vector env
        n += COPIES
        if time.perf_counter() - t0 > max_seconds:
            break
    rate = n / (time.perf_counter() - t0)
    vec.close()
    return rate


def cpu_model() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def machine_info() -> dict[str, str]:
    import gymnasium
    import numpy

    cores = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else None
    return {
        "CPU": cpu_model(),
        "cores": f"{len(cores) if cores else os.cpu_count()} usable ({os.cpu_count()} total)",
        "OS": platform.platform(),
        "Python": platform.python_version(),
        "numpy": numpy.__version__,
        "gymnasium": gymnasium.__version__,
        "date": date.today().isoformat(),
    }


def measure(
    env_ids: Sequence[str] | None = None, steps: int = 2000, max_seconds: float = 20.0,
    vector: bool = True, log=print,
) -> tuple[list[dict[str, Any]], list[str]]:
    """Rows of the speed table and notes (skipped sizes)."""
    import gymnasium as gym

    import edge_envs

    rows, notes = [], []
    for env_id, system in edge_envs.SYSTEMS.items():
        if env_ids and env_id not in env_ids:
            continue
        sizes: list[tuple[str, dict[str, Any]]] = [("paper", {})]
        scale = system.scale_10x
        if scale:
            sizes.append(("10x", dict(scale)))
        else:
            notes.append(f"{env_id}: no `System.scale_10x` overrides; 10x skipped.")
        for size, overrides in sizes:
            make_env = functools.partial(
                gym.make, env_id, scenario=system.default_scenario, **overrides
            )
            row = {"env_id": env_id, "scenario": system.default_scenario, "size": size,
                   "overrides": overrides}
            log(f"{env_id} {size}: single process ...", file=sys.stderr)
            with one_core():
                row["single"] = single_rate(make_env, steps, max_seconds)
            if vector:
                for kind in ("sync", "async"):
                    log(f"{env_id} {size}: {kind} x{COPIES} ...", file=sys.stderr)
                    row[kind] = vector_rate(make_env, kind, steps, max_seconds)
            rows.append(row)
    return rows, notes


def _rate(x: float | None) -> str:
    if x is None:
        return "-"
    return f"{x:,.0f}" if x >= 100 else f"{x:.3g}"


def to_markdown(rows, notes, info, steps: int, max_seconds: float) -> str:
    out = [
        "# Environment speed",
        "",
        "Environment steps per second with a uniformly random policy through `gymnasium.make` "
        "(higher is better), written by",
        f"`python -m benchmarks.perf --steps {steps} --max-seconds {max_seconds:g}`. "
        "\"Single\" runs in one process pinned to one core; the vector columns run "
        f"{COPIES} copies (`SyncVectorEnv` in one process, `AsyncVectorEnv` in {COPIES} worker "
        f"processes) and count {COPIES} env steps per vector step. \"10x\" applies the system's "
        "`scale_10x` scenario overrides.",
        "",
        "Machine: " + "; ".join(f"{k} {v}" for k, v in info.items()) + ".",
        "",
        f"| environment | scenario | size | single (1 core) | SyncVectorEnv x{COPIES} "
        f"| AsyncVectorEnv x{COPIES} |",
        "|---|---|---|---:|---:|---:|",
    ]
    for r in rows:
        size = r["size"]
        if r["overrides"]:
            size += " (" + ", ".join(f"{k}={v}" for k, v in r["overrides"].items()) + ")"
        out.append(
            f"| {r['env_id']} | {r['scenario']} | {size} | {_rate(r.get('single'))} | "
            f"{_rate(r.get('sync'))} | {_rate(r.get('async'))} |"
        )
    if notes:
        out += [""] + [f"- {n}" for n in notes]
    return "\n".join(out) + "\n"


def write(path: Path, table: str) -> None:
    """Replace everything above :data:`MARKER`; keep the marker and what follows."""
    tail = f"{MARKER}\n\n## Training time of the paper agents (2 CPU cores)\n\n_To be added._\n"
    if path.exists():
        text = path.read_text()
        if MARKER in text:
            tail = text[text.index(MARKER):]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(table + "\n" + tail)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.perf", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=2000, help="env steps per figure")
    parser.add_argument("--max-seconds", type=float, default=20.0, help="time cap per figure")
    parser.add_argument("--env", action="append", default=None, help="only these env ids")
    parser.add_argument("--no-vector", action="store_true", help="single-process figures only")
    parser.add_argument("--out", default="docs/performance.md", help="Markdown file to update")
    parser.add_argument("--print-only", action="store_true", help="print, do not write --out")
    parser.add_argument("--import", dest="imports", action="append", default=[],
                        metavar="MODULE", help="import MODULE first (extra environments)")
    args = parser.parse_args(argv)
    if args.steps < 1:
        parser.error("--steps must be at least 1")
    for module in args.imports:
        importlib.import_module(module)
    import edge_envs

    unknown = sorted(set(args.env or ()) - set(edge_envs.SYSTEMS))
    if unknown:
        parser.error(f"unknown environment(s) {unknown}; valid: {', '.join(edge_envs.SYSTEMS)}")
    rows, notes = measure(args.env, args.steps, args.max_seconds, not args.no_vector)
    table = to_markdown(rows, notes, machine_info(), args.steps, args.max_seconds)
    print(table)
    if not args.print_only:
        write(Path(args.out), table)
        print(f"wrote {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
