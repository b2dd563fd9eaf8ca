"""Layout and construction of the EdgeCluster-v0 observation (paper 000, sec. 4.1.2, 4.5).

The paper's D3QN input has ``M^2 + 2M + 2 + |Y|`` entries: the adjacency matrix, the cluster
id and data size of every node, the vehicle's coordinates and its 9-way moving direction.
Our vector starts with exactly these (for one vehicle) and appends the cluster-cores'
positions and weights, which the network could not otherwise know. With ``V`` vehicles the
coordinates and the direction one-hots are given per vehicle. All entries lie in [0, 1]:

=================  ======================  ===============================================
field              offset, length          value
=================  ======================  ===============================================
adjacency          0, M*M                  1 if nodes j and k are neighbours (row-major)
cluster_ids        M^2, M                  label / max(n - 1, 1)
node_data          M^2 + M, M              bytes sent this step / SN_mesg bytes
vehicle_xy         M^2 + 2M, 2V            x_1/area, y_1/area, x_2/area, ...
vehicle_motion     M^2 + 2M + 2V, 9V       one-hot of the last move per vehicle
core_xy            M^2 + 2M + 11V, 2n      x_1/area, y_1/area, x_2/area, ...
core_weights       M^2 + 2M + 11V + 2n, n  log(w / w_min) / log(w_max / w_min)
hops_share         M^2 + 2M + 11V + 3n, n  b_i / sum_j b_j     (only with observe_balance)
data_share         M^2 + 2M + 11V + 4n, n  d_i / sum_j d_j     (only with observe_balance)
balance            M^2 + 2M + 11V + 5n, 2  Gamma, Delta        (only with observe_balance)
lookahead          after the above, 7n     reward of one-core action 7i + a, vehicles where
                                           they are now            (only with observe_lookahead)
=================  ======================  ===============================================

``observe_balance`` (off by default; the D3QN agents turn it on) gives the network the
quantities the reward balances. Without them it must infer each cluster's hop count from
the labels and the adjacency, a shortest-path computation an MLP does not learn from a few
thousand samples.

``observe_lookahead`` (off by default) gives the reward each of the ``7n`` one-core actions
would score if the vehicles stayed where they are: the SDN controller can evaluate a
candidate clustering exactly as it evaluates the current one. It tells the network the
immediate effect of every action, which it would otherwise have to learn from
differences of about 0.04 between Q-values of size 1 / (1 - gamma).

The direction order is ``mobility.MOTIONS``: up, down, left, right, up-right, down-right,
up-left, down-left, stay (``up`` = +y).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from edge_envs.edge_cluster.model import N_ACTIONS
from edge_envs.edge_cluster.params import EdgeClusterParams

N_MOTIONS = 9


@dataclass(frozen=True)
class ObservationLayout:
    """Slices of each field in the flat observation vector (see the module docstring)."""

    adjacency: slice
    cluster_ids: slice
    node_data: slice
    vehicle_xy: slice
    vehicle_motion: slice
    core_xy: slice
    core_weights: slice
    hops_share: slice
    data_share: slice
    balance: slice
    lookahead: slice
    size: int

    @classmethod
    def from_params(cls, params: EdgeClusterParams) -> ObservationLayout:
        m, n, v = params.n_nodes, params.n_servers, params.n_vehicles
        lengths = {
            "adjacency": m * m,
            "cluster_ids": m,
            "node_data": m,
            "vehicle_xy": 2 * v,
            "vehicle_motion": N_MOTIONS * v,
            "core_xy": 2 * n,
            "core_weights": n,
            "hops_share": n if params.observe_balance else 0,
            "data_share": n if params.observe_balance else 0,
            "balance": 2 if params.observe_balance else 0,
            "lookahead": N_ACTIONS * n if params.observe_lookahead else 0,
        }
        slices, start = {}, 0
        for name, length in lengths.items():
            slices[name] = slice(start, start + length)
            start += length
        return cls(size=start, **slices)

    def fields(self) -> list[tuple[str, int, int]]:
        """``(name, offset, length)`` of every field present, in order."""
        names = ("adjacency", "cluster_ids", "node_data", "vehicle_xy", "vehicle_motion",
                 "core_xy", "core_weights", "hops_share", "data_share", "balance", "lookahead")
        fields = [(k, getattr(self, k).start, getattr(self, k).stop - getattr(self, k).start)
                  for k in names]
        return [f for f in fields if f[2] > 0]


class ObservationBuilder:
    """Writes observations into a per-episode template (the adjacency part is constant)."""

    def __init__(self, params: EdgeClusterParams) -> None:
        self.params = params
        self.layout = ObservationLayout.from_params(params)
        self.template = np.zeros(self.layout.size, dtype=np.float32)
        self._label_scale = 1.0 / max(params.n_servers - 1, 1)
        self._log_wmin = np.log(params.weight_min)
        self._log_wspan = np.log(params.weight_max) - self._log_wmin

    def start(self, adjacency_dense: np.ndarray) -> None:
        """Store the episode's adjacency matrix in the template."""
        self.template[self.layout.adjacency] = adjacency_dense.reshape(-1)

    def build(
        self,
        labels: np.ndarray,
        data_bytes: np.ndarray,
        vehicle_positions: np.ndarray,
        vehicle_motion: np.ndarray,
        cores: np.ndarray,
        weights: np.ndarray,
        hops_per_server: np.ndarray | None = None,
        data_per_server: np.ndarray | None = None,
        balance: tuple[float, float] | None = None,
        lookahead: np.ndarray | None = None,
    ) -> np.ndarray:
        """A fresh float32 observation vector (``hops_per_server``, ``data_per_server`` and
        ``balance`` are read only with observe_balance, ``lookahead`` with observe_lookahead)."""
        p, lay = self.params, self.layout
        obs = self.template.copy()
        obs[lay.cluster_ids] = labels * self._label_scale
        obs[lay.node_data] = data_bytes / p.sensing_msg_bytes
        obs[lay.vehicle_xy] = np.clip(vehicle_positions.reshape(-1) / p.area_m, 0.0, 1.0)
        motion = np.zeros((p.n_vehicles, N_MOTIONS), dtype=np.float32)
        motion[np.arange(p.n_vehicles), vehicle_motion] = 1.0
        obs[lay.vehicle_motion] = motion.reshape(-1)
        obs[lay.core_xy] = np.clip(cores.reshape(-1) / p.area_m, 0.0, 1.0)
        obs[lay.core_weights] = np.clip(
            (np.log(weights) - self._log_wmin) / self._log_wspan, 0.0, 1.0
        )
        if p.observe_balance:
            obs[lay.hops_share] = shares(hops_per_server)
            obs[lay.data_share] = shares(data_per_server)
            obs[lay.balance] = np.clip(balance, 0.0, 1.0)
        if p.observe_lookahead:
            obs[lay.lookahead] = np.clip(lookahead, 0.0, 1.0)
        return obs


def shares(values: np.ndarray) -> np.ndarray:
    """``values / values.sum()`` along the last axis (0 where the sum is 0)."""
    v = np.asarray(values, dtype=np.float64)
    total = v.sum(axis=-1, keepdims=True)
    return np.divide(v, total, out=np.zeros_like(v), where=total > 0)
