"""Gymnasium and PettingZoo environments for edge-computing and IoT research.

``import edge_envs`` registers every environment id with Gymnasium::

    import gymnasium as gym
    import edge_envs  # noqa: F401

    env = gym.make("EdgeCluster-v0")
"""

from __future__ import annotations

import importlib
import importlib.util

import gymnasium as gym

from edge_envs.registry import SYSTEMS, System, add_system, get_system

__version__ = "0.1.0"

# One sub-package per system; each defines ``SYSTEM`` (an ``edge_envs.registry.System``).
_SYSTEM_PACKAGES = (
    "edge_envs.edge_cluster",
    "edge_envs.large_scale_mec",
)


def _register_all() -> None:
    for package in _SYSTEM_PACKAGES:
        if importlib.util.find_spec(package) is None:
            continue
        system: System = importlib.import_module(package).SYSTEM
        add_system(system)
        if system.env_id not in gym.registry:
            gym.register(id=system.env_id, entry_point=system.entry_point)


_register_all()

__all__ = ["SYSTEMS", "System", "get_system", "__version__"]
