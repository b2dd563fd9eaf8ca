"""The paper-003 reproduction: its parts as runner jobs, the measuring wrapper (per-slot
records, act-time views, replayed decisions), the renderer on fake store rows and a tiny run."""

from __future__ import annotations

from dataclasses import replace

import gymnasium as gym
import numpy as np
import pytest

import benchmarks.reproduce.dirs as rd
from agents.evaluation import evaluate
from benchmarks.reproduce.base import Context
from benchmarks.reproduce.base import main as run_main
from benchmarks.reproduce.dirs_jobs import MeasuredAgent, SearchCurves, play_slots

TINY = replace(rd.FAST, episodes=2, eval_slots=3, sweep_n=(10,), sweep_m=(3,),
               table34=("dirs-8x180",), train_seeds=2, fig4_slots=2)


def _by(jobs, agent, budget=None):
    return [j for j in jobs if j.agent == agent and (budget is None or j.budget_steps == budget)]


def test_table5_expands_to_measured_jobs_static_once_learners_per_seed():
    jobs = rd.table5_jobs(TINY)
    # 9 other agents; dirs and dirs-capacity trained on seeds 0, 1 and untrained (budget 0)
    # on seeds 0, 1; the three SB3/MADDPG learners on seeds 0, 1; the six static agents once.
    assert TINY.dirs_agents == ("dirs", "dirs-capacity")  # the paper's and ours, always
    assert len(jobs) == 6 + 3 * 2 + 2 * 2 * 2
    for j in jobs:
        assert j.factory == rd.MEASURED and j.eval_seeds == (1000, 1001)
        assert j.agent_config["eval_seeds"] == [1000, 1001] and j.agent_config["eval_slots"] == 3
        assert j.env_kwargs(evaluation=True)["episode_slots"] == 3
        assert "episode_slots" not in j.env_kwargs()  # training keeps the scenario's episodes
    pso = _by(jobs, "pso")
    assert [(j.train_seed, j.budget_steps) for j in pso] == [(0, 0)]
    assert pso[0].agent_config["inner"] == "agents.baselines.large_scale_mec:PSOAgent"
    for agent in TINY.dirs_agents:
        trained, untrained = _by(jobs, agent, TINY.budget_large), _by(jobs, agent, 0)
        assert [j.train_seed for j in trained] == [0, 1] == [j.train_seed for j in untrained]
        assert "views" not in untrained[0].agent_config
    # Views switch the capacity rules off: the paper's dirs (vote alone) has none to switch.
    assert _by(jobs, "dirs-capacity", TINY.budget_large)[0].agent_config["views"] == rd.VIEWS
    assert "views" not in _by(jobs, "dirs", TINY.budget_large)[0].agent_config
    # Equal budgets for every learner of the comparison.
    assert {j.budget_steps for j in jobs if j.budget_steps} == {TINY.budget_large}
    assert _by(jobs, "sb3-ddpg")[0].env_kwargs()["action_mode"] == "scores"  # catalog view
    no_views = rd.table5_jobs(replace(TINY, views=False, untrained=False))
    assert len(no_views) == len(jobs) - 4 and all("views" not in j.agent_config
                                                  for j in no_views)


