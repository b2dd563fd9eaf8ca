"""The code fingerprint that makes a stored result belong to one version of the code it ran.

A job's fingerprint is a SHA-256 over the sorted ``(package/relative/path, content)`` of the
project files the job can run: the *static import closure* of its starting modules inside the
``edge_envs``, ``agents`` and ``benchmarks`` packages, plus the package data of every package
in the closure. A ``.py`` file's content is its syntax tree without docstrings, comments and
layout (:func:`_content`), so documentation edits keep stored results valid; other files
count by their bytes. The starting modules (:func:`start_modules`) are

* the job's system: every module of the ``edge_envs`` sub-package holding the env's entry
  point (``edge_envs.edge_cluster`` for ``EdgeCluster-v0``), ``edge_envs/__init__.py`` and
  every module of ``edge_envs.core``;
* the agent: the module of its factory and of every ``"module:attr"`` string in its resolved
  config (the ``inner`` agent of the reproductions' wrappers);
* what runs any job: :data:`RUNNER_MODULES` (the runner; its closure holds the job, the
  evaluation loop, the agent registry and base class).

The closure follows every ``import``/``from ... import`` of a module (at top level and inside
functions, relative imports resolved) and the edges of :data:`STRING_IMPORTS` (imports by
string the AST cannot see). A module's parent packages are in it too, with the imports their
``__init__`` runs at module level (importing ``benchmarks.reproduce.wrapper`` runs
``benchmarks/reproduce/__init__.py``, not its command-line dispatcher). ``edge_envs/__init__.py``
imports the system packages by discovery (``importlib`` over its folder), so other systems are
not in the closure. Package data: the non-``.py`` files of a package's folder and of its
sub-folders that are not packages (``edge_envs/edge_cluster/data/``, ``agents/hyperparams/
*.yml``), counted when the package is in the closure. A table keyed by env id
(:data:`PER_ENV_TABLES`: the SB3 hyper-parameter files) counts only by the job's env entry and
its ``default`` entry, so tuning one env keeps the stored results of the others valid.
:data:`KEY_ONLY` (this module) is left out: it decides keys, not results.

So an edit to another system, another agent or the leaderboard leaves a job's key as it was,
and an edit to anything the job can execute gives new keys. Being a content hash, it is the
same inside and outside a git checkout. Limits (``docs/benchmark.md``, "Job keys and code
versions"): a module imported by a computed string, or a file read from outside its package,
is seen only when listed in :data:`STRING_IMPORTS` or kept in the reading module's package.

:func:`git_commit` is informational only (stored next to each result, never in the key):
``git rev-parse HEAD`` of the checkout holding the packages, with ``+dirty`` when
``git status --porcelain`` lists changes under them; ``None`` outside git.

Both are computed once per process: :func:`code_fingerprint` once per (env id, agent modules),
reading and parsing each file once.
"""

from __future__ import annotations

import ast
import functools
import hashlib
import importlib
import re
import subprocess
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

PACKAGES = ("edge_envs", "agents", "benchmarks")
SHORT = 12  # hex digits shown in tables
# What executes every job: ``execute``/``run_job`` (worker side) and what they import.
RUNNER_MODULES = ("benchmarks.runner",)
# Every system runs on the package that registers the ids and, whole, the shared env code.
SHARED_MODULES = ("edge_envs",)
SHARED_PACKAGES = ("edge_envs.core",)
# module -> project modules it imports by a string the AST cannot resolve. If your code
# imports a project module by string (importlib.import_module, import_object, an entry point)
# on a job's path, add the edge here, or the job's fingerprint will not see that module.
# Factories and ``"module:attr"`` config values of a job are followed already; the entry
# point of the job's system is inside its package, which is included whole.
STRING_IMPORTS: dict[str, tuple[str, ...]] = {}
# Code that decides keys, not results: left out of every fingerprint, its imports not followed
# (a change to how keys are computed shows in the keys themselves), so editing it, or what it
# imports, does not make stored results stale.
KEY_ONLY = ("benchmarks.fingerprint",)
# Package-data folders of YAML tables keyed by env id, each env's entry read only by that env's
# jobs (agents/hyperparams/<algo>.yml): a job's fingerprint counts the job's env entry and the
# ``default`` entry (agents.hyperparams.DEFAULT_KEY) of each table, not the whole file.
PER_ENV_TABLES = ("agents/hyperparams",)
# A ``"package.module:attr"`` string in an agent config: a factory the agent will import.
_FACTORY = re.compile(r"([A-Za-z_]\w*(?:\.\w+)*):[A-Za-z_][\w.]*")


def source_roots() -> list[Path]:
    """The folders of the imported :data:`PACKAGES` (from their ``__path__``)."""
    roots: list[Path] = []
    for name in PACKAGES:
        roots.extend(Path(p).resolve() for p in importlib.import_module(name).__path__)
    return roots


