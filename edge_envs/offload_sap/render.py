"""Drawing of the OffloadSAP state into an RGB array (matplotlib, Agg canvas, no pyplot)."""

from __future__ import annotations

import numpy as np

_DPI = 100


def draw_model(model) -> np.ndarray:
    """``H x W x 3`` uint8 image of an :class:`OffloadSAPModel` after ``reset``: each device's
    battery (bar coloured by its last action: grey local, one colour per server), each
    server's backlog in seconds, and the control link's state in the title."""
    if model.link is None:
        raise RuntimeError("call reset() before render()")
    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    p = model.params
    fig = Figure(figsize=(6.4, 3.6), dpi=_DPI)
    canvas = FigureCanvasAgg(fig)
    ax_dev, ax_srv = fig.subplots(1, 2, gridspec_kw={"width_ratios": [3, 1]})
    palette = np.array(matplotlib.colormaps["tab10"].colors)
    action = model.last_action
    colours = np.where(action[:, None] > 0, palette[np.maximum(action - 1, 0) % 10], 0.6)
    colours[action < 0] = 0.85
    ax_dev.bar(np.arange(model.n), model.battery_j / p.battery_j, color=colours,
               edgecolor="black", linewidth=0.3)
    ax_dev.set_ylim(0.0, 1.05)
    ax_dev.set_xlabel("device")
    ax_dev.set_ylabel("battery (fraction)")
    backlog = np.maximum(model.server_free - model.now, 0.0)
    ax_srv.bar(np.arange(model.z), backlog, color=palette[np.arange(model.z) % 10],
               edgecolor="black", linewidth=0.3)
    ax_srv.set_xlabel("server")
    ax_srv.set_ylabel("backlog (s)")
    state = "up" if model.link_up else "DOWN"
    fig.suptitle(f"t = {model.now:.2f} s   control link {state}   "
                 f"decisions at the {p.decision_site}", fontsize=9)
    fig.tight_layout()
    canvas.draw()
    return np.asarray(canvas.buffer_rgba())[:, :, :3].copy()
