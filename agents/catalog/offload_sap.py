"""OffloadSAP-v0 baselines (paper 001) and the oracle reference (``random`` is generic)."""

from agents.registry import AgentSpec

_ENVS = ("OffloadSAP-v0",)
_MODULE = "agents.baselines.offload_sap"

AGENTS = [
    AgentSpec(
        name="sap-local",
        factory=f"{_MODULE}:LocalAgent",
        kind="baseline",
        envs=_ENVS,
        description="every task on its device (all-local)",
    ),
    AgentSpec(
        name="sap-fastest-server",
        factory=f"{_MODULE}:FastestServerAgent",
        kind="baseline",
        envs=_ENVS,
        description="every task to the server with the smallest uncongested S/link + D/speed",
    ),
    AgentSpec(
        name="sap-myopic",
        factory=f"{_MODULE}:MyopicAgent",
        kind="baseline",
        envs=_ENVS,
        description="cheapest option by what the deciding device observes (stale SAP report)",
    ),
    AgentSpec(
        name="sap-oracle",
        factory=f"{_MODULE}:OracleAgent",
        kind="reference",
        envs=_ENVS,
        description="cheapest option on the true fresh state (greedy: a strong reference, not a "
        "bound); privileged",
    ),
]
