"""Vehicle mobility generators used for training (the env's ``mobility_generator`` protocol).

* :class:`LSTMTraceGenerator`: the LL-D3QN training environment of paper 000 (sec. 4.2):
  the vehicle follows a path rolled out step by step by the LSTM predictor, starting from a
  window of the real training trace. ``mode="argmax"`` takes the most likely direction as the
  paper does; ``mode="sample"`` draws it from the softmax (argmax roll-outs tend to loop or
  park forever at a station). With ``floor_cell_m`` set, moves whose destination falls in a
  grid cell the training trace never visited are masked out before the choice (the
  probabilities of the others are renormalised), which keeps the roll-outs on the floor plan
  (aisles) the trace covers; documented deviation, see ``docs/agents/d3qn.md``.
* :class:`OwnStream`: runs another generator on its own random stream, so that an env reset
  with one fixed seed (fixed layout of nodes and servers) still sees a new vehicle path at
  every episode.
"""

from __future__ import annotations

import numpy as np

from agents.d3qn.predictor import STAY, MotionPredictor

MODES = ("argmax", "sample")


class VisitedCells:
    """The square grid cells (side ``cell_m``) that a path visits: a coarse floor plan."""

    def __init__(self, positions_m: np.ndarray, cell_m: float) -> None:
        if not cell_m > 0:
            raise ValueError(f"cell_m must be > 0, got {cell_m}")
        self.cell_m = float(cell_m)
        idx = np.floor(np.asarray(positions_m, dtype=np.float64) / self.cell_m).astype(np.int64)
        self.shape = tuple(int(v) + 1 for v in idx.max(axis=0))
        self.visited = np.zeros(self.shape, dtype=bool)
        self.visited[idx[:, 0], idx[:, 1]] = True

    def contains(self, positions_m: np.ndarray) -> np.ndarray:
        """``(K,)`` bool: is each of the ``(K, 2)`` positions in a visited cell?"""
        idx = np.floor(np.asarray(positions_m, dtype=np.float64) / self.cell_m).astype(np.int64)
        inside = (idx >= 0).all(axis=1) & (idx[:, 0] < self.shape[0]) & (
            idx[:, 1] < self.shape[1])
        out = np.zeros(len(idx), dtype=bool)
        out[inside] = self.visited[idx[inside, 0], idx[inside, 1]]
        return out


class LSTMTraceGenerator:
    """Roll out a vehicle path with the LSTM (one vehicle per independent roll-out)."""

    def __init__(
        self,
        predictor: MotionPredictor,
        seed_positions_m: np.ndarray,
        mode: str = "sample",
        floor_cell_m: float | None = None,
    ) -> None:
        if mode not in MODES:
            raise ValueError(f"mode must be one of {list(MODES)}, got {mode!r}")
        seed_positions_m = np.asarray(seed_positions_m, dtype=np.float64)
        if seed_positions_m.ndim != 2 or len(seed_positions_m) < predictor.window:
            raise ValueError(
                f"seed_positions_m must be (T, 2) with T >= window={predictor.window}"
            )
        self.predictor = predictor
        self.seed_positions_m = seed_positions_m
        self.mode = mode
        self.floor = None if floor_cell_m is None else VisitedCells(seed_positions_m,
                                                                    floor_cell_m)

    def reset(self, rng: np.random.Generator, area_m: float, n_vehicles: int) -> np.ndarray:
        self.rng = rng
        self.area_m = float(area_m)
        w = self.predictor.window
        starts = rng.integers(w - 1, len(self.seed_positions_m), size=n_vehicles)
        self.history = [
            list(np.clip(self.seed_positions_m[s - w + 1 : s + 1], 0.0, area_m)) for s in starts
        ]
        return np.array([h[-1] for h in self.history])

    def step(self) -> np.ndarray:
        out = []
        for hist in self.history:
            p = self.predictor.probs(np.array(hist))
            if self.floor is not None:
                dest = np.clip(hist[-1] + self.predictor.displacement_m, 0.0, self.area_m)
                allowed = self.floor.contains(dest)
                allowed[STAY] = True
                p = np.where(allowed, p, 0.0)
            if self.mode == "argmax":
                k = int(np.argmax(p))
            else:
                k = int(self.rng.choice(len(p), p=p / p.sum()))
            new = np.clip(hist[-1] + self.predictor.displacement_m[k], 0.0, self.area_m)
            hist.append(new)
            del hist[: -self.predictor.window]
            out.append(new)
        return np.array(out)


class OwnStream:
    """Wrap a generator so that it draws from its own seeded stream, not the env's."""

    def __init__(self, inner, seed: int) -> None:
        self.inner = inner
        self.rng = np.random.default_rng(seed)

    def reset(self, rng: np.random.Generator, area_m: float, n_vehicles: int) -> np.ndarray:
        return self.inner.reset(self.rng, area_m, n_vehicles)

    def step(self) -> np.ndarray:
        return self.inner.step()
