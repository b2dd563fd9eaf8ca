"""Where jobs run: in this process, in a pool of worker processes, or on a Ray cluster.

The runner drives every backend the same way: ``start(fn, job_timeout_s, warm_up)``, then
``submit(index, payload)`` while ``free()`` slots remain, ``wait(timeout)`` for the ``(index,
result)`` pairs finished meanwhile (in any order), ``running()`` for the indices in flight (the
progress bar) and ``close()``. ``warm_up()`` runs once in each pool worker before its first job
(the imports every job needs). ``fn`` must be a module-level function (it is pickled by
reference) and must not raise: the runner's ``execute`` turns exceptions into error records.
Results go back to the parent, which alone writes the store.

Faults become error records too (``{"ok": False, "error": reason, ...}``), so the run goes on:

- a worker that dies in a job (``SIGKILL`` by the OOM killer, a crash in native code) is
  replaced by a fresh one, which runs the job once more (:data:`RETRIES`); a second death
  fails the job with ``worker died: signal 9 (SIGKILL)``;
- a job running longer than ``job_timeout_s`` has its worker stopped (killed and replaced)
  and fails with ``timed out after N s``; it is not retried.

Workers also die with the runner: a pool worker gets ``SIGKILL`` when its parent dies (Linux
``prctl(PR_SET_PDEATHSIG)``) and, on every platform, a watchdog thread ends it within
:data:`WATCHDOG_S` seconds when its parent's pid changes.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any

BACKENDS = ("serial", "process", "ray")
RETRIES = 1  # a job whose worker died runs once more, in a fresh worker
WATCHDOG_S = 1.0  # how often a pool worker checks that its parent is alive


def timed_out(job_timeout_s: float) -> str:
    return f"timed out after {job_timeout_s:g} s"


def fault(reason: str, attempts: int = 1) -> dict[str, Any]:
    """The error record of a job stopped by a fault (no traceback: nothing raised in it)."""
    return {"ok": False, "error": reason, "traceback": "", "attempts": attempts}


def death_reason(exitcode: int | None) -> str:
    """``worker died: signal 9 (SIGKILL)`` from a ``multiprocessing`` exit code."""
    if exitcode is not None and exitcode < 0:
        try:
            name = f" ({signal.Signals(-exitcode).name})"
        except ValueError:
            name = ""
        return f"worker died: signal {-exitcode}{name}"
    return f"worker died: exit code {exitcode}"


class JobTimeout(BaseException):
    """Raised in the serial backend's job at its deadline (a ``BaseException``, so that an
    agent's ``except Exception`` does not swallow it)."""


# --------------------------------------------------------------------------- serial
class SerialBackend:
    """Jobs one after the other in this process (``--workers 1``).

    The time limit is a ``SIGALRM`` timer (main thread, POSIX only): it stops a job stuck in
    Python code, not one stuck inside a native call; a job that kills its process kills the run.
    """

    name = "serial"

    def __init__(self) -> None:
        self._queue: deque[tuple[int, Any]] = deque()
        self._fn: Callable[[Any], Any] | None = None
        self._timeout: float | None = None

    def start(self, fn: Callable[[Any], Any], job_timeout_s: float | None = None,
              warm_up: Callable[[], Any] | None = None) -> None:
        self._fn, self._timeout = fn, job_timeout_s

    def free(self) -> int:
        return 0 if self._queue else 1

    def running(self) -> list[int]:
        return [i for i, _ in self._queue]

    def submit(self, index: int, payload: Any) -> None:
        self._queue.append((index, payload))

    def wait(self, timeout: float | None = None) -> list[tuple[int, Any]]:
        if not self._queue:
            return []
        index, payload = self._queue[0]
        result = self._call(payload)
        self._queue.popleft()
        return [(index, result)]

    def _call(self, payload: Any) -> Any:
        limit = self._timeout
        if (not limit or not hasattr(signal, "setitimer")
                or threading.current_thread() is not threading.main_thread()):
            return self._fn(payload)

        def alarm(signum, frame):
            raise JobTimeout(timed_out(limit))

        previous = signal.signal(signal.SIGALRM, alarm)
        signal.setitimer(signal.ITIMER_REAL, limit)
        try:
            return self._fn(payload)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)

    def close(self) -> None:
        self._queue.clear()


