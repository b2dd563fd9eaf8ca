"""EdgeCluster-v0: load-balancing dynamic clustering of an IoT network (paper 000).

An IoT sensor network is split into one cluster per edge server; vehicles move through the
area and the nodes that sense them send larger messages. The agent moves each cluster's core
and weight so that both the relaying work inside the clusters (Gamma, eq. (1)) and the data
arriving at the servers (Delta, eq. (2)) stay balanced; the reward is ``Gamma * Delta``.

``import edge_envs`` registers the id; ``gymnasium.make("EdgeCluster-v0")`` builds the default
scenario (``warehouse-80x4``). See ``docs/envs/edge-cluster.md``.
"""

from __future__ import annotations

from edge_envs.edge_cluster.params import (
    DEFAULT_SCENARIO,
    QUICK_SCENARIO,
    SCENARIOS,
    EdgeClusterParams,
)
from edge_envs.registry import System

SYSTEM = System(
    env_id="EdgeCluster-v0",
    entry_point="edge_envs.edge_cluster.gym_env:EdgeClusterEnv",
    scenarios=SCENARIOS,
    default_scenario=DEFAULT_SCENARIO,
    paper_metric="reward",
    metric_goal="max",
    pz_module=None,
    max_episode_steps=SCENARIOS[DEFAULT_SCENARIO].episode_steps,
    quick_scenario=QUICK_SCENARIO,
    reference_agent="oracle",
    paper_agents=("d3qn", "l-d3qn", "ll-d3qn"),
    paper_preset="paper-cluster",
    quick_agents={"d3qn": 20_000, "d3qn-afterstate": 20_000},
    # Trace scenarios train on the first 80 % of the trace; evaluate on the held-out part.
    eval_overrides={"trace_split": "test"},
    # 10x the paper's 80/4 network for the performance figures (benchmarks/perf.py).
    scale_10x={"n_nodes": 800, "n_servers": 40},
    action_views={"multi_discrete": {}, "discrete": {"action_mode": "single"}},
    # A METIS clustering of the layout, kept whatever the vehicle does: beat every constant
    # action on validation seeds (docs/envs/edge-cluster.md, "Quick board").
    fixed_rule_agent="sc-metis",
    # Actions move the cluster cores from where they were: the clustering persists.
    actions_affect_future=True,
)


__all__ = [
    "DEFAULT_SCENARIO",
    "QUICK_SCENARIO",
    "SCENARIOS",
    "SYSTEM",
    "EdgeClusterParams",
]
