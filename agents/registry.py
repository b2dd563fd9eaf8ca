"""Agent names -> factories: built-ins, SB3 algorithms and third-party plug-ins.

Built-in agents are declared in ``agents/catalog/*.py`` (one module per family, each
holding a list ``AGENTS`` of :class:`AgentSpec`). Factories are ``"module:attr"`` strings
imported on first use, so listing agents never imports torch.

Third parties add agents without forking, in either way:

* a Python entry point in the group ``edge_envs.agents`` whose value is ``module:factory`` or
  ``module:SPEC`` with ``SPEC`` an :class:`AgentSpec` (which, like a built-in, declares the
  supported envs, env kwargs, action-space need and default config);
* ``--agent package.module:factory`` on the benchmark command line.

A factory is any callable ``factory(env, **config) -> agents.base.Agent`` (an ``Agent``
subclass qualifies).

Which environments an agent runs on comes from the agent (``envs``) and from the systems'
records: an agent that needs one kind of action space (``action_space="discrete"``) runs on
every system offering that view (``System.action_views``), built with the view's kwargs. The
system registry is read when asked, never at import, so ``edge_envs`` and ``agents`` import
each other in either order.
"""

from __future__ import annotations

import copy
import dataclasses
import importlib
import pkgutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from typing import Any

ENTRY_POINT_GROUP = "edge_envs.agents"
KINDS = ("baseline", "reference", "paper", "sb3", "plugin")
# The kinds of ``System.action_views`` (edge_envs.registry.ACTION_SPACE_KINDS), repeated here
# so that declaring an agent does not import edge_envs.
ACTION_SPACES = ("discrete", "multi_discrete", "box")


@dataclass(frozen=True)
class AgentSpec:
    """One agent the suite can build.

    Attributes:
        name: registry name (``"exact"``, ``"sb3-ppo"``, ``"dirs"``, ...).
        factory: ``"module:attr"`` or a callable ``factory(env, **config)``.
        kind: one of :data:`KINDS`.
        envs: env ids the agent supports, ``None`` for any.
        description: one line for ``edge-bench list``.
        config: default keyword arguments passed to the factory.
        env_kwargs: per env id, keyword arguments the agent needs in ``gym.make`` beyond its
            action view (e.g. D3QN's ``{"EdgeCluster-v0": {"action_mode": "single",
            "observe_balance": True}}``); the runner uses them for training and evaluation
            alike.
        action_space: the kind of action space the agent needs, one of
            :data:`ACTION_SPACES`, or ``None`` for any. The agent then supports exactly the
            systems whose ``System.action_views`` offers that kind (within ``envs``), and
            ``gym.make`` gets the view's kwargs (SB3 DQN, ``"discrete"``: EdgeCluster's
            ``{"action_mode": "single"}``).
    """

    name: str
    factory: str | Callable[..., Any]
    kind: str
    envs: tuple[str, ...] | None = None
    description: str = ""
    config: dict[str, Any] = field(default_factory=dict)
    env_kwargs: dict[str, dict[str, Any]] = field(default_factory=dict)
    action_space: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"agent {self.name!r}: kind must be one of {KINDS}, got {self.kind!r}")
        if self.action_space is not None and self.action_space not in ACTION_SPACES:
            raise ValueError(f"agent {self.name!r}: action_space must be one of "
                             f"{ACTION_SPACES} or None, got {self.action_space!r}")

    def _view(self, env_id: str) -> dict[str, Any] | None:
        """``gym.make`` kwargs of the action view this agent needs; ``None`` if not offered."""
        if self.action_space is None:
            return {}
        from edge_envs.registry import SYSTEMS  # on use: edge_envs may import agents

        system = SYSTEMS.get(env_id)
        views = system.action_views if system is not None else {}
        return dict(views[self.action_space]) if self.action_space in views else None

    def supports(self, env_id: str) -> bool:
        in_envs = self.envs is None or env_id in self.envs
        return in_envs and self._view(env_id) is not None

    def env_kwargs_for(self, env_id: str) -> dict[str, Any]:
        """The action view's kwargs (if the agent needs one), then ``env_kwargs[env_id]``."""
        return {**(self._view(env_id) or {}), **self.env_kwargs.get(env_id, {})}

    def load_factory(self) -> Callable[..., Any]:
        if callable(self.factory):
            return self.factory
        return import_object(self.factory)

    def build(self, env, **config):
        """The factory called with ``config`` deep-merged over the spec's defaults."""
        return self.load_factory()(env, **deep_merge(self.config, config))


