"""Torch on one thread inside a block, for the agents' acting and training loops."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import torch


@contextmanager
def one_torch_thread() -> Iterator[None]:
    """Run torch on one thread inside the block: the float sums, and so the trained weights,
    do not depend on the thread count, and parallel benchmark workers do not oversubscribe the
    cores. The caller's thread count is restored afterwards."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)