def test_other_parts_expand_to_their_protocols():
    sweeps = rd.sweep_jobs(TINY)
    assert {j.scenario for j in _by(sweeps, "maddpg")} == {"sweep-iotd-10"}  # N sweep only
    assert {j.scenario for j in _by(sweeps, "exact")} == {"sweep-iotd-10", "sweep-mec-3"}
    assert {j.budget_steps for j in _by(sweeps, "dirs")} == {TINY.budget_sweep}
    assert {j.budget_steps for j in _by(sweeps, "maddpg")} == {TINY.budget_sweep}
    t34 = rd.table34_jobs(TINY)
    assert sorted((j.agent, j.train_seed) for j in t34) == [
        ("dirs", 0), ("dirs", 1), ("dirs-capacity", 0), ("dirs-capacity", 1), ("exact", 0),
        ("greedy", 0), ("pso", 0)]
    t2 = rd.table2_jobs(TINY)
    per_layout = [(n, loss, "search", n) for n in rd.DEMOS for loss in ("L1", "LD")] + [
        (512, "L1", "exact", 512)]
    assert [(j.agent_config["layout"], j.agent_config["demos"], j.agent_config["loss"],
             j.agent_config.get("labels", "search"), j.budget_steps)
            for j in t2 if j.train_seed == 0] == [
        (layout, *c) for layout in rd.TABLE2_LAYOUTS for c in per_layout]
    assert {j.train_seed for j in t2} == {0, 1}
    assert all(j.factory == rd.PRETRAINED and j.scenario == rd.SMALL for j in t2)
    assert all(not j.agent_config["admission"] and not j.agent_config["fill"] for j in t2)
    fig3, fig5 = rd.fig3_jobs(TINY), rd.fig5_jobs(TINY)
    assert len(fig5) == 3 * 2 and {j.key for j in fig3} < {j.key for j in fig5}  # runs once
    assert sorted({tuple(sorted(j.agent_config.items())) for j in fig5}) == sorted(
        tuple(sorted(v.items())) for v in rd.FIG5_VARIANTS.values())
    fig4 = rd.fig4_jobs(TINY)
    assert [j.agent_config["start"] for j in fig4] == ["random", "refine"]
    for j in fig4:
        assert j.eval_seeds == (1000, 1001) == tuple(j.agent_config["slot_seeds"])
        assert j.env_kwargs(evaluation=True)["episode_slots"] == 1


def test_nrr_is_the_mean_of_per_slot_ratios_and_needs_the_same_slots():
    ref = {"objective": [2.0, 4.0], "eval_seeds": [1000]}
    assert rd.nrr(ref, {"objective": [4.0, 4.0], "eval_seeds": [1000]}) == pytest.approx(0.75)
    assert rd.nrr(ref, {"objective": [4.0], "eval_seeds": [1000]}) is None
    assert rd.nrr(ref, {"objective": [4.0, 4.0], "eval_seeds": [1001]}) is None


def _env(**kw):
    return gym.make("LargeScaleMEC-v0", scenario="sweep-iotd-10", **kw)


def test_measured_agent_views_use_the_same_networks_and_the_runner_replays_its_decisions():
    agent = MeasuredAgent(_env(), inner="agents.dirs:DIRSAgent", eval_seeds=[1000, 1001],
                          eval_slots=3, views=rd.VIEWS)
    result = agent.train(_env, 0, seed=3)  # untrained networks of seed 3: fast
    slots = result.extra["slots"]
    assert set(slots) == {"agent", "no fill", "vote only"}
    assert all(len(v) == 6 for s in slots.values() for v in s.values())
    assert agent.inner.options["fill"] and agent.inner.options["admission"]  # restored
    # A view is the wrapped agent with its options changed at act time.
    agent.inner.options.update(admission=False, fill=False)
    direct = play_slots(agent.inner, _env(), [1000, 1001], 3)
    agent.inner.options.update(admission=True, fill=True)
    assert direct["objective"] == slots["vote only"]["objective"]
    assert slots["vote only"]["objective"] != slots["agent"]["objective"]
    # The runner's evaluation (episodes of eval_slots slots) scores the measured decisions.
    runner = evaluate(agent, _env(episode_slots=3), [1000, 1001], "objective")
    measured = np.reshape(slots["agent"]["objective"], (2, 3)).mean(axis=1)
    assert runner["metrics"] == pytest.approx(measured.tolist())
    with pytest.raises(ValueError, match="no option"):
        MeasuredAgent(_env(), inner="agents.baselines.large_scale_mec:GreedyAgent",
                      eval_seeds=[1000], eval_slots=1, views={"x": {"fill": False}}
                      ).train(_env, 0, 0)


