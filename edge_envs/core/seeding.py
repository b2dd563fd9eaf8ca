"""Independent, named random streams derived from one seed.

Every system draws its layout, mobility, fading, tasks, ... from its own
``numpy.random.Generator``. The streams are children of one
``numpy.random.SeedSequence`` keyed by a stable hash of the stream *name*, so
adding a new stream (or reordering them) never shifts the numbers another stream
produces for the same seed.
"""

from __future__ import annotations

import zlib

import numpy as np


def stream_key(name: str) -> int:
    """Stable 32-bit key of a stream name (same in every process and Python version)."""
    return zlib.crc32(name.encode("utf-8"))


def spawn_streams(
    entropy: int, names: tuple[str, ...] | list[str]
) -> dict[str, np.random.Generator]:
    """One ``Generator`` per name, all derived from ``entropy``.

    ``SeedSequence(entropy, spawn_key=(stream_key(name),))`` is the child that
    ``SeedSequence.spawn`` would produce, but addressed by name rather than by
    position.
    """
    if len(set(names)) != len(names):
        raise ValueError(f"stream names must be unique, got {list(names)}")
    return {
        name: np.random.Generator(
            np.random.PCG64(np.random.SeedSequence(entropy, spawn_key=(stream_key(name),)))
        )
        for name in names
    }


def entropy_from(np_random: np.random.Generator, seed: int | None) -> int:
    """The root entropy for an episode.

    With an explicit ``seed`` the episode depends on nothing else; without one we
    draw the entropy from the env's ``np_random`` so that consecutive unseeded
    resets give different, yet reproducible, episodes.
    """
    if seed is not None:
        if int(seed) < 0:
            raise ValueError(f"seed must be a non-negative integer, got {seed}")
        return int(seed)
    return int(np_random.integers(0, 2**63 - 1))
