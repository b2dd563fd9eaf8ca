"""Gymnasium shell of LargeScaleMEC-v0 (single agent deciding for every IoTD).

The model lives in :mod:`edge_envs.large_scale_mec.model`; this class only maps actions to
decisions, decisions to rewards and slot states to observations. See
``docs/envs/large-scale-mec.md`` for the spaces field by field.
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np

from edge_envs.core.arrays import read_only
from edge_envs.core.env_base import EpisodeGuard, check_action, check_render_mode
from edge_envs.core.seeding import entropy_from
from edge_envs.large_scale_mec.model import (
    LargeScaleMECModel,
    SlotResult,
    SlotState,
    reward_of,
    step_info,
    vote_decision,
)
from edge_envs.large_scale_mec.observation import (
    decode_observation,
    encode_observation,
    observation_size,
)
from edge_envs.large_scale_mec.params import LargeScaleMECParams
from edge_envs.registry import resolve_scenario

__all__ = ["LargeScaleMECEnv", "decode_observation", "reward_of"]


class LargeScaleMECEnv(gym.Env):
    """Offloading decisions for ``N`` IoTDs and ``M`` MEC servers, one slot per step.

    Observation: ``Box(0, 1, (N * (M + k),), float32)``: normalised log10 channel gains of all
    pairs, IoTD-major, then ``k`` task entries per IoTD (0 for the paper's homogeneous tasks;
    :mod:`edge_envs.large_scale_mec.observation`). ``decode_observation(obs, env.params)``
    inverts it.

    Action: ``MultiDiscrete([M + 1] * N)`` (0 = local, ``j`` = MEC ``j``) with
    ``action_mode="discrete"``; with ``action_mode="scores"`` a ``Box(0, 1, (N * M,))`` of
    offloading scores (IoTD-major) combined by the paper's vote, followed, when
    ``allocation="agent"``, by ``N`` compute shares and ``N`` power fractions.

    Reward: ``-objective / N`` (default) or ``1 / objective``. Episodes are truncated after
    ``episode_slots`` slots; they never terminate.

    Read-only state on the unwrapped env (documented for privileged reference agents):
    ``channel_gain`` (N, M) linear, ``iotd_positions`` (N, 2) m, ``mec_positions`` (M, 2) m,
    ``task_cycles`` (N,), ``task_bits`` (N,), ``phi_t``/``phi_e`` (N,), ``slot_state``
    (the :class:`SlotState` of the current slot), and the allocation of the last step
    ``cpu_allocation_hz`` and ``tx_power_w`` (N,) (``None`` before the first step).

    Args:
        scenario: a name of :data:`SCENARIOS`, a :class:`LargeScaleMECParams`, or ``None``
            (``dirs-10x200``).
        render_mode: ``None`` or ``"rgb_array"``.
        compute_nrr_exact: add ``info["nrr_exact"]`` = optimum / objective every step (solves
            the exact baseline each slot: about 5-30 ms at 200 x 10; off by default).
        **overrides: fields of :class:`LargeScaleMECParams` to replace.
    """

    metadata = {"render_modes": ["rgb_array"], "render_fps": 4}

    def __init__(
        self,
        scenario: str | LargeScaleMECParams | None = None,
        render_mode: str | None = None,
        compute_nrr_exact: bool = False,
        **overrides: Any,
    ) -> None:
        check_render_mode(render_mode, self.metadata["render_modes"])
        from edge_envs.large_scale_mec import SYSTEM

        self.params: LargeScaleMECParams = resolve_scenario(SYSTEM, scenario, overrides)
        self.model = LargeScaleMECModel(self.params)
        self.render_mode = render_mode
        self.compute_nrr_exact = bool(compute_nrr_exact)
        p = self.params
        self.observation_space = gym.spaces.Box(
            0.0, 1.0, (observation_size(p),), dtype=np.float32
        )
        if p.action_mode == "discrete":
            self.action_space = gym.spaces.MultiDiscrete(np.full(p.n_iotd, p.n_mec + 1))
        else:
            extra = 2 * p.n_iotd if p.allocation == "agent" else 0
            self.action_space = gym.spaces.Box(
                0.0, 1.0, (p.n_iotd * p.n_mec + extra,), dtype=np.float32
            )
        self._guard = EpisodeGuard()
        self._last: SlotResult | None = None

    # -- Gymnasium API --------------------------------------------------------------
    def reset(self, *, seed: int | None = None, options: dict | None = None):
        super().reset(seed=seed)
        state = self.model.reset(entropy_from(self.np_random, seed))
        self._last = None
        self._guard.started()
        return encode_observation(state, self.params), {}

    def step(self, action):
        self._guard.check()
        p = self.params
        action = self._check_action(action)
        decision, agent_allocation = self._decision(action)
        state = self.model.state
        result = self.model.evaluate(
            decision, state, agent_allocation=agent_allocation, check=False
        )
        info = step_info(result, self.model.slot)
        if self.compute_nrr_exact:
            from edge_envs.large_scale_mec.baselines import exact_decision

            info["nrr_exact"] = exact_decision(state, self.model).objective / result.objective
        self._last = result
        reward = reward_of(result.objective, p)
        obs = encode_observation(self.model.next_slot(), p)
        truncated = self.model.slot >= p.episode_slots
        if truncated:
            self._guard.ended()
        return obs, float(reward), False, bool(truncated), info

    def render(self):
        if self.render_mode is None:
            return None
        from edge_envs.large_scale_mec.render import draw_model

        return draw_model(self.model, self._last)

    # -- actions --------------------------------------------------------------------
    def _check_action(self, action) -> np.ndarray:
        """``check_action`` with a fast path for the common well-formed arrays."""
        space = self.action_space
        if isinstance(action, np.ndarray) and action.shape == space.shape and action.size:
            if self.params.action_mode == "discrete":
                if action.dtype.kind in "iu" and action.min() >= 0 and (
                    action.max() <= self.params.n_mec
                ):
                    return action.astype(np.int64)
            elif action.dtype.kind == "f" and action.min() >= 0.0 and action.max() <= 1.0:
                # min/max are NaN when a NaN is present, failing both tests.
                return action.astype(np.float32)
        return check_action(space, action)

    def _decision(self, action: np.ndarray):
        p = self.params
        if p.action_mode == "discrete":
            return action.astype(np.int64), None
        nm = p.n_iotd * p.n_mec
        decision = vote_decision(action[:nm].reshape(p.n_iotd, p.n_mec).T)
        if p.allocation != "agent":
            return decision, None
        return decision, (action[nm: nm + p.n_iotd], action[nm + p.n_iotd:])

    # -- read-only state for reference agents and tests ------------------------------
    @property
    def slot_state(self) -> SlotState | None:
        return self.model.state

    @property
    def channel_gain(self) -> np.ndarray | None:
        return None if self.model.state is None else self.model.state.channel_gain

    @property
    def task_cycles(self) -> np.ndarray | None:
        return None if self.model.state is None else self.model.state.task_cycles

    @property
    def task_bits(self) -> np.ndarray | None:
        return None if self.model.state is None else self.model.state.task_bits

    @property
    def phi_t(self) -> np.ndarray | None:
        return None if self.model.state is None else self.model.state.phi_t

    @property
    def phi_e(self) -> np.ndarray | None:
        return None if self.model.state is None else self.model.state.phi_e

    @property
    def iotd_positions(self) -> np.ndarray | None:
        return self.model.iotd_positions

    @property
    def mec_positions(self) -> np.ndarray | None:
        return self.model.mec_positions

    @property
    def cpu_allocation_hz(self) -> np.ndarray | None:
        return None if self._last is None else read_only(self._last.cpu_allocation_hz)

    @property
    def tx_power_w(self) -> np.ndarray | None:
        return None if self._last is None else read_only(self._last.tx_power_w)

    @property
    def last_result(self) -> SlotResult | None:
        """The full :class:`SlotResult` of the last step (per-IoTD time, energy, cost)."""
        return self._last
