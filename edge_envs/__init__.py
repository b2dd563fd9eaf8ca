"""Gymnasium and PettingZoo environments for edge-computing and IoT research.

``import edge_envs`` registers every environment id with Gymnasium::

    import gymnasium as gym
    import edge_envs  # noqa: F401

    env = gym.make("EdgeCluster-v0")

Systems are discovered, not listed: every sub-package of ``edge_envs`` whose ``__init__``
defines ``SYSTEM`` (an :class:`edge_envs.registry.System`) is registered, in package-name
order, then every entry point of the group ``edge_envs.systems`` (a third-party package's
``"package.module:SYSTEM"``). See ``docs/adding-an-environment.md``.
"""

from __future__ import annotations

import importlib
import pkgutil
import warnings
from importlib.metadata import entry_points

import gymnasium as gym

from edge_envs.registry import SYSTEMS, System, add_system, get_system

__version__ = "0.1.0"

SYSTEM_ENTRY_POINT_GROUP = "edge_envs.systems"
# Sub-packages that hold shared code, not a system.
_NOT_SYSTEMS = frozenset({"core"})
# What discovery registered at import (SYSTEMS may change later: tests, ``--import`` modules).
DISCOVERED: dict[str, System] = {}


def builtin_systems() -> list[System]:
    """The ``SYSTEM`` record of every sub-package (``core`` and packages without one skipped).

    A system package's ``__init__`` must stay light (numpy/scipy at most): ``import edge_envs``
    imports all of them.
    """
    found = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if not info.ispkg or info.name in _NOT_SYSTEMS or info.name.startswith("_"):
            continue
        system = getattr(importlib.import_module(f"{__name__}.{info.name}"), "SYSTEM", None)
        if system is not None:
            found.append(system)
    return found


def plugin_systems() -> list[System]:
    """Systems of installed third-party packages (entry point group ``edge_envs.systems``).

    A plug-in that fails to load or does not point to a ``System`` is skipped with a warning,
    so one broken package does not break ``import edge_envs``.
    """
    found = []
    for ep in entry_points(group=SYSTEM_ENTRY_POINT_GROUP):
        try:
            system = ep.load()
        except Exception as exc:  # noqa: BLE001 - any import error of a third-party package
            warnings.warn(f"edge_envs: system plug-in {ep.name!r} ({ep.value}) not loaded: "
                          f"{exc}", stacklevel=2)
            continue
        if not isinstance(system, System):
            warnings.warn(f"edge_envs: system plug-in {ep.name!r} ({ep.value}) is a "
                          f"{type(system).__name__}, not an edge_envs.registry.System; skipped",
                          stacklevel=2)
            continue
        found.append(system)
    return found


def register(system: System) -> None:
    """Check and add ``system`` to :data:`SYSTEMS` and register its Gymnasium id."""
    add_system(system)
    if system.env_id not in gym.registry:
        gym.register(id=system.env_id, entry_point=system.entry_point)


def _register_all() -> None:
    for system in builtin_systems():
        register(system)
        DISCOVERED[system.env_id] = system
    for system in plugin_systems():
        if system.env_id in DISCOVERED:  # a plug-in may not shadow a built-in id
            warnings.warn(f"edge_envs: system plug-in {system.env_id} shadows a built-in "
                          "system; skipped", stacklevel=2)
            continue
        try:
            register(system)
        except ValueError as exc:
            warnings.warn(f"edge_envs: system plug-in skipped: {exc}", stacklevel=2)
            continue
        DISCOVERED[system.env_id] = system


_register_all()

__all__ = ["DISCOVERED", "SYSTEMS", "System", "get_system", "register", "__version__"]
