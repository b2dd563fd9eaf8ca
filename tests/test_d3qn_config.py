"""The D3QN config dataclass: validated at construction, the same from keywords or a dataclass."""

from __future__ import annotations

import dataclasses

import pytest
import torch

from agents.d3qn.afterstate import AfterstateQNetworks
from agents.d3qn.agent import D3QNAgent, LLD3QNAgent
from agents.d3qn.config import D3QNConfig
from agents.d3qn.dueling import DuelingQNetworks
from agents.registry import make_agent, resolve_agent
from edge_envs.edge_cluster.gym_env import EdgeClusterEnv

SMALL = "random-direction-20x3"
SINGLE = {"action_mode": "single", "observe_balance": True}

BAD = [
    ("lr", 0.0), ("lr", float("nan")), ("gamma", 1.5), ("epsilon_start", -0.1),
    ("epsilon_end", 2.0), ("exploration_fraction", 1.2), ("buffer_size", 0),
    ("batch_size", 2.5), ("learning_starts", -1), ("train_freq", 0), ("target_update", 0),
    ("layout_seed", -1), ("trace_fraction", 0.0), ("lstm_updates", -5),
    ("rollout_mode", "greedy"), ("use_adjacency", "yes"), ("n_step", 0),
    ("exploration", "boltzmann"), ("rollout_floor_m", 0.0), ("validate_every", -1),
    ("validation_episodes", 0), ("network", "graph"), ("seed", 1.5),
]


@pytest.mark.parametrize(("field", "value"), BAD)
def test_a_bad_value_names_its_field(field, value):
    with pytest.raises(ValueError, match=f"^{field} must"):
        D3QNConfig(**{field: value})
    # The agent's keywords go through the same checks.
    with pytest.raises(ValueError, match=f"^{field} must"):
        D3QNAgent(EdgeClusterEnv(SMALL, **SINGLE), **{field: value})


def test_every_field_is_checked():
    assert {f for f, _ in BAD} == {f.name for f in dataclasses.fields(D3QNConfig)}


def test_defaults_are_table_2_and_the_config_is_frozen():
    cfg = D3QNConfig()
    assert (cfg.lr, cfg.gamma, cfg.epsilon_end, cfg.network) == (1e-3, 0.9, 0.01, "dueling")
    D3QNConfig(layout_seed=3, trace_fraction=0.25, rollout_floor_m=None, validate_every=0)
    with pytest.raises(dataclasses.FrozenInstanceError):
        cfg.lr = 0.1
    with pytest.raises(TypeError, match="hidden"):
        D3QNAgent(EdgeClusterEnv(SMALL), hidden=(64,))


def test_keywords_and_dataclass_build_the_same_agent():
    kw = {"lr": 5e-4, "layout_seed": 1, "n_step": 2, "network": "afterstate", "seed": 4}
    by_kw = D3QNAgent(EdgeClusterEnv(SMALL, **SINGLE), **kw)
    by_cfg = D3QNAgent(EdgeClusterEnv(SMALL, **SINGLE), D3QNConfig(**kw))
    assert by_kw.cfg == by_cfg.cfg == D3QNConfig(**kw)
    # agent.config (saved with the agent) is the resolved config: every field, in order.
    assert by_kw.config == by_cfg.config == dataclasses.asdict(D3QNConfig(**kw))
    assert list(by_kw.config) == [f.name for f in dataclasses.fields(D3QNConfig)]
    for a, b in zip(by_kw.net.q.parameters(), by_cfg.net.q.parameters(), strict=True):
        assert torch.equal(a, b)  # same seed, same initial weights
    # Keywords next to a dataclass override its fields.
    both = D3QNAgent(EdgeClusterEnv(SMALL, **SINGLE), D3QNConfig(**kw), lr=1e-2)
    assert both.cfg == dataclasses.replace(D3QNConfig(**kw), lr=1e-2)


def test_the_network_type_is_chosen_by_name():
    assert isinstance(D3QNAgent(EdgeClusterEnv(SMALL)).net, DuelingQNetworks)
    # The catalog name is the paper's network; ours is the named variant, marked as planning.
    spec = resolve_agent("ll-d3qn", "EdgeCluster-v0")
    agent = make_agent("ll-d3qn", EdgeClusterEnv(SMALL, **spec.env_kwargs_for("EdgeCluster-v0")))
    assert isinstance(agent, LLD3QNAgent) and isinstance(agent.net, DuelingQNetworks)
    assert agent.cfg == D3QNConfig() and not agent.plans_with_model
    spec = resolve_agent("ll-d3qn-afterstate", "EdgeCluster-v0")
    env = EdgeClusterEnv(SMALL, **spec.env_kwargs_for("EdgeCluster-v0"))
    agent = make_agent("ll-d3qn-afterstate", env)
    assert isinstance(agent, LLD3QNAgent) and isinstance(agent.net, AfterstateQNetworks)
    assert agent.cfg == D3QNConfig(network="afterstate", exploration_fraction=0.5)
    assert agent.plans_with_model
    assert env.params.observe_balance
