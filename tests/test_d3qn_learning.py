"""D3QN learns: a short run on a fixed-route deployment beats SC-MWVC by a stated margin.

Scenario: ``fixed-route-80x4`` (two-point mobility, paper 000 Fig. 9 a) scaled down so that
one run trains in about a minute on one core (55 s for ``dueling``, 100 s for ``afterstate`` on
the loaded 2-core machine): ``n_nodes=20, n_servers=3, episode_steps=50``,
one deployment (env option ``layout_seed=2``, as the runner's jobs of round 2), one-core-per-step
view (``action_mode="single"``). The agent gets a budget of 5 000 env steps (its validation
episodes included) with the paper's hyper-parameters (Table 2) and is scored by the suite's
evaluation loop (:func:`agents.evaluation.evaluate`) on the VALIDATION seeds 500-502 (paths
drawn from those seeds; the training and the agent's own checkpoint selection use other
streams; no evaluation seed 1000+ is played).

Margins (trained score / SC-MWVC on the same episodes; SC-MWVC scores 0.293 here) measured
with this file's ``trained_vs_static``, budget 5 000, training seeds 0-4 (1 torch thread):

* ``dueling`` (the paper's network, the catalog defaults: epsilon decaying over 20 % of the
  training steps): untrained 0.293 / 0.108 / 0.135 / 0.028 / 0.438, trained 0.490 / 0.598 /
  0.623 / 0.766 / 0.565, i.e. 1.67 to 2.61 x SC-MWVC; margin 1.5 x (0.440). The untrained
  seed-0 network stays put (it scores SC-MWVC's 0.293, 1.0 x), so the fast test fails if
  training does not move it; seed 4's untrained network (1.49 x) is just below the margin.
  (With the schedule before 2026-12-02, 50 %, trained was 1.47 to 2.12 x.)
* ``afterstate`` (ours, with ``d3qn-afterstate``'s 50 % schedule): untrained 0.139 / 0.000 /
  0.200 / 0.037 / 0.198, trained 0.627 / 0.627 / 0.626 / 0.627 / 0.641 (2.13 to 2.19 x);
  margin 2.0 x (0.587).

Before 2026-12-02 the test scored on streams of ``benchmarks.reproduce.cluster.evaluate``
(SC-MWVC 0.238 there) with margins 2.0 and 2.5.
"""

from __future__ import annotations

import numpy as np
import pytest

from agents.baselines.edge_cluster import SCMWVCAgent
from agents.d3qn.agent import D3QNAgent
from agents.evaluation import evaluate
from agents.threads import one_torch_thread
from edge_envs.edge_cluster.gym_env import EdgeClusterEnv

SCENARIO = "fixed-route-80x4"
SMALL = {"n_nodes": 20, "n_servers": 3, "episode_steps": 50}
LAYOUT = 2
VALIDATION_SEEDS = (500, 501, 502)
BUDGET = 5000
MARGIN = {"dueling": 1.5, "afterstate": 2.0}
# As the catalog builds them: d3qn with the class defaults, d3qn-afterstate's exploration.
CONFIG = {"dueling": {}, "afterstate": {"exploration_fraction": 0.5}}
STATIC = 0.293  # SC-MWVC on the validation seeds (hand-checked)


def small_env(layout: int = LAYOUT, **kwargs):
    return EdgeClusterEnv(SCENARIO, action_mode="single", layout_seed=layout, **SMALL, **kwargs)


def score(agent, make_env=small_env) -> float:
    """Mean per-step reward on the validation seeds."""
    return float(np.mean(evaluate(agent, make_env(), VALIDATION_SEEDS, "reward")["metrics"]))


def trained_vs_static(seed: int, network: str) -> tuple[float, float, float]:
    with one_torch_thread():
        agent = D3QNAgent(small_env(), seed=seed, network=network, **CONFIG[network])
        untrained = score(agent)
        agent.train(small_env, BUDGET, seed=seed)
        trained = score(agent)
    return untrained, trained, score(SCMWVCAgent(small_env()))


@pytest.mark.parametrize("network", list(MARGIN))
def test_short_d3qn_run_beats_sc_mwvc_by_the_margin(network):
    untrained, trained, static = trained_vs_static(seed=0, network=network)
    assert static == pytest.approx(STATIC, abs=0.001)
    assert np.isfinite(trained)
    assert untrained < MARGIN[network] * static, "untrained agent already meets the margin"
    assert trained >= MARGIN[network] * static, (trained, static)


@pytest.mark.slow
@pytest.mark.parametrize("network", list(MARGIN))
@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_short_d3qn_run_beats_sc_mwvc_for_other_seeds(seed, network):
    untrained, trained, static = trained_vs_static(seed=seed, network=network)
    assert trained >= MARGIN[network] * static, (untrained, trained, static)


@pytest.mark.slow
def test_d3qn_beats_sc_mwvc_on_the_full_fixed_route():
    def env():
        return EdgeClusterEnv(SCENARIO, action_mode="single", layout_seed=0)

    agent = D3QNAgent(env(), network="afterstate", **CONFIG["afterstate"])
    with one_torch_thread():
        agent.train(env, 10_000, seed=0)
    assert score(agent, env) > score(SCMWVCAgent(env()), env)
