"""``benchmarks.memory``: the long-run memory check finds a leak and passes the envs."""

from __future__ import annotations

import gc

import numpy as np

from benchmarks import memory
from tests.conftest import ENV_IDS


def test_measure_sees_a_leak():
    kept = []

    def leaky_step() -> bool:
        kept.append(np.ones(16_384))  # 128 kB per step, never released
        return len(kept) % 5 == 0

    run = memory.measure("leak", (leaky_step, lambda: None), steps=40)
    assert run.growth_mb > 3.0  # 36 steps between the first and last checkpoints: 4.5 MB


def test_measure_passes_a_clean_stepper():
    def clean_step() -> bool:
        np.ones(16_384).sum()
        return True

    run = memory.measure("clean", (clean_step, lambda: None), steps=40)
    assert abs(run.growth_mb) < 0.1


def test_garbage_awaiting_collection_is_not_growth():
    def cyclic_step() -> bool:
        node = {"data": np.ones(16_384)}
        node["self"] = node  # a cycle: only the collector frees it
        return True

    gc.disable()  # the cycles pile up until measure collects at its checkpoints
    try:
        run = memory.measure("cycles", (cyclic_step, lambda: None), steps=40)
    finally:
        gc.enable()
    assert abs(run.growth_mb) < 0.1


def test_cli_writes_a_row_per_env_and_view(tmp_path):
    out = tmp_path / "memory.md"
    assert memory.main(["--steps", "30", "--pz-steps", "20", "--out", str(out)]) == 0
    text = out.read_text()
    for env_id in ENV_IDS:
        assert f"| {env_id} (gym) | 30 |" in text
    assert "(PettingZoo parallel) | 20 |" in text


def test_cli_fails_when_growth_exceeds_the_limit(tmp_path):
    assert memory.main(["--steps", "30", "--pz-steps", "20", "--limit-mb", "-1",
                        "--out", str(tmp_path / "m.md")]) == 1


def test_cli_with_env_keeps_the_other_systems_rows(tmp_path):
    out = tmp_path / "memory.md"
    assert memory.main(["--steps", "30", "--pz-steps", "20", "--out", str(out)]) == 0
    other = next(e for e in ENV_IDS if e != "LargeScaleMEC-v0")
    old_row = next(line for line in out.read_text().splitlines()
                   if line.startswith(f"| {other} (gym) |"))
    assert memory.main(["--steps", "40", "--pz-steps", "20", "--env", "LargeScaleMEC-v0",
                        "--out", str(out)]) == 0
    text = out.read_text()
    assert "| LargeScaleMEC-v0 (gym) | 40 |" in text
    assert "| LargeScaleMEC-v0 (gym) | 30 |" not in text
    assert old_row in text and "kept from the previous report" in text
    assert text.count("| run |") == 1
