"""Drawing of one SingleCellMEC slot into an RGB array (matplotlib, Agg canvas, no pyplot)."""

from __future__ import annotations

import numpy as np

_SIZE_IN = (7.2, 3.6)
_DPI = 100


def draw_model(model, last) -> np.ndarray:
    """``H x W x 3`` uint8 image of the current slot of a ``SingleCellMECModel``.

    Left: each server's load factor (eq. 18 of the last step, or the start-of-slot backlog
    right after ``reset``), labelled with its speed and task count. Right: each user's delay
    in the last step, coloured by its server (grey = local). Shared by both views.
    """
    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    state = model.state
    if state is None:
        raise RuntimeError("call reset() before render()")
    m, n = state.n_servers, state.n_users
    palette = matplotlib.colormaps["tab10" if m <= 10 else "hsv"]
    colours = np.array([palette(j % 10 if m <= 10 else j / m)[:3] for j in range(m)])
    fig = Figure(figsize=_SIZE_IN, dpi=_DPI)
    canvas = FigureCanvasAgg(fig)
    ax_load, ax_delay = fig.subplots(1, 2)
    if last is None:
        load, counts = state.ready_s, np.zeros(m, dtype=np.int64)
        title = f"slot {model.slot} (start)"
    else:
        load, counts = last.load_factors[0], last.server_task_counts[0]
        title = (f"slot {model.slot}  mean delay {last.mean_delay_s[0]:.3f} s  "
                 f"var(LD) {last.load_variance[0]:.4f}")
    servers = np.arange(1, m + 1)
    ax_load.bar(servers, load, color=colours, edgecolor="black")
    for j in range(m):
        ax_load.annotate(f"{state.server_speed_hz[j] / 1e9:.1f} GHz\n{int(counts[j])} tasks",
                         (servers[j], load[j]), textcoords="offset points", xytext=(0, 3),
                         ha="center", fontsize=6)
    ax_load.set_xlabel("server")
    ax_load.set_ylabel("load factor (s)")
    ax_load.set_ylim(0, max(float(np.max(load)), 1e-3) * 1.35)
    users = np.arange(n)
    if last is None:
        ax_delay.bar(users, state.task_cycles / state.local_speed_hz, color="0.8")
        ax_delay.set_ylabel("local delay if kept (s)")
    else:
        decision = last.decisions[0]
        bar_colours = np.where(decision[:, None] > 0, colours[np.maximum(decision - 1, 0)],
                               np.array([0.45, 0.45, 0.45]))
        ax_delay.bar(users, last.delay_s[0], color=bar_colours)
        ax_delay.set_ylabel("delay (s), grey = local")
    ax_delay.set_xlabel("user")
    fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    canvas.draw()
    return np.asarray(canvas.buffer_rgba())[:, :, :3].copy()
