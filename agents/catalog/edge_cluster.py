"""EdgeCluster-v0 baselines (paper 000) and the oracle reference."""

from agents.registry import AgentSpec

_ENVS = ("EdgeCluster-v0",)

AGENTS = [
    AgentSpec(
        name="sc-mwvc",
        factory="agents.baselines.edge_cluster:SCMWVCAgent",
        kind="baseline",
        envs=_ENVS,
        description="static MWVC clusters: cores at the servers, weights 1 (paper 000, SC-MWVC)",
    ),
    AgentSpec(
        name="sc-metis",
        factory="agents.baselines.edge_cluster:SCMETISAgent",
        kind="baseline",
        envs=_ENVS,
        description="static balanced METIS partition matched to the servers (paper 000)",
    ),
    AgentSpec(
        name="greedy-lookahead",
        factory="agents.baselines.edge_cluster:GreedyLookaheadAgent",
        kind="baseline",
        envs=_ENVS,
        description="the oracle's search with the vehicles where they are now: no foresight (ours)",
    ),
    AgentSpec(
        name="oracle",
        factory="agents.baselines.edge_cluster:OracleAgent",
        kind="reference",
        envs=_ENVS,
        description="knows the next vehicle positions; greedy search for the best next reward",
    ),
]
