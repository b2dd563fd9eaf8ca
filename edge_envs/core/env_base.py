"""Guards shared by every Gymnasium env of the suite (thin-shell helpers, no model code)."""

from __future__ import annotations

import numpy as np


def check_render_mode(render_mode: str | None, allowed: list[str]) -> None:
    if render_mode is not None and render_mode not in allowed:
        raise ValueError(f"render_mode must be one of {allowed} or None, got {render_mode!r}")


def check_action(action_space, action) -> np.ndarray:
    """The action as an array of the space's dtype, or ``ValueError`` saying what is expected."""
    try:
        arr = np.asarray(action)
    except Exception as exc:  # noqa: BLE001 - anything unconvertible is a bad action
        raise ValueError(f"action must be an element of {action_space}, got {action!r}") from exc
    ok = arr.dtype.kind in "biuf" and arr.shape == action_space.shape
    ok = ok and bool(np.all(np.isfinite(arr)))
    if ok and action_space.dtype.kind in "iu":
        ok = bool(np.all(arr == np.round(arr)))
    cast = arr.astype(action_space.dtype) if ok else arr
    if not ok or not action_space.contains(cast):
        raise ValueError(f"action must be an element of {action_space}, got {action!r}")
    return cast


class EpisodeGuard:
    """Raises when ``step`` is called before ``reset`` or after the episode ended."""

    def __init__(self) -> None:
        self.needs_reset = True

    def started(self) -> None:
        self.needs_reset = False

    def ended(self) -> None:
        self.needs_reset = True

    def check(self) -> None:
        if self.needs_reset:
            raise RuntimeError(
                "step() called before reset() or after the episode ended; call reset()"
            )
