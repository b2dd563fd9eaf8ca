"""Paper reproductions: ``edge-bench reproduce PAPER`` dispatches to ``PAPERS[PAPER]``.

Each target is ``"module:attr"``: either a
:class:`~benchmarks.reproduce.base.Reproduction` (parts run by the benchmark runner, then a
renderer over the store; the common options of :func:`benchmarks.reproduce.base.main`), or a
function ``main(argv: list[str]) -> int`` (an exit code) that runs the experiments its own way.
To add a paper, write the module and add one line here.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Sequence

PAPERS: dict[str, str] = {
    "dirs": "benchmarks.reproduce.dirs:REPRODUCTION",
    "cluster": "benchmarks.reproduce.cluster:REPRODUCTION",
    "offload-sap": "benchmarks.reproduce.offload_sap:REPRODUCTION",
    "single-cell": "benchmarks.reproduce.single_cell:REPRODUCTION",
}


def dispatch(paper: str, argv: Sequence[str] = ()) -> int:
    """Run the reproduction of ``paper``; ``ValueError`` (one line) if there is none."""
    if paper not in PAPERS:
        raise ValueError(f"unknown paper {paper!r}; valid: {', '.join(PAPERS)}")
    module_name, attr = PAPERS[paper].split(":")
    if importlib.util.find_spec(module_name) is None:
        raise ValueError(
            f"the reproduction of {paper!r} ({module_name}) is not available yet in this version"
        )
    target = getattr(importlib.import_module(module_name), attr)
    from benchmarks.reproduce.base import Reproduction, main

    if isinstance(target, Reproduction):
        return int(main(target, list(argv)) or 0)
    return int(target(list(argv)) or 0)
