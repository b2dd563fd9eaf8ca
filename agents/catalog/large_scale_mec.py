"""Baselines and the exact reference of LargeScaleMEC-v0 (papers 003/004)."""

from agents.registry import AgentSpec

_ENVS = ("LargeScaleMEC-v0",)
_MODULE = "agents.baselines.large_scale_mec"

AGENTS = [
    AgentSpec(
        name="local",
        factory=f"{_MODULE}:LocalAgent",
        kind="baseline",
        envs=_ENVS,
        description="every IoTD computes locally (paper's Local)",
    ),
    AgentSpec(
        name="fixed-split",
        factory=f"{_MODULE}:FixedSplitAgent",
        kind="baseline",
        envs=_ENVS,
        description="fixed decision ignoring the observation: IoTDs split over the MECs in "
        "proportion to capacity, i mod M (ours; the quick board's fixed rule)",
    ),
    AgentSpec(
        name="random-mec",
        factory=f"{_MODULE}:RandomMECAgent",
        kind="baseline",
        envs=_ENVS,
        description="local or a random MEC per IoTD, local if that MEC is over capacity "
        "(paper's Random)",
    ),
    AgentSpec(
        name="greedy",
        factory=f"{_MODULE}:GreedyAgent",
        kind="baseline",
        envs=_ENVS,
        description="nearest MEC, IoTDs needing the most compute fall back to local when it is "
        "over capacity (paper's Remote/Greedy)",
    ),
    AgentSpec(
        name="pso",
        factory=f"{_MODULE}:PSOAgent",
        kind="baseline",
        envs=_ENVS,
        description="particle swarm search per slot on the decoded observation (paper's PSO)",
    ),
    AgentSpec(
        name="de",
        factory=f"{_MODULE}:DEAgent",
        kind="baseline",
        envs=_ENVS,
        description="vectorised differential evolution per slot on the decoded observation "
        "(paper's DE)",
    ),
    AgentSpec(
        name="exact",
        factory=f"{_MODULE}:ExactAgent",
        kind="reference",
        envs=_ENVS,
        description="optimal decision by linear assignment on the true slot state (exact for "
        "equal tasks; heuristic with a 0.1 % bound otherwise); privileged",
    ),
]
