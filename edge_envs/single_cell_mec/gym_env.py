"""Gymnasium shell of SingleCellMEC-v0: one centralised agent decides for every user.

The model lives in :mod:`edge_envs.single_cell_mec.model`; the observation and ``info`` are
built by :mod:`edge_envs.single_cell_mec.observation`, shared with the PettingZoo view
(:mod:`edge_envs.single_cell_mec.single_cell_v0`). See ``docs/envs/single-cell-mec.md``.
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np

from edge_envs.core.env_base import EpisodeGuard, check_action, check_render_mode
from edge_envs.core.seeding import entropy_from
from edge_envs.registry import resolve_scenario
from edge_envs.single_cell_mec.model import SingleCellMECModel, SlotOutcome
from edge_envs.single_cell_mec.observation import Encoder, observation_size, step_info
from edge_envs.single_cell_mec.params import SingleCellMECParams

__all__ = ["ModelAttributes", "SingleCellMECEnv", "build_model"]


def build_model(scenario, overrides: dict[str, Any]) -> tuple[SingleCellMECParams,
                                                                SingleCellMECModel, Encoder]:
    """Scenario resolution shared by both views: params, model and observation encoder."""
    from edge_envs.single_cell_mec import SYSTEM

    params = resolve_scenario(SYSTEM, scenario, overrides)
    return params, SingleCellMECModel(params), Encoder(params)


def _state_attr(name: str, doc: str) -> property:
    def get(self):
        state = self.model.state
        return None if state is None else getattr(state, name)

    return property(get, doc=doc)


def _param_attr(name: str, doc: str) -> property:
    return property(lambda self: float(getattr(self.params, name)), doc=doc)


class ModelAttributes:
    """Read-only views of the state the next step acts on (``None`` before ``reset``) and of
    the scenario's constants, for reference agents and tests. The arrays are the model's own
    read-only arrays."""

    task_bits = _state_attr("task_bits", "(N,) task sizes L in bits.")
    task_cycles = _state_attr("task_cycles", "(N,) task work C in cycles.")
    local_speed_hz = _state_attr("local_speed_hz", "(N,) user CPU speeds.")
    server_speed_hz = _state_attr("server_speed_hz", "(M,) server speeds.")
    channel_gain = _state_attr("channel_gain", "(N,) linear uplink gains g.")
    backlog_cycles = _state_attr("backlog_cycles", "(M,) work carried into this slot.")
    bandwidth_hz = _param_attr("bandwidth_hz", "Uplink bandwidth W.")
    tx_power_w = _param_attr("tx_power_w", "User transmit power p.")
    noise_w_per_hz = _param_attr("noise_w_per_hz", "Noise density N0 in W/Hz.")
    forward_rate_bps = _param_attr("forward_rate_bps", "Fibre rate mu to servers 2..M.")
    slot_s = _param_attr("slot_s", "Slot length.")
    w1 = _param_attr("w1", "Delay weight of eq. (20).")
    w2 = _param_attr("w2", "Load-balance weight of eq. (20).")


class SingleCellMECEnv(ModelAttributes, gym.Env):
    """``N`` users, ``M`` edge servers, one slot per step (paper 002).

    Observation: ``Box(0, 1, (2M + 4N,), float32)``: squashed start-of-slot load factors and
    relative server speeds, then per user its task size, task work, local speed and
    uplink-rate estimate (:mod:`edge_envs.single_cell_mec.observation`).

    Action: ``MultiDiscrete([M + 1] * N)``: 0 = compute locally, ``m`` = server ``m``.

    Reward: the mean over users of eq. (20), ``-(w1 mean_delay_s + w2 load_variance)``.
    Episodes are truncated after ``episode_slots`` slots; they never terminate.

    ``info``: ``delay_s`` (N,), ``mean_delay_s``, ``load_factors`` (M,) (eq. 18),
    ``load_variance`` (eq. 19), ``server_task_counts`` (M,), ``n_local``.

    Read-only attributes (:class:`ModelAttributes`): ``task_bits``, ``task_cycles``,
    ``local_speed_hz``, ``server_speed_hz``, ``channel_gain``, ``backlog_cycles`` and the
    constants ``bandwidth_hz``, ``tx_power_w``, ``noise_w_per_hz``, ``forward_rate_bps``,
    ``slot_s``, ``w1``, ``w2``; ``last_outcome`` is the :class:`SlotOutcome` of the last step.

    Args:
        scenario: a name of :data:`~edge_envs.single_cell_mec.params.SCENARIOS`, a
            :class:`SingleCellMECParams`, or ``None`` (``paper-10x5``).
        render_mode: ``None`` or ``"rgb_array"``.
        **overrides: fields of :class:`SingleCellMECParams` to replace.
    """

    metadata = {"render_modes": ["rgb_array"], "render_fps": 4}

    def __init__(
        self,
        scenario: str | SingleCellMECParams | None = None,
        render_mode: str | None = None,
        **overrides: Any,
    ) -> None:
        check_render_mode(render_mode, self.metadata["render_modes"])
        self.params, self.model, self._encoder = build_model(scenario, overrides)
        self.render_mode = render_mode
        p = self.params
        self.observation_space = gym.spaces.Box(
            0.0, 1.0, (observation_size(p),), dtype=np.float32
        )
        self.action_space = gym.spaces.MultiDiscrete(np.full(p.n_users, p.n_servers + 1))
        self._guard = EpisodeGuard()
        self.last_outcome: SlotOutcome | None = None

    def reset(self, *, seed: int | None = None, options: dict | None = None):
        super().reset(seed=seed)
        state = self.model.reset(entropy_from(self.np_random, seed))
        self.last_outcome = None
        self._guard.started()
        return self._encoder.centralised(state), {}

    def step(self, action):
        self._guard.check()
        outcome = self.model.step(self._check_action(action))
        self.last_outcome = outcome
        obs = self._encoder.centralised(self.model.state)
        truncated = self.model.slot >= self.params.episode_slots
        if truncated:
            self._guard.ended()
        return obs, float(outcome.mean_reward[0]), False, truncated, step_info(outcome)

    def render(self):
        if self.render_mode is None:
            return None
        from edge_envs.single_cell_mec.render import draw_model

        return draw_model(self.model, self.last_outcome)

    def _check_action(self, action) -> np.ndarray:
        """``check_action`` with a fast path for well-formed integer arrays."""
        space = self.action_space
        if (isinstance(action, np.ndarray) and action.shape == space.shape
                and action.dtype.kind in "iu" and action.min() >= 0
                and action.max() <= self.params.n_servers):
            return action.astype(np.int64)
        return check_action(space, action).astype(np.int64)
