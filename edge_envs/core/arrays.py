"""Array helpers every system's model and shells share (plain numpy)."""

from __future__ import annotations

import numpy as np


def read_only(values, dtype=None) -> np.ndarray:
    """A read-only view of ``values`` (converted to ``dtype`` if given), so that handing the
    array to a caller never lets the caller change the model's state."""
    arr = np.asarray(values, dtype=dtype).view()
    arr.flags.writeable = False
    return arr


def squared_distances(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``(len(a), len(b))`` squared Euclidean distances between two sets of 2-D points.

    Computed coordinate by coordinate (no BLAS matrix product), so the result is the same
    to the last bit on every machine and thread count.
    """
    dx = a[:, 0, None] - b[None, :, 0]
    dy = a[:, 1, None] - b[None, :, 1]
    return dx * dx + dy * dy