def test_search_curves_start_at_the_start_fitness_and_never_rise():
    agent = SearchCurves(_env(), start="random", generations=4, slot_seeds=[1000])
    extra = agent.train(_env, 0, 0).extra
    for name in ("ours", "classic"):
        curve = extra[name]
        assert len(curve) == 5 and curve[-1] >= 1.0 - 1e-9  # the optimum bounds it
        assert all(b <= a + 1e-9 for a, b in zip(curve, curve[1:], strict=False))
    assert extra["ours"][0] == extra["classic"][0]  # the same start


# --------------------------------------------------------------------------- renderer
def _slots(objective, time_s=None, energy_j=None, act_s=0.01):
    time_s = time_s or [o / 2 for o in objective]
    energy_j = energy_j or [o - t for o, t in zip(objective, time_s, strict=True)]
    return {"objective": objective, "time_s": time_s, "energy_j": energy_j,
            "act_s": [act_s] * len(objective)}


def _row(agent, scenario, slots, seed=0, budget=0, learns=False, train_s=0.0, **extra):
    return {"agent": agent, "scenario": scenario, "train_seed": seed, "learns": learns,
            "budget_steps": budget, "mean_metric": float(np.mean(slots["agent"]["objective"]))
            if "agent" in slots else 1.0, "train_wall_s": train_s, "eval_wall_s": 0.1,
            "eval_seeds": [1000, 1001], "agent_config": extra.pop("config", {}),
            "curve": extra.pop("curve", []), "train_extra": {"slots": slots, **extra},
            "code_fingerprint": "abcdef0123456789"}


def _fake_rows():
    t5 = [
        _row("dirs", rd.LARGE, {"agent": _slots([300.0, 310.0], act_s=0.002),
                                "no fill": _slots([303.0, 313.0]),
                                "vote only": _slots([330.0, 341.0])},
             seed=0, budget=100, learns=True, train_s=50.0),
        _row("dirs", rd.LARGE, {"agent": _slots([306.0, 310.0], act_s=0.002)},
             seed=1, budget=100, learns=True, train_s=70.0),
        _row("dirs", rd.LARGE, {"agent": _slots([303.0, 313.0])}, budget=0, learns=True),
        _row("pso", rd.LARGE, {"agent": _slots([303.0, 310.0], act_s=0.5)}),
        _row("exact", rd.LARGE, {"agent": _slots([300.0, 300.0])}),
        _row("sb3-a2c", rd.LARGE, {"agent": _slots([400.0, 400.0])}, budget=50, learns=True,
             train_s=80.0),
    ]
    t34 = [_row("dirs", "dirs-8x180", {"agent": _slots([280.0, 290.0])}, budget=10,
                learns=True),
           _row("pso", "dirs-8x180", {"agent": _slots([290.0, 290.0])}),
           _row("exact", "dirs-8x180", {"agent": _slots([280.0, 280.0])})]
    t2 = [{"agent": rd.PRETRAINED, "scenario": rd.SMALL, "train_seed": 0, "learns": True,
           "budget_steps": n, "mean_metric": 31.5, "train_wall_s": 1.0, "eval_wall_s": 0.1,
           "eval_seeds": [1000], "agent_config": {"demos": n, "loss": loss, "layout": "one"},
           "train_extra": {"train": {"decision": acc, "binary": 0.8},
                           "test": {"decision": acc - 0.01, "binary": 0.79},
                           "loss": {"L1": [0.5, 0.4], "bce": [0.3, 0.2]}}}
          for n in rd.DEMOS for loss, acc in (("L1", 0.76), ("LD", 0.75))]
    curve = [[10 * i, -100.0 + i] for i in range(1, 21)]
    f5 = [{"agent": "dirs", "scenario": rd.SMALL, "train_seed": 0, "learns": True,
           "budget_steps": 200, "mean_metric": 31.5 + k, "train_wall_s": 5.0,
           "eval_wall_s": 0.1, "eval_seeds": [1000], "agent_config": cfg,
           "curve": [[s, v - k] for s, v in curve],
           "train_extra": {"pretrain_loss": [[0.6, 0.5]] * 3, "online_loss": [[0.3, 0.2]],
                           "pretrain_end": {"L1": [0.7, 0.6], "bce": [0.6, 0.5]}}}
          for k, cfg in enumerate(rd.FIG5_VARIANTS.values())]
    f4 = [{"agent": rd.SEARCH, "scenario": rd.LARGE, "train_seed": 0, "learns": False,
           "budget_steps": 0, "mean_metric": 1.0, "train_wall_s": 0.5, "eval_wall_s": 0.1,
           "eval_seeds": [1000], "agent_config": {"start": start},
           "train_extra": {"ours": [1.3, 1.2, ours], "classic": [1.3, 1.2, 1.1]}}
          for start, ours in (("random", 1.15), ("refine", 1.0))]
    return {"table2": t2, "fig3": f5[:1], "fig4": f4, "fig5": f5, "table5": t5,
            "sweeps": [], "table34": t34}


