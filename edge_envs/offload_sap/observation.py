"""The observation of one device in OffloadSAP-v0: its own state and the SAP's last report.

A flat ``float32`` vector of ``13 + 5 Z`` values in readable units (Mbit, Mbit/s, uJ/bit,
seconds), all >= 0 and bounded by the scenario's ranges (:func:`observation_bounds`).
:data:`DEVICE_FIELDS` come from the device itself and are always current; the rest is what the
SAP last reported, refreshed every ``refresh_s`` only while the control link is up
(``state_age_s`` says how old it is; a server's backlog is as of that report).

Per device: ``needs_decision`` (1 when this device's task is being decided now; it is also
the action mask of the PettingZoo view), the pending task (``task_mbit`` = ``D``,
``send_mbit`` = ``S``, ``deadline_left_s``; 0 when no decision is due), ``tasks_left``
(fraction of ``M``), ``battery`` (fraction of ``battery_j``), ``speed_mbps`` (``f``, Mbit of
work per second), ``energy_uj_per_bit`` (local compute), ``link_mbps`` (to the SAP),
``tx_energy_uj_per_bit`` (transmission energy per bit sent).

From the SAP: ``link_up`` (control link now), ``state_age_s``, ``uplink_backlog_s`` (until
the first uplink channel is free), then per server ``server_speed_mbps`` (current, slow spells
included), ``server_energy_uj_per_bit``, ``server_link_mbps``, ``server_link_backlog_s``,
``server_backlog_s``.

Plain numpy (no Gymnasium import): the model, agents and tests share it.
"""

from __future__ import annotations

import numpy as np

from edge_envs.offload_sap.params import OffloadSAPParams

DEVICE_FIELDS = (
    "needs_decision", "task_mbit", "send_mbit", "deadline_left_s", "tasks_left", "battery",
    "speed_mbps", "energy_uj_per_bit", "link_mbps", "tx_energy_uj_per_bit",
)
SAP_FIELDS = ("link_up", "state_age_s", "uplink_backlog_s")
SERVER_FIELDS = (
    "server_speed_mbps", "server_energy_uj_per_bit", "server_link_mbps",
    "server_link_backlog_s", "server_backlog_s",
)
TIME_CAP_S = 3600.0
"""``state_age_s`` and the backlogs are clipped at one hour so the space is bounded."""


def observation_size(params: OffloadSAPParams) -> int:
    return len(DEVICE_FIELDS) + len(SAP_FIELDS) + len(SERVER_FIELDS) * params.n_servers


def field_names(params: OffloadSAPParams) -> tuple[str, ...]:
    """Name of every entry (server fields suffixed ``[z]``), in order."""
    servers = [f"{name}[{z}]" for name in SERVER_FIELDS for z in range(params.n_servers)]
    return (*DEVICE_FIELDS, *SAP_FIELDS, *servers)


def observation_bounds(params: OffloadSAPParams) -> tuple[np.ndarray, np.ndarray]:
    """``(low, high)`` float32 arrays of the observation space: every value is >= 0 and at
    most what the scenario's ranges allow (times clipped at :data:`TIME_CAP_S`)."""
    p = params
    clock_max = p.device_clock_hz_range[1]
    device = [
        1.0,
        p.task_bits_range[1] * 1e-6,
        p.task_bits_range[1] * (p.theta * 1e-6),
        p.deadline_range_s[1],
        1.0,
        1.0,
        clock_max / p.cycles_per_bit * 1e-6,
        p.kappa * clock_max**2 * p.cycles_per_bit * 1e6,
        p.device_link_bps_range[1] * 1e-6,
        p.tx_power_w / p.device_link_bps_range[0] * 1e6,
    ]
    z = p.n_servers
    high = np.concatenate([
        device, [1.0, TIME_CAP_S, TIME_CAP_S],
        np.asarray(p.server_speed_bps) * 1e-6, np.asarray(p.server_energy_j_per_bit) * 1e6,
        np.asarray(p.server_link_bps) * 1e-6, np.full(2 * z, TIME_CAP_S),
    ]).astype(np.float32)
    # A field that is always 0 in float32 (no energy, zero deadlines) gets 1: Gymnasium warns
    # on equal bounds.
    high[high <= 0.0] = 1.0
    return np.zeros(high.size, dtype=np.float32), high


def decode_observation(observation, params: OffloadSAPParams) -> dict[str, np.ndarray]:
    """Field name -> value(s) in SI units (bits, bits/s, J/bit, s; fractions as given).

    Server fields are ``(Z,)`` arrays; works on one observation or a ``(k, size)`` batch
    (each field then has a leading axis).
    """
    obs = np.asarray(observation, dtype=np.float64)
    size = observation_size(params)
    if obs.shape[-1:] != (size,):
        raise ValueError(f"observation has shape {obs.shape}, (..., {size}) expected for "
                         f"Z={params.n_servers} servers")
    out: dict[str, np.ndarray] = {}
    for j, name in enumerate((*DEVICE_FIELDS, *SAP_FIELDS)):
        out[name] = obs[..., j]
    z = params.n_servers
    base = len(DEVICE_FIELDS) + len(SAP_FIELDS)
    for j, name in enumerate(SERVER_FIELDS):
        out[name] = obs[..., base + j * z: base + (j + 1) * z]
    scale = {"task_mbit": 1e6, "send_mbit": 1e6, "speed_mbps": 1e6, "energy_uj_per_bit": 1e-6,
             "link_mbps": 1e6, "tx_energy_uj_per_bit": 1e-6, "server_speed_mbps": 1e6,
             "server_energy_uj_per_bit": 1e-6, "server_link_mbps": 1e6}
    si = {"task_mbit": "task_bits", "send_mbit": "send_bits", "speed_mbps": "speed_bps",
          "energy_uj_per_bit": "energy_j_per_bit", "link_mbps": "link_bps",
          "tx_energy_uj_per_bit": "tx_energy_j_per_bit", "server_speed_mbps": "server_speed_bps",
          "server_energy_uj_per_bit": "server_energy_j_per_bit",
          "server_link_mbps": "server_link_bps"}
    for name, factor in scale.items():
        out[si[name]] = out.pop(name) * factor
    return out
