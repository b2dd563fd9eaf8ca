"""``rgb_array`` drawing of an EdgeCluster model state (matplotlib, Agg canvas, no pyplot)."""

from __future__ import annotations

import numpy as np

from edge_envs.edge_cluster.model import EdgeClusterModel
from edge_envs.edge_cluster.traces import GRID_M, TRACE_AREA_M, warehouse_layout


def render_rgb(model: EdgeClusterModel, size_px: int = 480) -> np.ndarray:
    """``(size_px, size_px, 3)`` uint8 picture of the current state.

    Nodes are coloured by cluster (a ring marks members without an in-cluster path to their
    head), heads are large circles, cores crosses, servers squares, vehicles triangles with
    their sensing discs; grey lines are the communication graph. With the warehouse trace the
    racks are drawn in the background.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.collections import LineCollection
    from matplotlib.figure import Figure
    from matplotlib.patches import Circle, Rectangle

    p = model.params
    dpi = 100
    fig = Figure(figsize=(size_px / dpi, size_px / dpi), dpi=dpi)
    canvas = FigureCanvasAgg(fig)
    ax = fig.add_axes((0.02, 0.06, 0.96, 0.9))
    ax.set_xlim(-0.3, p.area_m + 0.3)
    ax.set_ylim(-0.3, p.area_m + 0.3)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])

    if p.mobility == "trace":
        scale = p.area_m / TRACE_AREA_M * GRID_M
        for x0, y0, x1, y1 in warehouse_layout().racks:
            ax.add_patch(Rectangle((x0 * scale, y0 * scale), (x1 - x0) * scale,
                                   (y1 - y0) * scale, color="0.9", zorder=0))

    nodes = model.node_positions
    upper = model.rows < model.cols
    segments = np.stack([nodes[model.rows[upper]], nodes[model.cols[upper]]], axis=1)
    ax.add_collection(LineCollection(segments, colors="0.8", linewidths=0.5, zorder=1))

    colours = _cluster_colours(p.n_servers)
    ax.scatter(nodes[:, 0], nodes[:, 1], s=18, c=colours[model.labels], zorder=3,
               edgecolors="none")
    lost = model.last_score.disconnected
    if lost.any():
        ax.scatter(nodes[lost, 0], nodes[lost, 1], s=60, facecolors="none", edgecolors="red",
                   linewidths=0.8, zorder=4)
    heads = model.heads[model.heads >= 0]
    ax.scatter(nodes[heads, 0], nodes[heads, 1], s=90, c=colours[model.labels[heads]],
               edgecolors="black", linewidths=1.2, zorder=5)
    ax.scatter(model.server_positions[:, 0], model.server_positions[:, 1], s=70, marker="s",
               c=colours[: p.n_servers], edgecolors="black", zorder=4)
    ax.scatter(model.cores[:, 0], model.cores[:, 1], s=80, marker="x", c="black", zorder=6)

    for x, y in model.vehicle_positions:
        ax.add_patch(Circle((x, y), p.sensing_range_m, color="orange", alpha=0.12, zorder=2))
    vehicles = model.vehicle_positions
    ax.scatter(vehicles[:, 0], vehicles[:, 1], s=110, marker="^", c="orange",
               edgecolors="black", zorder=7)

    s = model.last_score
    fig.text(0.02, 0.015, f"t={model.t}  reward={s.reward:.3f}  Gamma={s.balance_hops:.3f}  "
             f"Delta={s.balance_data:.3f}", fontsize=8)
    canvas.draw()
    rgba = np.asarray(canvas.buffer_rgba())
    return np.ascontiguousarray(rgba[:, :, :3])


def _cluster_colours(n: int) -> np.ndarray:
    from matplotlib import colormaps

    cmap = colormaps["tab10" if n <= 10 else "tab20"]
    return np.array([cmap(i % cmap.N) for i in range(n)])