# --------------------------------------------------------------------------- process pool
def _die_with_parent(parent_pid: int) -> None:
    """End this worker when the runner dies, even by ``SIGKILL`` (no orphans left behind)."""
    if sys.platform.startswith("linux"):
        import ctypes

        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # 1 = PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass  # the watchdog below still ends the worker
    if os.getppid() != parent_pid:
        os._exit(1)  # the parent died before prctl took effect

    def watch() -> None:
        while True:
            time.sleep(WATCHDOG_S)
            if os.getppid() != parent_pid:
                os._exit(1)

    threading.Thread(target=watch, name="edge-bench-parent-watch", daemon=True).start()


def _worker_main(conn, fn: Callable[[Any], Any], parent_pid: int,
                 warm_up: Callable[[], Any] | None) -> None:
    """A pool worker: run each payload received, send back its result; ``None`` ends it.

    It first calls ``warm_up()`` (the imports every job needs; its errors are left for the job
    to report), then sends ``("started", None)`` when it takes a payload (the job's clock starts
    then, not while a fresh worker imports its modules) and ``("done", result)`` at the end.
    """
    _die_with_parent(parent_pid)
    # Ctrl-C goes to the whole process group: the parent handles it and stops the workers.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _quiet_threads()
    if warm_up is not None:
        try:
            warm_up()
        except Exception:  # noqa: BLE001, S110 - fn meets the same error and reports it
            pass
    while True:
        try:
            payload = conn.recv()
        except (EOFError, OSError):
            return
        if payload is None:
            return
        conn.send(("started", None))
        conn.send(("done", fn(payload)))


STARTUP_GRACE_S = 120.0  # a fresh worker must take its first job within this time


class _Worker:
    def __init__(self, ctx, fn: Callable[[Any], Any], warm_up: Callable[[], Any] | None) -> None:
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=_worker_main, args=(child, fn, os.getpid(), warm_up),
                                name="edge-bench-worker")
        self.proc.start()
        child.close()
        self.index: int | None = None  # the job it runs
        self.deadline = float("inf")

    def run(self, index: int, payload: Any, timeout: float | None) -> None:
        self.index = index
        self.deadline = time.monotonic() + timeout + STARTUP_GRACE_S if timeout else float("inf")
        self.conn.send(payload)

    def kill(self) -> None:
        if self.proc.is_alive():
            self.proc.kill()
        self.proc.join(timeout=10)
        self.conn.close()


