"""The paper-001 reproduction: its parts as runner jobs, the numbers read from stored rows
(hand-computed on tiny fake rows) and the renderer."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

import benchmarks.reproduce.offload_sap as ro
from benchmarks.reproduce import PAPERS
from benchmarks.reproduce.base import Context

SETTINGS = replace(ro.FAST, seeds=3, gan_ks=(2, 5), latencies_ms=(0, 100))


def test_registered_under_its_paper_name():
    assert PAPERS["offload-sap"] == "benchmarks.reproduce.offload_sap:REPRODUCTION"


def test_parts_expand_to_equal_budget_learners_and_static_references():
    fig2 = ro.fig2_jobs(SETTINGS)
    learners = [j for j in fig2 if j.budget_steps]
    assert sorted({j.agent for j in learners}) == [
        "distributed-ddqn", "distributed-ddqn-gan2", "distributed-ddqn-gan5"]
    assert {j.budget_steps for j in learners} == {SETTINGS.budget}
    assert sorted(j.train_seed for j in learners if j.agent == "distributed-ddqn") == [0, 1, 2]
    assert {j.agent for j in fig2 if not j.budget_steps} == set(ro.STATIC)
    gan5 = next(j for j in learners if j.agent == "distributed-ddqn-gan5")
    assert gan5.build_config()["gan_k"] == 5
    assert gan5.env_kwargs()["decision_site"] == "device"
    assert gan5.env_overrides == {"tasks_per_device": 20}
    fig4 = ro.fig4_jobs(SETTINGS)
    assert sorted((j.scenario, j.agent) for j in fig4) == [
        ("latency-0ms-cloud", "centralised-ddqn"), ("latency-0ms-device", "distributed-ddqn"),
        ("latency-100ms-cloud", "centralised-ddqn"),
        ("latency-100ms-device", "distributed-ddqn")]
    central = next(j for j in fig4 if j.agent == "centralised-ddqn")
    assert central.env_kwargs()["decision_site"] == "cloud"
    assert {j.budget_steps for j in fig4} == {SETTINGS.fig4_budget}
    # Full settings: at least 5 training seeds for the targets.
    assert ro.FULL.seeds >= 5 and ro.FULL.fig4_seeds >= 5


def row(agent, scenario="paper", steps=(1000,), returns=(-500.0,), metric=0.5, extra=None,
        curve=((1000, -900.0), (2000, -600.0)), train_steps=2000, learns=True):
    return {"agent": agent, "scenario": scenario, "env_overrides": {}, "steps": list(steps),
            "returns": list(returns), "mean_metric": metric, "train_env_steps": train_steps,
            "train_extra": extra or {}, "curve": [list(p) for p in curve], "learns": learns,
            "train_wall_s": 10.0, "eval_wall_s": 1.0, "budget_steps": train_steps,
            "eval_seeds": [1000], "code_fingerprint": "abc"}


def test_drops_cost_per_task_traffic_and_curves_from_rows():
    # latency-100ms-cloud: N M = 10 x 100 = 1000 tasks; 900 and 800 decided.
    r = row("centralised-ddqn", "latency-100ms-cloud", steps=(900, 800),
            returns=(-700.0, -900.0))
    assert ro.n_tasks(r) == 1000
    assert np.isclose(ro.not_decided_share(r), (0.1 + 0.2) / 2)
    assert np.isclose(ro.cost_per_task(r), 0.8)
    t = ro.traffic(row("distributed-ddqn", extra={
        "weight_bytes": 4000, "experience_bytes": 2000, "control_bytes": 6000}))
    assert t == {"weight": 2.0, "experience": 1.0, "request": 0.0, "control": 3.0}
    a = row("distributed-ddqn", curve=((1000, -900.0), (2000, -600.0), (3000, -500.0)))
    b = row("distributed-ddqn", curve=((1000, -700.0), (2000, -400.0)))
    ep, mean, sd = ro.curve_stats([a, b])
    np.testing.assert_allclose(ep, [1, 2])
    np.testing.assert_allclose(mean, [-800.0, -500.0])
    np.testing.assert_allclose(sd, [100.0, 100.0])
    assert ro.final_return([b], last=1) == -400.0


def test_renderer_writes_figures_claims_and_targets(tmp_path):
    fig2 = [row("distributed-ddqn", metric=0.55, extra={"experience_bytes": 2000}),
            row("distributed-ddqn-gan2", metric=0.56, extra={"experience_bytes": 1000}),
            row("sap-oracle", metric=0.52, learns=False, curve=()),
            row("sap-myopic", metric=0.6, learns=False, curve=())]
    fig4 = [row("distributed-ddqn", "latency-0ms-device"),
            row("distributed-ddqn", "latency-100ms-device"),
            row("centralised-ddqn", "latency-0ms-cloud", steps=(970,)),
            row("centralised-ddqn", "latency-100ms-cloud", steps=(800,))]
    ctx = Context(reproduction=ro.REPRODUCTION, rows={"fig2": fig2, "fig4": fig4},
                  expected={"fig2": 4, "fig4": 4}, img_dir=tmp_path / "img")
    text = ro.render(ctx)
    assert (tmp_path / "img" / "offload_sap_fig2.png").exists()
    assert (tmp_path / "img" / "offload_sap_fig4.png").exists()
    assert "| 100 | 0.00 % | 20.00 % |" in text
    assert "| centralised drops grow with the loop latency (Fig. 4) | explode with latency | " \
           "0 ms: 3.00 %, 100 ms: 20.00 % | holds |" in text
    assert "distributed DDQN drops no task at any latency (Fig. 4)" in text
    # 0.55 vs 0.52: +5.8 % of the oracle and below the myopic 0.6.
    assert "0.550 vs oracle 0.520 (+5.8%) and myopic 0.600 -> met" in text
    assert "100% of the reward, 50% of the bytes -> met" in text
