"""Vehicle mobility models of paper 000 (sec. 5.3, 5.4) and the generator protocol (numpy only).

Every model, built-in or plugged in, follows one protocol (:class:`MobilityGenerator`)::

    positions = model.reset(rng, area_m, n_vehicles)  # (n_vehicles, 2) metres at t = 0
    positions = model.step()                          # (n_vehicles, 2) metres at t + 1

``rng`` is the env's ``"mobility"`` stream; a model must draw all its randomness from it so
that the same seed gives the same vehicle path. The env calls ``reset`` once per episode and
then ``step`` ``episode_steps`` times straight away (:func:`roll_out`): the vehicles do not
react to the clustering, and knowing the whole path lets the oracle reference look one step
ahead. Positions must stay inside ``[0, area_m]^2``.

Built-in models: :class:`TwoPoint` (the paper's "fixed route", sec. 5.3.1),
:class:`RandomDirection` (sec. 5.3.2, [44]), :class:`RandomReflection` (sec. 5.3.3) and
:class:`TraceReplay` (sec. 5.4).
"""

from __future__ import annotations

import math
from typing import Protocol, runtime_checkable

import numpy as np

_EPS = 1e-12


@runtime_checkable
class MobilityGenerator(Protocol):
    """What the env needs from a vehicle mobility model (see the module docstring)."""

    def reset(self, rng: np.random.Generator, area_m: float, n_vehicles: int) -> np.ndarray:
        """Start a new path; return the ``(n_vehicles, 2)`` positions at time 0."""

    def step(self) -> np.ndarray:
        """Advance one env step; return the ``(n_vehicles, 2)`` positions."""


class TwoPoint:
    """Shuttle between two random points at constant speed (the paper's "fixed route").

    Each vehicle draws two points uniformly in the area at reset, starts at the first and
    travels ``speed_mps * step_s`` metres of the closed route A -> B -> A per step.
    """

    def __init__(self, speed_mps: float = 1.0, step_s: float = 1.0) -> None:
        self.travel_m = float(speed_mps) * float(step_s)

    def reset(self, rng: np.random.Generator, area_m: float, n_vehicles: int) -> np.ndarray:
        ends = rng.uniform(0.0, area_m, size=(2, n_vehicles, 2))
        self.start, self.end = ends[0], ends[1]
        self.length_m = np.hypot(*(self.end - self.start).T)
        self.arc_m = np.zeros(n_vehicles)
        return self._positions()

    def _positions(self) -> np.ndarray:
        # Arc length along the loop A -> B -> A folded onto the segment A-B.
        loop = 2.0 * self.length_m
        s = np.where(loop > _EPS, np.mod(self.arc_m, np.maximum(loop, _EPS)), 0.0)
        along = np.where(s <= self.length_m, s, loop - s)
        frac = np.where(self.length_m > _EPS, along / np.maximum(self.length_m, _EPS), 0.0)
        return self.start + frac[:, None] * (self.end - self.start)

    def step(self) -> np.ndarray:
        self.arc_m = self.arc_m + self.travel_m
        return self._positions()