def test_renderer_computes_tables_and_claims_from_store_rows(tmp_path):
    rows = _fake_rows()
    ctx = Context(rd.REPRODUCTION, rows=rows, expected={k: len(v) for k, v in rows.items()},
                  img_dir=tmp_path / "img", command="edge-bench reproduce dirs --fast",
                  settings=replace(TINY, budget_large=100))
    report = rd.render(ctx)
    for table in report.split("\n\n"):  # every markdown table is rectangular
        lines = [ln for ln in table.splitlines() if ln.startswith("|")]
        assert len({ln.count("|") for ln in lines}) <= 1, lines
    assert "Generated by `edge-bench reproduce dirs --fast`" in report
    assert "## Fig. 7" not in report  # no jobs, no rows: left out
    # dirs over seeds 0, 1: objective 305 and 308 (time = energy = half of it); NRR exact
    # per slot: (1 + 300/310) / 2 and (300/306 + 300/310) / 2; train s (50 + 70) / 2.
    n0, n1 = (1 + 300 / 310) / 2, (300 / 306 + 300 / 310) / 2
    dirs_line = next(ln for ln in report.splitlines() if ln.startswith("| dirs |"))
    assert dirs_line.startswith(f"| dirs | 60 | 0.0020 | 153.25 | 153.25 | 306.50 "
                                f"(305.00-308.00) | {(n0 + n1) / 2:.4f} ({n1:.4f}-{n0:.4f}) |")
    assert "| dirs (vote only) | 50 |" in report and "| dirs (untrained) | 0 |" in report
    # Claims: DIRS/PSO = 306.5/306.5; PSO decides 250 x slower; A2C trains longer.
    assert "| DIRS costs about as much as PSO and DE (Table V; holds within 1 %) | DIRS / PSO " \
           "0.998 | DIRS / PSO 1.0000 | holds |" in report
    assert "pso 250 x | holds" in report
    assert "60 s; sb3-a2c 80 | holds (equal budgets, 100 slots each;" in report
    assert "random: 1.1500 vs 1.1000; refine: 1.0000 vs 1.1000 | does not hold here" in report
    # Fig. 3: the plain cross-entropy per agent at the end of pre-training, not L1.
    assert "| 0.600, 0.500 | does not hold here (plain cross-entropy" in report
    assert "| 64: 75.0%, 128: 75.0%, 256: 75.0%, 512: 75.0% | does not hold here (protocol " \
           "`one`;" in report
    # Fig. 5: 20 points -100 + i, shifted by -k per variant; the last 20 %: i = 17..20.
    assert "last 20 % of training: -81.500 vs -82.500 | holds" in report
    assert "first 25 % of training: -97.000 vs -99.000 without | holds" in report
    nrr34 = (290 / 280 + 1.0) / 2
    assert f"| dirs-8x180 | dirs | 285.00 | 142.50 | 142.50 | {nrr34:.4f} |" in report
    assert "Jobs: 3 jobs;" in report and (tmp_path / "img" / "dirs_fig4_search.png").exists()


