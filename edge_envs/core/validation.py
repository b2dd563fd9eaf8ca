"""Validation helpers for the frozen scenario dataclasses.

A bad scenario value raises ``ValueError`` naming the field and the allowed
range at construction time, never deep inside ``step``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence


def _finite(name: str, value: float) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number, got {value!r}") from None
    if not math.isfinite(v):
        raise ValueError(f"{name} must be finite, got {value!r}")
    return v


def check_int(name: str, value, low: int | None = None, high: int | None = None) -> None:
    """``value`` is an int in ``[low, high]`` (bools are refused)."""
    if isinstance(value, bool) or not isinstance(value, int | _np_integer()):
        raise ValueError(f"{name} must be an integer, got {value!r}")
    _range(name, value, low, high, closed=(True, True))


def check_float(
    name: str,
    value,
    low: float | None = None,
    high: float | None = None,
    *,
    low_inclusive: bool = True,
    high_inclusive: bool = True,
) -> None:
    """``value`` is a finite number inside the given (open or closed) bounds."""
    v = _finite(name, value)
    _range(name, v, low, high, closed=(low_inclusive, high_inclusive))


def check_choice(name: str, value, choices: Iterable) -> None:
    choices = tuple(choices)
    if value not in choices:
        raise ValueError(f"{name} must be one of {list(choices)}, got {value!r}")


def check_pair(name: str, value, low: float = 0.0, high: float | None = None,
               *, low_inclusive: bool = False) -> tuple[float, float]:
    """``value`` is a ``(first, second)`` pair with ``first`` above ``low`` (or at it when
    ``low_inclusive``) and ``first <= second <= high``; returns it as floats."""
    if not isinstance(value, Sequence) or isinstance(value, str) or len(value) != 2:
        raise ValueError(f"{name} must be a (low, high) pair, got {value!r}")
    first, second = value
    check_float(f"{name}[0]", first, low, high, low_inclusive=low_inclusive)
    check_float(f"{name}[1]", second, float(first), high)
    return float(first), float(second)


def _range(name, v, low, high, closed):
    lo_ok = low is None or (v >= low if closed[0] else v > low)
    hi_ok = high is None or (v <= high if closed[1] else v < high)
    if not (lo_ok and hi_ok):
        lb = "-inf" if low is None else low
        ub = "inf" if high is None else high
        interval = f"{'[' if closed[0] else '('}{lb}, {ub}{']' if closed[1] else ')'}"
        raise ValueError(f"{name} must lie in {interval}, got {v!r}")


def _np_integer():
    import numpy as np

    return np.integer
