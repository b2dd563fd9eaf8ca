"""Gymnasium shell of OffloadSAP-v0: one decision event per step, one policy for every device.

The model lives in :mod:`edge_envs.offload_sap.model`; this class maps an action to a booking
and the next decision to an observation. See ``docs/envs/offload-sap.md``.
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np

from edge_envs.core.env_base import EpisodeGuard, check_action, check_render_mode
from edge_envs.core.seeding import entropy_from
from edge_envs.offload_sap.model import OffloadSAPModel
from edge_envs.offload_sap.observation import decode_observation, observation_bounds
from edge_envs.offload_sap.params import OffloadSAPParams
from edge_envs.registry import resolve_scenario

__all__ = ["OffloadSAPEnv", "decode_observation", "step_info"]


def step_info(sums: np.ndarray, battery_j: float, link_up: bool, control_bytes: int) -> dict:
    """The ``info`` keys every view reports, from one column of :meth:`OffloadSAPModel.settle`
    (rows ``SETTLEMENT``; summed over devices or for one device)."""
    cost, time_s, energy_j, done, dropped, unserved = sums.tolist()
    return {
        "cost": cost,
        "time_s": time_s,
        "energy_j": energy_j,
        "completed_tasks": int(done),
        "dropped_tasks": int(dropped),
        "unserved_tasks": int(unserved),
        "battery_j": battery_j,
        "link_up": link_up,
        "control_bytes": control_bytes,
    }


def build_model(scenario, overrides: dict[str, Any]) -> tuple[OffloadSAPParams, OffloadSAPModel]:
    """Scenario resolution shared by both views: the params and the model."""
    from edge_envs.offload_sap import SYSTEM

    params = resolve_scenario(SYSTEM, scenario, overrides)
    return params, OffloadSAPModel(params)


class OffloadSAPEnv(gym.Env):
    """Offloading decisions of ``N`` devices, one decision per step.

    **View.** Each step is one decision event: the observation is that of the device whose
    task is due (:mod:`edge_envs.offload_sap.observation`, ``13 + 5 Z`` values) and the action
    ``Discrete(Z + 1)`` (0 = local, ``z`` = server ``z - 1``) runs its task. The same policy
    thus decides for every device in turn, as in the paper, where every device runs a copy of
    one network (neither a single device among fixed-policy ones nor a joint action: the
    devices' decisions happen at different times). ``info["device"]`` names the device.

    **Reward** ``-info["cost"]``: the cost ``alpha E + beta T`` of the task booked by this step
    (its whole time and energy are fixed when it is booked: FCFS queues) plus the penalties of
    the tasks dropped or left unserved while the simulation ran on to the next decision.

    ``info``: ``cost``, ``time_s``, ``energy_j``, ``completed_tasks`` (booked), ``dropped_tasks``
    (deadline missed), ``unserved_tasks`` (battery empty), ``battery_j`` (the deciding device's,
    after booking), ``link_up`` (control link now), ``control_bytes`` (bytes reported through
    :meth:`send_control` since the last step), ``device``, ``sim_time_s``; on the last step
    ``episode_cost_per_task`` (total cost / ``N M``); ``reset`` returns ``device`` and
    ``sim_time_s`` of the first decision. The episode terminates when every task
    is booked, dropped or unserved; it is never truncated.

    Hooks and read-only state: :meth:`send_control`, :attr:`control_link_up`, :attr:`model`
    (the :class:`OffloadSAPModel`; privileged reference agents read its true state, see
    ``option_costs``), :attr:`deciding_device`.

    Args:
        scenario: a name of :data:`SCENARIOS`, an :class:`OffloadSAPParams`, or ``None``
            (``paper``).
        render_mode: ``None`` or ``"rgb_array"``.
        **overrides: fields of :class:`OffloadSAPParams` to replace.
    """

    metadata = {"render_modes": ["rgb_array"], "render_fps": 4}

    def __init__(
        self,
        scenario: str | OffloadSAPParams | None = None,
        render_mode: str | None = None,
        **overrides: Any,
    ) -> None:
        check_render_mode(render_mode, self.metadata["render_modes"])
        self.params, self.model = build_model(scenario, overrides)
        self.render_mode = render_mode
        low, high = observation_bounds(self.params)
        self.observation_space = gym.spaces.Box(low, high, dtype=np.float32)
        self.action_space = gym.spaces.Discrete(self.params.n_actions)
        self._guard = EpisodeGuard()
        self._device = -1
        self._shown = 0
        self._total_cost = 0.0

    # -- Gymnasium API --------------------------------------------------------------
    def reset(self, *, seed: int | None = None, options: dict | None = None):
        super().reset(seed=seed)
        self.model.reset(entropy_from(self.np_random, seed))
        self._device = self.model.first_deciding()
        self._shown = max(self._device, 0)
        self._total_cost = 0.0
        self._guard.started()
        info = {"device": self._device, "sim_time_s": self.model.now}
        return self.model.observe([self._shown])[0], info

    def step(self, action):
        self._guard.check()
        n = self.params.n_actions
        if type(action) is int or type(action) is np.int64:
            if not 0 <= action < n:
                check_action(self.action_space, action)  # raises with the usual message
            action = int(action)
        else:
            action = int(check_action(self.action_space, action))
        model = self.model
        i = self._device
        if i >= 0:
            model.decide(i, action)
            more = model.advance()
        else:
            more = False
        sums = model.settle().sum(axis=1)
        battery = float(model.battery_j[i]) if i >= 0 else 0.0
        info = step_info(sums, battery, model.link_up, model.take_control_bytes())
        info["device"] = i
        info["sim_time_s"] = model.now
        cost = info["cost"]
        self._total_cost += cost
        if more:
            self._device = self._shown = model.first_deciding()
        else:
            self._device = -1
            self._guard.ended()
            info["episode_cost_per_task"] = self._total_cost / (model.n * model.m)
        obs = model.observe([self._shown])[0]
        return obs, -cost, not more, False, info

    def render(self):
        if self.render_mode is None:
            return None
        from edge_envs.offload_sap.render import draw_model

        return draw_model(self.model)

    # -- hooks and read-only state -----------------------------------------------------
    def send_control(self, n_bytes: int) -> bool:
        """Report ``n_bytes`` of weights or experiences sent over the control link now.

        For agents that model the paper's control traffic (the distributed DDQN): returns
        ``False`` and counts nothing when the link is down (keep the data and retry later);
        counted bytes appear in the next step's ``info["control_bytes"]``.
        """
        return self.model.send_control(n_bytes)

    @property
    def control_link_up(self) -> bool:
        return self.model.link_up

    @property
    def deciding_device(self) -> int:
        """Index of the device whose task the next action decides (``-1`` at the end)."""
        return self._device

    @property
    def sim_time_s(self) -> float:
        return self.model.now

