"""The paper-000 reproduction's convergence metric (sec. 5.1) and its test-reward recorder."""

from __future__ import annotations

import numpy as np

from agents.baselines.edge_cluster import SCMWVCAgent
from benchmarks.reproduce.cluster import HeldOutCurve, convergence_step, evaluate
from edge_envs.edge_cluster.gym_env import EdgeClusterEnv


def test_convergence_step_is_the_first_point_stable_over_the_next_400_steps():
    steps = [200, 400, 600, 800, 1000, 1200, 1400]
    rewards = [0.10, 0.30, 0.50, 0.52, 0.49, 0.50, 0.50]
    # t=600 (0.50): 0.52 next is +4 % -> no; t=800 (0.52): 0.49 is -5.8 % -> no;
    # t=1000 (0.49): 0.50 and 0.50 are +2.0 % -> converged.
    assert convergence_step(list(zip(steps, rewards, strict=True))) == 1000
    # With 5 %: t=400 (0.30) -> 0.50 no; t=600 (0.50): +4 %, -2 % -> converged.
    assert convergence_step(list(zip(steps, rewards, strict=True)), tolerance=0.05) == 600


def test_convergence_step_skips_the_constant_untrained_prefix_and_needs_a_full_horizon():
    flat = [(200 * (i + 1), 0.2) for i in range(10)]
    assert convergence_step(flat) is None  # never changed: the untrained constant policy
    pts = [(200, 0.2), (400, 0.2), (600, 0.4), (800, 0.4), (1000, 0.4)]
    assert convergence_step(pts) == 600
    assert convergence_step(pts[:4]) is None  # 600 + 400 > 800: horizon not covered
    noisy = [(200 * (i + 1), v) for i, v in enumerate([0.1, 0.3, 0.5, 0.3, 0.5, 0.3])]
    assert convergence_step(noisy) is None


def test_test_curve_replays_one_fixed_held_out_episode():
    params = EdgeClusterEnv("warehouse-80x4", n_nodes=20, n_servers=3).params
    agent = SCMWVCAgent(EdgeClusterEnv(params))
    curve = HeldOutCurve(agent, params, layout_seed=1, steps=200)
    curve(200, 0.0)
    curve(400, 0.0)
    (s1, r1), (s2, r2) = curve.points
    assert (s1, s2) == (200, 400) and r1 == r2  # same path and layout each time
    # A full 200-step test curve episode is test episode 0 of the evaluation protocol.
    assert r1 == evaluate(agent, params, 1, 1)
    assert np.isfinite(r1) and curve.seconds > 0


def _fake_cell(scenario, fraction, agents, s, log):
    return {a: {"reward": 0.1 * (i + 1), "rewards": [0.1 * (i + 1)], "convergence": [None],
                "train_s": 1.0, "curve": [], "test_curves": []} for i, a in enumerate(agents)}


def _fake_study(s, seeds, log):
    rows = [{"sc-mwvc": 0.2, "sc-metis": 0.3, "greedy-lookahead": 0.65, "oracle": 0.7,
             "ll-d3qn": [0.4, 0.6]},
            {"sc-mwvc": 0.1, "sc-metis": 0.2, "greedy-lookahead": 0.45, "oracle": 0.5,
             "ll-d3qn": [0.3, 0.36]}]
    for r in rows:
        r.update({"ll-d3qn": r["ll-d3qn"][:seeds], "train_s": [10.0, 12.0][:seeds],
                  "selected_step": [1000, 2000][:seeds]})
    return {"layouts": {"0": rows[0], "1": rows[1]}}


