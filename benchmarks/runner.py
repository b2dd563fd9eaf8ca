"""Train and evaluate one job; run many jobs with resume and a progress bar.

The protocol of one job (see ``docs/benchmark.md``):

1. seed ``random``, ``numpy`` and (when the agent's code has imported it) ``torch`` with the
   training seed; one torch thread;
2. build the agent with its factory from a template env
   ``gym.make(env_id, scenario=..., **overrides, **agent_env_kwargs)``;
3. ``agent.train(make_env, budget_steps, train_seed, progress)`` (a no-op for heuristics);
4. for the agents that learn, ``agent.save(results/models/<job_key>)``;
5. evaluation builds a fresh env (plus the system's ``System.eval_overrides``, e.g. the
   held-out part of a trace); episode ``k`` resets it with ``seed=eval_seeds[k]``, calls
   ``agent.begin_episode(env)``, then ``act``/``step`` to the end of the episode, recording the
   return, the mean over the steps of ``info[paper_metric]`` (the reward when the paper metric
   is ``"reward"``), the number of steps and a digest of the first observation (proof that every
   agent faced the same episodes).
"""

from __future__ import annotations

import functools
import importlib
import os
import platform
import random
import sys
import time
import traceback
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np

from agents.evaluation import evaluate
from benchmarks.jobs import Job

MODELS_DIR = "models"


# --------------------------------------------------------------------------- one job
def seed_everything(seed: int) -> None:
    """Seed the global generators an agent might use; torch only if already imported."""
    random.seed(seed)
    np.random.seed(seed % 2**32)  # noqa: NPY002 - legacy global state some agents use
    torch = sys.modules.get("torch")
    if torch is not None:
        torch.manual_seed(seed)
        torch.set_num_threads(1)


def load_factory(factory: str | Callable[..., Any]) -> Callable[..., Any]:
    if callable(factory):
        return factory
    from agents.registry import import_object

    return import_object(factory)


def make_env_fn(job: Job, evaluation: bool = False) -> Callable[[], Any]:
    """``make_env()`` for training or evaluation (picklable: a partial of ``gym.make``)."""
    import gymnasium as gym

    kwargs = job.env_kwargs(evaluation=evaluation)
    return functools.partial(gym.make, job.env_id, scenario=job.scenario, **kwargs)


def _factory_name(factory: str | Callable[..., Any]) -> str:
    if isinstance(factory, str):
        return factory
    return f"{getattr(factory, '__module__', '?')}:{getattr(factory, '__qualname__', '?')}"


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


def run_job(job: Job, results_dir: str | Path) -> dict[str, Any]:
    """Train and evaluate ``job``; the store record (nothing is written to the store here)."""
    started_at = _now()
    seed = int(job.train_seed)
    factory = load_factory(job.factory or job.agent)  # may import torch: seed afterwards
    had_torch = "torch" in sys.modules
    seed_everything(seed)
    make_env = make_env_fn(job)
    template = make_env()
    template.action_space.seed(seed)  # agents that sample the space are reproducible too
    template.observation_space.seed(seed)
    agent = factory(template, **job.build_config())
    if not had_torch and "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(1)

    curve: list[tuple[int, float]] = []

    def progress(env_steps: int, mean_return: float) -> None:
        curve.append((int(env_steps), float(mean_return)))

    t0 = time.perf_counter()
    result = agent.train(make_env, int(job.budget_steps), seed, progress)
    train_wall_s = time.perf_counter() - t0
    learns = bool(getattr(agent, "learns", False))

    model_path = None
    if learns:
        model_path = f"{MODELS_DIR}/{job.key}"
        agent.save(Path(results_dir) / model_path)

    env = make_env_fn(job, evaluation=True)()
    t0 = time.perf_counter()
    try:
        episodes = evaluate(agent, env, job.eval_seeds, job.paper_metric)
    finally:
        env.close()
        template.close()
    eval_wall_s = time.perf_counter() - t0

    job_dict = job.to_dict()
    job_dict["factory"] = _factory_name(job.factory or job.agent)
    points = [[int(s), float(r)] for s, r in (result.curve or curve)]
    return {
        "job_key": job.key,
        **{k: job_dict[k] for k in ("env_id", "scenario", "env_overrides", "agent")},
        "agent_kind": job.agent_kind,
        "agent_config": dict(job.agent_config),
        "train_seed": seed,
        "budget_steps": int(job.budget_steps),
        "eval_seeds": [int(s) for s in job.eval_seeds],
        **job.provenance(),
        "paper_metric": job.paper_metric,
        "metric_goal": job.metric_goal,
        "reference_agent": job.reference_agent,
        "privileged": bool(getattr(agent, "privileged", False)),
        "plans_with_model": bool(getattr(agent, "plans_with_model", False)),
        "learns": learns,
        **episodes,
        "mean_return": float(np.mean(episodes["returns"])),
        "mean_metric": float(np.mean(episodes["metrics"])),
        "train_env_steps": int(result.env_steps),
        "train_wall_s": float(result.wall_clock_s or train_wall_s),
        "eval_wall_s": eval_wall_s,
        "cpu_count": os.cpu_count(),
        "hostname": platform.node(),
        "curve": points,
        "train_extra": _jsonable(result.extra),
        "model_path": model_path,
        "job": job_dict,
        "started_at": started_at,
        "finished_at": _now(),
    }


