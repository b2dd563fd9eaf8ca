"""The DRL agents of paper 000 (EdgeCluster-v0): D3QN, L-D3QN and LL-D3QN."""

from agents.registry import AgentSpec

_CLUSTER = ("EdgeCluster-v0",)

AGENTS = [
    AgentSpec(
        name="d3qn",
        factory="agents.d3qn.agent:D3QNAgent",
        kind="paper",
        envs=_CLUSTER,
        description="dueling double DQN, one Q-head per cluster-core (paper 000, sec. 4.1)",
    ),
    AgentSpec(
        name="l-d3qn",
        factory="agents.d3qn.agent:LD3QNAgent",
        kind="paper",
        envs=_CLUSTER,
        description="D3QN + LSTM move prediction, expected-Q action selection (eq. 6)",
    ),
    AgentSpec(
        name="ll-d3qn",
        factory="agents.d3qn.agent:LLD3QNAgent",
        kind="paper",
        envs=_CLUSTER,
        description="L-D3QN trained on LSTM-generated vehicle traces (paper 000, sec. 4.2)",
    ),
]
