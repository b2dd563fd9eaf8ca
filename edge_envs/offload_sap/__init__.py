"""OffloadSAP-v0: task offloading through a smart access point with an unreliable control link.

Paper 001 ("distributed DRL for task offloading in autonomous IoT systems"). ``N`` IoT devices
run each of their tasks locally or on one of ``Z`` servers (2 edge servers and a cloud by
default) reached through one smart access point (SAP); the cost is ``alpha E + beta T`` (eq.
(4)). The paper's subject is where decisions are made: on the devices (``decision_site=
"device"``) or in the cloud behind a control link with a loop latency and outages
(``"cloud"``), where tasks whose decision misses its deadline are dropped. See
``docs/envs/offload-sap.md``.

Modules: ``params`` (scenarios), ``processes`` (on/off processes), ``model`` (event-driven
numpy model), ``observation`` (layout, decode), ``gym_env`` (Gymnasium shell),
``offload_sap_v0`` (PettingZoo shell), ``render``.
"""

from edge_envs.offload_sap.observation import decode_observation, field_names
from edge_envs.offload_sap.params import (
    DEFAULT_SCENARIO,
    QUICK_SCENARIO,
    SCENARIOS,
    OffloadSAPParams,
)
from edge_envs.registry import System

SYSTEM = System(
    env_id="OffloadSAP-v0",
    entry_point="edge_envs.offload_sap.gym_env:OffloadSAPEnv",
    scenarios=SCENARIOS,
    default_scenario=DEFAULT_SCENARIO,
    # The paper's cost C (eq. (4)) per step; a step books one decision, plus the penalties of
    # the tasks dropped meanwhile, so this is the cost per decided task (docs).
    paper_metric="cost",
    metric_goal="min",
    pz_module="edge_envs.offload_sap.offload_sap_v0",
    max_episode_steps=SCENARIOS[DEFAULT_SCENARIO].n_devices
    * SCENARIOS[DEFAULT_SCENARIO].tasks_per_device,
    quick_scenario=QUICK_SCENARIO,
    reference_agent="sap-oracle",
    paper_agents=(
        "distributed-ddqn",
        "distributed-ddqn-gan2",
        "distributed-ddqn-gan5",
        "distributed-ddqn-gan10",
        "centralised-ddqn",
    ),
    paper_preset="paper-offload-sap",
    # About 30 quick-board episodes of 200 decisions (docs/agents/distributed-ddqn.md).
    quick_agents={"distributed-ddqn": 6_000},
    # 20 tasks per device: 200 decisions per episode.
    quick_overrides={"tasks_per_device": 20},
    # 10x the devices; the uplink scales with them (docs/envs/offload-sap.md).
    scale_10x={"n_devices": 100, "uplink_channels": 10},
    action_views={"discrete": {}},
    # Always local: the best constant action on validation seeds (docs/envs/offload-sap.md).
    fixed_rule_agent="sap-local",
    # A booked task occupies its target and delays the tasks decided after it.
    actions_affect_future=True,
)

__all__ = [
    "DEFAULT_SCENARIO",
    "QUICK_SCENARIO",
    "SCENARIOS",
    "SYSTEM",
    "OffloadSAPParams",
    "decode_observation",
    "field_names",
]