class _Bouncing:
    """Straight lines at constant speed inside the square; subclasses choose the new heading.

    A vehicle that would leave the area drives to the border, takes a new heading there and
    covers the rest of the step's distance along it, so the path length per step is always
    ``speed_mps * step_s``. ``bounced`` flags the vehicles that hit a border in the last
    step and ``heading`` holds the unit heading vectors. (Plain float arithmetic per vehicle:
    with a handful of vehicles it is several times faster than array code.)
    """

    def __init__(self, speed_mps: float = 1.0, step_s: float = 1.0) -> None:
        self.travel_m = float(speed_mps) * float(step_s)

    def reset(self, rng: np.random.Generator, area_m: float, n_vehicles: int) -> np.ndarray:
        self.rng = rng
        self.area_m = float(area_m)
        self.pos = rng.uniform(0.0, area_m, size=(n_vehicles, 2))
        angle = rng.uniform(0.0, 2.0 * np.pi, size=n_vehicles)
        self.heading = np.stack([np.cos(angle), np.sin(angle)], axis=1)
        self.bounced = np.zeros(n_vehicles, dtype=bool)
        return self.pos.copy()

    def _new_heading(self, hx: float, hy: float, hit_x: bool, hit_y: bool) -> tuple[float, float]:
        """Unit heading after hitting the wall(s) ``hit_x``/``hit_y`` while moving along
        ``(hx, hy)``; must point back into the area."""
        raise NotImplementedError

    def step(self) -> np.ndarray:
        area = self.area_m
        for v in range(len(self.pos)):
            x, y = float(self.pos[v, 0]), float(self.pos[v, 1])
            hx, hy = float(self.heading[v, 0]), float(self.heading[v, 1])
            remaining = self.travel_m
            bounced = False
            for _ in range(256):  # a couple of bounces per step at most in practice
                if remaining <= _EPS:
                    break
                tx = _time_to_wall(x, hx, area)
                ty = _time_to_wall(y, hy, area)
                t_hit = min(tx, ty)
                if t_hit >= remaining:
                    x, y = x + remaining * hx, y + remaining * hy
                    break
                x, y = x + t_hit * hx, y + t_hit * hy
                remaining -= t_hit
                hx, hy = self._new_heading(hx, hy, tx <= t_hit + _EPS, ty <= t_hit + _EPS)
                bounced = True
            self.pos[v] = (min(max(x, 0.0), area), min(max(y, 0.0), area))
            self.heading[v] = (hx, hy)
            self.bounced[v] = bounced
        return self.pos.copy()


def _time_to_wall(x: float, h: float, area: float) -> float:
    if h > _EPS:
        return max((area - x) / h, 0.0)
    if h < -_EPS:
        return max(-x / h, 0.0)
    return math.inf


def _inward(h: float) -> float:
    """Sign a heading component must have to point back in after moving with sign of ``h``."""
    return -1.0 if h > 0.0 else 1.0


class RandomDirection(_Bouncing):
    """Random direction model [44] (sec. 5.3.2): a new uniformly random heading at a border.

    The new heading is uniform over the directions that point back into the area (a uniform
    direction with its components facing the hit wall(s) mirrored).
    """

    def _new_heading(self, hx, hy, hit_x, hit_y):
        angle = float(self.rng.uniform(0.0, 2.0 * math.pi))
        nx, ny = math.cos(angle), math.sin(angle)
        if hit_x:
            nx = _inward(hx) * abs(nx)
        if hit_y:
            ny = _inward(hy) * abs(ny)
        return nx, ny


class RandomReflection(_Bouncing):
    """Random reflection model (sec. 5.3.3): mirror the heading at the border (``mu``), then
    turn it by an angle drawn uniformly in ``[-jitter, +jitter]`` (15 degrees in the paper).

    If the turned heading would point out of the area (``mu`` nearly parallel to the wall),
    the turn is applied the other way, which then always points inside.
    """

    def __init__(self, speed_mps: float = 1.0, step_s: float = 1.0,
                 jitter_deg: float = 15.0) -> None:
        super().__init__(speed_mps, step_s)
        self.jitter_rad = math.radians(float(jitter_deg))

    def _new_heading(self, hx, hy, hit_x, hit_y):
        mx = -hx if hit_x else hx
        my = -hy if hit_y else hy
        delta = float(self.rng.uniform(-self.jitter_rad, self.jitter_rad))
        nx, ny = _rotate(mx, my, delta)
        if (hit_x and nx * _inward(hx) < 0.0) or (hit_y and ny * _inward(hy) < 0.0):
            nx, ny = _rotate(mx, my, -delta)
        return nx, ny


def _rotate(x: float, y: float, angle: float) -> tuple[float, float]:
    c, s = math.cos(angle), math.sin(angle)
    return c * x - s * y, s * x + c * y


