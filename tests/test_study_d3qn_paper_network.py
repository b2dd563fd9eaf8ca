"""The D3QN paper-network study's report (benchmarks/studies/d3qn_paper_network.py): summaries
per (variant, budget) and LSTM-minus-D3QN differences paired on seed AND budget."""

from __future__ import annotations

from benchmarks.studies import d3qn_paper_network as study


def row(variant, seed, budget, score, **extra):
    return {"variant": variant, "agent": "d3qn", "seed": seed, "layout": seed % 3,
            "budget": budget, "score": score, "training_steps": budget // 2, **extra}


def test_paired_differences_match_seed_and_budget():
    lstm = {"eq6_changed": 0.1, "score_without_eq6": 0.4}
    rows = [row("explore-0.2", 0, 30_000, 0.50), row("explore-0.2", 1, 30_000, 0.60),
            row("explore-0.2", 0, 60_000, 0.90),  # another budget: must not be paired
            row("ll-d3qn", 0, 30_000, 0.45, **lstm), row("ll-d3qn", 1, 30_000, 0.40, **lstm)]
    data = {"rows": rows, "summary": study.summarise(rows)}
    assert data["summary"]["explore-0.2 @ 30000"]["score"] == {"mean": 0.55, "n": 2,
                                                              "std": 0.0707}
    text = study.render(data)
    assert "| ll-d3qn @ 30000 | -0.050 (seed 0) / -0.200 (seed 1) | -0.125 |" in text
    assert "| explore-0.2 | `d3qn` | `exploration_fraction=0.2` | 60000 | 1 | 0.900 |" in text