def deep_merge(a: Mapping[str, Any], b: Mapping[str, Any]) -> dict[str, Any]:
    """``a`` updated by ``b``, recursing into values that are dicts on both sides.

    Neither argument is modified; a non-dict value of ``b`` (including ``None``/``False``)
    replaces ``a``'s.
    """
    out = copy.deepcopy(dict(a))
    for key, value in b.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def import_object(dotted: str) -> Any:
    """``"package.module:attr"`` -> the object; ``ValueError`` with a one-line reason."""
    if ":" not in dotted:
        raise ValueError(f"expected 'package.module:factory', got {dotted!r}")
    module_name, attr = dotted.split(":", 1)
    try:
        obj: Any = importlib.import_module(module_name)
    except ImportError as exc:
        raise ValueError(f"cannot import module {module_name!r}: {exc}") from None
    for part in attr.split("."):
        if not hasattr(obj, part):
            raise ValueError(f"module {module_name!r} has no attribute {attr!r}")
        obj = getattr(obj, part)
    if not callable(obj):
        raise ValueError(f"{dotted!r} is not callable")
    return obj


def builtin_agents() -> dict[str, AgentSpec]:
    import agents.catalog as catalog

    specs: dict[str, AgentSpec] = {}
    for info in sorted(pkgutil.iter_modules(catalog.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"agents.catalog.{info.name}")
        for spec in module.AGENTS:
            if spec.name in specs:
                raise RuntimeError(f"agent name {spec.name!r} declared twice")
            specs[spec.name] = spec
    return specs


def plugin_agents() -> dict[str, AgentSpec]:
    """Agents of the entry point group ``edge_envs.agents``, all of kind ``"plugin"``.

    An entry point pointing to an :class:`AgentSpec` keeps what the spec declares (envs, env
    kwargs, action space, config, description) under the entry point's name; anything else is
    a factory. Loading imports the plug-in's module, so a spec should name its factory as a
    ``"module:attr"`` string to keep listing light. A plug-in that fails to load becomes a
    factory spec, and the error surfaces when the agent is used.
    """
    specs = {}
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        try:
            obj = ep.load()
        except Exception:  # noqa: BLE001 - reported by import_object when the agent is used
            obj = None
        if isinstance(obj, AgentSpec):
            # kind "plugin": installing a package never changes what the presets run.
            specs[ep.name] = dataclasses.replace(obj, name=ep.name, kind="plugin")
        else:
            specs[ep.name] = AgentSpec(
                name=ep.name, factory=ep.value, kind="plugin", description=f"plug-in {ep.value}"
            )
    return specs


def all_agents() -> dict[str, AgentSpec]:
    """Built-ins first; a plug-in may not shadow a built-in name."""
    specs = builtin_agents()
    for name, spec in plugin_agents().items():
        specs.setdefault(name, spec)
    return specs


def agents_for(env_id: str) -> dict[str, AgentSpec]:
    return {n: s for n, s in all_agents().items() if s.supports(env_id)}


def resolve_agent(name: str, env_id: str | None = None) -> AgentSpec:
    """Spec for a registered name or an ad-hoc ``module:factory``; ``ValueError`` otherwise."""
    specs = all_agents()
    if name in specs:
        spec = specs[name]
        if env_id is not None and not spec.supports(env_id):
            valid = ", ".join(agents_for(env_id))
            raise ValueError(f"agent {name!r} does not support {env_id}; valid: {valid}")
        return spec
    if ":" in name:
        import_object(name)  # fail early with a one-line message
        return AgentSpec(name=name, factory=name, kind="plugin", description=f"plug-in {name}")
    pool = agents_for(env_id) if env_id else specs
    raise ValueError(f"unknown agent {name!r}; valid: {', '.join(pool)} (or module:factory)")


def make_agent(name: str, env, **config):
    """Build the agent called ``name`` for ``env`` (a template env of the scenario)."""
    env_id = env.spec.id if env.spec is not None else None
    return resolve_agent(name, env_id).build(env, **config)
