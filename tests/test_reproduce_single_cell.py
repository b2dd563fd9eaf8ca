"""The paper-002 reproduction: its parts as runner jobs, the measuring wrapper, the curve
statistics and the renderer on fake store rows."""

from __future__ import annotations

from dataclasses import replace

import gymnasium as gym
import numpy as np
import pytest

import benchmarks.reproduce.single_cell as rs
import edge_envs  # noqa: F401
from benchmarks.reproduce.base import Context
from benchmarks.reproduce.single_cell_jobs import MeasuredAgent, play

SETTINGS = replace(rs.FAST, seeds=3, users=(4, 10, 20), episodes=2, budget=900)


def test_parts_give_equal_budgets_shared_jobs_and_disjoint_seeds():
    fig5, fig6 = rs.fig5_jobs(SETTINGS), rs.fig6_jobs(SETTINGS)
    fig7, fig8 = rs.fig7_jobs(SETTINGS), rs.fig8_jobs(SETTINGS)
    every = fig5 + fig6 + fig7 + fig8
    assert {j.factory for j in every} == {rs.WRAPPER}
    learners = [j for j in every if j.agent in rs.LEARNERS]
    assert {j.budget_steps for j in learners} == {900}  # equal budgets for every learner
    assert {j.budget_steps for j in every if j.agent not in rs.LEARNERS} == {0}
    for j in every:
        assert j.eval_seeds == (1000, 1001)
        assert j.agent_config["final_seeds"] == [1000, 1001]
    assert sorted(j.train_seed for j in fig5 if j.agent == "dtomalb") == [0, 1, 2]
    # DTOMALB's jobs of Fig. 6 are Fig. 5's; DTOMA runs with w2 = 0.
    assert {j.key for j in fig6 if j.agent == "dtomalb"} == {
        j.key for j in fig5 if j.agent == "dtomalb"}
    assert {tuple(j.agent_env_kwargs.items()) for j in fig6 if j.agent == "dtoma"} == {
        (("w2", 0.0),)}
    # Fig. 7: 10 users are the paper scenario (Figs. 5/6's jobs); slot-optimum up to 14.
    assert {j.scenario for j in fig7} == {"sweep-users-4", "paper-10x5", "sweep-users-20"}
    assert {j.key for j in fig7 if j.scenario == "paper-10x5" and j.agent == "dtoma"} == {
        j.key for j in fig6 if j.agent == "dtoma"}
    assert not [j for j in fig7 if j.agent == "slot-optimum" and j.scenario.endswith("-20")]
    assert {j.scenario for j in fig8} == {"load-balance-12-20ghz"}


def test_wrapper_records_a_validation_curve_and_per_server_figures():
    def make_env():
        return gym.make("SingleCellMEC-v0", scenario="small-4x3", episode_slots=10)

    agent = MeasuredAgent(make_env(), inner="agents.dtomalb:DTOMALBAgent", final_seeds=[1000],
                          curve_every=2, warmup=10, batch_size=8)
    seen = []
    result = agent.train(make_env, 40, seed=0, progress=lambda s, v: seen.append(s))
    assert seen == [10, 20, 30, 40]  # the runner still gets every episode
    curve = result.extra["validation_curve"]
    assert [p[0] for p in curve] == [20, 40]
    final = result.extra["final"]
    assert len(final["load_factors_s"]) == 3 and len(final["task_counts"]) == 3
    # The final figures are the inner agent's play on the evaluation seed.
    env = make_env().unwrapped
    assert play(agent.inner, env, [1000]) == final
    with pytest.raises(ValueError, match="validation"):
        MeasuredAgent(make_env(), inner="agents.dtomalb:DTOMALBAgent", final_seeds=[900])


def test_play_counts_every_task_once():
    env = gym.make("SingleCellMEC-v0", scenario="small-4x3", episode_slots=5).unwrapped
    from agents.registry import make_agent

    out = play(make_agent("greedy-delay", env), env, [1000, 1001])
    # 4 users, all offloaded by greedy-delay at these loads: 4 tasks per slot on 3 servers.
    assert sum(out["task_counts"]) + out["n_local"] == pytest.approx(4.0)


def test_curve_statistics_by_hand():
    rows = [{"train_extra": {"validation_curve": [[100, -1.0, 1], [200, -0.5, 1],
                                                  [300, -0.2, 1], [400, -0.2, 1],
                                                  [500, -0.1, 1], [600, -0.3, 1]]}}]
    steps, mean, std = rs.mean_curve(rows)
    assert steps.tolist() == [100, 200, 300, 400, 500, 600] and std.tolist() == [0.0] * 6
    # End: mean(-0.2, -0.1, -0.3) = -0.2; within 5 % (0.01): -0.2 at 300 and 400, but 500
    # (-0.1) and 600 (-0.3) are outside, so the curve never settles.
    assert rs.settle_step((steps, mean, std)) is None
    settled = np.array([-1.0, -0.5, -0.205, -0.2, -0.2, -0.2])
    assert rs.settle_step((steps, settled, std)) == 300
    assert rs.settle_step((steps, settled, std), tolerance=0.01) == 400
    # Second half: -0.2, -0.1, -0.3 -> population std 0.0816.
    assert rs.fluctuation(rows) == pytest.approx(np.std([-0.2, -0.1, -0.3]))


