"""The code fingerprint that makes a stored result belong to one version of the code.

:func:`code_fingerprint` is a SHA-256 over the sorted ``(relative path, bytes)`` of every file
(sources and package data, ``__pycache__`` and ``*.pyc`` left out) of the imported ``edge_envs``,
``agents`` and ``benchmarks`` packages. It is part of every job key, so a change to any
environment, agent, catalog default or runner code gives new keys and the store never serves a
result computed by other code. Being a content hash, it is the same inside and outside a git
checkout and it survives commits that only touch docs or reports.

:func:`git_commit` is informational only (stored next to each result, never in the key):
``git rev-parse HEAD`` of the checkout holding the packages, with ``+dirty`` when
``git status --porcelain`` lists changes under them; ``None`` outside git.

Both are computed once per process (about 10 ms for the fingerprint).
"""

from __future__ import annotations

import functools
import hashlib
import importlib
import subprocess
from collections.abc import Iterable
from pathlib import Path

PACKAGES = ("edge_envs", "agents", "benchmarks")
SHORT = 12  # hex digits shown in tables


def source_roots() -> list[Path]:
    """The folders of the imported :data:`PACKAGES` (from their ``__path__``)."""
    roots: list[Path] = []
    for name in PACKAGES:
        roots.extend(Path(p).resolve() for p in importlib.import_module(name).__path__)
    return roots


def _files(root: Path) -> Iterable[Path]:
    for path in root.rglob("*"):
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
            yield path


def hash_sources(roots: Iterable[Path]) -> str:
    """SHA-256 hex digest over the sorted ``(package/relative/path, bytes)`` of ``roots``."""
    entries = sorted(
        (f"{root.name}/{path.relative_to(root).as_posix()}", path)
        for root in map(Path, roots)
        for path in _files(root)
    )
    digest = hashlib.sha256()
    for name, path in entries:
        data = path.read_bytes()
        # Lengths delimit the fields, so no two different trees hash the same stream.
        digest.update(f"{len(name)}:{name}{len(data)}:".encode())
        digest.update(data)
    return digest.hexdigest()


@functools.cache
def code_fingerprint() -> str:
    """:func:`hash_sources` of :func:`source_roots`, computed once per process."""
    return hash_sources(source_roots())


def _git(root: Path, *args: str) -> str | None:
    try:
        done = subprocess.run(
            ["git", "-C", str(root), *args], capture_output=True, text=True, timeout=10
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout if done.returncode == 0 else None


@functools.cache
def git_commit() -> str | None:
    """``<commit>`` or ``<commit>+dirty`` of the checkout holding the packages; ``None``."""
    roots = source_roots()
    head = _git(roots[0], "rev-parse", "HEAD")
    if not head:
        return None
    status = _git(roots[0], "status", "--porcelain", "--", *map(str, roots))
    return head.strip() + ("+dirty" if status is None or status.strip() else "")
