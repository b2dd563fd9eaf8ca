"""Paper reproductions: ``edge-bench reproduce PAPER`` dispatches to ``PAPERS[PAPER]``.

Each target is ``"module:function"`` with ``function(argv: list[str]) -> int`` (an exit code);
it runs that paper's experiments and writes a report with our numbers beside the paper's.
To add a paper, write the module and add one line here.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Sequence

PAPERS: dict[str, str] = {
    "dirs": "benchmarks.reproduce.dirs:main",
    "cluster": "benchmarks.reproduce.cluster:main",
}


def dispatch(paper: str, argv: Sequence[str] = ()) -> int:
    """Run the reproduction of ``paper``; ``ValueError`` (one line) if there is none."""
    if paper not in PAPERS:
        raise ValueError(f"unknown paper {paper!r}; valid: {', '.join(PAPERS)}")
    module_name, func = PAPERS[paper].split(":")
    if importlib.util.find_spec(module_name) is None:
        raise ValueError(
            f"the reproduction of {paper!r} ({module_name}) is not available yet in this version"
        )
    main = getattr(importlib.import_module(module_name), func)
    return int(main(list(argv)) or 0)
