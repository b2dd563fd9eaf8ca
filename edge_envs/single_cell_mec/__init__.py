"""SingleCellMEC-v0: multi-user, multi-server task offloading in one LTE cell (paper 002).

``N`` users share one base station's uplink; every slot each user runs its task locally or
sends it to one of ``M`` edge servers (server 1 at the base station, the others behind it
over fibre). The servers are FCFS queues that persist across slots; the reward is minus the
users' delay plus a load-balance penalty ``w2 var(LD)`` (eq. 20). See
``docs/envs/single-cell-mec.md``.

Modules: ``params`` (scenarios), ``model`` (numpy model and queue semantics),
``observation`` (encode/decode and ``info``, shared by both views), ``baselines`` (solvers),
``gym_env`` (Gymnasium shell), ``single_cell_v0`` (PettingZoo shell), ``render``.
"""

from edge_envs.registry import System
from edge_envs.single_cell_mec.model import (
    SingleCellMECModel,
    SlotOutcome,
    SlotState,
    simulate_slot,
)
from edge_envs.single_cell_mec.observation import decode_observation, encode_observation
from edge_envs.single_cell_mec.params import (
    BITS_PER_KB,
    DEFAULT_SCENARIO,
    QUICK_SCENARIO,
    SCENARIOS,
    SingleCellMECParams,
)

SYSTEM = System(
    env_id="SingleCellMEC-v0",
    entry_point="edge_envs.single_cell_mec.gym_env:SingleCellMECEnv",
    scenarios=SCENARIOS,
    default_scenario=DEFAULT_SCENARIO,
    # The paper's figures 5-7 plot the "system utility", the users' mean reward (eq. 20);
    # slot-optimum maximises exactly that per slot. The mean delay is in info.
    paper_metric="reward",
    metric_goal="max",
    pz_module="edge_envs.single_cell_mec.single_cell_v0",
    max_episode_steps=SCENARIOS[DEFAULT_SCENARIO].episode_slots,
    quick_scenario=QUICK_SCENARIO,
    reference_agent="slot-optimum",
    # Paper 002's agents (agents/catalog/dtomalb.py); dtoma runs with w2 = 0 (its env kwarg).
    paper_agents=("dtomalb", "dtoma", "idql-tolb", "dqn-tolb"),
    paper_preset="paper-single-cell",
    # About a minute of training on the quick board's small-4x3-hetero (4 users).
    quick_agents={"dtomalb": 4_000},
    quick_overrides={"episode_slots": 20},
    # 10x the paper's users for the performance figures (benchmarks/perf.py).
    scale_10x={"n_users": 100},
    action_views={"multi_discrete": {}},
    fixed_rule_agent="sc-fixed-assign",
    # Server queues carry work over to the next slots.
    actions_affect_future=True,
)

__all__ = [
    "BITS_PER_KB",
    "SCENARIOS",
    "SYSTEM",
    "SingleCellMECModel",
    "SingleCellMECParams",
    "SlotOutcome",
    "SlotState",
    "decode_observation",
    "encode_observation",
    "simulate_slot",
]
