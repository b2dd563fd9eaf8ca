"""Agents: the papers' own algorithms, heuristic and exact baselines, and the SB3 adapter.

Every agent implements :class:`agents.base.Agent`; :mod:`agents.registry` maps names to
factories (built-ins, Stable-Baselines3 algorithms and third-party plug-ins).
"""

from agents.base import Agent, TrainResult

__all__ = ["Agent", "TrainResult"]
