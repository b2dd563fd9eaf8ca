"""Baselines and the per-slot optimum of SingleCellMEC-v0 (paper 002).

Agent names are global across systems: ``sc-local`` is the issue's ``local`` (the name
``local`` belongs to LargeScaleMEC-v0's agent).
"""

from agents.registry import AgentSpec

_ENVS = ("SingleCellMEC-v0",)
_MODULE = "agents.baselines.single_cell_mec"

AGENTS = [
    AgentSpec(
        name="sc-local",
        factory=f"{_MODULE}:SCLocalAgent",
        kind="baseline",
        envs=_ENVS,
        description="every user computes its task locally",
    ),
    AgentSpec(
        name="sc-fixed-assign",
        factory=f"{_MODULE}:FixedAssignAgent",
        kind="baseline",
        envs=_ENVS,
        description="user i always to server i mod M, ignoring the observation (ours; the "
        "quick board's fixed rule)",
    ),
    AgentSpec(
        name="least-loaded",
        factory=f"{_MODULE}:LeastLoadedAgent",
        kind="baseline",
        envs=_ENVS,
        description="users in turn take the server with the smallest load factor (eq. 18, "
        "counting the tasks placed before them)",
    ),
    AgentSpec(
        name="greedy-delay",
        factory=f"{_MODULE}:GreedyDelayAgent",
        kind="baseline",
        envs=_ENVS,
        description="users in turn take the option (local or a server) with the lowest "
        "estimated delay given the loads so far, from the observation",
    ),
    AgentSpec(
        name="slot-optimum",
        factory=f"{_MODULE}:SlotOptimumAgent",
        kind="reference",
        envs=_ENVS,
        description="per slot, the joint decision with the best mean reward on the true "
        "state: exhaustive up to 50,000 joint decisions, else a multi-start local search; "
        "privileged",
    ),
]
