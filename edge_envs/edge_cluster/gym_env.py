"""EdgeCluster-v0: the Gymnasium shell over :class:`~edge_envs.edge_cluster.model.EdgeClusterModel`.

See ``docs/envs/edge-cluster.md`` for the spaces, the reward, the scenarios and the ``info``
keys. Typical use::

    import gymnasium as gym
    import edge_envs  # noqa: F401  (registers the ids)

    env = gym.make("EdgeCluster-v0")                         # warehouse-80x4
    env = gym.make("EdgeCluster-v0", scenario="random-direction-20x3", action_mode="single")
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from edge_envs.core.arrays import read_only
from edge_envs.core.env_base import EpisodeGuard, check_action, check_render_mode
from edge_envs.core.seeding import entropy_from, spawn_streams
from edge_envs.edge_cluster import SYSTEM
from edge_envs.edge_cluster.mobility import MobilityGenerator
from edge_envs.edge_cluster.model import (
    N_ACTIONS,
    ClusterScore,
    EdgeClusterModel,
    one_core_actions,
)
from edge_envs.edge_cluster.observation import ObservationBuilder
from edge_envs.edge_cluster.params import EdgeClusterParams
from edge_envs.registry import resolve_scenario

STREAMS = ("layout", "mobility")


class EdgeClusterEnv(gym.Env):
    """Dynamic load-balancing clustering of an IoT network with moving vehicles (paper 000).

    Args:
        scenario: a name from ``SCENARIOS`` (``None`` = ``warehouse-80x4``) or an
            :class:`EdgeClusterParams`.
        render_mode: ``None`` or ``"rgb_array"``.
        mobility_generator: optional object with ``reset(rng, area_m, n_vehicles)`` and
            ``step()`` returning ``(n_vehicles, 2)`` positions (see
            ``edge_envs.edge_cluster.mobility.MobilityGenerator``); it replaces the
            scenario's mobility model and sets ``params.mobility = "generator"``.
        **overrides: fields of :class:`EdgeClusterParams` to change.

    Read-only attributes (arrays with ``flags.writeable == False``) for baselines and
    references: ``node_positions``, ``server_positions``, ``vehicle_positions``,
    ``cluster_cores``, ``cluster_weights``, ``cluster_heads``, ``cluster_labels``,
    ``adjacency`` (dense ``(M, M)`` bool); privileged (future) knowledge:
    ``next_vehicle_positions``. :meth:`set_labelling` fixes a node-to-cluster labelling for
    the rest of the episode (used by SC-METIS).
    """

    metadata = {"render_modes": ["rgb_array"], "render_fps": 4}

    def __init__(
        self,
        scenario: str | EdgeClusterParams | None = None,
        render_mode: str | None = None,
        mobility_generator: MobilityGenerator | None = None,
        **overrides: Any,
    ) -> None:
        check_render_mode(render_mode, self.metadata["render_modes"])
        params = resolve_scenario(SYSTEM, scenario, overrides)
        if mobility_generator is not None:
            if not isinstance(mobility_generator, MobilityGenerator):
                raise ValueError(
                    "mobility_generator must have methods reset(rng, area_m, n_vehicles) and "
                    f"step(), got {type(mobility_generator).__name__}"
                )
            params = replace(params, mobility="generator")
        elif params.mobility == "generator":
            raise ValueError(
                "mobility='generator' needs a mobility_generator=... object; valid built-in "
                "mobility values: two-point, random-direction, random-reflection, trace"
            )
        self.params = params
        self.render_mode = render_mode
        self.model = EdgeClusterModel(params, mobility_generator)
        self._builder = ObservationBuilder(params)
        self.observation_layout = self._builder.layout
        self.observation_space = spaces.Box(
            low=0.0, high=1.0, shape=(self.observation_layout.size,), dtype=np.float32
        )
        if params.action_mode == "multi":
            self.action_space = spaces.MultiDiscrete(np.full(params.n_servers, N_ACTIONS))
        else:
            self.action_space = spaces.Discrete(N_ACTIONS * params.n_servers)
        self._guard = EpisodeGuard()
        self._adjacency_dense: np.ndarray | None = None

    # -- Gymnasium API -------------------------------------------------------------------
    def reset(self, *, seed: int | None = None, options: dict | None = None):
        super().reset(seed=seed)
        if options:
            raise ValueError(
                f"EdgeCluster-v0 takes no reset options, got {sorted(options)}; use "
                "env.unwrapped.set_labelling(labels) to score a fixed labelling"
            )
        streams = spawn_streams(entropy_from(self.np_random, seed), STREAMS)
        if self.params.layout_seed is not None:
            # One deployment for every episode: the seed only draws the vehicle path.
            streams["layout"] = spawn_streams(self.params.layout_seed, ("layout",))["layout"]
        score = self.model.reset(streams)
        self._adjacency_dense = self.model.adjacency.toarray().astype(bool)
        self._adjacency_dense.flags.writeable = False
        self._builder.start(self._adjacency_dense)
        self._guard.started()
        return self._observation(score), self._info(score)

    def step(self, action):
        self._guard.check()
        action = check_action(self.action_space, action)
        score = self.model.step(self.core_actions(action))
        truncated = self.model.t >= self.params.episode_steps
        if truncated:
            self._guard.ended()
        return self._observation(score), float(score.reward), False, bool(truncated), \
            self._info(score)

    def render(self):
        if self.render_mode is None:
            gym.logger.warn("render() called without render_mode; pass render_mode='rgb_array'")
            return None
        if self._adjacency_dense is None:
            raise RuntimeError("render() called before reset()")
        from edge_envs.edge_cluster.render import render_rgb

        return render_rgb(self.model)

    # -- helpers -------------------------------------------------------------------------
    def core_actions(self, action) -> np.ndarray:
        """Per-core action indices of an action of ``action_space``.

        ``single`` mode: action ``a`` makes core ``a // 7`` take action ``a % 7``; the other
        cores Stay.
        """
        if self.params.action_mode == "multi":
            return np.asarray(action, dtype=np.int64)
        return one_core_actions([int(action)], self.params.n_servers)[0]

    def set_labelling(self, labels) -> None:
        """Fix the node-to-cluster labelling (``(M,)`` ints in ``[0, n)``) until the next reset;
        ``None`` restores the MWVC clustering.

        The labelling replaces the MWVC assignment and is scored by the same code; each
        cluster's head is its member nearest to the cluster-core (cores still follow the
        actions; weights have no effect). Raises ``ValueError`` for a bad labelling.
        """
        if self._adjacency_dense is None:
            raise RuntimeError("set_labelling() called before reset()")
        self.model.set_labelling(labels)

    def _observation(self, score: ClusterScore) -> np.ndarray:
        m = self.model
        return self._builder.build(m.labels, score.node_data_bytes, m.vehicle_positions,
                                   m.vehicle_motion, m.cores, m.weights, score.hops_per_server,
                                   score.data_per_server,
                                   (score.balance_hops, score.balance_data),
                                   m.one_core_lookahead() if self.params.observe_lookahead
                                   else None)

    def _info(self, score: ClusterScore) -> dict[str, Any]:
        return {
            "balance_hops": score.balance_hops,
            "balance_data": score.balance_data,
            "balance_hops_raw": score.balance_hops_raw,
            "balance_data_raw": score.balance_data_raw,
            "hops_per_server": score.hops_per_server.copy(),
            "data_per_server": score.data_per_server.copy(),
            "cluster_sizes": score.cluster_sizes.copy(),
            "disconnected_nodes": int(score.disconnected.sum()),
            "disconnected_per_server": score.disconnected_per_server.copy(),
            "head_load_bytes_per_s": score.head_load_bytes_per_s.copy(),
            "heads_over_capacity": score.heads_over_capacity,
            "sensing_nodes": int(np.count_nonzero(
                score.node_data_bytes > self.params.standard_msg_bytes)),
            "step": self.model.t,
        }

    # -- read-only state for baselines and references -------------------------------------
    @property
    def node_positions(self) -> np.ndarray:
        return read_only(self.model.node_positions)

    @property
    def server_positions(self) -> np.ndarray:
        return read_only(self.model.server_positions)

    @property
    def vehicle_positions(self) -> np.ndarray:
        return read_only(self.model.vehicle_positions)

    @property
    def next_vehicle_positions(self) -> np.ndarray:
        """Privileged: where the vehicles will be after the next step."""
        return read_only(self.model.next_vehicle_positions)

    @property
    def cluster_cores(self) -> np.ndarray:
        return read_only(self.model.cores)

    @property
    def cluster_weights(self) -> np.ndarray:
        return read_only(self.model.weights)

    @property
    def cluster_heads(self) -> np.ndarray:
        return read_only(self.model.heads)

    @property
    def cluster_labels(self) -> np.ndarray:
        return read_only(self.model.labels)

    @property
    def adjacency(self) -> np.ndarray:
        if self._adjacency_dense is None:
            raise RuntimeError("adjacency is defined after reset()")
        return read_only(self._adjacency_dense)
