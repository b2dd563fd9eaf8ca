"""Decision rules of the OffloadSAP-v0 baselines (plain numpy): what each one computes.

Every rule returns an action of ``Discrete(Z + 1)`` (0 = local, ``z`` = server ``z - 1``) for
one pending task. The agents in ``agents/baselines/offload_sap.py`` wrap them.
"""

from __future__ import annotations

import numpy as np

from edge_envs.offload_sap.model import OffloadSAPModel, remote_chain
from edge_envs.offload_sap.observation import decode_observation
from edge_envs.offload_sap.params import OffloadSAPParams


def fastest_server_action(params: OffloadSAPParams) -> int:
    """The server with the smallest uncongested ``S / link_z + D / speed_z`` at nominal speed.

    With ``S = theta D`` the ranking does not depend on the task, so it is one server for all
    (the fastest CPU can sit behind the slowest link: the cloud by default).
    """
    per_bit = params.theta / np.asarray(params.server_link_bps) + 1.0 / np.asarray(
        params.server_speed_bps
    )
    return int(np.argmin(per_bit)) + 1


def observed_costs(observation, params: OffloadSAPParams) -> np.ndarray:
    """Estimated cost ``alpha E + beta T`` of each action from one device's observation.

    Uses only what the device observes: its own task and device state, and the SAP's last
    report of backlogs and server speeds, aged by ``state_age_s`` (a backlog of ``b`` seconds
    reported ``a`` seconds ago is taken as ``max(b - a, 0)`` now) with the reported speed held
    constant. Times count from now (the part already waited is the same for every action).
    """
    f = decode_observation(observation, params)
    age = f["state_age_s"]
    bits, send = f["task_bits"], f["send_bits"]
    local = params.alpha * bits * f["energy_j_per_bit"] + params.beta * bits / f["speed_bps"]
    _, _, start = remote_chain(
        0.0, send, f["link_bps"], max(f["uplink_backlog_s"] - age, 0.0),
        np.maximum(f["server_link_backlog_s"] - age, 0.0), f["server_link_bps"],
        np.maximum(f["server_backlog_s"] - age, 0.0),
    )
    time_s = start + bits / f["server_speed_bps"]
    energy = send * f["tx_energy_j_per_bit"] + bits * f["server_energy_j_per_bit"]
    return np.concatenate([[local], params.alpha * energy + params.beta * time_s])


def myopic_action(observation, params: OffloadSAPParams) -> int:
    """Cheapest action by :func:`observed_costs` (ties to the lowest index)."""
    return int(np.argmin(observed_costs(observation, params)))


def oracle_action(model: OffloadSAPModel, device: int) -> int:
    """Cheapest action on the true, current state (exact booking of every option, slow spells
    included): the greedy choice with fresh, complete state."""
    return int(np.argmin(model.option_costs(device)))
