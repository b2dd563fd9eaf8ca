"""The DRL agents of paper 000 (EdgeCluster-v0): D3QN, L-D3QN and LL-D3QN, and our variants.

``d3qn``, ``l-d3qn`` and ``ll-d3qn`` are the paper's method: the dueling network on the paper's
inputs. ``*-afterstate`` are ours (docs/agents/d3qn.md, "Deviations"): one shared network scores
what each one-core move would produce, computed with the environment's own model (so they are
marked as planning with the model, like ``greedy-lookahead``), and the observation adds each
server's share of the hops and the data and the two reward factors (``observe_balance``).
Config keys are the fields of agents.d3qn.config.D3QNConfig (checked when the agent is built).
"""

from agents.registry import AgentSpec

_CLUSTER = ("EdgeCluster-v0",)
# Sec. 4.1.1: "the D3QN model selects an action on a cluster-core at each time step", i.e.
# the env's one-core-per-step view; the n x 7 outputs are read as one head of 7n actions.
_PAPER_VIEW = {"EdgeCluster-v0": {"action_mode": "single"}}
_BALANCE_VIEW = {"EdgeCluster-v0": {"action_mode": "single", "observe_balance": True}}
# The afterstate variants were measured with epsilon decaying over half the budget; the
# paper's network got 0.2 from the study in docs/agents/d3qn.md.
_AFTERSTATE = {"network": "afterstate", "exploration_fraction": 0.5}
_FACTORIES = {
    "d3qn": "agents.d3qn.agent:D3QNAgent",
    "l-d3qn": "agents.d3qn.agent:LD3QNAgent",
    "ll-d3qn": "agents.d3qn.agent:LLD3QNAgent",
}
_DESCRIPTIONS = {
    "d3qn": "dueling double DQN, one Q-head per cluster-core (paper 000, sec. 4.1)",
    "l-d3qn": "D3QN + LSTM move prediction, expected-Q action selection (eq. 6)",
    "ll-d3qn": "L-D3QN trained on LSTM-generated vehicle traces (paper 000, sec. 4.2)",
}

AGENTS = [
    AgentSpec(
        name=name,
        factory=factory,
        kind="paper",
        envs=_CLUSTER,
        env_kwargs=_PAPER_VIEW,
        description=_DESCRIPTIONS[name],
    )
    for name, factory in _FACTORIES.items()
] + [
    AgentSpec(
        name=f"{name}-afterstate",
        factory=factory,
        kind="paper",
        envs=_CLUSTER,
        env_kwargs=_BALANCE_VIEW,
        config=_AFTERSTATE,
        description=f"ours: {name} with an afterstate network scoring each one-core move with "
        "the env's model, and the balance features",
    )
    for name, factory in _FACTORIES.items()
]
