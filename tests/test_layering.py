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
