"""A system is one folder (docs/adding-an-environment.md): every registered built-in system has
its package files, tests, docs page and parameter strategy; systems are discovered, not listed;
a malformed ``System`` record is refused with the field named."""

from __future__ import annotations

import dataclasses
import importlib
import subprocess
import sys
from pathlib import Path

import gymnasium as gym
import pytest

import edge_envs
from edge_envs.registry import ACTION_SPACE_KINDS, add_system, check_system
from tests.conftest import SYSTEMS
from tests.param_strategies import PARAM_STRATEGIES

ROOT = Path(__file__).resolve().parents[1]
PACKAGE_FILES = ("__init__.py", "params.py", "model.py", "gym_env.py", "render.py")
SPACE_OF_KIND = {"discrete": gym.spaces.Discrete, "multi_discrete": gym.spaces.MultiDiscrete,
                 "box": gym.spaces.Box}


def package_name(system) -> str:
    """``edge_envs.edge_cluster.gym_env:EdgeClusterEnv`` -> ``edge_cluster``."""
    return system.entry_point.split(":")[0].split(".")[1]


BUILTIN = sorted(e for e, s in SYSTEMS.items() if s.entry_point.startswith("edge_envs."))


def test_every_registered_system_is_a_discovered_package():
    assert {"EdgeCluster-v0", "LargeScaleMEC-v0"} <= set(BUILTIN)
    discovered = {s.env_id for s in edge_envs.builtin_systems()}
    assert discovered == set(BUILTIN)
    packages = sorted(p.parent.name for p in (ROOT / "edge_envs").glob("*/__init__.py")
                      if p.parent.name != "core")
    with_system = [p for p in packages
                   if getattr(importlib.import_module(f"edge_envs.{p}"), "SYSTEM", None)]
    assert sorted(package_name(SYSTEMS[e]) for e in BUILTIN) == with_system
    assert all(e in gym.registry for e in BUILTIN)


@pytest.mark.parametrize("env_id", BUILTIN)
def test_system_has_its_files(env_id):
    system = SYSTEMS[env_id]
    name = package_name(system)
    package = ROOT / "edge_envs" / name
    missing = [f"edge_envs/{name}/{f}" for f in PACKAGE_FILES if not (package / f).is_file()]
    if not ((package / "baselines.py").is_file() or (package / "baselines").is_dir()):
        missing.append(f"edge_envs/{name}/baselines.py")
    if system.pz_module is not None:
        pz_file = package / f"{system.pz_module.rpartition('.')[2]}.py"
        if not (system.pz_module.startswith(f"edge_envs.{name}.") and pz_file.is_file()):
            missing.append(f"edge_envs/{name}/<name>_v0.py (pz_module {system.pz_module})")
    if not list((ROOT / "tests").glob(f"test_{name}_*.py")):
        missing.append(f"tests/test_{name}_*.py")
    page = ROOT / "docs" / "envs" / f"{name.replace('_', '-')}.md"
    if not page.is_file():
        missing.append(str(page.relative_to(ROOT)))
    if env_id not in PARAM_STRATEGIES:
        missing.append(f"PARAM_STRATEGIES[{env_id!r}] in tests/param_strategies.py")
    assert not missing, f"{env_id} lacks {missing} (docs/adding-an-environment.md)"
    assert importlib.import_module(f"edge_envs.{name}").SYSTEM is system
    assert system.entry_point.startswith(f"edge_envs.{name}.gym_env:")
    assert system.pz_module is None or system.pz_module.endswith("_v0")
    assert env_id in page.read_text()


@pytest.mark.parametrize("env_id", BUILTIN)
def test_action_views_give_the_declared_kind_of_space(env_id):
    system = SYSTEMS[env_id]
    scenario = system.quick_scenario or system.default_scenario
    for kind, kwargs in system.action_views.items():
        env = gym.make(env_id, scenario=scenario, **kwargs)
        assert isinstance(env.action_space, SPACE_OF_KIND[kind]), (kind, env.action_space)
        env.close()


