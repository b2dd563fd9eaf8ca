"""Guards shared by every Gymnasium env of the suite (thin-shell helpers, no model code)."""

from __future__ import annotations

import numpy as np
from gymnasium import spaces


def check_render_mode(render_mode: str | None, allowed: list[str]) -> None:
    if render_mode is not None and render_mode not in allowed:
        raise ValueError(f"render_mode must be one of {allowed} or None, got {render_mode!r}")


def check_action(action_space, action) -> np.ndarray:
    """The action as an array of the space's dtype, or ``ValueError`` saying what is expected
    and where the first offending entries are (:func:`describe_space`, never every entry)."""
    try:
        arr = np.asarray(action)
    except Exception as exc:  # noqa: BLE001 - anything unconvertible is a bad action
        raise ValueError(_action_error(action_space, f"got a {type(action).__name__}")) from exc
    ok = arr.dtype.kind in "biuf" and arr.shape == action_space.shape
    ok = ok and bool(np.all(np.isfinite(arr)))
    if ok and action_space.dtype.kind in "iu":
        ok = bool(np.all(arr == np.round(arr)))
    cast = arr.astype(action_space.dtype) if ok else arr
    if not ok or not action_space.contains(cast):
        raise ValueError(_action_error(action_space, _what_is_wrong(action_space, arr)))
    return cast


def describe_space(space) -> str:
    """One line: the space's type, shape and bounds (a range of bounds when they vary)."""
    if isinstance(space, spaces.Discrete):
        start = int(space.start)
        return f"Discrete({int(space.n)}) (an integer in {start}..{start + int(space.n) - 1})"
    if isinstance(space, spaces.MultiDiscrete):
        low = np.asarray(space.start)
        high = low + space.nvec - 1
        return (f"MultiDiscrete of shape {space.shape} with integer entries in "
                f"{_bound(low)}..{_bound(high)}")
    if isinstance(space, spaces.Box):
        return (f"Box of shape {space.shape} {space.dtype} with entries in "
                f"[{_bound(space.low)}, {_bound(space.high)}]")
    text = str(space)
    return text if len(text) <= 120 else text[:117] + "..."


def _bound(values) -> str:
    """``5`` when every entry has the bound 5, else ``{2 to 9}`` (the bounds vary per entry:
    their smallest and largest)."""
    v = np.asarray(values)
    lo, hi = v.min(), v.max()
    return _number(lo) if lo == hi else f"{{{_number(lo)} to {_number(hi)}}}"


def _number(value) -> str:
    value = np.asarray(value).item()
    return format(value, ".6g") if isinstance(value, float) else str(value)


def _action_error(space, problem: str) -> str:
    return f"action must be an element of {describe_space(space)}; {problem}"


def _what_is_wrong(space, arr: np.ndarray, shown: int = 3) -> str:
    """The shape or dtype that does not fit, or the first ``shown`` entries outside the space
    with their indices (``[17]=11``)."""
    if arr.dtype.kind not in "biuf":
        return f"got an array of dtype {arr.dtype}"
    if arr.shape != space.shape:
        return f"got shape {arr.shape} ({arr.dtype})"
    values = arr.astype(np.float64)
    bad = ~np.isfinite(values)
    finite = np.where(bad, 0.0, values)
    if space.dtype.kind in "iu":
        bad |= finite != np.round(finite)
    if isinstance(space, spaces.Discrete):
        bad |= (finite < space.start) | (finite >= space.start + space.n)
    elif isinstance(space, spaces.MultiDiscrete):
        bad |= (finite < space.start) | (finite >= space.start + space.nvec)
    elif isinstance(space, spaces.Box):
        cast = finite.astype(space.dtype)
        bad |= (cast < space.low) | (cast > space.high)
    where = np.argwhere(bad)
    if not len(where):
        return f"got {arr.dtype} values of shape {arr.shape} that the space does not contain"
    if arr.ndim == 0:
        return f"got {_number(arr)}"
    first = ", ".join(
        f"[{', '.join(str(int(i)) for i in idx)}]={_number(arr[tuple(idx)])}"
        for idx in where[:shown]
    )
    n = len(where)
    if n > shown:
        return f"first {shown} of {n} entries outside: {first}"
    return f"{n} {'entry' if n == 1 else 'entries'} outside: {first}"


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
