"""Afterstate Q-network for the one-core-per-step view of paper 000 (our deviation).

The paper's D3QN maps the state to ``n x 7`` Q-values (Table 2). Read as one head of ``7 n``
single-view actions, that network has to learn from the raw state how each move changes the
hop and data balance, from Q differences of a few hundredths on values near
``1 / (1 - gamma)``. It learns the wrong order of actions that lead to the same clustering
(``docs/agents/d3qn.md``, "Measured").

The afterstate network scores each candidate instead. The SDN controller can cluster and score
a candidate as it scores the current clustering (:meth:`EdgeClusterModel.one_core_outcomes`,
vehicles where they are now, no future knowledge). Each of the ``7 n`` one-core moves becomes
a feature vector of what it would produce (:func:`candidate_features`), and one shared MLP maps
it to ``Q(s, a)``. Actions that lead to the same clustering get the same value, and the reward
factors are inputs, not something to infer. :class:`AfterstateQNetworks` is this network type
as the agent uses it (``network="afterstate"``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import gymnasium as gym
import numpy as np
import torch
from torch import nn

from agents.d3qn.network import QNetworks, relu_layers
from agents.d3qn.replay import ReplayBuffer
from edge_envs.edge_cluster.model import N_ACTIONS, EdgeClusterModel
from edge_envs.edge_cluster.observation import shares
from edge_envs.edge_cluster.params import EdgeClusterParams

if TYPE_CHECKING:
    from agents.d3qn.config import D3QNConfig

HIDDEN = (256, 256)
"""Hidden layers of the shared candidate scorer (tuned on the warehouse seed study)."""


def feature_slices(params: EdgeClusterParams) -> dict[str, slice]:
    """Where each field lies in one candidate's feature vector (order of
    :func:`candidate_features`)."""
    n, v = params.n_servers, params.n_vehicles
    lengths = {"hops_share": n, "sizes": n, "gamma": 1, "core_xy": 2 * n, "core_weights": n,
               "moved_core": n, "action": N_ACTIONS, "data_share": n, "delta": 1, "reward": 1,
               "vehicle_xy": 2 * v, "vehicle_motion": 9 * v}
    slices, start = {}, 0
    for name, length in lengths.items():
        slices[name] = slice(start, start + length)
        start += length
    return slices


def feature_size(params: EdgeClusterParams) -> int:
    """Length of one candidate's feature vector (see :func:`candidate_features`)."""
    return max(s.stop for s in feature_slices(params).values())


def candidate_features(
    outcomes: dict[str, np.ndarray],
    vehicle_xy: np.ndarray,
    vehicle_motion: np.ndarray,
    params: EdgeClusterParams,
) -> np.ndarray:
    """``(K, 7 n, F)`` features of the ``7 n`` one-core candidates for ``K`` vehicle states.

    Per candidate (row ``7 i + a``): hop shares ``b_j / sum b``, data shares ``d_j / sum d``,
    cluster sizes ``/ M``, ``Gamma``, ``Delta`` and the reward ``Gamma * Delta`` (eqs. 1-2,
    sec. 4.1.3, scored by :meth:`EdgeClusterModel.one_core_outcomes`), the candidate's core
    positions ``/ area`` and log-weights (scaled as in the observation), then the vehicle state
    (``vehicle_xy`` ``(K, 2V)`` and ``vehicle_motion`` ``(K, 9V)``, the observation's fields)
    and one-hots of the moved core ``i`` and of its action ``a``.

    ``outcomes`` holds ``K`` data vectors (its ``data`` / ``delta`` / ``reward`` lead with
    ``K``), one per vehicle state: L-D3QN scores the candidates for each predicted position.
    """
    n, m = params.n_servers, params.n_nodes
    k = outcomes["reward"].shape[0]
    c = N_ACTIONS * n
    log_wmin = np.log(params.weight_min)
    log_span = np.log(params.weight_max) - log_wmin
    clustering = np.concatenate([
        shares(outcomes["hops"]),
        outcomes["sizes"] / m,
        np.clip(outcomes["gamma"], -1.0, 1.0)[:, None],
        np.clip(outcomes["cores"].reshape(c, 2 * n) / params.area_m, 0.0, 1.0),
        np.clip((np.log(outcomes["weights"]) - log_wmin) / log_span, 0.0, 1.0),
        np.repeat(np.eye(n), N_ACTIONS, axis=0),
        np.tile(np.eye(N_ACTIONS), (n, 1)),
    ], axis=1)
    data_side = np.concatenate([
        shares(outcomes["data"]),
        np.clip(outcomes["delta"], -1.0, 1.0)[..., None],
        np.clip(outcomes["reward"], -1.0, 1.0)[..., None],
    ], axis=2)
    vehicle = np.concatenate([np.atleast_2d(vehicle_xy), np.atleast_2d(vehicle_motion)], axis=1)
    return np.concatenate([
        np.broadcast_to(clustering, (k, *clustering.shape)),
        data_side,
        np.broadcast_to(vehicle[:, None, :], (k, c, vehicle.shape[1])),
    ], axis=2).astype(np.float32)


