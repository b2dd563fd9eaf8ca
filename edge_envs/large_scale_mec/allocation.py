"""Compute and power allocation for a given offloading decision (sub-problem (13) of paper 003).

Once the decision ``a`` is fixed, problem (12)/(13) separates into one compute split per MEC
and one transmit power per offloading IoTD. Both have closed forms, implemented here
vectorised over IoTDs (plain numpy/scipy):

**Compute split.** For the set ``S_j`` of IoTDs offloading to MEC ``j`` with per-IoTD time
weights ``phi_T,i``, minimise ``sum_i phi_T,i F_i / f_ij`` subject to ``sum_i f_ij <= F_max,j``
(constraint (6)). The objective decreases in every ``f_ij`` so the capacity binds; the
Lagrangian stationarity ``phi_T,i F_i / f_ij^2 = lambda`` gives

    f_ij = F_max,j * w_i / sum_{k in S_j} w_k,   w_i = sqrt(phi_T,i F_i),

and the minimum ``sum_i phi_T,i F_i / f_ij = (sum_{i in S_j} w_i)^2 / F_max,j``. With equal
weights this is the spec's ``F_max sqrt(F_i) / sum sqrt(F_k)`` and ``phi_T (sum sqrt F)^2 / F_max``.

**Transmit power.** IoTD ``i``'s transmission term of eq. (10), with ``g = h_ij / sigma^2``,

    c(p) = (phi_T + phi_E p) D_i / r(p),   r(p) = B log2(1 + p g)     (eqs. (1), (2), (9)),

is quasi-convex in ``p > 0``. Setting ``c'(p) = 0`` and writing ``x = 1 + p g`` gives
``x (ln x - 1) = u - 1`` with ``u = phi_T g / phi_E``; with ``x = exp(1 + y)`` this is
``y e^y = (u - 1) / e``, so ``y = W_0((u - 1) / e)`` (principal Lambert W branch, argument
``>= -1/e`` since ``u > 0``) and

    p* = (exp(1 + W_0((u - 1)/e)) - 1) / g,

decreasing cost below ``p*`` and increasing above, hence the optimum on ``(0, P_max]`` is
``min(p*, P_max)``; with ``phi_E = 0`` the cost decreases everywhere and the optimum is
``P_max``.
"""

from __future__ import annotations

import numpy as np
from scipy.special import lambertw

LN2 = float(np.log(2.0))
_SMALL_U = 1e-6
"""Below this ``u`` the stationary power exceeds ``(phi_T/phi_E) sqrt(2/u) >= 471 W`` (phi_T /
phi_E >= 1/3 for every task type) and ``P_max <= 100 W`` (validated): the answer is ``P_max``,
and the Lambert W argument sits so close to ``-1/e`` that it would lose precision."""


def optimal_tx_power(snr_per_watt, phi_t, phi_e, p_max: float) -> np.ndarray:
    """Transmit power minimising ``(phi_T + phi_E p) / log2(1 + p g)`` on ``(0, p_max]``.

    Closed form through the Lambert W function (module docstring); all arguments broadcast.
    """
    g = np.maximum(np.asarray(snr_per_watt, dtype=np.float64), 1e-300)
    a = np.asarray(phi_t, dtype=np.float64)
    b = np.asarray(phi_e, dtype=np.float64)
    energy_free = b <= 0.0
    if energy_free.any():
        b = np.where(energy_free, 1.0, b)
        p = power_from_ratio(a * g / b, g, p_max)
        return np.where(energy_free, p_max, p)
    return power_from_ratio(a * g / b, g, p_max)


_INV_E = float(np.exp(-1.0))


def power_from_ratio(u: np.ndarray, snr_per_watt: np.ndarray, p_max: float) -> np.ndarray:
    """``min(p*, P_max)`` from ``u = phi_T g / phi_E > 0`` and ``g > 0`` (the hot path)."""
    w = lambertw((u - 1.0) * _INV_E).real
    p = np.minimum(np.expm1(w + 1.0) / snr_per_watt, p_max)
    # An SNR so low that p* > 471 W (argument at the branch point): P_max.
    return np.where(u < _SMALL_U, p_max, p)


