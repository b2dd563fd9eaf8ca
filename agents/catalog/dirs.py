"""The DIRS agent of paper 003 (distributed intelligent resource scheduling) and our variant.

``dirs`` decides by the paper's vote alone. ``dirs-capacity`` (ours) adds capacity admission and
fill after the vote (docs/agents/dirs.md): these rules accept decisions with the model's
capacities, so it is marked as planning with the model.
"""

from agents.registry import AgentSpec

AGENTS = [
    AgentSpec(
        name="dirs",
        factory="agents.dirs:DIRSAgent",
        kind="paper",
        envs=("LargeScaleMEC-v0",),
        config={"admission": False, "fill": False},
        description="DIRS (paper 003): one DNN per MEC, vote, Lévy flight search, imitation",
    ),
    AgentSpec(
        name="dirs-capacity",
        factory="agents.dirs:DIRSAgent",
        kind="paper",
        envs=("LargeScaleMEC-v0",),
        config={"admission": True, "fill": True},
        description="ours: DIRS with capacity admission and fill after the vote",
    ),
]