def _jsonable(value: Any) -> Any:
    import json

    from benchmarks.jobs import canonical_json

    try:
        return json.loads(canonical_json(value))
    except TypeError:
        return {"repr": repr(value)}


# --------------------------------------------------------------------------- workers
def prepare_worker(sys_path: Sequence[str] = (), preload: Sequence[str] = ()) -> None:
    """Make a worker see what the parent sees: its ``sys.path`` and preloaded modules."""
    for entry in reversed(list(sys_path)):
        if entry not in sys.path:
            sys.path.insert(0, entry)
    import edge_envs  # noqa: F401 - registers the environments

    for module in preload:
        importlib.import_module(module)


def execute(payload: dict[str, Any]) -> dict[str, Any]:
    """Worker entry point: never raises; ``{"ok": True, "record": ...}`` or an error."""
    from benchmarks.backends import JobTimeout

    try:
        prepare_worker(payload.get("sys_path", ()), payload.get("preload", ()))
        job = Job.from_dict(payload["job"])
        return {"ok": True, "record": run_job(job, payload["results_dir"])}
    except BaseException as exc:  # noqa: BLE001 - reported by the parent, run goes on
        if isinstance(exc, KeyboardInterrupt):
            raise
        if isinstance(exc, JobTimeout):  # the serial backend's time limit
            return {"ok": False, "error": str(exc), "traceback": ""}
        return {
            "ok": False,
            "error": f"{type(exc).__name__}: {exc}".splitlines()[0],
            "traceback": traceback.format_exc(),
        }


# --------------------------------------------------------------------------- many jobs
DEFAULT_JOB_TIMEOUT_S = 6 * 3600.0  # generous: a paper job takes minutes (docs/benchmark.md)
CLAIM_POLL_S = 1.0  # how often a run checks on jobs another run holds


@dataclass
class RunReport:
    keys: list[str] = field(default_factory=list)  # every job of the suite, in order
    ran: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # finished in an earlier run
    failed: list[tuple[str, str]] = field(default_factory=list)  # (label, error)
    elsewhere: list[str] = field(default_factory=list)  # stored by another run meanwhile


def _stored_job(job: Job) -> dict[str, Any]:
    job_dict = job.to_dict()
    job_dict["factory"] = _factory_name(job.factory or job.agent)
    return job_dict


class _Heartbeat:
    """Refreshes this run's claims every ``HEARTBEAT_S`` seconds, on its own connection."""

    def __init__(self, results_dir: Path, owner: Any) -> None:
        import threading

        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, args=(results_dir, owner),
                                        name="edge-bench-heartbeat", daemon=True)
        self._thread.start()

    def _beat(self, results_dir: Path, owner: Any) -> None:
        from benchmarks.store import HEARTBEAT_S, Store, StoreError

        try:
            with Store(results_dir) as store:
                while not self._stop.wait(HEARTBEAT_S):
                    store.heartbeat(owner)
        except StoreError:
            pass  # the main thread meets the same error on its next write and stops

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