class AfterstateQNetwork(nn.Module):
    """One MLP (ReLU) from a candidate's features to its Q-value, shared by all candidates:
    ``(..., F) -> (...)``."""

    def __init__(self, n_features: int, hidden: tuple[int, ...] = HIDDEN) -> None:
        super().__init__()
        layers, width = relu_layers(n_features, hidden)
        self.mlp = nn.Sequential(*layers, nn.Linear(width, 1))

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        return self.mlp(features).squeeze(-1)


class AfterstateQNetworks(QNetworks):
    """Our network type: :class:`AfterstateQNetwork` scores each of the ``7 n`` one-core moves.

    Input: the ``(7 n, F)`` features of the candidates the env's controller would produce
    (:func:`candidate_features`), so it needs the one-core-per-step view and the controller.
    Replay stores the taken candidate's features and all candidates of the next state; the
    next state's candidates form one head of ``7 n`` actions for the double-DQN target.
    """

    needs_controller = True

    def __init__(self, env: gym.Env, n_heads: int, n_actions: int, config: D3QNConfig,
                 agent_name: str) -> None:
        if not isinstance(env.action_space, gym.spaces.Discrete):
            raise ValueError(f"{agent_name} with network='afterstate' scores the 7n one-core "
                             "moves: it needs the env's action_mode='single'")
        self.params = env.unwrapped.params
        self.layout = env.unwrapped.observation_layout
        self.agent_name = agent_name
        self.n_actions = n_actions
        self.n_features = feature_size(self.params)
        super().__init__(AfterstateQNetwork(self.n_features), AfterstateQNetwork(self.n_features))

    def candidate_features(self, obs: np.ndarray, controller: EdgeClusterModel | None,
                           node_data: np.ndarray | None) -> np.ndarray:
        """``(K, 7 n, F)`` candidate features for ``K`` vehicle states: the observed one
        (``node_data=None``), or ``K`` predicted ones (``node_data`` ``(K, M)`` in units of
        the sensing message, with vehicle fields taken from the rows of ``obs``)."""
        lay, p = self.layout, self.params
        obs = np.atleast_2d(obs)
        if controller is None or not np.allclose(
                obs[0, lay.core_xy], np.clip(controller.cores.reshape(-1) / p.area_m, 0.0, 1.0),
                atol=1e-5):
            raise RuntimeError(f"{self.agent_name} (network='afterstate') scores candidates "
                               "with the env's controller: call begin_episode(env) after reset "
                               "and act on that env's latest observation")
        data = None if node_data is None else node_data * p.sensing_msg_bytes
        outcomes = controller.one_core_outcomes(data)
        return candidate_features(outcomes, obs[:, lay.vehicle_xy], obs[:, lay.vehicle_motion],
                                  p)

    def inputs(self, obs: np.ndarray, controller: EdgeClusterModel | None) -> np.ndarray:
        return self.candidate_features(obs, controller, None)[0]

    def predicted_inputs(self, states: np.ndarray,
                         controller: EdgeClusterModel | None) -> np.ndarray:
        # Each predicted state re-scores the candidates' data side (eq. 6 with afterstates).
        return self.candidate_features(states, controller, states[:, self.layout.node_data])

    def head_q(self, x: torch.Tensor) -> torch.Tensor:
        return self.q(x).unsqueeze(1)

    def replay_buffer(self, capacity: int) -> ReplayBuffer:
        return ReplayBuffer(capacity, self.n_features, 1,
                            next_obs_dim=self.n_actions * self.n_features)

    def to_replay(self, x: np.ndarray, action: np.ndarray,
                  next_x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return x[int(action[0])], next_x.reshape(-1)

    def q_taken(self, obs: torch.Tensor, action: torch.Tensor) -> torch.Tensor:
        return self.q(obs).unsqueeze(-1)

    def next_inputs(self, next_obs: torch.Tensor) -> torch.Tensor:
        return next_obs.view(len(next_obs), 1, self.n_actions, self.n_features)
