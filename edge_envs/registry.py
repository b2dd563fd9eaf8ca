"""Which systems exist, their named scenarios and the metric each paper scores.

Each system sub-package describes itself with one :class:`System` record;
``edge_envs/__init__.py`` registers the Gymnasium ids from these records. The
benchmark and the tests iterate over :data:`SYSTEMS`, so a new system is checked
and benchmarked the moment it is added here.
"""

from __future__ import annotations

import importlib
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


def add_system(system: System) -> None:
    if system.default_scenario not in system.scenarios:
        raise ValueError(f"{system.env_id}: default scenario {system.default_scenario!r} missing")
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