def test_report_parts_merge_and_name_their_runs(tmp_path, monkeypatch):
    import json

    import benchmarks.reproduce.cluster as rc

    monkeypatch.setattr(rc, "run_cell", _fake_cell)
    monkeypatch.setattr(rc, "run_seed_study", _fake_study)
    monkeypatch.setattr(rc, "_lstm_table", lambda fractions, log: {
        "1.0": {"lstm": 0.9, "repeat_last": 0.8, "train_s": 1.0}})
    monkeypatch.setattr(rc, "_plot_bars", lambda *a, **k: None)
    out = str(tmp_path)
    rc.main(["--only", "fig11", "--fractions", "1", "--no-sb3", "--out", out])
    rc.main(["--only", "seeds", "--seeds", "2", "--budget", "99", "--merge", "--out", out])
    stored = json.loads((tmp_path / "img" / "cluster_results.json").read_text())
    assert {"lstm", "fig11", "seeds", "targets", "study_targets"} <= set(stored)
    assert set(stored["runs"]) == {"lstm", "fig11", "seeds"}
    assert stored["runs"]["seeds"]["settings"]["budget"] == 99
    report = (tmp_path / "cluster.md").read_text()
    assert "## Seed study" in report and "## Fig. 11" in report
    for table in report.split("\n\n"):  # every markdown table is rectangular
        rows = [ln for ln in table.splitlines() if ln.startswith("|")]
        assert len({ln.count("|") for ln in rows}) <= 1, rows
    assert "Run: `edge-bench reproduce cluster --only seeds --seeds 2 --budget 99" in report
    assert "Run: `edge-bench reproduce cluster --only fig11" in report
    # Means over layouts: LL-D3QN (0.5 + 0.33) / 2 = 0.415, SC-MWVC 0.15 (x2.77, met),
    # SC-METIS 0.25 (met), oracle 0.6 (31 % below: missed).
    study = stored["study_targets"]
    assert study[0].endswith("met") and "(x2.77)" in study[0]
    assert study[1].endswith("met") and "0.415 vs 0.250" in study[1]
    assert study[2].endswith("MISSED") and "31% below" in study[2]
    # Per run against its own layout: 0.6, 0.3 and 0.36 reach 2.5 x SC-MWVC (0.5, 0.25,
    # 0.25), 0.4 does not; only 0.6 is within 15 % of its oracle (0.595; 0.425).
    assert "3 of them reach 2.5 x SC-MWVC and 1 lie within 15 %" in study[4]
    assert "4 runs from 0.300 to 0.600" in study[4]
    # greedy-lookahead (0.65 + 0.45) / 2 = 0.55: x3.67 SC-MWVC, 8 % below the oracle.
    assert "0.550 (x3.67 SC-MWVC, 8% below the oracle)" in study[5]
    assert "| greedy-lookahead |" in report
    # --render-only runs nothing and keeps every part; --notes replaces the Notes section.
    notes = tmp_path / "notes.txt"
    notes.write_text("first note\n\nsecond note\n")
    monkeypatch.setattr(rc, "run_seed_study", None)  # would fail if called
    rc.main(["--render-only", "--notes", str(notes), "--out", out])
    again = json.loads((tmp_path / "img" / "cluster_results.json").read_text())
    assert again["notes"] == ["first note", "second note"]
    assert {k: v for k, v in again.items() if k != "notes"} == stored
    assert "- second note" in (tmp_path / "cluster.md").read_text()
    monkeypatch.setattr(rc, "run_seed_study", _fake_study)
    # Without --merge a run replaces the whole report.
    rc.main(["--only", "seeds", "--seeds", "1", "--out", out])
    stored = json.loads((tmp_path / "img" / "cluster_results.json").read_text())
    assert "fig11" not in stored and set(stored["runs"]) == {"lstm", "seeds"}


def test_train_and_evaluate_scores_by_the_protocol():
    import benchmarks.reproduce.cluster as rc

    params = EdgeClusterEnv("warehouse-80x4", n_nodes=20, n_servers=3, episode_steps=20).params
    s = rc.replace(rc.FAST, budget=120, episodes=1)
    static = rc.train_and_evaluate("sc-mwvc", params, 1, 0, s)
    assert static == {"reward": evaluate(SCMWVCAgent(EdgeClusterEnv(params)), params, 1, 1)}
    learned = rc.train_and_evaluate("d3qn", params, 1, 0, s, test_curve=False)
    assert {"reward", "train_s", "selected_step", "step_rewards"} <= set(learned)
    assert "convergence" not in learned and np.isfinite(learned["reward"])
    # --budget counts training steps: every one of them is taken, validation on top.
    assert len(learned["step_rewards"]) == 120
