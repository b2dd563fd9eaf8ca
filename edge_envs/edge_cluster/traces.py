"""Vehicle traces: the synthetic warehouse trace, its generator and its loader (numpy only).

Paper 000 (sec. 5.4) trained and tested on an 8-hour, 1 Hz trace of an autopilot cargo vehicle
in a 15 m x 15 m warehouse, discretised on 0.025 m squares. That trace is not public, so we
ship a synthetic one with the same format: :func:`generate_warehouse_trace` drives a vehicle
along the aisles of a warehouse (racks, cross aisles, pick stations at the racks, drop
stations at the dock, a charger) at 1 m/s and lets it dwell at every station. The file
``data/warehouse_seed0.npz`` was written once by ``python -m edge_envs.edge_cluster.traces``
and holds ``int16`` grid indices; the position of index ``i`` is the centre of square ``i``,
``(i + 0.5) * 0.025`` metres (the paper's discretisation, sec. 4.2).

Bit-identical regeneration: the generator works in integer grid units (1 unit = 0.025 m;
1 m/s = 40 units/s) on a clock of 1/40 s ticks, so a vehicle moves exactly one unit per tick
and no floating-point rounding is involved. The only randomness is integer draws from
``numpy.random.Generator(PCG64(seed))``, which numpy keeps stable across platforms. Drawing
is sequential, so a shorter ``duration_s`` gives a prefix of the longer trace.

Split: the first 80 % of the samples are the training part, the last 20 % the test part.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

GRID_M = 0.025
"""Side of a discretisation square (sec. 5.4)."""
TRACE_AREA_M = 15.0
"""Side of the warehouse the trace was generated for."""
TRACE_RATE_HZ = 1
TRAIN_FRACTION = 0.8
"""Share of the trace (its first part) that forms the training split."""
WAREHOUSE_SEED = 0
WAREHOUSE_DURATION_S = 8 * 3600
GENERATOR_VERSION = 1
DATA_DIR = Path(__file__).resolve().parent / "data"
WAREHOUSE_FILE = DATA_DIR / "warehouse_seed0.npz"

_UNITS_PER_M = 40  # 1 / GRID_M
_SPEED_UNITS_PER_TICK = 1  # 1 m/s at 40 ticks per second
_TICKS_PER_S = _UNITS_PER_M // _SPEED_UNITS_PER_TICK


def _u(metres: float) -> int:
    """Metres to integer grid units (every layout coordinate below is a multiple of 0.025)."""
    return int(round(metres * _UNITS_PER_M))


@dataclass(frozen=True)
class WarehouseLayout:
    """The warehouse the synthetic vehicle drives in (grid units of 0.025 m).

    Attributes:
        aisle_x: x of the vertical aisles' centre lines (between and beside the racks).
        cross_y: y of the horizontal cross aisles (front, middle, back).
        racks: ``(x0, y0, x1, y1)`` rectangles of the shelving racks.
        picks: pick stations, on the vertical aisles beside the racks.
        drops: drop stations at the dock on the right.
        charger: where the vehicle parks to recharge.
        spurs: ``(junction, station)`` short drive-ins from an aisle to a dock station.
    """

    aisle_x: tuple[int, ...]
    cross_y: tuple[int, ...]
    racks: tuple[tuple[int, int, int, int], ...]
    picks: tuple[tuple[int, int], ...]
    drops: tuple[tuple[int, int], ...]
    charger: tuple[int, int]
    spurs: tuple[tuple[tuple[int, int], tuple[int, int]], ...]


def warehouse_layout() -> WarehouseLayout:
    """Three double-sided racks in two blocks, four vertical aisles, three cross aisles."""
    aisle_x = tuple(_u(x) for x in (1.25, 4.75, 8.25, 11.75))
    cross_y = tuple(_u(y) for y in (1.5, 7.5, 13.5))
    racks = tuple(
        (_u(x0), _u(y0), _u(x0 + 2.0), _u(y1))
        for x0 in (2.0, 5.5, 9.0)
        for (y0, y1) in ((3.0, 7.0), (8.0, 12.0))
    )
    pick_y = tuple(_u(y) for y in (3.5, 4.75, 6.0, 9.0, 10.25, 11.5))
    picks = tuple((x, y) for x in aisle_x for y in pick_y)
    drops = tuple((_u(13.75), _u(y)) for y in (3.0, 7.5, 12.0))
    charger = (_u(0.5), _u(1.5))
    spurs = tuple(((aisle_x[-1], y), (x, y)) for (x, y) in drops) + (
        ((aisle_x[0], charger[1]), charger),
    )
    return WarehouseLayout(aisle_x, cross_y, racks, picks, drops, charger, spurs)


def _road_graph(layout: WarehouseLayout):
    """Nodes (grid points) and next-hop routing table of the aisle network.

    Roads: every vertical aisle from the front to the back cross aisle, every cross aisle
    from the first to the last vertical aisle, and the spurs. Points on the same road are
    joined to their neighbours along it; shortest paths by Floyd-Warshall (integer lengths,
    ties broken by the lowest intermediate index, so routing is deterministic).
    """
    points: set[tuple[int, int]] = set()
    y_lo, y_hi = layout.cross_y[0], layout.cross_y[-1]
    x_lo, x_hi = layout.aisle_x[0], layout.aisle_x[-1]
    for x in layout.aisle_x:
        for y in layout.cross_y:
            points.add((x, y))
    points.update(layout.picks)
    for junction, station in layout.spurs:
        points.add(junction)
        points.add(station)
    nodes = sorted(points)
    index = {p: i for i, p in enumerate(nodes)}
    n = len(nodes)
    big = np.iinfo(np.int64).max // 4
    dist = np.full((n, n), big, dtype=np.int64)
    np.fill_diagonal(dist, 0)

    def join_line(on_line):
        line = sorted(on_line)
        for a, b in zip(line[:-1], line[1:], strict=True):
            d = abs(a[0] - b[0]) + abs(a[1] - b[1])
            dist[index[a], index[b]] = dist[index[b], index[a]] = d

    for x in layout.aisle_x:
        join_line([p for p in nodes if p[0] == x and y_lo <= p[1] <= y_hi])
    for y in layout.cross_y:
        join_line([p for p in nodes if p[1] == y and x_lo <= p[0] <= x_hi])
    for junction, station in layout.spurs:
        join_line([junction, station])

    nxt = np.where(dist < big, np.arange(n)[None, :], -1)
    for k in range(n):
        via = dist[:, k : k + 1] + dist[k : k + 1, :]
        better = via < dist
        dist = np.where(better, via, dist)
        nxt = np.where(better, nxt[:, k : k + 1], nxt)
    return nodes, index, nxt


def _path_ticks(nodes, nxt, src: int, dst: int) -> np.ndarray:
    """Grid positions after each tick of driving from node ``src`` to node ``dst``."""
    chunks = []
    here = src
    while here != dst:
        there = int(nxt[here, dst])
        (x0, y0), (x1, y1) = nodes[here], nodes[there]
        length = abs(x1 - x0) + abs(y1 - y0)
        k = np.arange(1, length + 1, dtype=np.int64)
        seg = np.empty((length, 2), dtype=np.int64)
        seg[:, 0] = x0 + np.sign(x1 - x0) * k
        seg[:, 1] = y0 + np.sign(y1 - y0) * k
        chunks.append(seg)
        here = there
    return np.concatenate(chunks) if chunks else np.empty((0, 2), dtype=np.int64)


def generate_warehouse_trace(
    seed: int = WAREHOUSE_SEED, duration_s: int = WAREHOUSE_DURATION_S
) -> np.ndarray:
    """``(duration_s, 2)`` int16 grid indices of the vehicle, sampled at 1 Hz.

    Missions: from where it stands the vehicle drives to a random pick station and loads
    (5-20 s), with probability 0.3 to a second pick station (5-20 s), then to a random drop
    station at the dock and unloads (5-15 s); after a mission, with probability 0.05, it parks
    at the charger for 60-180 s. It starts at the charger. Speed 1 m/s along the aisles.
    Dwell times are whole seconds drawn uniformly.
    """
    if int(duration_s) < 1:
        raise ValueError(f"duration_s must be a positive integer, got {duration_s!r}")
    layout = warehouse_layout()
    nodes, index, nxt = _road_graph(layout)
    picks = [index[p] for p in layout.picks]
    drops = [index[p] for p in layout.drops]
    charger = index[layout.charger]
    rng = np.random.Generator(np.random.PCG64(int(seed)))
    needed_ticks = (int(duration_s) - 1) * _TICKS_PER_S + 1
    chunks = [np.array([nodes[charger]], dtype=np.int64)]
    total = 1
    here = charger

    def drive_and_dwell(dst: int, lo_s: int, hi_s: int) -> None:
        nonlocal here, total
        path = _path_ticks(nodes, nxt, here, dst)
        dwell = int(rng.integers(lo_s, hi_s + 1)) * _TICKS_PER_S
        stay = np.repeat(np.array([nodes[dst]], dtype=np.int64), dwell, axis=0)
        chunks.extend((path, stay))
        total += len(path) + dwell
        here = dst

    while total < needed_ticks:
        drive_and_dwell(picks[int(rng.integers(len(picks)))], 5, 20)
        if rng.integers(10) < 3:
            drive_and_dwell(picks[int(rng.integers(len(picks)))], 5, 20)
        drive_and_dwell(drops[int(rng.integers(len(drops)))], 5, 15)
        if rng.integers(20) < 1:
            drive_and_dwell(charger, 60, 180)
    ticks = np.concatenate(chunks)
    return ticks[: needed_ticks : _TICKS_PER_S].astype(np.int16)


def write_warehouse_trace(path: str | Path = WAREHOUSE_FILE, seed: int = WAREHOUSE_SEED) -> Path:
    """Generate the 8-hour trace from ``seed`` and save it as a compressed ``.npz``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    xy_idx = generate_warehouse_trace(seed, WAREHOUSE_DURATION_S)
    np.savez_compressed(
        path,
        xy_idx=xy_idx,
        seed=np.int64(seed),
        grid_m=np.float64(GRID_M),
        area_m=np.float64(TRACE_AREA_M),
        rate_hz=np.int64(TRACE_RATE_HZ),
        train_fraction=np.float64(TRAIN_FRACTION),
        generator_version=np.int64(GENERATOR_VERSION),
    )
    return path


