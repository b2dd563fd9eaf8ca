"""Which systems exist, their named scenarios and the metric each paper scores.

Each system sub-package describes itself with one :class:`System` record (``SYSTEM`` in its
``__init__.py``); ``edge_envs/__init__.py`` discovers the sub-packages, checks each record
with :func:`add_system` and registers the Gymnasium ids. The benchmark and the tests iterate
over :data:`SYSTEMS`, so a new system is checked and benchmarked the moment its folder exists
(``docs/adding-an-environment.md``).
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class System:
    """Everything the suite needs to know about one environment family.

    A system package (``edge_envs/<name>/``) defines one ``SYSTEM = System(...)`` in its
    ``__init__.py``; nothing outside the folder names it.

    Attributes:
        env_id: Gymnasium id, e.g. ``"LargeScaleMEC-v0"``.
        entry_point: ``"module:Class"`` of the Gymnasium env.
        scenarios: name -> frozen scenario dataclass (the paper's named settings).
        default_scenario: name used when ``scenario`` is not given.
        paper_metric: ``info`` key the paper reports, averaged over the steps of an episode
            (``"reward"`` means the env reward itself).
        metric_goal: ``"min"`` or ``"max"``: which direction is better for ``paper_metric``.
        pz_module: dotted module holding the PettingZoo ``parallel_env``/``env`` factories,
            or ``None`` when the system has no multi-agent view.
        max_episode_steps: default episode length (informational; the env truncates itself).
        quick_scenario: the scenario the ``quick`` leaderboard preset uses.
        reference_agent: agent whose score is 1.0 in the normalised score (exact optimum or
            oracle); ``None`` means "best baseline".
        paper_agents: the paper's own agents (catalog names), run by the paper preset.
        paper_preset: name of the paper preset (``"paper-dirs"``), ``None`` for no preset.
        quick_agents: paper agent name -> training budget (env steps) on the quick board.
        quick_overrides: scenario-field overrides that make the quick scenario short.
        eval_overrides: ``gym.make`` kwargs added at evaluation only (e.g. the held-out part
            of a trace).
        scale_10x: scenario-field overrides giving 10x the paper size (performance figures).
        action_views: action-space kind (``"discrete"``, ``"multi_discrete"``, ``"box"``) ->
            ``gym.make`` kwargs that give that view; ``{}`` for the native one. Agents that
            need one kind of action space (SB3 DQN: ``"discrete"``) run on the view named here.
        fixed_rule_agent: catalog name of the best rule that ignores the observation (a fixed
            decision, e.g. IoTD ``i`` to MEC ``i mod M``), or ``None``. The quick scenario must
            put it at most 0.90 on the normalised score, so that a learner can be told apart
            from a fixed rule there (``tests/test_quick_scenarios.py``).
        actions_affect_future: whether an action changes later observations or rewards (queues,
            clusters, pending tasks). ``False`` means each step is an independent contextual
            bandit (LargeScaleMEC): the right discount is ``gamma = 0``, and the shipped SB3
            hyper-parameter files (``agents/hyperparams/``) use it.
    """

    env_id: str
    entry_point: str
    scenarios: Mapping[str, Any]
    default_scenario: str
    paper_metric: str
    metric_goal: str
    pz_module: str | None = None
    max_episode_steps: int | None = None
    quick_scenario: str | None = None
    reference_agent: str | None = None
    paper_agents: tuple[str, ...] = ()
    paper_preset: str | None = None
    quick_agents: Mapping[str, int] = field(default_factory=dict)
    quick_overrides: Mapping[str, Any] = field(default_factory=dict)
    eval_overrides: Mapping[str, Any] = field(default_factory=dict)
    scale_10x: Mapping[str, Any] = field(default_factory=dict)
    action_views: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    fixed_rule_agent: str | None = None
    actions_affect_future: bool = True

    def scenario(self, name: str | None):
        """The scenario dataclass called ``name`` (``None`` = default); ``ValueError`` otherwise."""
        key = self.default_scenario if name is None else name
        if key not in self.scenarios:
            raise ValueError(
                f"unknown scenario {name!r} for {self.env_id}; valid: {', '.join(self.scenarios)}"
            )
        return self.scenarios[key]

    def env_class(self) -> Callable:
        module, cls = self.entry_point.split(":")
        return getattr(importlib.import_module(module), cls)


SYSTEMS: dict[str, System] = {}

# Kinds of action space an agent may need (``AgentSpec.action_space``) and a system may offer
# (``System.action_views``).
ACTION_SPACE_KINDS = ("discrete", "multi_discrete", "box")
METRIC_GOALS = ("min", "max")
_PAPER_PRESET = re.compile(r"paper-[a-z0-9][a-z0-9-]*")


def check_system(system: System) -> None:
    """``ValueError`` naming the field and what is allowed, for a malformed record."""

    def fail(name: str, message: str) -> None:
        raise ValueError(f"System {system.env_id!r}: {name} {message}")

    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9]*-v\d+", str(system.env_id)):
        fail("env_id", "must look like 'Name-v0'")
    if ":" not in system.entry_point:
        fail("entry_point", f"must be 'module:Class', got {system.entry_point!r}")
    if not system.scenarios:
        fail("scenarios", "must name at least one scenario")
    for name in ("default_scenario", "quick_scenario"):
        value = getattr(system, name)
        if value is not None and value not in system.scenarios:
            fail(name, f"{value!r} is not a scenario; valid: {', '.join(system.scenarios)}")
    if system.metric_goal not in METRIC_GOALS:
        fail("metric_goal", f"must be one of {METRIC_GOALS}, got {system.metric_goal!r}")
    if system.paper_preset is not None:
        if not _PAPER_PRESET.fullmatch(system.paper_preset):
            fail("paper_preset", f"must look like 'paper-<name>', got {system.paper_preset!r}")
        for other in SYSTEMS.values():
            if other.env_id != system.env_id and other.paper_preset == system.paper_preset:
                fail("paper_preset", f"{system.paper_preset!r} is already {other.env_id}'s")
    if isinstance(system.paper_agents, str):
        fail("paper_agents", "must be a tuple of agent names, not a string")
    for agent, budget in system.quick_agents.items():
        if not isinstance(budget, int) or isinstance(budget, bool) or budget < 1:
            fail("quick_agents", f"budget of {agent!r} must be a positive int, got {budget!r}")
    if system.fixed_rule_agent is not None and not isinstance(system.fixed_rule_agent, str):
        fail("fixed_rule_agent", f"must be an agent name or None, got {system.fixed_rule_agent!r}")
    if not isinstance(system.actions_affect_future, bool):
        fail("actions_affect_future", f"must be a bool, got {system.actions_affect_future!r}")
    unknown = sorted(set(system.action_views) - set(ACTION_SPACE_KINDS))
    if unknown:
        fail("action_views", f"has unknown kind(s) {unknown}; valid: {ACTION_SPACE_KINDS}")
    for kind, kwargs in system.action_views.items():
        if not isinstance(kwargs, Mapping):
            fail("action_views", f"[{kind!r}] must be a dict of gym.make kwargs")
    # Every override names real scenario fields with valid values (dataclass validation).
    checks = [("quick_overrides", system.quick_scenario, system.quick_overrides)]
    checks += [(name, system.default_scenario, getattr(system, name))
               for name in ("eval_overrides", "scale_10x")]
    checks += [(f"action_views[{kind!r}]", system.default_scenario, kwargs)
               for kind, kwargs in system.action_views.items()]
    for name, scenario, overrides in checks:
        if overrides:
            try:
                resolve_scenario(system, scenario, overrides)
            except (TypeError, ValueError) as exc:
                fail(name, f"is not valid: {exc}")


def add_system(system: System) -> None:
    """Check ``system`` (:func:`check_system`) and add (or replace) it in :data:`SYSTEMS`."""
    check_system(system)
    SYSTEMS[system.env_id] = system


def get_system(env_id: str) -> System:
    if env_id not in SYSTEMS:
        raise ValueError(f"unknown environment {env_id!r}; valid: {', '.join(SYSTEMS)}")
    return SYSTEMS[env_id]


def resolve_scenario(system: System, scenario, overrides: Mapping[str, Any] | None = None):
    """Scenario dataclass from a name, a dataclass instance or ``None``, with field overrides.

    ``dataclasses.replace`` re-runs the dataclass validation, so a bad override raises
    ``ValueError`` naming the field.
    """
    import dataclasses

    if scenario is None or isinstance(scenario, str):
        params = system.scenario(scenario)
    else:
        params = scenario
    if overrides:
        names = {f.name for f in dataclasses.fields(params)}
        unknown = sorted(set(overrides) - names)
        if unknown:
            raise ValueError(
                f"unknown parameter(s) {unknown} for {system.env_id}; valid: {sorted(names)}"
            )
        params = dataclasses.replace(params, **overrides)
    return params