class Tree:
    """The project's modules and files under ``roots`` (one folder per top-level package)."""

    def __init__(self, roots: Iterable[Path]) -> None:
        self.roots = {Path(r).name: Path(r) for r in roots}

    def module_file(self, module: str) -> Path | None:
        """``a/b.py`` or ``a/b/__init__.py`` of module ``a.b``; ``None`` if not a project file."""
        top, *rest = module.split(".")
        if top not in self.roots:
            return None
        base = self.roots[top].joinpath(*rest)
        for path in (base / "__init__.py", base.with_suffix(".py") if rest else None):
            if path is not None and path.is_file():
                return path
        return None

    def package_modules(self, package: str) -> list[str]:
        """Every module of ``package``'s folder tree (its sub-packages' too)."""
        init = self.module_file(package)
        if init is None or init.name != "__init__.py":
            return []
        folder = init.parent
        out = []
        for path in sorted(folder.rglob("*.py")):
            parts = path.relative_to(folder).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            out.append(".".join((package, *parts)))
        return out

    def imports(self, module: str, functions: bool = True) -> list[str]:
        """Project modules that ``module`` imports (also inside functions unless
        ``functions`` is false) and its :data:`STRING_IMPORTS` edges."""
        path = self.module_file(module)
        if path is None:
            return []
        package = module if path.name == "__init__.py" else module.rpartition(".")[0]
        top, inside = _imported_names(path, package, *_stat(path))
        names = [*top, *(inside if functions else ())]
        names += STRING_IMPORTS.get(module, ())
        return [n for n in dict.fromkeys(names) if self.module_file(n) is not None]

    @staticmethod
    def parents(module: str) -> list[str]:
        """``a.b.c`` -> ``["a.b", "a"]``: the packages whose ``__init__`` importing it runs."""
        return [module.rsplit(".", i)[0] for i in range(1, module.count(".") + 1)]

    def closure(self, start: Iterable[str], skip: Iterable[str] = ()) -> set[str]:
        """``start`` (project modules only) and every project module they import, transitively;
        a module of ``skip`` is neither counted nor followed.

        A package reached only as the parent of a module counts with the imports its
        ``__init__`` runs (module level), not those inside its functions: importing
        ``benchmarks.reproduce.wrapper`` runs ``benchmarks/reproduce/__init__.py`` but not its
        command-line dispatcher. Imported by name, a module counts with all its imports.
        """
        skip = set(skip)
        full: set[str] = set()
        parent_only: set[str] = set()
        todo = [(m, True) for m in start if self.module_file(m) is not None]
        while todo:
            module, named = todo.pop()
            if module in skip or module in full or (not named and module in parent_only):
                continue
            (full if named else parent_only).add(module)
            todo.extend((m, False) for m in self.parents(module))
            todo.extend((m, True) for m in self.imports(module, functions=named))
        return full | parent_only

    def files(self, modules: Iterable[str]) -> dict[str, Path]:
        """``package/relative/path`` -> file: the modules' sources and their packages' data."""
        out: dict[str, Path] = {}
        for module in modules:
            path = self.module_file(module)
            if path is None:
                continue
            paths = [path, *(_package_data(path.parent) if path.name == "__init__.py" else ())]
            for p in paths:
                out[self._name(p)] = p
        return out

    def _name(self, path: Path) -> str:
        for name, root in self.roots.items():
            if path.is_relative_to(root):
                return f"{name}/{path.relative_to(root).as_posix()}"
        raise ValueError(f"{path} is outside the project packages")


def _stat(path: Path) -> tuple[int, int]:
    st = path.stat()
    return st.st_mtime_ns, st.st_size


@functools.cache
def _imported_names(path: Path, package: str, _mtime_ns: int,
                    _size: int) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The names an ``import`` of ``path`` may bind to a module: (at module level, inside
    functions). ``from a import b`` gives ``a`` and ``a.b`` (``b`` may be a sub-module); names
    that are not project modules are dropped by the caller. Cached per file version."""
    names: tuple[list[str], list[str]] = ([], [])
    for node, in_function in _statements(ast.parse(path.read_bytes(), str(path)).body):
        if isinstance(node, ast.Import):
            names[in_function].extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: up from the module's own package
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1])
                base = f"{base}.{node.module}" if node.module else base
            else:
                base = node.module or ""
            names[in_function].append(base)
            names[in_function].extend(f"{base}.{alias.name}" for alias in node.names)
    return tuple(names[0]), tuple(names[1])


def _statements(nodes: Iterable[ast.AST],
                in_function: bool = False) -> Iterable[tuple[ast.AST, bool]]:
    """Every statement, nested ones too, and whether it is inside a function (imports are
    statements: expressions are skipped)."""
    for node in nodes:
        yield node, in_function
        inner = in_function or isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        for name in ("body", "orelse", "finalbody", "handlers", "cases"):
            yield from _statements(getattr(node, name, ()), inner)


def _package_data(folder: Path) -> Iterable[Path]:
    """Non-``.py`` files of a package folder and of its sub-folders that are not packages."""
    for path in folder.iterdir():
        if path.name == "__pycache__":
            continue
        if path.is_dir():
            if not (path / "__init__.py").exists():
                yield from _package_data(path)
        elif path.suffix not in (".py", ".pyc"):
            yield path


def _strip_docstrings(tree: ast.AST) -> ast.AST:
    """``tree`` without the docstrings of its module, classes and functions."""
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if (isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
                and body and isinstance(body[0], ast.Expr)
                and isinstance(body[0].value, ast.Constant)
                and isinstance(body[0].value.value, str)):
            node.body = body[1:] or [ast.Pass()]
    return tree


@functools.cache
def _content(path: Path, _mtime_ns: int, _size: int) -> bytes:
    """What of a file counts for the fingerprint: a ``.py`` file's syntax tree without
    docstrings, comments, layout or line numbers (so documentation edits keep stored results
    valid), any other file's bytes. Cached per file version."""
    data = path.read_bytes()
    if path.suffix != ".py":
        return data
    tree = _strip_docstrings(ast.parse(data, str(path)))
    return ast.dump(tree, include_attributes=False).encode()