def test_a_tiny_run_stores_its_jobs_resumes_and_renders(tmp_path):
    args = ["--only", "table34", "--workers", "1", "--results", str(tmp_path),
            "--out", str(tmp_path / "out"), "--set", "table34=sweep-iotd-10",
            "--set", "budget_mid=2", "--set", "table34_agents=greedy,exact",
            "--set", "episodes=1", "--set", "eval_slots=2", "--set", "views=false"]
    assert run_main(rd.REPRODUCTION, ["--fast", *args]) == 0
    report = (tmp_path / "out" / "dirs.md").read_text()
    assert "| sweep-iotd-10 | dirs |" in report and "| sweep-iotd-10 | dirs-capacity |" in report
    assert "Jobs: 4 jobs;" in report
    assert "*Not run yet: 0 of" in report  # the other parts are listed as missing
    from benchmarks.store import Store

    with Store(tmp_path) as store:
        keys = store.done_keys()
    assert len(keys) == 4
    assert run_main(rd.REPRODUCTION, ["--fast", *args]) == 0  # everything stored: no rerun
    with Store(tmp_path) as store:
        assert store.done_keys() == keys and len(store.rows()) == 4


def test_imitation_protocols_use_one_layout_or_new_ones_below_the_test_seeds(monkeypatch):
    import benchmarks.reproduce.dirs_jobs as jobs
    from agents.dirs.agent import DIRSAgent, gain_features

    monkeypatch.setattr(jobs, "ONE_LAYOUT_TRAIN", 4)
    agent = DIRSAgent(_env())
    assert jobs.table2_seeds(2) == (200, 700)  # training seeds 0..499, validation 500..999
    with pytest.raises(ValueError):
        jobs.table2_seeds(5)

    def gains(seed: int, slots: int):
        env = _env(episode_slots=slots)
        obs, _ = env.reset(seed=seed)
        out = []
        for _ in range(slots):
            out.append(gain_features(obs, 10, 2))
            obs, *_ = env.step(np.zeros(10, dtype=np.int64))  # slots do not depend on it
        return np.array(out)

    x, d, x_test, d_test = jobs.imitation_sets(agent, 3, 2, 2, "search", "one")
    one = gains(200, 6)  # one layout: training slots 0..2, test slots 4, 5 of seed 200
    assert np.allclose(x, one[:3]) and np.allclose(x_test, one[4:])
    assert d.shape == (3, 10) and d_test.shape == (2, 10)
    x, _, x_test, _ = jobs.imitation_sets(agent, 3, 2, 2, "search", "new")
    assert np.allclose(x, gains(200, 3)) and np.allclose(x_test, gains(700, 2))


def test_fig10_claim_needs_the_paper_dirs_lowest_at_every_m():
    def cell(objective):
        return {"objective": objective}

    sweeps = {"sweep-mec-2": {"dirs": cell(10.0), "greedy": cell(10.005), "local": cell(60.0)},
              "sweep-mec-10": {"dirs": cell(8.0), "greedy": cell(7.0), "local": cell(60.0)}}
    claims = {c.claim: c for c in rd.paper_claims({}, {}, {}, {}, {}, sweeps, TINY)}
    fig10 = next(c for name, c in claims.items() if "Fig. 10" in name)
    # M = 2: 10.0 within 0.1 % of greedy's 10.005 (a tie counts); M = 10: greedy is lower.
    assert fig10.ours == "lowest at 1 of 2 M values (2, 10)" and fig10.holds is False
    del sweeps["sweep-mec-10"]
    assert next(c for c in rd.paper_claims({}, {}, {}, {}, {}, sweeps, TINY)
                if "Fig. 10" in c.claim).holds is True