def run_jobs(
    jobs: Sequence[Job],
    results_dir: str | Path = "results",
    backend: str | None = None,
    workers: int | None = None,
    address: str | None = None,
    preload: Sequence[str] = (),
    progress: bool = True,
    stream: Any = None,
    tracebacks: bool = False,
    job_timeout_s: float | None = DEFAULT_JOB_TIMEOUT_S,
) -> RunReport:
    """Run the jobs not yet in the store, storing each as it finishes.

    ``backend``: ``"serial"``, ``"process"`` (default for more than one worker) or ``"ray"``;
    ``workers`` defaults to the number of CPUs. ``job_timeout_s`` limits each job's wall-clock
    time (``None``: no limit). Each job is claimed in the store before it runs, so runs sharing
    a results folder split the work; a failed job is reported, recorded in the store's
    ``failures`` table and run again by the next run (``Faults`` in ``docs/benchmark.md``).
    Raises :class:`benchmarks.store.StoreError` when the store cannot be written: before any
    job runs, or mid-run after stopping the workers (what was stored is kept).
    """
    from tqdm import tqdm

    from benchmarks.backends import make_backend
    from benchmarks.store import Owner, Store, StoreError

    stream = sys.stderr if stream is None else stream
    unique = list({job.key: job for job in jobs}.values())
    report = RunReport(keys=[job.key for job in unique])
    executor = make_backend(backend, workers, address)
    results_dir = Path(results_dir)
    owner, started = Owner(), time.time()
    with Store(results_dir) as store:
        done = store.done_keys()
        todo = [job for job in unique if job.key not in done]
        report.skipped = [job.key for job in unique if job.key in done]
        if report.skipped:
            print(f"resuming: {len(report.skipped)} finished job(s) skipped", file=stream)
        if not todo:
            return report
        if backend is None and len(todo) == 1:
            from benchmarks.backends import SerialBackend

            executor = SerialBackend()  # no pool start-up for a single job
        payloads = [
            {
                "job": job.to_dict(),
                "results_dir": str(results_dir.resolve()),
                "preload": list(preload),
                "sys_path": list(sys.path),
            }
            for job in todo
        ]
        bar = tqdm(
            total=len(todo),
            desc="jobs",
            unit="job",
            file=stream,
            disable=not progress,
            dynamic_ncols=True,
        )
        queue = list(range(len(todo)))  # not claimed yet
        waiting: dict[int, str] = {}  # held by another run -> its pid and host
        said_waiting = False
        heartbeat = _Heartbeat(results_dir, owner)
        try:
            executor.start(execute, job_timeout_s,
                           functools.partial(prepare_worker, list(sys.path), list(preload)))
            while queue or waiting or executor.running():
                while queue and executor.free() > 0:
                    i = queue.pop(0)
                    job = todo[i]
                    state, detail = store.claim(job.key, job.label(), owner, since=started)
                    if state == "claimed":
                        executor.submit(i, payloads[i])
                    elif state == "taken":
                        waiting[i] = detail
                    else:
                        if state == "done":
                            report.elsewhere.append(job.key)
                        else:
                            report.failed.append((job.label(), f"{detail} (in another run)"))
                            bar.write(f"job failed in another run: {job.label()}: {detail}",
                                      file=stream)
                        bar.update(1)
                running = executor.running()
                if running:
                    bar.set_postfix_str(todo[running[0]].label())
                if waiting and not queue and not running and not said_waiting:
                    holders = ", ".join(sorted(set(waiting.values())))
                    bar.write(f"waiting for {len(waiting)} job(s) held by another run "
                              f"({holders})", file=stream)
                    said_waiting = True
                if running:
                    finished = executor.wait(CLAIM_POLL_S if waiting else None)
                else:
                    finished = []
                    time.sleep(CLAIM_POLL_S)
                for i, result in finished:
                    job = todo[i]
                    if result["ok"]:
                        store.put(result["record"])
                        report.ran.append(job.key)
                    else:
                        store.put_failure(job.key, job.label(), result["error"], owner,
                                          result.get("traceback", ""), _stored_job(job))
                        report.failed.append((job.label(), result["error"]))
                        bar.write(f"job failed: {job.label()}: {result['error']}", file=stream)
                        if tracebacks and result.get("traceback"):
                            bar.write(result["traceback"], file=stream)
                    bar.update(1)
                queue.extend(waiting)  # ask again: stored, failed or abandoned meanwhile?
                waiting.clear()
        except StoreError as exc:
            raise StoreError(
                f"{exc}; stopped, the {len(report.ran)} job(s) stored by this run are kept"
            ) from None
        finally:
            heartbeat.stop()
            executor.close()
            bar.close()
            try:
                store.release(owner)
            except StoreError:
                pass  # left claims go stale (our pid ends, or the heartbeat stops)
    return report


# --------------------------------------------------------------------------- stored models
def load_model(job_key: str, results_dir: str | Path = "results"):
    """``(agent, job)`` for a stored job whose agent learned (its model was saved)."""
    import json

    from benchmarks.store import Store

    results_dir = Path(results_dir)
    with Store(results_dir) as store:
        row = store.get(job_key)
    if row is None:
        raise ValueError(f"no stored job with key {job_key!r} in {results_dir}")
    if not row["model_path"]:
        raise ValueError(f"job {job_key} ({row['agent']}) saved no model: the agent does not learn")
    job = Job.from_dict(row["job"])
    path = results_dir / row["model_path"]
    header = json.loads((path / "agent.json").read_text())
    from agents.base import _import_class

    try:
        cls = _import_class(header["class"])
    except (ImportError, AttributeError) as exc:
        raise ValueError(
            f"cannot import the agent class {header['class']} saved in {path}: {exc} "
            f"(is its module on PYTHONPATH?)"
        ) from None
    env = make_env_fn(job, evaluation=True)()
    try:
        agent = cls.load(path, env)
    finally:
        env.close()
    return agent, job


def reevaluate(
    job_key: str, results_dir: str | Path = "results", eval_seeds: Iterable[int] | None = None
) -> dict[str, list]:
    """Reload a stored model and play its evaluation episodes again (or ``eval_seeds``)."""
    agent, job = load_model(job_key, results_dir)
    seed_everything(int(job.train_seed))
    env = make_env_fn(job, evaluation=True)()
    try:
        seeds = job.eval_seeds if eval_seeds is None else tuple(eval_seeds)
        return evaluate(agent, env, seeds, job.paper_metric)
    finally:
        env.close()
