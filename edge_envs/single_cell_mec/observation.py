"""Observations and ``info`` of SingleCellMEC-v0, shared by the Gymnasium and PettingZoo views.

Every entry is a ``float32`` in ``[0, 1]``, an invertible map of a physical quantity:

* shared part, ``2M`` values: the start-of-slot load factors ``x = LD / (LD + slot_s)`` with
  ``LD_m = U_m / f_m`` seconds (eq. 21's state ``chi``; 0 = idle, 0.5 = one slot of work),
  then the server speeds ``f_m / f_max`` (``f_max`` the fastest speed the scenario can draw);
* per user, 4 values: task size ``L / L_high``, task work ``C / C_high``, local speed
  ``f_local / f_local_high`` and the uplink-rate estimate ``r / r_max`` (``r_max`` the rate
  of the best possible channel alone on the whole band).

The centralised (Gymnasium) observation is the shared part followed by the ``N`` users'
blocks (user-major): ``2M + 4N`` values. Agent ``user_n`` of the PettingZoo view sees the
shared part followed by its own block: ``2M + 4`` values. :func:`decode_observation` inverts
the centralised one (up to ``float32`` rounding, about 1e-7 relative).

Plain numpy (no Gymnasium import): the model layer, agents and tests share it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from edge_envs.single_cell_mec.model import (
    FADING_MAX,
    SlotOutcome,
    SlotState,
    path_gain,
    uplink_rate_bps,
)
from edge_envs.single_cell_mec.params import SingleCellMECParams

USER_FEATURES = 4
"""Entries per user block: L, C, f_local, uplink-rate estimate."""


def shared_size(params: SingleCellMECParams) -> int:
    return 2 * params.n_servers


def observation_size(params: SingleCellMECParams) -> int:
    """Length of the centralised observation, ``2M + 4N``."""
    return shared_size(params) + USER_FEATURES * params.n_users


def agent_observation_size(params: SingleCellMECParams) -> int:
    """Length of one PettingZoo agent's observation, ``2M + 4``."""
    return shared_size(params) + USER_FEATURES


def max_rate_bps(params: SingleCellMECParams) -> float:
    """The fastest upload the scenario allows: one user alone on ``W`` at the shortest
    distance (with the largest fading value when fading is on)."""
    gain = float(path_gain(params.distance_range_m[0], params))
    if params.rayleigh_fading:
        gain *= FADING_MAX
    return float(uplink_rate_bps(gain, 1, params))


def _user_scales(params: SingleCellMECParams) -> np.ndarray:
    return np.array([params.task_bits_range[1], params.task_cycles_range[1],
                     params.local_speed_range_hz[1], max_rate_bps(params)])


class Encoder:
    """Encodes slot states of one scenario (the scales are computed once)."""

    def __init__(self, params: SingleCellMECParams) -> None:
        self.params = params
        self._inv_user = 1.0 / _user_scales(params)
        self._inv_server = 1.0 / params.server_speed_max_hz
        self._shared = shared_size(params)

    def _fill(self, state: SlotState, shared: np.ndarray, users: np.ndarray) -> None:
        """Writes the shared part and the ``(N, 4)`` user blocks (unclipped, float64)."""
        m = self.params.n_servers
        ld = state.ready_s
        np.divide(ld, ld + self.params.slot_s, out=shared[..., :m])
        np.multiply(state.server_speed_hz, self._inv_server, out=shared[..., m:])
        users[:, 0] = state.task_bits
        users[:, 1] = state.task_cycles
        users[:, 2] = state.local_speed_hz
        users[:, 3] = state.uplink_estimate_bps(self.params)
        users *= self._inv_user

    def centralised(self, state: SlotState) -> np.ndarray:
        """The Gymnasium observation (a fresh ``float32`` array)."""
        out = np.empty(observation_size(self.params))
        self._fill(state, out[: self._shared],
                   out[self._shared:].reshape(self.params.n_users, USER_FEATURES))
        return np.clip(out, 0.0, 1.0, out=out).astype(np.float32)

    def per_agent(self, state: SlotState) -> np.ndarray:
        """``(N, 2M + 4)``: row ``n`` is agent ``user_n``'s observation."""
        out = np.empty((self.params.n_users, agent_observation_size(self.params)))
        self._fill(state, out[0, : self._shared], out[:, self._shared:])
        out[1:, : self._shared] = out[0, : self._shared]
        return np.clip(out, 0.0, 1.0, out=out).astype(np.float32)


def encode_observation(state: SlotState, params: SingleCellMECParams) -> np.ndarray:
    """The centralised observation of ``state``."""
    return Encoder(params).centralised(state)


@dataclass(frozen=True)
class Observed:
    """What the centralised observation tells (decoded to physical units).

    Attributes:
        load_factors_s: ``(M,)`` start-of-slot load factors ``U_m / f_m`` in seconds.
        server_speed_hz: ``(M,)``.
        task_bits: ``(N,)``.
        task_cycles: ``(N,)``.
        local_speed_hz: ``(N,)``.
        uplink_rate_bps: ``(N,)`` the rate estimate (as many offloaders as last slot).
    """

    load_factors_s: np.ndarray
    server_speed_hz: np.ndarray
    task_bits: np.ndarray
    task_cycles: np.ndarray
    local_speed_hz: np.ndarray
    uplink_rate_bps: np.ndarray


def decode_observation(observation, params: SingleCellMECParams) -> Observed:
    """Inverse of :func:`encode_observation` (``float32`` rounding aside)."""
    obs = np.asarray(observation, dtype=np.float64).reshape(-1)
    if obs.size != observation_size(params):
        raise ValueError(
            f"observation has {obs.size} values, {observation_size(params)} expected for "
            f"N={params.n_users}, M={params.n_servers}"
        )
    m = params.n_servers
    x = obs[:m]
    with np.errstate(divide="ignore"):
        load = np.where(x < 1.0, params.slot_s * x / np.maximum(1.0 - x, 1e-300), np.inf)
    users = obs[2 * m:].reshape(params.n_users, USER_FEATURES) * _user_scales(params)
    return Observed(
        load_factors_s=load, server_speed_hz=obs[m: 2 * m] * params.server_speed_max_hz,
        task_bits=users[:, 0], task_cycles=users[:, 1], local_speed_hz=users[:, 2],
        uplink_rate_bps=users[:, 3],
    )


def step_info(outcome: SlotOutcome, row: int = 0) -> dict:
    """The ``info`` dict of one step (row ``row`` of ``outcome``), shared by both views.

    Keys: ``delay_s`` ``(N,)``, ``mean_delay_s``, ``load_factors`` ``(M,)`` (eq. 18),
    ``load_variance`` (eq. 19), ``server_task_counts`` ``(M,)``, ``n_local``.
    """
    decision = outcome.decisions[row]
    return {
        "delay_s": outcome.delay_s[row],
        "mean_delay_s": float(outcome.mean_delay_s[row]),
        "load_factors": outcome.load_factors[row],
        "load_variance": float(outcome.load_variance[row]),
        "server_task_counts": outcome.server_task_counts[row],
        "n_local": int(decision.size - np.count_nonzero(decision)),
    }


def observed_from_state(state: SlotState, params: SingleCellMECParams) -> Observed:
    """What the observation of ``state`` tells, without the ``float32`` rounding."""
    return Observed(
        load_factors_s=state.ready_s, server_speed_hz=state.server_speed_hz,
        task_bits=state.task_bits, task_cycles=state.task_cycles,
        local_speed_hz=state.local_speed_hz, uplink_rate_bps=state.uplink_estimate_bps(params),
    )