def _row(agent, seed, score, scenario="paper-10x5", w2=None, final_utility=None, curve=None,
         loads=(0.1,) * 5, counts=(2.0,) * 5):
    job = {"agent_env_kwargs": {"w2": w2} if w2 is not None else {}}
    final = {"utility": final_utility if final_utility is not None else score,
             "mean_delay_s": -score, "load_variance": 0.001, "n_local": 0.0,
             "load_factors_s": list(loads), "task_counts": list(counts)}
    return {"job_key": f"{agent}-{scenario}-{seed}", "agent": agent, "scenario": scenario,
            "job": job, "mean_metric": score, "learns": curve is not None,
            "train_seed": seed, "budget_steps": 900 if curve else 0, "eval_seeds": [1000],
            "code_fingerprint": "abc", "train_wall_s": 60.0, "eval_wall_s": 1.0,
            "train_extra": {"final": final, "validation_curve": curve or []}}


def test_render_on_fake_rows(tmp_path):
    def curve(end):
        return [[100 * (i + 1), -1.0 + (end + 1.0) * min(1.0, i / 3), 0.2] for i in range(8)]

    fig5 = [_row(a, s, v, curve=curve(v)) for s in range(2) for a, v in (
        ("dtomalb", -0.20), ("dqn-tolb", -0.22), ("idql-tolb", -0.25))]
    fig5 += [_row("greedy-delay", 0, -0.19), _row("slot-optimum", 0, -0.17)]
    # DTOMA: runner score on w2 = 0, its w2 = 1 utility from the replay.
    fig6 = [_row("dtoma", s, -0.19, w2=0.0, final_utility=-0.21, curve=curve(-0.21))
            for s in range(2)] + fig5[:2]
    fig7 = [_row("dtomalb", 0, -0.12, "sweep-users-4", curve=curve(-0.12)),
            _row("greedy-delay", 0, -0.11, "sweep-users-4"), *fig5]
    fig8 = [_row("dtomalb", 0, -0.2, rs.LOAD_SCENARIO, curve=curve(-0.2),
                 loads=(0.12, 0.12, 0.13, 0.12, 0.12), counts=(1.5, 1.7, 2.0, 2.3, 2.5))]
    ctx = Context(reproduction=rs.REPRODUCTION,
                  rows={"fig5": fig5, "fig6": fig6, "fig7": fig7, "fig8": fig8},
                  expected={"fig5": 8, "fig6": 4, "fig7": 10, "fig8": 1},
                  img_dir=tmp_path / "img")
    text = rs.render(ctx)
    assert "| `dtomalb` | -0.200 ± 0.000 (2 seeds) |" in text
    assert "| `dtoma` | -0.210 ± 0.000 (2 seeds) | -0.190 |" in text  # utility vs runner score
    assert "| 4 | -0.120 |" in text
    assert "| 10 | -0.200 ± 0.000 (2) |" in text  # learners: mean ± sd over seeds
    assert "| Utility falls as users grow (Fig. 7) | falls | 4: -0.120 -> 10: -0.200 | holds |" \
        in text
    assert "Faster servers get more tasks, load factors nearly equal (Fig. 8)" in text
    assert "DTOMALB above IDQL-TOLB and DQN-TOLB at equal budgets: -0.200 vs -0.250 and " \
        "-0.220 -> met" in text
    claims = {c.claim: c for c in rs.paper_claims(
        rs.by_agent(fig5 + fig6, "paper-10x5"), rs.fig7_cells(fig7),
        rs.by_agent(fig8, rs.LOAD_SCENARIO))}
    assert claims["Load balancing helps: DTOMALB faster and higher than DTOMA (Fig. 6)"].holds
    assert claims["Faster servers get more tasks, load factors nearly equal (Fig. 8)"].holds
    assert sorted(p.name for p in (tmp_path / "img").iterdir()) == [
        f"single_cell_fig{k}.png" for k in (5, 6, 7, 8)]


def test_fig7_cells_give_the_spread_over_training_seeds():
    rows = [_row("dtomalb", 0, -0.1, "sweep-users-4"), _row("dtomalb", 1, -0.3, "sweep-users-4"),
            _row("greedy-delay", 0, -0.15, "sweep-users-4")]
    runs = rs.fig7_runs(rows)[4]
    assert rs._mean_sd(runs["dtomalb"]) == "-0.200 ± 0.141 (2)"  # sd with ddof=1
    assert rs._mean_sd(runs["greedy-delay"]) == "-0.150"  # one evaluation: no spread
    assert rs._mean_sd(None) == "-"
    assert rs.summary(rows[:2])["std"] == pytest.approx(0.1414, abs=1e-4)  # same sd in tables
    assert rs.fig7_cells(rows)[4] == pytest.approx({"dtomalb": -0.2, "greedy-delay": -0.15})