def test_import_is_light():
    heavy = ("torch", "stable_baselines3", "agents")
    code = f"import sys, edge_envs; print(sorted(m for m in {heavy} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                         check=True)
    assert out.stdout.strip() == "[]"


# ----------------------------------------------------------------------------- records
@pytest.fixture
def cluster():
    return SYSTEMS["EdgeCluster-v0"]


@pytest.mark.parametrize(
    "change, message",
    [
        ({"env_id": "no version"}, "env_id must look like"),
        ({"entry_point": "module.Class"}, "entry_point must be 'module:Class'"),
        ({"default_scenario": "nope"}, "default_scenario 'nope' is not a scenario"),
        ({"quick_scenario": "nope"}, "quick_scenario 'nope' is not a scenario"),
        ({"metric_goal": "up"}, "metric_goal must be one of"),
        ({"paper_preset": "cluster"}, "paper_preset must look like 'paper-<name>'"),
        ({"paper_agents": "d3qn"}, "paper_agents must be a tuple"),
        ({"quick_agents": {"d3qn": 0}}, "budget of 'd3qn' must be a positive int"),
        ({"action_views": {"Discrete": {}}}, "action_views has unknown kind"),
        ({"action_views": {"discrete": {"action_mod": "single"}}},
         r"action_views\['discrete'\] is not valid: unknown parameter"),
        ({"quick_overrides": {"episode_steps": 0}}, "quick_overrides is not valid: episode_steps"),
        ({"eval_overrides": {"trace_split": "held-out"}},
         "eval_overrides is not valid: trace_split"),
        ({"scale_10x": {"n_node": 800}}, "scale_10x is not valid: unknown parameter"),
    ],
)
def test_malformed_records_are_refused(cluster, change, message, monkeypatch):
    monkeypatch.setitem(edge_envs.SYSTEMS, "EdgeCluster-v0", cluster)  # restored if accepted
    with pytest.raises(ValueError, match=message):
        add_system(dataclasses.replace(cluster, **change))
    assert SYSTEMS["EdgeCluster-v0"] is cluster and edge_envs.SYSTEMS["EdgeCluster-v0"] is cluster


def test_two_systems_cannot_share_a_paper_preset(cluster):
    check_system(cluster)
    twin = dataclasses.replace(cluster, env_id="EdgeClusterTwin-v0")
    with pytest.raises(ValueError, match="'paper-cluster' is already EdgeCluster-v0's"):
        add_system(twin)
    assert "EdgeClusterTwin-v0" not in edge_envs.SYSTEMS
    assert set(ACTION_SPACE_KINDS) == set(SPACE_OF_KIND)


# ----------------------------------------------------------------------------- plug-ins
PLUGIN_MODULE = '''
import dataclasses
from edge_envs.large_scale_mec import SYSTEM as _MEC

SYSTEM = dataclasses.replace(_MEC, env_id="ThirdPartyMEC-v0", paper_preset=None)
NOT_A_SYSTEM = 42
'''


def test_systems_of_installed_packages_are_found(tmp_path, monkeypatch):
    site = tmp_path / "site"
    info = site / "third_party_envs-0.1.dist-info"
    info.mkdir(parents=True)
    (site / "third_party_envs.py").write_text(PLUGIN_MODULE)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: third-party-envs\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(
        "[edge_envs.systems]\nmec = third_party_envs:SYSTEM\nbad = third_party_envs:NOT_A_SYSTEM\n"
        "gone = no_such_module:SYSTEM\n")
    monkeypatch.syspath_prepend(str(site))
    with pytest.warns(UserWarning) as caught:
        found = edge_envs.plugin_systems()
    assert [s.env_id for s in found] == ["ThirdPartyMEC-v0"]
    messages = " ".join(str(w.message) for w in caught)
    assert "'bad'" in messages and "is a int" in messages
    assert "'gone'" in messages and "not loaded" in messages
