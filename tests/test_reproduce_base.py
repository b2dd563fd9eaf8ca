"""The reproduction framework: parts run by the runner (resume after an interruption), rows
matched to jobs across code versions, settings changed with ``--set``."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import pytest

from agents.base import TrainResult
from benchmarks.reproduce import base
from benchmarks.suites import AgentChoice, Entry, Suite, expand
from tests.benchmark_toy import ENV_ID, GreedyAgent, installed

STOPPER = f"{__name__}:Stopper"
TRAINED: list[int] = []
STOP_AT: dict[str, int | None] = {"seed": None}


class Stopper(GreedyAgent):
    """Greedy; training logs its seed, or raises KeyboardInterrupt at ``STOP_AT["seed"]``."""

    name = "stopper"
    learns = False

    def train(self, make_env, budget_steps, seed, progress=None):
        if STOP_AT["seed"] == seed:
            raise KeyboardInterrupt  # what Ctrl-C (or a kill) does in the middle of a run
        TRAINED.append(int(seed))
        return TrainResult(extra={"seed_squared": seed * seed})


@dataclass(frozen=True)
class ToySettings:
    seeds: tuple[int, ...] = (1, 2, 3)
    episodes: int = 2
    greedy: bool = True


def _part_one(s: ToySettings) -> Suite:
    agents = (AgentChoice("toy-greedy"),) if s.greedy else ()
    return Suite("one", (Entry(ENV_ID, "tiny", (*agents, AgentChoice(STOPPER, budget_steps=5)),
                               (0, 1), tuple(range(1000, 1000 + s.episodes))),))


def _part_two(s: ToySettings) -> list:
    jobs, _ = expand(Suite("two", (Entry(ENV_ID, "tiny", (AgentChoice(STOPPER, budget_steps=5),),
                                         s.seeds, tuple(range(1000, 1000 + s.episodes))),)))
    return jobs  # a part may return jobs as well as a suite


def _render(ctx: base.Context) -> str:
    lines = []
    for part, rows in ctx.rows.items():
        seeds = sorted(r["train_seed"] for r in rows if r["agent"] == STOPPER)
        extra = sorted(r["train_extra"]["seed_squared"] for r in rows if r["agent"] == STOPPER)
        lines.append(f"{part}: {len(rows)}/{ctx.expected[part]} seeds {seeds} extra {extra}")
    return "\n".join(lines) + "\n"


TOY = base.Reproduction(
    name="toy",
    title="toy",
    parts=(base.Part("one", _part_one), base.Part("two", _part_two)),
    full=ToySettings(),
    fast=ToySettings(seeds=(1,), episodes=1, greedy=False),
    render=_render,
)


def test_a_run_interrupted_midway_resumes_where_it_stopped(tmp_path, monkeypatch):
    TRAINED.clear()
    args = ["--workers", "1", "--results", str(tmp_path), "--out", str(tmp_path)]
    with installed(monkeypatch):
        STOP_AT["seed"] = 2
        with pytest.raises(KeyboardInterrupt):
            base.main(TOY, args)
        # Part one's 4 jobs, then part two's seed 1 (the same job as part one's: run once).
        assert TRAINED == [0, 1]
        STOP_AT["seed"] = None
        assert base.main(TOY, args) == 0
        assert TRAINED == [0, 1, 2, 3]  # only what was missing
        report = (tmp_path / "toy.md").read_text()
        assert "one: 4/4 seeds [0, 1] extra [0, 1]" in report
        assert "two: 3/3 seeds [1, 2, 3] extra [1, 4, 9]" in report  # train_extra is stored
        assert base.main(TOY, [*args, "--only", "two"]) == 0
        assert base.main(TOY, [*args, "--render-only", "--set", "seeds=2,3,4"]) == 0
        assert TRAINED == [0, 1, 2, 3]
        assert "two: 2/3 seeds [2, 3] extra [4, 9]" in (tmp_path / "toy.md").read_text()


def test_rows_of_older_code_are_shown_only_when_no_row_of_this_code_exists(monkeypatch):
    with installed(monkeypatch):
        job, other = _part_two(ToySettings(seeds=(1, 2)))
    old = dataclasses.replace(job, **{_code_field(job): "older-code"})
    assert old.key != job.key and base.identity(old) == base.identity(job)

    def row(j, value):
        return {"job_key": j.key, "job": j.to_dict(), "mean_metric": value}

    assert [r["mean_metric"] for r in base.select_rows([job, other], [row(old, 1.0)])] == [1.0]
    assert base.select_rows([job], [row(old, 1.0)], older_code=False) == []
    for rows in ([row(old, 1.0), row(job, 2.0)], [row(job, 2.0), row(old, 1.0)]):
        assert [r["mean_metric"] for r in base.select_rows([job], rows)] == [2.0]
    newer = dataclasses.replace(job, **{_code_field(job): "newer-code"})
    assert [r["mean_metric"] for r in base.select_rows(
        [job], [row(old, 1.0), row(newer, 3.0)])] == [3.0]  # the newest older row


def test_set_parses_values_by_the_field_type():
    s = base.apply_settings(ToySettings(), ["seeds=4,5", "episodes=3", "greedy=false"])
    assert s == ToySettings(seeds=(4, 5), episodes=3, greedy=False)
    assert base.apply_settings(s, ["seeds="]).seeds == ()
    with pytest.raises(ValueError, match="FIELD one of seeds, episodes, greedy"):
        base.apply_settings(s, ["budget=3"])
    with pytest.raises(ValueError, match="--set episodes: cannot read 'many' as int"):
        base.apply_settings(s, ["episodes=many"])
    with pytest.raises(ValueError, match="unknown part 'three'"):
        TOY.part("three")


def _code_field(job) -> str:
    return next(f for f in base.CODE_FIELDS if hasattr(job, f))



def test_measuring_wrappers_pass_on_what_the_leaderboard_reads():
    import gymnasium as gym

    import edge_envs  # noqa: F401
    from benchmarks.reproduce.wrapper import WrappedAgent

    class Probe(WrappedAgent):
        def __init__(self, env, inner, **config):
            super().__init__(env, inner=inner, **config)
            self.wrap(env, inner, config)

    env = gym.make("EdgeCluster-v0", scenario="random-direction-20x3")
    planner = Probe(env, "agents.baselines.edge_cluster:GreedyLookaheadAgent")
    oracle = Probe(env, "agents.baselines.edge_cluster:OracleAgent")
    plain = Probe(env, "agents.baselines.edge_cluster:SCMWVCAgent")
    assert (planner.plans_with_model, planner.privileged, planner.learns) == (True, False, False)
    assert (oracle.plans_with_model, oracle.privileged) == (True, True)
    assert not (plain.plans_with_model or plain.privileged)
    observation, _ = env.reset(seed=3)
    plain.begin_episode(env)
    assert plain.act(observation).tolist() == plain.inner.act(observation).tolist()


def test_the_notes_section_holds_the_notes_file_lines(tmp_path):
    from benchmarks.reproduce.base import Context
    from benchmarks.reproduce.cluster import REPRODUCTION

    ctx = Context(REPRODUCTION, rows={}, expected={}, img_dir=tmp_path)
    assert ctx.notes_section() == []
    ctx.notes = ["run on a loaded machine", "seed 3 rerun"]
    assert ctx.notes_section() == ["## Notes", "", "- run on a loaded machine",
                                   "- seed 3 rerun", ""]
