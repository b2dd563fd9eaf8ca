"""LSTM next-move predictor of paper 000 (sec. 4.2, Table 2).

Input: the discretised position ``(x, y)`` of the vehicle (centre of its 0.025 m square,
divided by the area side), one per second; LSTM with 64 units, a dense layer of 64 (ReLU)
and a softmax over the 9 moving directions ``Y`` (``edge_envs.edge_cluster.mobility.MOTIONS``).
The model reads a window of the last :attr:`MotionPredictor.window` positions (fewer at the
start of a path) from a fresh LSTM state and predicts the direction of the next move;
training is many-to-many on every window of the trace, so every prefix length is seen.

The predictor also remembers the mean displacement of each direction in its training data,
so that a predicted direction can be turned into a next position (for eq. 6 and for the
LSTM trace generator).
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from edge_envs.edge_cluster.mobility import MOTIONS, motion_index
from edge_envs.edge_cluster.traces import GRID_M, load_trace

N_MOTIONS = len(MOTIONS)
STAY = MOTIONS.index("stay")


class LSTMNet(nn.Module):
    """Table 2: input 2, LSTM 64, dense 64, output |Y| = 9 (logits; softmax outside)."""

    def __init__(self, hidden: int = 64, dense: int = 64, n_out: int = N_MOTIONS) -> None:
        super().__init__()
        self.lstm = nn.LSTM(2, hidden, batch_first=True)
        self.head = nn.Sequential(nn.Linear(hidden, dense), nn.ReLU(), nn.Linear(dense, n_out))

    def forward(self, xy: torch.Tensor) -> torch.Tensor:
        out, _ = self.lstm(xy)
        return self.head(out)


def discretise(positions_m: np.ndarray, area_m: float) -> np.ndarray:
    """Centre of the 0.025 m square of each position, divided by the area side (sec. 4.2)."""
    idx = np.floor(np.asarray(positions_m, dtype=np.float64) / GRID_M)
    return ((idx + 0.5) * GRID_M / float(area_m)).astype(np.float32)


def moves_of(positions_m: np.ndarray) -> np.ndarray:
    """Direction index of each step ``t -> t + 1`` of a ``(T, 2)`` path: ``(T - 1,)``."""
    return motion_index(np.diff(np.asarray(positions_m, dtype=np.float64), axis=0))


class MotionPredictor:
    """The trained LSTM plus what is needed to use it on env positions.

    Attributes:
        net: the :class:`LSTMNet`.
        window: number of past positions fed to the LSTM.
        area_m: side of the area positions are normalised by.
        displacement_m: ``(9, 2)`` mean displacement of each direction in the training data
            (zero for ``stay`` and for directions never seen).
    """

    def __init__(self, window: int = 16, area_m: float = 15.0, seed: int = 0) -> None:
        torch.manual_seed(seed)
        self.net = LSTMNet()
        self.window = int(window)
        self.area_m = float(area_m)
        self.displacement_m = np.zeros((N_MOTIONS, 2))

    # -- training -------------------------------------------------------------------
    def fit(
        self,
        positions_m: np.ndarray,
        updates: int = 2500,
        seed: int = 0,
        lr: float = 1e-2,
        batch_size: int = 64,
    ) -> list[float]:
        """Train on one ``(T, 2)`` path (metres) for ``updates`` Adam steps; returns the mean loss
        of each pass over the data (the last pass may be partial)."""
        pos = np.asarray(positions_m, dtype=np.float64)
        moves = moves_of(pos)
        disp = np.diff(pos, axis=0)
        for k in range(N_MOTIONS):
            if k != STAY and np.any(moves == k):
                self.displacement_m[k] = disp[moves == k].mean(axis=0)
        x = discretise(pos[:-1], self.area_m)
        # Every window of the path (stride 1), so that any phase of a periodic path is seen
        # from a fresh LSTM state, exactly as at prediction time.
        length = min(self.window, len(moves))
        starts = np.arange(0, len(moves) - length + 1)
        xs = torch.from_numpy(np.stack([x[s : s + length] for s in starts]))
        ys = torch.from_numpy(np.stack([moves[s : s + length] for s in starts]))
        gen = torch.Generator().manual_seed(seed)
        opt = torch.optim.Adam(self.net.parameters(), lr=lr)
        loss_fn = nn.CrossEntropyLoss()
        losses = []
        self.net.train()
        done = 0
        while done < updates:
            order = torch.randperm(len(xs), generator=gen)
            total, seen = 0.0, 0
            for b in range(0, len(xs), batch_size):
                if done >= updates:
                    break
                done += 1
                idx = order[b : b + batch_size]
                logits = self.net(xs[idx])
                loss = loss_fn(logits.reshape(-1, N_MOTIONS), ys[idx].reshape(-1))
                opt.zero_grad()
                loss.backward()
                opt.step()
                total += float(loss.detach()) * len(idx)
                seen += len(idx)
            losses.append(total / max(seen, 1))
        self.net.eval()
        return losses

    # -- inference ------------------------------------------------------------------
    @torch.no_grad()
    def probs(self, history_m: np.ndarray) -> np.ndarray:
        """``(9,)`` probabilities of the next move after the last position of ``history_m``."""
        h = np.asarray(history_m, dtype=np.float64)[-self.window :]
        x = torch.from_numpy(discretise(h, self.area_m))[None]
        return torch.softmax(self.net(x)[0, -1], dim=-1).numpy().astype(np.float64)

    @torch.no_grad()
    def predict_path(self, positions_m: np.ndarray) -> np.ndarray:
        """``(T, 9)``: next-move probabilities after each position of a path (windowed)."""
        x = torch.from_numpy(discretise(positions_m, self.area_m))
        w = min(self.window, len(x))
        # The first w - 1 positions have shorter histories: one pass over the prefix.
        head = self.net(x[None, : w - 1])[0] if w > 1 else x.new_zeros((0, N_MOTIONS))
        windows = x.unfold(0, w, 1).transpose(1, 2)  # (T - w + 1, w, 2)
        logits = torch.cat([head, self.net(windows)[:, -1]])
        return torch.softmax(logits, dim=-1).numpy().astype(np.float64)

    def accuracy(self, positions_m: np.ndarray) -> dict[str, float]:
        """Next-direction accuracy on a path vs the "repeat the last move" baseline.

        Scored on the moves ``t -> t + 1`` for ``t >= 1`` (the baseline needs one past move).
        """
        pos = np.asarray(positions_m, dtype=np.float64)
        moves = moves_of(pos)
        pred = self.predict_path(pos[:-1]).argmax(axis=1)
        return {
            "lstm": float(np.mean(pred[1:] == moves[1:])),
            "repeat_last": float(np.mean(moves[:-1] == moves[1:])),
            "n_moves": int(len(moves) - 1),
        }

    # -- persistence ----------------------------------------------------------------
    def state_dict(self) -> dict:
        return {
            "net": {k: v.clone() for k, v in self.net.state_dict().items()},
            "window": self.window,
            "area_m": self.area_m,
            "displacement_m": self.displacement_m.copy(),
        }

    def load_state_dict(self, state: dict) -> None:
        self.window = int(state["window"])
        self.area_m = float(state["area_m"])
        self.displacement_m = np.asarray(state["displacement_m"], dtype=np.float64).copy()
        self.net.load_state_dict(state["net"])
        self.net.eval()


def train_on_warehouse(
    train_fraction: float = 1.0, updates: int = 2500, seed: int = 0, window: int = 16
) -> MotionPredictor:
    """Train the predictor on the first ``train_fraction`` of the warehouse training split."""
    pos = load_trace("warehouse", "train", train_fraction)
    predictor = MotionPredictor(window=window, seed=seed)
    predictor.fit(pos, updates=updates, seed=seed)
    return predictor


if __name__ == "__main__":  # pragma: no cover - quick accuracy report
    import time

    test = load_trace("warehouse", "test")
    torch.set_num_threads(1)
    for fraction in (0.25, 0.5, 1.0):
        t0 = time.perf_counter()
        p = train_on_warehouse(fraction)
        print(fraction, p.accuracy(test), f"{time.perf_counter() - t0:.1f} s")
