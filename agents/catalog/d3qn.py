"""The DRL agents of paper 000 (EdgeCluster-v0): D3QN, L-D3QN and LL-D3QN."""

from agents.registry import AgentSpec

_CLUSTER = ("EdgeCluster-v0",)
# Sec. 4.1.1: "the D3QN model selects an action on a cluster-core at each time step", i.e.
# the env's one-core-per-step view; the n x 7 outputs are read as one head of 7n actions.
# observe_balance: the network also sees each server's share of the hops and the data and
# the two reward factors (not in the paper; see docs/agents/d3qn.md, "Deviations").
_SINGLE = {"EdgeCluster-v0": {"action_mode": "single", "observe_balance": True}}
# network="afterstate": one shared network scores what each one-core move would produce,
# instead of the paper's n x 7 outputs from the state (docs/agents/d3qn.md, "Deviations").
# Config keys are the fields of agents.d3qn.config.D3QNConfig (checked when the agent is built).
_AFTERSTATE = {"network": "afterstate"}

AGENTS = [
    AgentSpec(
        name="d3qn",
        factory="agents.d3qn.agent:D3QNAgent",
        kind="paper",
        envs=_CLUSTER,
        env_kwargs=_SINGLE,
        config=_AFTERSTATE,
        description="dueling double DQN, one Q-head per cluster-core (paper 000, sec. 4.1)",
    ),
    AgentSpec(
        name="l-d3qn",
        factory="agents.d3qn.agent:LD3QNAgent",
        kind="paper",
        envs=_CLUSTER,
        env_kwargs=_SINGLE,
        config=_AFTERSTATE,
        description="D3QN + LSTM move prediction, expected-Q action selection (eq. 6)",
    ),
    AgentSpec(
        name="ll-d3qn",
        factory="agents.d3qn.agent:LLD3QNAgent",
        kind="paper",
        envs=_CLUSTER,
        env_kwargs=_SINGLE,
        config=_AFTERSTATE,
        description="L-D3QN trained on LSTM-generated vehicle traces (paper 000, sec. 4.2)",
    ),
]
