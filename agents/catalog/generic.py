"""Agents available on every environment."""

from agents.registry import AgentSpec

AGENTS = [
    AgentSpec(
        name="random",
        factory="agents.baselines.generic:RandomAgent",
        kind="baseline",
        description="uniform random actions (normalised score 0)",
    ),
]
