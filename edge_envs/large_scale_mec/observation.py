"""The observation of LargeScaleMEC-v0: an invertible affine map of log10 channel gains.

Layout of the flat ``float32`` vector (all entries in ``[0, 1]``):

* ``[0, N*M)``: channel gains, IoTD-major (entry ``i * M + j`` is IoTD ``i`` -> MEC ``j``),
  ``(log10(h_ij) - lo) / (hi - lo)`` with the TRUE bounds of :func:`gain_log10_bounds`;
* when ``heterogeneous``: ``N`` task sizes ``(F_i - F_lo) / (F_hi - F_lo)``, then ``N`` upload
  sizes ``(D_i - D_lo) / (D_hi - D_lo)`` (0 when a range has zero width);
* when ``task_type == "mixed"``: ``N`` task-type codes ``phi_T,i - 0.5`` (0 energy-sensitive,
  0.5 normal, 1 time-sensitive; ``phi_E = 2 - phi_T`` for all three types).

:func:`decode_observation` inverts the map back to a :class:`SlotState`; the only loss is the
``float32`` rounding (relative error of the gains about 2e-6), so solvers that work from the
observation see the true instance up to that rounding.

Plain numpy (no Gymnasium import): the model layer, agents and tests share it. It imports the
model (its constants and :class:`SlotState`); the model never imports it.
"""

from __future__ import annotations

import math

import numpy as np

from edge_envs.large_scale_mec.model import DISTANCE_MIN_M, FADING_MAX, FADING_MIN, SlotState
from edge_envs.large_scale_mec.params import TASK_WEIGHTS, LargeScaleMECParams


def gain_log10_bounds(params: LargeScaleMECParams) -> tuple[float, float]:
    """``(lo, hi)`` of ``log10(h_ij)``: the weakest and strongest gains the model can produce.

    ``h = beta0 * l / d^2`` (eq. (3) of paper 003) with ``l`` in ``[FADING_MIN, FADING_MAX]``
    and ``d`` in ``[1 m, sqrt(2) L]`` (everything lies inside the ``L x L`` area).
    """
    d2_max = max(2.0 * params.area_m**2, DISTANCE_MIN_M**2)
    lo = math.log10(params.beta0 * FADING_MIN / d2_max)
    hi = math.log10(params.beta0 * FADING_MAX / DISTANCE_MIN_M**2)
    return lo, hi


def n_task_features(params: LargeScaleMECParams) -> int:
    """Task entries per IoTD in the observation (0, 1, 2 or 3)."""
    return 2 * int(params.heterogeneous) + int(params.task_type == "mixed")


def observation_size(params: LargeScaleMECParams) -> int:
    return params.n_iotd * (params.n_mec + n_task_features(params))


def encode_gains(channel_gain: np.ndarray, params: LargeScaleMECParams) -> np.ndarray:
    """``float32`` normalised log-gains of any array of gains (same shape)."""
    lo, hi = gain_log10_bounds(params)
    out = (np.log10(channel_gain) - lo) * (1.0 / (hi - lo))
    # The fading clip keeps the values inside; the clip only absorbs last-bit rounding.
    return np.clip(out.astype(np.float32), 0.0, 1.0)


def decode_gains(encoded: np.ndarray, params: LargeScaleMECParams) -> np.ndarray:
    """Inverse of :func:`encode_gains` (float64 linear gains)."""
    lo, hi = gain_log10_bounds(params)
    return np.power(10.0, lo + np.asarray(encoded, dtype=np.float64) * (hi - lo))


def task_features(state, params: LargeScaleMECParams) -> np.ndarray:
    """The task part of the observation (``N * n_task_features`` values, float32)."""
    parts = []
    if params.heterogeneous:
        parts.append(_unit(state.task_cycles, params.task_cycles_range))
        parts.append(_unit(state.task_bits, params.task_bits_range))
    if params.task_type == "mixed":
        parts.append(np.asarray(state.phi_t, dtype=np.float64) - 0.5)
    if not parts:
        return np.zeros(0, dtype=np.float32)
    return np.clip(np.concatenate(parts).astype(np.float32), 0.0, 1.0)


def encode_observation(state, params: LargeScaleMECParams) -> np.ndarray:
    """The full flat observation of ``state`` (a fresh ``float32`` array)."""
    gains = encode_gains(state.channel_gain, params).reshape(-1)
    if n_task_features(params) == 0:
        return gains
    return np.concatenate([gains, task_features(state, params)])


def decode_observation(observation, params: LargeScaleMECParams) -> SlotState:
    """The :class:`~edge_envs.large_scale_mec.model.SlotState` an observation encodes.

    Channel gains come back to about 2e-6 relative (``float32`` rounding); task sizes and
    weights are read from the task entries, or from ``params`` when the scenario has none.
    """
    obs = np.asarray(observation, dtype=np.float64).reshape(-1)
    n, m = params.n_iotd, params.n_mec
    if obs.size != observation_size(params):
        raise ValueError(
            f"observation has {obs.size} values, {observation_size(params)} expected for "
            f"N={n}, M={m}"
        )
    gains = decode_gains(obs[: n * m], params).reshape(n, m)
    rest = obs[n * m:]
    if params.heterogeneous:
        cycles = _from_unit(rest[:n], params.task_cycles_range)
        bits = _from_unit(rest[n: 2 * n], params.task_bits_range)
        rest = rest[2 * n:]
    else:
        cycles = np.full(n, float(params.task_cycles))
        bits = np.full(n, float(params.task_bits))
    if params.task_type == "mixed":
        # Snap to the three types: the codes are exact multiples of 0.5.
        phi_t = np.round(rest[:n] * 2.0) / 2.0 + 0.5
        phi_e = 2.0 - phi_t
    else:
        wt, we = TASK_WEIGHTS[params.task_type]
        phi_t, phi_e = np.full(n, wt), np.full(n, we)
    return SlotState(channel_gain=gains, task_cycles=cycles, task_bits=bits,
                     phi_t=phi_t, phi_e=phi_e)


def _unit(values, bounds) -> np.ndarray:
    low, high = bounds
    if high <= low:
        return np.zeros(np.shape(values))
    return (np.asarray(values, dtype=np.float64) - low) / (high - low)


def _from_unit(values, bounds) -> np.ndarray:
    low, high = bounds
    return low + np.asarray(values, dtype=np.float64) * (high - low)