def load_trace_indices(name: str = "warehouse") -> np.ndarray:
    """The shipped trace as ``(T, 2)`` int16 grid indices (read-only)."""
    if name != "warehouse":
        raise ValueError(f"trace_name must be one of ['warehouse'], got {name!r}")
    with np.load(WAREHOUSE_FILE) as data:
        xy_idx = np.array(data["xy_idx"])
    xy_idx.flags.writeable = False
    return xy_idx


def split_bounds(n_samples: int, split: str, train_fraction_used: float = 1.0) -> tuple[int, int]:
    """``[start, stop)`` sample range of a split: ``train`` = first 80 %, ``test`` = the rest.

    ``train_fraction_used`` keeps only the first part of the training split (paper: 25 %,
    50 % or 100 % of the training data, sec. 5.4.1).
    """
    cut = int(round(n_samples * TRAIN_FRACTION))
    if split == "train":
        return 0, max(1, int(round(cut * train_fraction_used)))
    if split == "test":
        return cut, n_samples
    if split == "all":
        return 0, n_samples
    raise ValueError(f"trace_split must be one of ['train', 'test', 'all'], got {split!r}")


def load_trace(
    name: str = "warehouse", split: str = "train", train_fraction_used: float = 1.0
) -> np.ndarray:
    """Positions in metres, ``(T, 2)`` float64, of one split of a shipped trace."""
    xy_idx = load_trace_indices(name)
    start, stop = split_bounds(len(xy_idx), split, train_fraction_used)
    return (xy_idx[start:stop].astype(np.float64) + 0.5) * GRID_M


def indices_to_metres(xy_idx: np.ndarray) -> np.ndarray:
    """Square centres in metres of grid indices (sec. 4.2)."""
    return (np.asarray(xy_idx, dtype=np.float64) + 0.5) * GRID_M


def metres_to_indices(xy_m: np.ndarray) -> np.ndarray:
    """Grid indices of the squares containing positions given in metres."""
    return np.floor(np.asarray(xy_m, dtype=np.float64) / GRID_M).astype(np.int64)


if __name__ == "__main__":  # pragma: no cover - maintenance entry point
    written = write_warehouse_trace()
    print(f"wrote {written} ({written.stat().st_size} bytes)")
