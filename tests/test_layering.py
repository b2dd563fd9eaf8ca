"""The simulation models stay plain numpy/scipy: no RL library imports below the API shells."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FORBIDDEN = {"gymnasium", "gym", "pettingzoo", "torch", "stable_baselines3"}
# Modules allowed to import an RL library: the API shells and the package entry points.
SHELLS = {"__init__.py", "gym_env.py", "pz_env.py", "render.py", "env_base.py"}


def model_modules():
    for path in sorted((ROOT / "edge_envs").rglob("*.py")):
        if path.name in SHELLS or path.name.endswith("_v0.py") or path.name == "registry.py":
            continue
        yield path


def imported_roots(path: Path) -> set[str]:
    roots = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def test_every_system_has_a_model_module():
    systems = [p for p in (ROOT / "edge_envs").iterdir() if (p / "gym_env.py").exists()]
    assert systems, "no system packages found"
    for system in systems:
        assert (system / "model.py").exists(), f"{system.name} has no model.py"


@pytest.mark.parametrize("path", list(model_modules()), ids=lambda p: str(p.relative_to(ROOT)))
def test_model_layer_imports_no_rl_library(path):
    assert not (imported_roots(path) & FORBIDDEN), (
        f"{path} imports {imported_roots(path) & FORBIDDEN}"
    )


# -- import graph of edge_envs -------------------------------------------------------------
def package_modules(root: Path, package: str) -> dict[str, Path]:
    """Dotted name -> file of every module of ``root/package`` (``a/__init__.py`` is ``a``)."""
    modules = {}
    for path in sorted((root / package).rglob("*.py")):
        parts = path.relative_to(root).with_suffix("").parts
        modules[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return modules


def imported_modules(name: str, path: Path, known) -> set[str]:
    """The modules of ``known`` that module ``name`` imports, at the top or inside a function
    (lazy imports hide circles too): ``from pkg import sub`` names ``pkg.sub``,
    ``from pkg import NAME`` names ``pkg``, relative imports are resolved."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(up + ([base] if base else []))
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base
                       for alias in node.names]
        else:
            continue
        for module in targets:
            while module and module not in known:
                module = module.rpartition(".")[0]
            if module and module != name:
                found.add(module)
    return found


def import_circles(root: Path, package: str) -> list[list[str]]:
    import networkx as nx

    modules = package_modules(root, package)
    graph = nx.DiGraph()
    for name, path in modules.items():
        graph.add_node(name)
        graph.add_edges_from((name, target) for target in imported_modules(name, path, modules))
    return list(nx.simple_cycles(graph))


def test_import_circle_finder_sees_lazy_and_relative_imports(tmp_path):
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("def f():\n    from pkg.b import X\n")
    (pkg / "b.py").write_text("import numpy\nfrom . import c\n")
    (pkg / "c.py").write_text("from pkg import f\n")
    assert [set(c) for c in import_circles(tmp_path, "pkg")] == [{"pkg", "pkg.b", "pkg.c"}]
    (pkg / "c.py").write_text("import pkg.b as b\n")
    assert [set(c) for c in import_circles(tmp_path, "pkg")] == [{"pkg.b", "pkg.c"}]
    (pkg / "c.py").write_text("X = 1\n")
    assert import_circles(tmp_path, "pkg") == []


def test_no_import_circles_in_edge_envs():
    """Every system, present or future: observation encoders import the model, shells import
    the package's ``SYSTEM``, never the reverse."""
    circles = import_circles(ROOT, "edge_envs")
    assert not circles, "import circles (each module imports the next): " + "; ".join(
        " -> ".join([*c, c[0]]) for c in circles)


def test_environments_never_import_agents_or_benchmarks():
    for name, path in package_modules(ROOT, "edge_envs").items():
        bad = {r for r in imported_roots(path) if r in ("agents", "benchmarks")}
        assert not bad, f"{name} imports {bad}"