class ProcessBackend:
    """A pool of *spawn* worker processes (safe with torch and threads), one job per worker
    at a time, so a dead or stopped worker is known together with its job."""

    name = "process"

    def __init__(self, workers: int) -> None:
        self.workers = max(1, int(workers))
        self._workers: list[_Worker] = []
        self._fn: Callable[[Any], Any] | None = None
        self._timeout: float | None = None
        self._payloads: dict[int, Any] = {}  # jobs in flight
        self._attempts: dict[int, int] = {}

    def start(self, fn: Callable[[Any], Any], job_timeout_s: float | None = None,
              warm_up: Callable[[], Any] | None = None) -> None:
        import multiprocessing

        self._ctx = multiprocessing.get_context("spawn")
        self._fn, self._timeout, self._warm_up = fn, job_timeout_s, warm_up

    def _new_worker(self) -> _Worker:
        return _Worker(self._ctx, self._fn, self._warm_up)

    def free(self) -> int:
        return self.workers - len(self._payloads)

    def running(self) -> list[int]:
        return sorted(self._payloads)

    def submit(self, index: int, payload: Any) -> None:
        self._payloads[index] = payload
        self._attempts[index] = 1
        self._idle_worker().run(index, payload, self._timeout)

    def _idle_worker(self) -> _Worker:
        for w in self._workers:
            if w.index is None:
                return w if w.proc.is_alive() else self._replace(w)
        self._workers.append(self._new_worker())
        return self._workers[-1]

    def _replace(self, worker: _Worker) -> _Worker:
        worker.kill()
        fresh = self._new_worker()
        self._workers[self._workers.index(worker)] = fresh
        return fresh

    def _release(self, worker: _Worker) -> int:
        index, worker.index, worker.deadline = worker.index, None, float("inf")
        del self._payloads[index]
        return index

    def wait(self, timeout: float | None = None) -> list[tuple[int, Any]]:
        from multiprocessing.connection import wait

        busy = [w for w in self._workers if w.index is not None]
        if not busy:
            return []
        first_deadline = min(w.deadline for w in busy) - time.monotonic()
        limit = min(x for x in (timeout, first_deadline, 1e6) if x is not None)
        ready = set(wait([w.conn for w in busy] + [w.proc.sentinel for w in busy],
                         timeout=max(0.0, limit)))
        out = []
        for w in busy:
            if w.conn in ready or w.proc.sentinel in ready:
                out.extend(self._receive(w))
            elif time.monotonic() >= w.deadline:
                attempts = self._attempts[w.index]
                index = self._release(w)
                self._replace(w)
                out.append((index, fault(timed_out(self._timeout), attempts)))
        return out

    def _receive(self, worker: _Worker) -> list[tuple[int, Any]]:
        try:
            while worker.conn.poll():
                tag, result = worker.conn.recv()
                if tag == "done":
                    return [(self._release(worker), result)]
                worker.deadline = (time.monotonic() + self._timeout if self._timeout
                                   else float("inf"))
        except Exception:  # noqa: BLE001 - EOF or a truncated message: the worker died
            return self._died(worker)
        return [] if worker.proc.is_alive() else self._died(worker)

    def _died(self, worker: _Worker) -> list[tuple[int, Any]]:
        worker.proc.join(timeout=10)
        reason = death_reason(worker.proc.exitcode)
        index = worker.index
        payload = self._payloads[index]
        self._release(worker)
        fresh = self._replace(worker)
        if self._attempts[index] <= RETRIES:
            self._attempts[index] += 1
            self._payloads[index] = payload
            fresh.run(index, payload, self._timeout)
            return []
        return [(index, fault(reason, self._attempts[index]))]

    def close(self) -> None:
        for w in self._workers:
            if w.index is None and w.proc.is_alive():
                try:
                    w.conn.send(None)
                except OSError:
                    pass
        for w in self._workers:
            if w.index is None:
                w.proc.join(timeout=5)
            w.kill()  # a worker still in a job (Ctrl-C, store error) is stopped
        self._workers, self._payloads = [], {}


