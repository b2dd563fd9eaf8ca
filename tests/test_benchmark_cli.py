"""``edge-bench``: argument errors, list, run, leaderboard files, presets, reproduce, perf."""

from __future__ import annotations

import csv
import hashlib
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from benchmarks import perf
from benchmarks.cli import main
from benchmarks.store import Store

ROOT = Path(__file__).resolve().parents[1]
TOY = ["--import", "tests.benchmark_toy"]


@pytest.fixture
def toy(monkeypatch):
    from tests import benchmark_toy

    with benchmark_toy.installed(monkeypatch):
        yield benchmark_toy


def run_cli(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def _one_line_error(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


RUN = ["run", "--env", "BenchToy-v0", "--scenario", "tiny", "--agent", "toy-greedy",
       "--workers", "1", "--no-progress"]


@pytest.mark.parametrize(
    "argv, needle",
    [
        (["run", "--env", "Nope-v0", "--agent", "random"],
         "unknown environment 'Nope-v0'; valid: BenchToy-v0"),
        (["run", "--env", "BenchToy-v0", "--agent", "nope"],
         "unknown agent 'nope'; valid: random, toy-greedy, toy-oracle, toy-learner, toy-slow"),
        (["run", "--env", "BenchToy-v0", "--agent", "nomodule_xyz:f"],
         "cannot import module 'nomodule_xyz'"),
        (["run", "--preset", "nope"], "unknown preset 'nope'; valid: quick, paper-cluster"),
        ([*RUN[:4], "huge", *RUN[5:]], "unknown scenario 'huge' for BenchToy-v0; valid: tiny"),
        ([*RUN, "--seeds", "0-x"], "malformed training seeds '0-x'"),
        ([*RUN, "--eval-seeds", "1,,2"], "malformed evaluation seeds '1,,2'"),
        ([*RUN, "--seeds", "0-3", "--eval-seeds", "3-5"], "must be disjoint; both contain [3]"),
        ([*RUN, "--set", "episode_slots=0"], "episode_slots must lie in [1, 10000]"),
        ([*RUN, "--workers", "0"], "--workers must be at least 1"),
        ([*RUN, "--config", "[1]"], "--config must be a JSON object"),
        (["run", "--preset", "quick", "--agent", "random"], "cannot be combined with --agent"),
        (["run"], "give --preset NAME or --env ID; presets: quick"),
        (["run", "--env", "BenchToy-v0"], "give at least one --agent; valid for BenchToy-v0"),
        (["leaderboard", "--results", "/nonexistent/x"], "no results store"),
        (["reproduce", "nope"], "unknown paper 'nope'; valid: dirs, cluster"),
    ],
    ids=["env", "agent", "factory", "preset", "scenario", "seeds", "eval-seeds", "overlap",
         "override", "workers", "config", "preset-and-agent", "nothing", "no-agent",
         "no-store", "paper"],
)
def test_argument_errors_exit_2_with_one_line(toy, capsys, tmp_path, argv, needle):
    code, out, err = run_cli(capsys, *argv, *(["--results", tmp_path] if argv[0] == "run"
                                               else []))
    assert code == 2
    line = _one_line_error(err)
    assert line.startswith("edge-bench: error: ") and needle in line, line
    assert not (tmp_path / "results.sqlite").exists()


def test_agent_not_supporting_the_env(toy, capsys, monkeypatch):
    import dataclasses

    other = dataclasses.replace(toy.SYSTEM, env_id="BenchToy2-v0")
    monkeypatch.setitem(toy.SYSTEMS, "BenchToy2-v0", other)
    code, _, err = run_cli(capsys, "run", "--env", "BenchToy2-v0", "--agent", "toy-greedy")
    assert code == 2
    assert "agent 'toy-greedy' does not support BenchToy2-v0; valid: random" in err


def test_argparse_errors_are_one_line_too(capsys):
    with pytest.raises(SystemExit) as info:
        main(["run", "--backend", "mpi"])
    assert info.value.code == 2
    line = _one_line_error(capsys.readouterr().err)
    assert "invalid choice: 'mpi' (choose from 'process', 'ray', 'serial')" in line
    with pytest.raises(SystemExit):
        main(["frobnicate"])
    assert "invalid choice" in _one_line_error(capsys.readouterr().err)


def test_missing_ray_says_how_to_install(toy, capsys, monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "ray", None)  # import ray -> ImportError
    code, _, err = run_cli(capsys, *RUN, "--backend", "ray", "--results", tmp_path)
    assert code == 2 and "install edge-envs[ray]" in _one_line_error(err)


def test_known_paper_without_module_is_a_clear_message(capsys, monkeypatch):
    from benchmarks import reproduce

    monkeypatch.setitem(reproduce.PAPERS, "later", "benchmarks.reproduce.not_written_yet:main")
    code, _, err = run_cli(capsys, "reproduce", "later")
    assert code == 2
    assert "reproduction of 'later' (benchmarks.reproduce.not_written_yet) is not available" in (
        _one_line_error(err))


def test_reproduce_dispatches_with_arguments(capsys, monkeypatch):
    from benchmarks import reproduce

    monkeypatch.setitem(reproduce.PAPERS, "toy", "tests.test_benchmark_cli:_fake_reproduction")
    assert run_cli(capsys, "reproduce", "toy", "--fast", "x")[0] == 7
    assert _CALLS == [["--fast", "x"]]


_CALLS: list = []


def _fake_reproduction(argv):
    _CALLS.append(argv)
    return 7


def test_errors_in_a_fresh_process_have_no_traceback(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for argv in (["run", "--preset", "nope"], ["run", "--env", "Nope-v0", "--agent", "random"],
                 ["run", *TOY, "--env", "BenchToy-v0", "--agent", "random", "--seeds", "x"]):
        proc = subprocess.run([sys.executable, "-m", "benchmarks", *argv], cwd=tmp_path, env=env,
                              capture_output=True, text=True, timeout=120)
        assert proc.returncode == 2, proc.stderr
        assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr
        assert proc.stderr.startswith("edge-bench: error: ")


def test_list_shows_envs_scenarios_agents_presets(toy, capsys):
    code, out, _ = run_cli(capsys, "list")
    assert code == 0
    assert "BenchToy-v0: paper metric 'cost' (lower is better), reference agent: toy-oracle" in out
    assert "scenarios: tiny (quick), small (default), wide" in out
    assert "agents (baseline): random, toy-greedy, toy-slow" in out
    assert "agents (reference): toy-oracle" in out and "agents (paper): toy-learner" in out
    for preset in ("quick", "paper-dirs", "paper-cluster", "paper"):
        assert f"\n  {preset}: " in out


def test_run_then_leaderboard_files_hold_the_right_numbers(toy, capsys, tmp_path):
    results = tmp_path / "res"
    code, out, err = run_cli(
        capsys, "run", "--env", "BenchToy-v0", "--scenario", "tiny", "--agent", "random",
        "--agent", "toy-greedy", "--agent", "toy-oracle", "--agent", "toy-learner",
        "--agent", "tests.benchmark_toy:make_greedy", "--seeds", "0-1", "--eval-seeds",
        "500-505", "--budget", "24", "--set", "episode_slots=3", "--workers", "1",
        "--results", results, "--no-progress")
    assert code == 0, err
    assert "8 job(s) run" not in err and "10 job(s) run, 0 already stored, 0 failed" in err
    assert "BenchToy-v0 / tiny {\"episode_slots\":3} - cost (lower is better)" in out
    assert "toy-oracle*" in out and "privileged reference" in out

    with Store(results) as store:
        rows = store.rows()
    assert len(rows) == 10 and all(r["steps"] == [3] * 6 for r in rows)
    expected = {}
    for agent in ("random", "toy-greedy", "toy-oracle", "toy-learner",
                  "tests.benchmark_toy:make_greedy"):
        metrics = [m for r in rows if r["agent"] == agent for m in r["metrics"]]
        expected[agent] = float(np.mean(metrics))
    assert expected["toy-oracle"] == 0.0
    assert expected["tests.benchmark_toy:make_greedy"] == expected["toy-greedy"]

    md, csv_path, plots = tmp_path / "lb.md", tmp_path / "lb.csv", tmp_path / "plots"
    code, out2, err = run_cli(capsys, "leaderboard", "--results", results, "--markdown", md,
                              "--csv", csv_path, "--plots", plots)
    assert code == 0, err
    table = list(csv.DictReader(open(csv_path)))
    assert len(table) == 5
    for line in table:
        agent = line["agent"]
        assert float(line["metric_mean"]) == pytest.approx(expected[agent], abs=1e-12)
        assert line["train_seeds"] == "0 1" and line["n_episodes"] == "6"
        normalised = (expected[agent] - expected["random"]) / (0.0 - expected["random"])
        assert float(line["normalised"]) == pytest.approx(normalised)
        assert line["normalised_against"] == "toy-oracle"
        assert float(line["metric_ci_low"]) <= float(line["metric_mean"]) <= float(
            line["metric_ci_high"])
    learner = next(line for line in table if line["agent"] == "toy-learner")
    assert learner["learns"] == "1" and float(learner["train_env_steps"]) == 24.0
    # the CSV says which code and which resolved arguments made each line
    assert {line["code_fingerprint"] for line in table} == {rows[0]["code_fingerprint"]}
    assert len(rows[0]["code_fingerprint"]) == 64
    assert learner["resolved_config"] == "{}" and learner["agent_config"] == "{}"
    assert learner["env_kwargs"] == learner["eval_env_kwargs"] == '{"episode_slots":3}'

    text = md.read_text()
    assert text.startswith("# Leaderboard")
    assert "| toy-oracle* | reference | 2x6 | 0 [0, 0] | 0 |" in text
    greedy = f"| toy-greedy | baseline | 2x6 | {expected['toy-greedy']:.4g} ["
    assert greedy in text
    assert "0 = random, 1 = toy-oracle" in text
    pngs = sorted(p.name for p in plots.glob("*.png"))
    tag = hashlib.sha1(b'{"episode_slots":3}').hexdigest()[:8]  # scenario overrides
    assert pngs == [f"BenchToy-v0_tiny_{tag}_bars.png", f"BenchToy-v0_tiny_{tag}_curves.png"]
    for p in plots.glob("*.png"):
        assert p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and p.stat().st_size > 5000
    # the terminal table of `leaderboard` equals the one `run` printed
    assert out2 == out

    # filters
    code, out3, _ = run_cli(capsys, "leaderboard", "--results", results, "--agent", "random")
    assert code == 0 and "toy-greedy" not in out3 and "random" in out3


def test_quick_preset_runs_every_system(toy, capsys, tmp_path):
    code, out, err = run_cli(capsys, "run", "--preset", "quick", "--workers", "1",
                             "--results", tmp_path, "--no-progress")
    assert code == 0, err
    assert "warning: agent 'sb3-ppo' is not registered (yet); skipped" in err
    assert "12 job(s) run" in err  # 4 agents x 3 training seeds
    assert "BenchToy-v0 / tiny {\"episode_slots\":3}" in out
    with Store(tmp_path) as store:
        rows = store.rows()
    assert {r["agent"] for r in rows} == {"random", "toy-greedy", "toy-oracle", "toy-slow"}
    assert {tuple(r["eval_seeds"]) for r in rows} == {(1000, 1001, 1002, 1003, 1004)}
    # running it again resumes: nothing recomputed
    code, out2, err = run_cli(capsys, "run", "--preset", "quick", "--workers", "1",
                              "--results", tmp_path, "--no-progress")
    assert code == 0 and "0 job(s) run, 12 already stored" in err and out2 == out


def test_progress_bar_goes_to_stderr(toy, capsys, tmp_path):
    code, out, err = run_cli(capsys, "run", "--env", "BenchToy-v0", "--agent", "toy-greedy",
                             "--seeds", "0,1", "--eval-episodes", "2", "--workers", "1",
                             "--results", tmp_path)
    assert code == 0
    assert "2/2" in err and "BenchToy-v0/small toy-greedy seed=1" in err
    assert "2/2" not in out


def test_perf_script_writes_table_and_keeps_the_hand_written_part(toy, tmp_path):
    out = tmp_path / "performance.md"
    out.write_text("old table\n\n<!-- agents -->\n\n## Training times\n\nd3qn: 1 h\n")
    code = perf.main(["--env", "BenchToy-v0", "--steps", "50", "--no-vector", "--out", str(out)])
    assert code == 0
    text = out.read_text()
    assert "old table" not in text and text.startswith("# Environment speed")
    assert text.endswith("<!-- agents -->\n\n## Training times\n\nd3qn: 1 h\n")
    assert "| BenchToy-v0 | small | paper |" in text
    assert "| BenchToy-v0 | small | 10x (n_actions=30) |" in text
    assert "Python " in text and "numpy " in text and "CPU " in text


def test_perf_vector_rates_count_env_steps(toy):
    import functools

    import gymnasium as gym

    make = functools.partial(gym.make, "BenchToy-v0", scenario="tiny")
    assert perf.vector_rate(make, "sync", steps=16, max_seconds=5.0) > 0
    assert perf.single_rate(make, steps=16, max_seconds=5.0) > 0


def test_list_shows_the_paper_preset_of_a_system_added_by_import(toy, capsys, monkeypatch):
    import dataclasses

    from benchmarks import suites

    monkeypatch.setattr(suites, "PRESETS", dict(suites.PRESETS))
    monkeypatch.setattr(suites, "PAPER_PRESETS", dict(suites.PAPER_PRESETS))
    system = dataclasses.replace(toy.SYSTEM, paper_preset="paper-toy",
                                 paper_agents=("toy-learner",))
    monkeypatch.setitem(toy.SYSTEMS, toy.ENV_ID, system)
    code, out, _ = run_cli(capsys, "list")
    assert code == 0
    assert "\n  paper-toy: all named scenarios of BenchToy-v0, all agents incl. toy-learner" in out