@functools.cache
def _env_entries(path: Path, env_id: str, _mtime_ns: int, _size: int) -> bytes:
    """What of a :data:`PER_ENV_TABLES` file counts for a job of ``env_id``: the canonical JSON
    of its ``env_id`` and ``default`` entries (comments, layout and other envs do not count).
    Cached per file version."""
    import yaml

    from agents.hyperparams import DEFAULT_KEY
    from benchmarks.jobs import canonical_json

    data = path.read_bytes()
    try:
        table = yaml.safe_load(data) or {}
    except yaml.YAMLError:  # the job will fail to read it; its key still follows the bytes
        return data
    if not isinstance(table, dict):
        return data
    kept = {key: table[key] for key in (DEFAULT_KEY, env_id) if key in table}
    try:
        return canonical_json(kept).encode()
    except TypeError:  # a YAML value JSON has no form for (a date): follow the bytes
        return data


def _per_env(name: str) -> bool:
    return name.endswith((".yml", ".yaml")) and name.rpartition("/")[0] in PER_ENV_TABLES


def hash_files(entries: Mapping[str, Path], env_id: str | None = None) -> str:
    """SHA-256 hex digest over the sorted ``(name, content)`` of ``entries`` (name -> file),
    the content of a file being :func:`_content`, or for a job of ``env_id`` the
    :func:`_env_entries` of a :data:`PER_ENV_TABLES` file."""
    digest = hashlib.sha256()
    for name in sorted(entries):
        path = entries[name]
        data = (_env_entries(path, env_id, *_stat(path)) if env_id is not None and _per_env(name)
                else _content(path, *_stat(path)))
        # Lengths delimit the fields, so no two different trees hash the same stream.
        digest.update(f"{len(name)}:{name}{len(data)}:".encode())
        digest.update(data)
    return digest.hexdigest()


def start_modules(tree: Tree, env_id: str, agent_modules: Iterable[str]) -> list[str]:
    """The modules a job of ``env_id`` whose agent code is in ``agent_modules`` starts from."""
    from edge_envs.registry import SYSTEMS

    start = [*RUNNER_MODULES, *agent_modules, *SHARED_MODULES]
    for package in SHARED_PACKAGES:
        start += tree.package_modules(package)
    system = SYSTEMS.get(env_id)
    if system is not None:
        entry = system.entry_point.partition(":")[0].split(".")
        if entry[0] == "edge_envs" and len(entry) > 2:  # the system's package, whole
            start += tree.package_modules(".".join(entry[:2]))
        start.append(".".join(entry))
    return start


def agent_modules(factory: str | Callable[..., Any], config: Mapping[str, Any]) -> tuple[str, ...]:
    """Modules of the factory and of every ``"module:attr"`` string in ``config`` (nested)."""
    found: list[str] = []

    def visit(value: Any) -> None:
        if isinstance(value, str):
            match = _FACTORY.fullmatch(value)
            if match and match.group(1).split(".")[0] in PACKAGES:
                found.append(match.group(1))
        elif isinstance(value, Mapping):
            for item in value.values():
                visit(item)
        elif isinstance(value, list | tuple):
            for item in value:
                visit(item)

    visit(factory if isinstance(factory, str) else f"{getattr(factory, '__module__', '')}:f")
    visit(config)
    return tuple(sorted(set(found)))


@functools.cache
def code_fingerprint(env_id: str, agent_modules: tuple[str, ...] = (),
                     roots: tuple[Path, ...] | None = None) -> str:
    """:func:`hash_files` of what a job of ``env_id`` with agent code in ``agent_modules`` can
    run (:func:`start_modules` and their closure); ``roots`` default to :func:`source_roots`.
    Cached per arguments: computed once per process."""
    tree = Tree(source_roots() if roots is None else roots)
    modules = tree.closure(start_modules(tree, env_id, agent_modules), skip=KEY_ONLY)
    return hash_files(tree.files(modules), env_id)


def job_fingerprint(env_id: str, factory: str | Callable[..., Any],
                    config: Mapping[str, Any]) -> str:
    """:func:`code_fingerprint` of a job's env, agent factory and resolved agent config."""
    return code_fingerprint(env_id, agent_modules(factory, config))


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
