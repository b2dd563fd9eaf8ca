"""MADDPG, the multi-agent deep-RL comparison of paper 003 (Fig. 7)."""

from agents.registry import AgentSpec

AGENTS = [
    AgentSpec(
        name="maddpg",
        factory="agents.maddpg:MADDPGAgent",
        kind="paper",
        envs=("LargeScaleMEC-v0",),
        description="MADDPG: one actor per MEC on its gain column, centralised critic, vote",
    ),
]