def tx_rate_bps(power_w, snr_per_watt, bandwidth_hz: float) -> np.ndarray:
    """``r = B log2(1 + p h / sigma^2)`` (eq. (2)); ``log1p`` keeps low SNRs accurate."""
    return bandwidth_hz * np.log1p(np.asarray(power_w) * np.asarray(snr_per_watt)) / LN2


def tx_time_energy(power_w, snr_per_watt, bits, bandwidth_hz: float):
    """Upload time ``D / r`` and energy ``p D / r`` (eqs. (1) and (9))."""
    time_s = np.asarray(bits) / tx_rate_bps(power_w, snr_per_watt, bandwidth_hz)
    return time_s, np.asarray(power_w) * time_s


def optimal_tx_cost(snr_per_watt, bits, phi_t, phi_e, p_max: float, bandwidth_hz: float):
    """``(cost, power)``: the weighted upload cost ``(phi_T + phi_E p*) D / r(p*)`` at the
    optimal power, for any broadcastable arrays (e.g. all ``(N, M)`` pairs at once)."""
    p = optimal_tx_power(snr_per_watt, phi_t, phi_e, p_max)
    time_s = np.asarray(bits) / tx_rate_bps(p, snr_per_watt, bandwidth_hz)
    return (np.asarray(phi_t) + np.asarray(phi_e) * p) * time_s, p


def compute_weights(task_cycles, phi_t) -> np.ndarray:
    """``w_i = sqrt(phi_T,i F_i)``: the square-root rule's weights."""
    return np.sqrt(np.asarray(phi_t) * np.asarray(task_cycles))


def sqrt_compute_split(mec_index, weights, f_max_hz) -> np.ndarray:
    """Optimal CPU shares ``f_i = F_max,j w_i / sum_{k -> j} w_k`` for offloading IoTDs.

    Args:
        mec_index: ``(K,)`` server index ``0..M-1`` of each offloading IoTD.
        weights: ``(K,)`` ``sqrt(phi_T F)`` of those IoTDs.
        f_max_hz: ``(M,)`` server capacities.
    """
    f_max = np.asarray(f_max_hz, dtype=np.float64)
    totals = np.bincount(mec_index, weights=weights, minlength=f_max.size)
    return f_max[mec_index] * weights / totals[mec_index]


def server_compute_cost(mec_index, weights, f_max_hz) -> float:
    """``sum_j (sum_{i -> j} w_i)^2 / F_max,j``: weighted compute time under the optimal split."""
    f_max = np.asarray(f_max_hz, dtype=np.float64)
    totals = np.bincount(mec_index, weights=weights, minlength=f_max.size)
    return float(np.dot(totals * totals, 1.0 / f_max))


def equal_compute_split(mec_index, f_max_hz) -> np.ndarray:
    """``F_max,j / |S_j|`` for every IoTD of ``S_j`` (the ``equal`` allocation mode)."""
    f_max = np.asarray(f_max_hz, dtype=np.float64)
    counts = np.bincount(mec_index, minlength=f_max.size)
    return f_max[mec_index] / counts[mec_index]


SHARE_MIN = 1e-6
"""Agent-given compute shares are floored here so a zero never starves an IoTD to infinity."""
POWER_FRACTION_MIN = 1e-3
"""Agent-given powers are at least this fraction of ``P_max`` (zero power: zero rate)."""


def share_compute_split(mec_index, shares, f_max_hz) -> np.ndarray:
    """``F_max,j s_i / sum_{k -> j} s_k`` with agent-given shares ``s`` (``agent`` mode)."""
    s = np.maximum(np.asarray(shares, dtype=np.float64), SHARE_MIN)
    return sqrt_compute_split(mec_index, s, f_max_hz)


def agent_power(fractions, p_max: float) -> np.ndarray:
    """``P_max * clip(u, POWER_FRACTION_MIN, 1)`` for agent-given power fractions ``u``."""
    return p_max * np.clip(np.asarray(fractions, dtype=np.float64), POWER_FRACTION_MIN, 1.0)