class TraceReplay:
    """Replay a recorded ``(T, 2)`` position series (metres), one sample per step.

    Each vehicle starts at an offset drawn uniformly so that ``horizon`` further samples fit
    in the series (the series wraps around when it is shorter than that). Positions are
    scaled by ``area_m / trace_area_m`` when the env's area differs from the trace's.
    """

    def __init__(self, positions_m: np.ndarray, horizon: int, trace_area_m: float) -> None:
        self.positions_m = np.asarray(positions_m, dtype=np.float64)
        if self.positions_m.ndim != 2 or self.positions_m.shape[1] != 2 or not len(
            self.positions_m
        ):
            raise ValueError(
                f"trace positions must have shape (T, 2) with T >= 1, got {self.positions_m.shape}"
            )
        self.horizon = int(horizon)
        self.trace_area_m = float(trace_area_m)

    def reset(self, rng: np.random.Generator, area_m: float, n_vehicles: int) -> np.ndarray:
        n = len(self.positions_m)
        self.scale = float(area_m) / self.trace_area_m
        self.area_m = float(area_m)
        last_start = max(n - 1 - self.horizon, 0)
        self.index = rng.integers(0, last_start + 1, size=n_vehicles)
        return self._positions()

    def _positions(self) -> np.ndarray:
        # trace positions lie in [0, trace_area_m], so the scaled ones lie in the area
        return self.positions_m[self.index % len(self.positions_m)] * self.scale

    def step(self) -> np.ndarray:
        self.index = self.index + 1
        return self._positions()


def roll_out(
    model: MobilityGenerator,
    rng: np.random.Generator,
    area_m: float,
    n_vehicles: int,
    steps: int,
) -> np.ndarray:
    """``(steps + 1, n_vehicles, 2)`` positions from ``reset`` and ``steps`` calls of ``step``.

    Raises ``ValueError`` when the model returns positions of the wrong shape, non-finite
    values or points outside the area (beyond a 1e-6 m tolerance; smaller excursions are
    clipped).
    """
    frames = [np.asarray(model.reset(rng, area_m, n_vehicles), dtype=np.float64)]
    frames.extend(np.asarray(model.step(), dtype=np.float64) for _ in range(steps))
    for t, xy in enumerate(frames):
        if xy.shape != (n_vehicles, 2):
            where = "reset" if t == 0 else "step"
            raise ValueError(
                f"mobility_generator.{where}() must return positions of shape "
                f"({n_vehicles}, 2), got {xy.shape} (t = {t})"
            )
    path = np.stack(frames)
    bad = ~np.isfinite(path) | (path < -1e-6) | (path > area_m + 1e-6)
    if bad.any():
        t = int(np.argwhere(bad)[0, 0])
        raise ValueError(
            f"mobility_generator returned positions outside [0, {area_m}]^2 at t = {t}: "
            f"{path[t]!r}"
        )
    return np.clip(path, 0.0, area_m)


MOTIONS = ("up", "down", "left", "right", "up-right", "down-right", "up-left", "down-left",
           "stay")
"""The 9 moving directions ``Y`` of sec. 4.2, in the paper's order (``up`` = +y)."""
STAY_BELOW_M = 0.0125
"""A displacement shorter than half a 0.025 m trace square counts as ``stay``."""
# 45-degree sectors counter-clockwise from +x (right, up-right, up, ...) -> index in MOTIONS
_SECTOR_TO_MOTION = np.array([3, 4, 0, 6, 2, 7, 1, 5])


def motion_index(displacement: np.ndarray) -> np.ndarray:
    """Index in :data:`MOTIONS` of each ``(.., 2)`` displacement (nearest of 8 directions)."""
    d = np.asarray(displacement, dtype=np.float64)
    sector = np.round(np.arctan2(d[..., 1], d[..., 0]) / (np.pi / 4)).astype(np.int64) % 8
    idx = _SECTOR_TO_MOTION[sector]
    return np.where(np.hypot(d[..., 0], d[..., 1]) < STAY_BELOW_M, 8, idx)
