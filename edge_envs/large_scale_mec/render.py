"""Drawing of one LargeScaleMEC slot into an RGB array (matplotlib, Agg canvas, no pyplot)."""

from __future__ import annotations

import numpy as np

_SIZE_IN = 4.8
_DPI = 100


def draw_model(model, last) -> np.ndarray:
    """The current slot of a :class:`LargeScaleMECModel`; ``last`` is the last ``SlotResult``
    (or ``None`` right after reset). Shared by the Gymnasium and PettingZoo shells."""
    if model.iotd_positions is None:
        raise RuntimeError("call reset() before render()")
    title = f"slot {model.slot}"
    if last is not None:
        n_off = int(np.count_nonzero(last.decision))
        title += f"  objective {last.objective:.2f}  offloaded {n_off}"
    return draw_frame(
        model.params.area_m, model.iotd_positions, model.mec_positions,
        None if last is None else last.decision, None if last is None else last.mec_load,
        title,
    )


def draw_frame(
    area_m: float,
    iotd_positions: np.ndarray,
    mec_positions: np.ndarray,
    decision: np.ndarray | None,
    mec_load: np.ndarray | None,
    title: str,
) -> np.ndarray:
    """``H x W x 3`` uint8 image: IoTDs coloured by their MEC (grey = local), a line from each
    offloading IoTD to its server, servers as triangles labelled with their load."""
    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(_SIZE_IN, _SIZE_IN), dpi=_DPI)
    canvas = FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 1, 1)
    m = len(mec_positions)
    if m <= 10:
        palette = np.array(matplotlib.colormaps["tab10"].colors[:m])
    else:
        palette = matplotlib.colormaps["hsv"](np.arange(m) / m)[:, :3]
    if decision is None:
        decision = np.zeros(len(iotd_positions), dtype=np.int64)
    off = decision > 0
    if np.any(off):
        ends = mec_positions[decision[off] - 1]
        starts = iotd_positions[off]
        xs = np.stack([starts[:, 0], ends[:, 0], np.full(len(ends), np.nan)], axis=1).ravel()
        ys = np.stack([starts[:, 1], ends[:, 1], np.full(len(ends), np.nan)], axis=1).ravel()
        ax.plot(xs, ys, color="0.75", linewidth=0.5, zorder=1)
        ax.scatter(starts[:, 0], starts[:, 1], s=12, c=palette[decision[off] - 1], zorder=2)
    if np.any(~off):
        local = iotd_positions[~off]
        ax.scatter(local[:, 0], local[:, 1], s=12, c="0.45", marker="x", zorder=2,
                   label="local")
    ax.scatter(mec_positions[:, 0], mec_positions[:, 1], s=90, c=palette, marker="^",
               edgecolors="black", zorder=3)
    if mec_load is not None:
        for j, (x, y) in enumerate(mec_positions):
            ax.annotate(str(int(mec_load[j])), (x, y), textcoords="offset points",
                        xytext=(5, 5), fontsize=7)
    ax.set_xlim(-1, area_m + 1)
    ax.set_ylim(-1, area_m + 1)
    ax.set_aspect("equal")
    ax.set_xlabel("x (m)")
    ax.set_ylabel("y (m)")
    ax.set_title(title, fontsize=9)
    fig.tight_layout()
    canvas.draw()
    return np.asarray(canvas.buffer_rgba())[:, :, :3].copy()
