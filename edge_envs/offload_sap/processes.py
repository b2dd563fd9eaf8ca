"""On/off processes in continuous time: the control link's outages and the servers' slow spells.

Both are alternating renewal processes with exponential period lengths (or, for the link, a
given trace of down intervals). Periods are drawn lazily in fixed chunks from the process's own
random stream, so the process is a function of the seed and of time only: how far the
simulation has looked ahead (which depends on the agent) never changes a period's length.

Plain Python lists and ``bisect``: every query is a scalar look-up on the event path, where
``bisect`` is several times faster than ``numpy.searchsorted``.
"""

from __future__ import annotations

import math
from bisect import bisect_right

import numpy as np

_CHUNK = 32
"""On/off pairs drawn per extension."""


class AlternatingProcess:
    """Periods on, off, on, ... from ``t = 0``; period ``k`` is on when ``k`` is even.

    Args:
        rng: the process's own generator (ignored when ``down_intervals`` is given).
        mean_on_s, mean_off_s: means of the exponential on and off periods.
        rates: amount of work done per second while on and while off (a server's speed in
            its normal and slow periods); ``(1, 0)`` for the link, where work is not used.
        down_intervals: sorted, disjoint ``(start_s, end_s)`` off periods replacing the random
            process; the process is on everywhere else, for ever after the last one.
    """

    def __init__(
        self,
        rng: np.random.Generator | None,
        mean_on_s: float,
        mean_off_s: float,
        rates: tuple[float, float] = (1.0, 0.0),
        down_intervals: tuple[tuple[float, float], ...] | None = None,
    ) -> None:
        self._rng = rng
        self._means = (float(mean_on_s), float(mean_off_s))
        self.rates = (float(rates[0]), float(rates[1]))
        self.edges: list[float] = [0.0]
        """``edges[k]`` is the start of period ``k``."""
        self.work: list[float] = [0.0]
        """Work done from 0 to ``edges[k]`` (cumulative, for :meth:`finish_time`)."""
        self._closed = down_intervals is not None
        if down_intervals is not None:
            for start, end in down_intervals:
                self._append(float(start))
                self._append(float(end))

    # -- construction -----------------------------------------------------------------
    def _append(self, edge: float) -> None:
        k = len(self.edges) - 1
        self.work.append(self.work[-1] + self.rates[k % 2] * (edge - self.edges[-1]))
        self.edges.append(edge)

    def _extend(self) -> None:
        on = self._rng.exponential(self._means[0], _CHUNK)
        off = self._rng.exponential(self._means[1], _CHUNK)
        lengths = np.stack([on, off], axis=1).ravel()
        rate = np.tile(self.rates, _CHUNK)
        self.edges.extend((self.edges[-1] + np.cumsum(lengths)).tolist())
        self.work.extend((self.work[-1] + np.cumsum(lengths * rate)).tolist())

    def _cover(self, t: float) -> None:
        """Draw periods until ``t`` lies before the last edge (a random process only)."""
        while not self._closed and self.edges[-1] <= t:
            self._extend()

    def _end(self, k: int) -> float:
        return self.edges[k + 1] if k + 1 < len(self.edges) else math.inf

    # -- queries ------------------------------------------------------------------------
    def period(self, t: float) -> int:
        """Index of the period holding ``t``."""
        self._cover(t)
        return bisect_right(self.edges, t) - 1

    def is_on(self, t: float) -> bool:
        return self.period(t) % 2 == 0

    def rate_at(self, t: float) -> float:
        return self.rates[self.period(t) % 2]

    def first_on_window(self, t: float, length_s: float, limit_s: float = math.inf) -> float:
        """Earliest ``s >= t`` such that the process is on during all of ``[s, s + length_s]``;
        ``inf`` if there is none starting by ``limit_s``."""
        k = self.period(t)
        k += k % 2
        start = t
        while True:
            while not self._closed and k + 1 >= len(self.edges):
                self._extend()
            start = max(start, self.edges[k])
            if start > limit_s:
                return math.inf
            end = self._end(k)
            if end > start and end - start >= length_s:
                return start
            k += 2

    def last_on_grid(self, t: float, step_s: float) -> float:
        """Latest multiple of ``step_s`` not after ``t`` at which the process was on (0 if
        none: the devices start with a view of ``t = 0``)."""
        g = math.floor(t / step_s) * step_s
        k = self.period(g)
        while k >= 1:
            if k % 2 == 0:
                return g
            # Off at g: try the last grid point before the end of the on period k - 1.
            g = (math.ceil(self.edges[k] / step_s) - 1) * step_s
            if g >= self.edges[k - 1]:
                return g
            if g < 0.0:
                break
            k = self.period(g)
        return g if k == 0 else 0.0

    def finish_time(self, start: float, work: float) -> float:
        """When ``work`` started at ``start`` is done at the process's varying rate."""
        k = self.period(start)
        target = self.work[k] + self.rates[k % 2] * (start - self.edges[k]) + work
        while not self._closed and self.work[-1] <= target:
            self._extend()
        j = max(bisect_right(self.work, target, lo=k) - 1, k)
        # Zero-rate periods leave work flat: the last edge with this work value is the start.
        rate = self.rates[j % 2]
        return self.edges[j] + (target - self.work[j]) / rate
