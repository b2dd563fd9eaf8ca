"""Where jobs run: in this process, in a pool of worker processes, or on a Ray cluster.

Every backend has one method, ``run(fn, payloads)``, yielding ``(index, fn(payload))`` as jobs
finish (in any order) and ``pending()`` listing the indices not finished yet (for the progress
bar). ``fn`` must be a module-level function (it is pickled by reference) and must not raise:
the runner's ``execute`` turns exceptions into error records. Results go back to the parent,
which alone writes the store.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator, Sequence
from typing import Any

BACKENDS = ("serial", "process", "ray")


class SerialBackend:
    """Jobs one after the other in this process (``--workers 1``)."""

    name = "serial"

    def __init__(self) -> None:
        self._pending: list[int] = []

    def pending(self) -> list[int]:
        return list(self._pending)

    def run(self, fn: Callable[[Any], Any], payloads: Sequence[Any]) -> Iterator[tuple[int, Any]]:
        self._pending = list(range(len(payloads)))
        for i, payload in enumerate(payloads):
            result = fn(payload)
            self._pending.remove(i)
            yield i, result

    def close(self) -> None:
        pass


class ProcessBackend:
    """A ``ProcessPoolExecutor`` with *spawn* workers (safe with torch and threads)."""

    name = "process"

    def __init__(self, workers: int) -> None:
        self.workers = max(1, int(workers))
        self._pending: dict[Any, int] = {}
        self._pool = None

    def pending(self) -> list[int]:
        return sorted(self._pending.values())

    def run(self, fn: Callable[[Any], Any], payloads: Sequence[Any]) -> Iterator[tuple[int, Any]]:
        import multiprocessing
        from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

        workers = min(self.workers, max(1, len(payloads)))
        self._pool = ProcessPoolExecutor(
            max_workers=workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_quiet_threads,
        )
        try:
            self._pending = {self._pool.submit(fn, p): i for i, p in enumerate(payloads)}
            while self._pending:
                done, _ = wait(list(self._pending), return_when=FIRST_COMPLETED)
                for future in sorted(done, key=lambda f: self._pending[f]):
                    i = self._pending.pop(future)
                    yield i, future.result()
        finally:
            self.close()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


class RayBackend:
    """Each job a Ray task with one CPU; a local Ray instance unless ``address`` is given."""

    name = "ray"

    def __init__(self, workers: int, address: str | None = None) -> None:
        self.workers = max(1, int(workers))
        self.address = address
        self._pending: dict[Any, int] = {}
        self._started = False
        self._ray = _import_ray()

    def pending(self) -> list[int]:
        return sorted(self._pending.values())

    def _init(self) -> None:
        ray = self._ray
        if ray.is_initialized():
            return
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

    def run(self, fn: Callable[[Any], Any], payloads: Sequence[Any]) -> Iterator[tuple[int, Any]]:
        ray = self._ray
        self._init()
        try:
            remote = ray.remote(num_cpus=1, max_retries=0)(fn)
            self._pending = {remote.remote(p): i for i, p in enumerate(payloads)}
            while self._pending:
                done, _ = ray.wait(list(self._pending), num_returns=1)
                for ref in done:
                    i = self._pending.pop(ref)
                    yield i, ray.get(ref)
        finally:
            self.close()

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
