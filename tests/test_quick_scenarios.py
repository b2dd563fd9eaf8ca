"""The quick board's scenarios can tell a learner from a fixed rule (issue 21, item 4).

For every system, the fixed rule that ignores the observation (``System.fixed_rule_agent``)
must score at most 0.90 on the normalised score (0 = ``random``, 1 = the reference) of the
quick scenario, i.e. at least 10 % of the random-to-reference range below the reference. The
agents are played by the benchmark's own runner, without training, on the quick board's
evaluation seeds; one training seed keeps it cheap.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

import edge_envs
from agents.registry import all_agents
from benchmarks import suites
from benchmarks.runner import run_job
from benchmarks.stats import normalise
from edge_envs.registry import add_system
from tests.conftest import SYSTEMS

FIXED_RULE_MAX = 0.90
WITH_RULE = sorted(e for e, s in SYSTEMS.items() if s.fixed_rule_agent is not None)


def test_every_builtin_system_names_a_registered_fixed_rule():
    builtin = [e for e, s in SYSTEMS.items() if s.entry_point.startswith("edge_envs.")]
    assert set(builtin) <= set(WITH_RULE)
    specs = all_agents()
    for env_id in WITH_RULE:
        spec = specs[SYSTEMS[env_id].fixed_rule_agent]
        assert spec.kind == "baseline" and spec.supports(env_id)
        assert not getattr(spec.load_factory(), "privileged", False)


def test_a_fixed_rule_that_is_not_a_name_is_refused(monkeypatch):
    system = SYSTEMS["EdgeCluster-v0"]
    monkeypatch.setitem(edge_envs.SYSTEMS, system.env_id, system)  # restored if accepted
    with pytest.raises(ValueError, match="fixed_rule_agent must be an agent name"):
        add_system(dataclasses.replace(system, fixed_rule_agent=("sc-metis",)))


def quick_scores(env_id: str, results_dir) -> dict[str, float]:
    """Mean paper metric of random, the reference and the fixed rule on the quick scenario."""
    system = SYSTEMS[env_id]
    names = ["random", system.reference_agent, system.fixed_rule_agent]
    suite = suites.explicit_suite(
        env_id, system.quick_scenario, names, train_seeds=(0,),
        eval_seeds=suites.eval_seeds_for(suites.QUICK["eval_episodes"]), budget_steps=0,
        env_overrides=system.quick_overrides,
    )
    jobs, _ = suites.expand(suite)
    return {job.agent: float(np.mean(run_job(job, results_dir)["metrics"])) for job in jobs}


@pytest.mark.parametrize("env_id", WITH_RULE)
def test_fixed_rule_is_clearly_below_the_reference(env_id, tmp_path):
    system = SYSTEMS[env_id]
    scores = quick_scores(env_id, tmp_path)
    score = normalise(scores[system.fixed_rule_agent], scores["random"],
                      scores[system.reference_agent])
    assert score <= FIXED_RULE_MAX, (
        f"{system.fixed_rule_agent} scores {score:.3f} normalised on {env_id}'s quick scenario "
        f"{system.quick_scenario!r} {dict(system.quick_overrides)}: a learner cannot be told "
        f"apart from a fixed rule there (scores {scores})"
    )