# --------------------------------------------------------------------------- Ray
class RayBackend:
    """Each job a Ray task with one CPU; a local Ray instance unless ``address`` is given.

    Ray retries a task whose worker died once (``max_retries``); a task over the time limit is
    cancelled with ``ray.cancel(force=True)``, which kills its worker. The clock of a task starts
    when it is submitted, and the runner submits no more tasks than the cluster has CPUs, so a
    task does not wait in Ray's queue while its clock runs (unless other users fill the cluster).
    """

    name = "ray"

    def __init__(self, workers: int, address: str | None = None) -> None:
        self.workers = max(1, int(workers))
        self.address = address
        self._pending: dict[Any, tuple[int, float]] = {}  # ref -> (index, deadline)
        self._started = False
        self._ray = _import_ray()
        self._slots = self.workers

    def _init(self) -> None:
        ray = self._ray
        if not ray.is_initialized():
            kwargs: dict[str, Any] = {"include_dashboard": False, "log_to_driver": True}
            if self.address:
                kwargs["address"] = self.address
            else:
                # A local instance: its workers must import what this process imports (the
                # package may not be installed, and tests put helper modules on sys.path).
                kwargs["num_cpus"] = self.workers
                kwargs["runtime_env"] = {"env_vars": {"PYTHONPATH": _user_sys_path()}}
            ray.init(**kwargs)
            self._started = True
        self._slots = max(1, int(ray.cluster_resources().get("CPU", self.workers)))

    def start(self, fn: Callable[[Any], Any], job_timeout_s: float | None = None,
              warm_up: Callable[[], Any] | None = None) -> None:
        self._init()
        self._timeout = job_timeout_s
        self._remote = self._ray.remote(num_cpus=1, max_retries=RETRIES,
                                        retry_exceptions=False)(fn)

    def free(self) -> int:
        return self._slots - len(self._pending)

    def running(self) -> list[int]:
        return sorted(i for i, _ in self._pending.values())

    def submit(self, index: int, payload: Any) -> None:
        deadline = time.monotonic() + self._timeout if self._timeout else float("inf")
        self._pending[self._remote.remote(payload)] = (index, deadline)

    def wait(self, timeout: float | None = None) -> list[tuple[int, Any]]:
        ray = self._ray
        if not self._pending:
            return []
        first_deadline = min(d for _, d in self._pending.values()) - time.monotonic()
        limit = min(x for x in (timeout, first_deadline, 1e6) if x is not None)
        done, _ = ray.wait(list(self._pending), num_returns=1, timeout=max(0.0, limit))
        out = []
        for ref in done:
            index, _ = self._pending.pop(ref)
            try:
                out.append((index, ray.get(ref)))
            except ray.exceptions.RayError as exc:  # the worker or its node died twice
                reason = f"worker died: {type(exc).__name__} (Ray does not report the signal)"
                out.append((index, fault(reason, RETRIES + 1)))
        now = time.monotonic()
        for ref, (index, deadline) in list(self._pending.items()):
            if now >= deadline:
                ray.cancel(ref, force=True)
                del self._pending[ref]
                out.append((index, fault(timed_out(self._timeout))))
        return out

    def close(self) -> None:
        for ref in list(self._pending):
            try:
                self._ray.cancel(ref, force=True)
            except Exception:  # noqa: BLE001 - best effort on shutdown
                pass
        self._pending = {}
        if self._started:
            self._ray.shutdown()
            self._started = False


def _import_ray():
    try:
        import ray
    except ImportError:
        raise ValueError(
            "--backend ray needs Ray, which is not installed; install edge-envs[ray]"
        ) from None
    return ray


def _user_sys_path() -> str:
    prefixes = {os.path.realpath(p) for p in (sys.prefix, sys.base_prefix, sys.exec_prefix)}
    keep = []
    for entry in sys.path:
        path = os.path.realpath(entry or os.getcwd())
        if any(path.startswith(p + os.sep) or path == p for p in prefixes):
            continue  # the interpreter's own directories are on the workers' path already
        if os.path.isdir(path) and path not in keep:
            keep.append(path)
    extra = os.environ.get("PYTHONPATH")
    return os.pathsep.join(keep + ([extra] if extra else []))


def _quiet_threads() -> None:
    # Worker processes share few cores: one BLAS/OpenMP thread each.
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ.setdefault(var, "1")


def make_backend(name: str | None, workers: int | None, address: str | None = None):
    """``name`` in :data:`BACKENDS` or ``None`` (serial for one worker, else process)."""
    workers = (os.cpu_count() or 1) if workers is None else int(workers)
    if workers < 1:
        raise ValueError(f"--workers must be at least 1, got {workers}")
    if name is None:
        name = "serial" if workers == 1 else "process"
    if name == "serial":
        return SerialBackend()
    if name == "process":
        return ProcessBackend(workers)
    if name == "ray":
        return RayBackend(workers, address)
    raise ValueError(f"unknown backend {name!r}; valid: {', '.join(BACKENDS)}")
