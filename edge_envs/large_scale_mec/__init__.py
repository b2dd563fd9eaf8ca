"""LargeScaleMEC-v0: joint offloading and resource allocation for many IoTDs and MEC servers.

Paper 003 (DIRS, "Distributed Resource Scheduling for Large-Scale MEC Systems"), with the
Lévy-flight details of its earlier version, paper 004. ``N`` IoT devices each have one task
per slot; each runs it locally or uploads it to one of ``M`` MEC servers. Given the decision,
the compute split and transmit powers follow in closed form (``allocation``); the agent picks
the decision. See ``docs/envs/large-scale-mec.md``.

Modules: ``params`` (scenarios), ``model`` (numpy model), ``allocation`` (exact/equal
allocation math), ``observation`` (encode/decode), ``baselines`` (solvers), ``gym_env``
(Gymnasium shell), ``large_scale_mec_v0`` (PettingZoo shell), ``render``.
"""

from edge_envs.large_scale_mec.model import (
    LargeScaleMECModel,
    SlotCosts,
    SlotResult,
    SlotState,
    mantegna_sigma_u,
    mantegna_steps,
)
from edge_envs.large_scale_mec.observation import decode_observation, encode_observation
from edge_envs.large_scale_mec.params import (
    BITS_PER_KB,
    DEFAULT_SCENARIO,
    QUICK_SCENARIO,
    SCENARIOS,
    LargeScaleMECParams,
)
from edge_envs.registry import System

SYSTEM = System(
    env_id="LargeScaleMEC-v0",
    entry_point="edge_envs.large_scale_mec.gym_env:LargeScaleMECEnv",
    scenarios=SCENARIOS,
    default_scenario=DEFAULT_SCENARIO,
    paper_metric="objective",
    metric_goal="min",
    pz_module="edge_envs.large_scale_mec.large_scale_mec_v0",
    max_episode_steps=SCENARIOS[DEFAULT_SCENARIO].episode_slots,
    quick_scenario=QUICK_SCENARIO,
    reference_agent="exact",
    paper_agents=("dirs",),
    paper_preset="paper-dirs",
    quick_agents={"dirs": 3_000, "dirs-capacity": 3_000},
    # Slots are independent, so shorter episodes only mean fewer samples per seed.
    quick_overrides={"episode_slots": 20},
    # 10x the paper's large scenario for the performance figures (benchmarks/perf.py).
    scale_10x={"n_iotd": 2000, "n_mec": 100},
    action_views={"multi_discrete": {}, "box": {"action_mode": "scores"}},
    fixed_rule_agent="fixed-split",
    # Each slot's tasks are drawn afresh and servers keep no queue: a contextual bandit.
    actions_affect_future=False,
)

__all__ = [
    "BITS_PER_KB",
    "SCENARIOS",
    "SYSTEM",
    "LargeScaleMECModel",
    "LargeScaleMECParams",
    "SlotCosts",
    "SlotResult",
    "SlotState",
    "decode_observation",
    "encode_observation",
    "mantegna_sigma_u",
    "mantegna_steps",
]
