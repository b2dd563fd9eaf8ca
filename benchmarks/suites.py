"""Suites (what to run) and the named presets.

A :class:`Suite` is a list of :class:`Entry` records: one environment and scenario (with
optional scenario-field overrides), the agents to score there (each with its own config and
training budget), the training seeds and the evaluation seeds. :func:`expand` turns a suite
into :class:`~benchmarks.jobs.Job` objects, one per (agent, training seed).

Presets are built from the registries at call time, so a new system or agent appears in
them without editing this file:

* ``quick``: for every system in ``edge_envs.SYSTEMS``, its ``quick_scenario`` (shortened by
  ``System.quick_overrides``), every baseline/reference agent supporting it, ``random``, the
  learners of :data:`QUICK` (``sb3-ppo``) and the system's paper agents with their small
  budgets (``System.quick_agents``).
* one ``System.paper_preset`` per system that names one (``paper-dirs``, ``paper-cluster``,
  ...): every named (full-size) scenario of that system, every registered agent supporting
  it, plus ``System.paper_agents`` (skipped with a warning while they are not registered).
  ``paper`` is all of them.

Budgets, seeds and episode counts shared by all systems live in :data:`QUICK`, :data:`PAPER`
and :data:`DEFAULTS`; what is particular to a system lives in its ``System`` record. To add a
preset, write a builder ``f(systems) -> Suite`` and call :func:`register_preset` (see
``docs/benchmark.md``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import edge_envs
from benchmarks.jobs import Job, check_disjoint

# --------------------------------------------------------------------------- settings
DEFAULTS: dict[str, Any] = {
    "train_seeds": (0, 1, 2),
    "eval_episodes": 10,
    "eval_seed_base": 1000,  # evaluation seeds are 1000, 1001, ...: disjoint from training
    "budget_steps": 10_000,
}

QUICK: dict[str, Any] = {
    # Three seeds: the fewest that give a spread for the SB3 targets of issue 21.
    "train_seeds": (0, 1, 2),
    "eval_episodes": 5,
    "learners": ("sb3-ppo",),
    "learner_budget_steps": 20_000,
}

PAPER: dict[str, Any] = {
    "train_seeds": (0, 1, 2, 3, 4),
    "eval_episodes": 20,
    "budget_steps": 200_000,
    # Per agent name, training budgets that differ from ``budget_steps``.
    "agent_budget_steps": {},
}

# Kinds whose agents train; presets give them a budget, the others get 0.
LEARNING_KINDS = ("sb3", "paper", "plugin")
RANDOM_AGENT = "random"


# --------------------------------------------------------------------------- records
@dataclass(frozen=True)
class AgentChoice:
    """An agent name (or ``module:factory``) with its config and training budget."""

    name: str
    config: Mapping[str, Any] = field(default_factory=dict)
    budget_steps: int = 0


@dataclass(frozen=True)
class Entry:
    env_id: str
    scenario: str | None
    agents: tuple[AgentChoice, ...]
    train_seeds: tuple[int, ...]
    eval_seeds: tuple[int, ...]
    env_overrides: Mapping[str, Any] = field(default_factory=dict)
    # Agent names that may be missing from the registry (skipped with a warning).
    optional_agents: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Suite:
    name: str
    entries: tuple[Entry, ...]
    description: str = ""
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class Preset:
    name: str
    description: str
    build: Callable[[Mapping[str, Any]], Suite]


PRESETS: dict[str, Preset] = {}
# Paper preset name -> env id, for the presets made from ``System.paper_preset``.
PAPER_PRESETS: dict[str, str] = {}


def register_preset(name: str, description: str, build: Callable[[Mapping[str, Any]], Suite]):
    """Add (or replace) a preset; ``build(systems)`` returns the :class:`Suite`."""
    PRESETS[name] = Preset(name, description, build)


def eval_seeds_for(episodes: int, base: int | None = None) -> tuple[int, ...]:
    if int(episodes) < 1:
        raise ValueError(f"--eval-episodes must be at least 1, got {episodes}")
    start = DEFAULTS["eval_seed_base"] if base is None else base
    return tuple(range(start, start + int(episodes)))


# --------------------------------------------------------------------------- presets
def _systems(systems: Mapping[str, Any] | None) -> Mapping[str, Any]:
    return edge_envs.SYSTEMS if systems is None else systems


def _all_agents():
    from agents.registry import all_agents

    return all_agents()


def build_quick(systems: Mapping[str, Any] | None = None) -> Suite:
    systems = _systems(systems)
    specs = _all_agents()
    entries, warnings = [], []
    for env_id, system in systems.items():
        names = [
            n
            for n, s in specs.items()
            if s.kind in ("baseline", "reference") and s.supports(env_id) and n != RANDOM_AGENT
        ]
        choices = [AgentChoice(RANDOM_AGENT)] + [AgentChoice(n) for n in names]
        choices += [AgentChoice(n, budget_steps=QUICK["learner_budget_steps"]) for n in
                    QUICK["learners"]]
        paper = dict(system.quick_agents)
        choices += [AgentChoice(n, budget_steps=int(b)) for n, b in paper.items()]
        entries.append(
            Entry(
                env_id=env_id,
                scenario=system.quick_scenario or system.default_scenario,
                agents=tuple(choices),
                train_seeds=tuple(QUICK["train_seeds"]),
                eval_seeds=eval_seeds_for(QUICK["eval_episodes"]),
                env_overrides=dict(system.quick_overrides),
                optional_agents=frozenset([RANDOM_AGENT, *QUICK["learners"], *paper]),
            )
        )
    return Suite("quick", tuple(entries), PRESETS["quick"].description, tuple(warnings))


def _paper_entries(env_id: str, paper_agents: Iterable[str], systems) -> list[Entry]:
    system = systems[env_id]
    specs = _all_agents()
    names = [n for n, s in specs.items() if s.supports(env_id) and s.kind != "plugin"]
    names = [RANDOM_AGENT] + [n for n in names if n != RANDOM_AGENT]
    names += [n for n in paper_agents if n not in names]
    budgets = PAPER["agent_budget_steps"]

    def choice(name: str) -> AgentChoice:
        spec = specs.get(name)
        learns = spec is None or spec.kind in LEARNING_KINDS
        budget = budgets.get(name, PAPER["budget_steps"]) if learns else 0
        return AgentChoice(name, budget_steps=budget)

    return [
        Entry(
            env_id=env_id,
            scenario=scenario,
            agents=tuple(choice(n) for n in names),
            train_seeds=tuple(PAPER["train_seeds"]),
            eval_seeds=eval_seeds_for(PAPER["eval_episodes"]),
            optional_agents=frozenset([RANDOM_AGENT, *paper_agents]),
        )
        for scenario in system.scenarios
    ]


def _paper_system(preset: str, systems: Mapping[str, Any]):
    """The system whose ``paper_preset`` is ``preset``, ``None`` when it is not registered."""
    return next((s for s in systems.values() if s.paper_preset == preset), None)


def _paper_builder(preset: str) -> Callable[[Mapping[str, Any] | None], Suite]:
    def build(systems: Mapping[str, Any] | None = None) -> Suite:
        systems = _systems(systems)
        system = _paper_system(preset, systems)
        if system is None:
            raise ValueError(
                f"preset {preset!r} needs environment {PAPER_PRESETS[preset]}, which is not "
                f"registered; registered: {', '.join(systems) or 'none'}"
            )
        entries = _paper_entries(system.env_id, system.paper_agents, systems)
        return Suite(preset, tuple(entries), PRESETS[preset].description)

    return build


def build_paper(systems: Mapping[str, Any] | None = None) -> Suite:
    systems = _systems(systems)
    entries, warnings = [], []
    for preset, env_id in PAPER_PRESETS.items():
        system = _paper_system(preset, systems)
        if system is None:
            warnings.append(f"preset 'paper': {env_id} not registered; {preset} skipped")
            continue
        entries += _paper_entries(system.env_id, system.paper_agents, systems)
    return Suite("paper", tuple(entries), PRESETS["paper"].description, tuple(warnings))


def register_paper_presets(systems: Mapping[str, Any] | None = None) -> None:
    """Register the ``paper_preset`` of every system that names one and has none yet."""
    for env_id, system in _systems(systems).items():
        name = system.paper_preset
        if name is None or PAPER_PRESETS.get(name) == env_id:
            continue
        own = f" incl. {', '.join(system.paper_agents)}" if system.paper_agents else ""
        PAPER_PRESETS[name] = env_id
        register_preset(
            name,
            f"all named scenarios of {env_id}, all agents{own}; "
            f"{len(PAPER['train_seeds'])} training seeds, "
            f"{PAPER['eval_episodes']} evaluation episodes",
            _paper_builder(name),
        )


def presets(systems: Mapping[str, Any] | None = None) -> dict[str, Preset]:
    """Every preset, including the paper presets of systems registered since import."""
    register_paper_presets(systems)
    return PRESETS


register_preset(
    "quick",
    "every system's quick scenario, baselines + references + random + sb3-ppo and the paper "
    "agent (small budgets), 3 training seeds, 5 evaluation episodes",
    build_quick,
)
# From what ``import edge_envs`` discovered: SYSTEMS may be narrowed while this module is imported.
register_paper_presets(edge_envs.DISCOVERED)
register_preset("paper", "all paper-* presets together", build_paper)


def get_preset(name: str, systems: Mapping[str, Any] | None = None) -> Suite:
    known = presets(systems)
    if name not in known:
        raise ValueError(f"unknown preset {name!r}; valid: {', '.join(known)}")
    return known[name].build(systems)


# --------------------------------------------------------------------------- editing
def explicit_suite(
    env_id: str,
    scenario: str | None,
    agents: Iterable[str],
    train_seeds: tuple[int, ...] | None = None,
    eval_seeds: tuple[int, ...] | None = None,
    budget_steps: int | None = None,
    env_overrides: Mapping[str, Any] | None = None,
    agent_config: Mapping[str, Any] | None = None,
) -> Suite:
    """The suite of one ``edge-bench run --env ... --agent ...`` command line."""
    agents = list(agents)
    if not agents:
        raise ValueError("give at least one --agent")
    budget = DEFAULTS["budget_steps"] if budget_steps is None else int(budget_steps)
    entry = Entry(
        env_id=env_id,
        scenario=scenario,
        agents=tuple(AgentChoice(a, dict(agent_config or {}), budget) for a in agents),
        train_seeds=tuple(train_seeds or DEFAULTS["train_seeds"]),
        eval_seeds=tuple(eval_seeds or eval_seeds_for(DEFAULTS["eval_episodes"])),
        env_overrides=dict(env_overrides or {}),
    )
    return Suite("custom", (entry,))


def with_overrides(
    suite: Suite,
    train_seeds: tuple[int, ...] | None = None,
    eval_seeds: tuple[int, ...] | None = None,
    budget_steps: int | None = None,
) -> Suite:
    """A preset with its seeds replaced and, for agents that train (budget > 0), its budget."""
    entries = []
    for e in suite.entries:
        agents = e.agents
        if budget_steps is not None:
            agents = tuple(
                replace(a, budget_steps=int(budget_steps)) if a.budget_steps > 0 else a
                for a in agents
            )
        entries.append(
            replace(
                e,
                agents=agents,
                train_seeds=tuple(train_seeds) if train_seeds else e.train_seeds,
                eval_seeds=tuple(eval_seeds) if eval_seeds else e.eval_seeds,
            )
        )
    return replace(suite, entries=tuple(entries))


# --------------------------------------------------------------------------- expansion
def expand(suite: Suite, systems: Mapping[str, Any] | None = None) -> tuple[list[Job], list[str]]:
    """Jobs of ``suite`` plus warning lines.

    Unknown environments, scenarios, overrides and agents raise ``ValueError`` with the valid
    choices, except agents listed in ``entry.optional_agents`` that are not registered (yet),
    which are skipped with a warning. Registered agents that do not support the environment
    are filtered out of presets by construction and raise for explicit suites.
    """
    from agents.registry import all_agents, resolve_agent
    from edge_envs.registry import resolve_scenario

    systems = _systems(systems)
    registered = all_agents()
    jobs: list[Job] = []
    warnings: list[str] = list(suite.warnings)
    for entry in suite.entries:
        if entry.env_id not in systems:
            raise ValueError(
                f"unknown environment {entry.env_id!r}; valid: {', '.join(systems) or 'none'}"
            )
        system = systems[entry.env_id]
        system.scenario(entry.scenario)  # unknown scenario -> ValueError with the valid names
        scenario = entry.scenario or system.default_scenario
        resolve_scenario(system, scenario, entry.env_overrides)
        if not entry.train_seeds or not entry.eval_seeds:
            raise ValueError("training and evaluation seed lists must not be empty")
        check_disjoint(entry.train_seeds, entry.eval_seeds)
        for choice in entry.agents:
            if choice.name in entry.optional_agents and choice.name not in registered:
                warnings.append(
                    f"warning: agent {choice.name!r} is not registered (yet); skipped on "
                    f"{entry.env_id}/{scenario}"
                )
                continue
            spec = resolve_agent(choice.name, entry.env_id)
            agent_env_kwargs = spec.env_kwargs_for(entry.env_id)
            eval_overrides = dict(system.eval_overrides)
            if agent_env_kwargs or eval_overrides:
                resolve_scenario(
                    system, scenario, {**entry.env_overrides, **agent_env_kwargs, **eval_overrides}
                )
            for seed in entry.train_seeds:
                jobs.append(
                    Job(
                        env_id=entry.env_id,
                        scenario=scenario,
                        env_overrides=dict(entry.env_overrides),
                        agent=choice.name,
                        agent_config=dict(choice.config),
                        train_seed=int(seed),
                        budget_steps=int(choice.budget_steps),
                        eval_seeds=tuple(int(s) for s in entry.eval_seeds),
                        factory=spec.factory,
                        agent_defaults=dict(spec.config),
                        agent_kind=spec.kind,
                        agent_env_kwargs=agent_env_kwargs,
                        eval_overrides=eval_overrides,
                        paper_metric=system.paper_metric,
                        metric_goal=system.metric_goal,
                        reference_agent=system.reference_agent,
                    )
                )
    return jobs, warnings
