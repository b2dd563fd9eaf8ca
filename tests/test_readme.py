"""The README's commands and its `gymnasium.make` example are real."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

README = (Path(__file__).resolve().parents[1] / "README.md").read_text()


def section_block(title: str) -> str:
    section = re.search(rf"^## {re.escape(title)}\s*$(.*?)(?=^## |\Z)", README, re.S | re.M)
    assert section, f"README has no '## {title}' section"
    block = re.search(r"```\w*\n(.*?)```", section.group(1), re.S)
    assert block, f"README section '{title}' has no code block"
    return block.group(1)


def test_example_runs_and_is_short():
    code = section_block("Quick example")
    assert "gym.make(" in code
    assert len(code.strip().splitlines()) <= 12
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert "load balance" in out.stdout


def test_setup_installs_cpu_torch_first():
    setup = section_block("Setup").strip()
    assert setup.startswith("pip install torch==2.13.0")
    assert len(setup.splitlines()) == 1


def test_main_job_and_test_commands_are_single_lines():
    assert (
        section_block("Main job: the quick leaderboard").strip() == "edge-bench run --preset quick"
    )
    assert len(section_block("Tests").strip().splitlines()) == 1
