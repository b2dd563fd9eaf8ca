"""The DIRS agent of paper 003 (distributed intelligent resource scheduling)."""

from agents.registry import AgentSpec

AGENTS = [
    AgentSpec(
        name="dirs",
        factory="agents.dirs:DIRSAgent",
        kind="paper",
        envs=("LargeScaleMEC-v0",),
        description="DIRS (paper 003): one DNN per MEC, vote, Lévy flight search, imitation",
    ),
]
