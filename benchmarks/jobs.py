"""One benchmark job and its stable key.

A job is one (environment, scenario, scenario overrides, agent, agent config, training seed,
budget, evaluation seeds) run by one version of the code. Its key is a hash of the canonical
JSON of what the job *resolves* to: the agent's factory keyword arguments (catalog defaults
merged with the suite's config), the ``gym.make`` keyword arguments of training and of
evaluation (scenario overrides, the agent's action view, the system's evaluation overrides),
the seeds, the budget and the code fingerprint of the files the job can run
(:mod:`benchmarks.fingerprint`: its system, its agent's modules, the runner). So the same
command with the same code always maps to the same keys (that is what resume uses), and a
changed default, view or source file of the job maps to new ones (the store never serves stale
results), while an edit to another system or agent leaves the key as it was.

The job also carries what the parent resolved from the registries (the agent's factory,
kind and ``gym.make`` keyword arguments, the system's paper metric): workers run a job
from these fields alone, without looking names up again, so an agent or system registered
only in the parent process (a test fixture, a notebook) still runs in worker processes.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field, fields
from typing import Any

KEY_FIELDS = (
    "env_id",
    "scenario",
    "env_kwargs",
    "eval_env_kwargs",
    "agent",
    "agent_config",
    "train_seed",
    "budget_steps",
    "eval_seeds",
    "code_fingerprint",
)


def _json_default(obj: Any) -> Any:
    import numpy as np

    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, np.floating):
        return float(obj)
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, tuple | set | frozenset):
        return list(obj)
    raise TypeError(f"value {obj!r} of type {type(obj).__name__} is not JSON-serialisable")


def canonical_json(obj: Any) -> str:
    """Sorted keys, no whitespace: equal values give equal strings in every process."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), default=_json_default)


@dataclass(frozen=True, eq=False)
class Job:
    """One training seed of one agent on one scenario, then its evaluation episodes."""

    env_id: str
    scenario: str
    env_overrides: Mapping[str, Any]
    agent: str
    agent_config: Mapping[str, Any]
    train_seed: int
    budget_steps: int
    eval_seeds: tuple[int, ...]
    # "" (new jobs): the fingerprint of this code, computed by fingerprint() from the fields,
    # so a job copied with another factory (dataclasses.replace) gets its own. Stored jobs
    # keep theirs (to_dict writes the computed one).
    code_fingerprint: str = ""
    # Not in the key: the fingerprint of the env side alone (its system and the runner), which
    # the leaderboard compares agents on. "" (new jobs): computed; stored jobs keep theirs.
    env_fingerprint: str = ""
    # Resolved by the parent; in the key only through build_config() and env_kwargs().
    factory: str | Callable[..., Any] = ""
    agent_defaults: Mapping[str, Any] = field(default_factory=dict)
    agent_kind: str = "plugin"
    agent_env_kwargs: Mapping[str, Any] = field(default_factory=dict)
    eval_overrides: Mapping[str, Any] = field(default_factory=dict)
    paper_metric: str = "reward"
    metric_goal: str = "max"
    reference_agent: str | None = None

    def key_fields(self) -> dict[str, Any]:
        """:data:`KEY_FIELDS`: the resolved agent config and env kwargs, not the raw ones."""
        return {
            "env_id": self.env_id,
            "scenario": self.scenario,
            "env_kwargs": self.env_kwargs(),
            "eval_env_kwargs": self.env_kwargs(evaluation=True),
            "agent": self.agent,
            "agent_config": self.build_config(),
            "train_seed": int(self.train_seed),
            "budget_steps": int(self.budget_steps),
            "eval_seeds": [int(s) for s in self.eval_seeds],
            "code_fingerprint": self.fingerprint(),
        }

    def fingerprint(self) -> str:
        """``code_fingerprint`` if set, else the hash of the files this job can run: its
        system's, its factory's and config factories' (``inner``) modules and the runner's,
        with their imports (:func:`benchmarks.fingerprint.job_fingerprint`)."""
        if self.code_fingerprint:
            return self.code_fingerprint
        from benchmarks import fingerprint

        return fingerprint.job_fingerprint(self.env_id, self.factory or self.agent,
                                           self.build_config())

    def environment_fingerprint(self) -> str:
        """``env_fingerprint`` if set, else the hash of the files any agent's job on this
        env runs (:func:`benchmarks.fingerprint.code_fingerprint` without agent modules):
        agents whose jobs share it faced the same episodes and scoring."""
        if self.env_fingerprint:
            return self.env_fingerprint
        from benchmarks import fingerprint

        return fingerprint.code_fingerprint(self.env_id)

    @property
    def key(self) -> str:
        """First 20 hex digits of the SHA-256 of the canonical JSON of :meth:`key_fields`."""
        return hashlib.sha256(canonical_json(self.key_fields()).encode()).hexdigest()[:20]

    def env_kwargs(self, evaluation: bool = False) -> dict[str, Any]:
        """Keyword arguments of ``gym.make`` besides ``scenario``.

        The suite's overrides, then what the agent needs (``AgentSpec.env_kwargs``), then for
        evaluation the system's ``eval_overrides`` (e.g. the held-out trace part).
        """
        kwargs = {**dict(self.env_overrides), **dict(self.agent_env_kwargs)}
        if evaluation:
            kwargs.update(self.eval_overrides)
        return kwargs

    def build_config(self) -> dict[str, Any]:
        """Factory keyword arguments: the suite's config deep-merged over the spec's defaults
        (a nested ``hyperparams`` adds keys to the catalog's instead of replacing them)."""
        from agents.registry import deep_merge

        return deep_merge(self.agent_defaults, self.agent_config)

    def provenance(self) -> dict[str, Any]:
        """What the store keeps about the code and the resolved arguments of this job.

        The package version, the fingerprint, the git commit (informational, ``None`` outside
        git; see :mod:`benchmarks.fingerprint`), the resolved config and env kwargs.
        """
        import edge_envs
        from benchmarks.fingerprint import git_commit

        return {
            "code_version": edge_envs.__version__,
            "code_fingerprint": self.fingerprint(),
            "git_commit": git_commit(),
            "resolved_config": self.build_config(),
            "env_kwargs": self.env_kwargs(),
            "eval_env_kwargs": self.env_kwargs(evaluation=True),
        }

    def label(self) -> str:
        return f"{self.env_id}/{self.scenario} {self.agent} seed={self.train_seed}"

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form (a callable factory is kept as is; it must be picklable)."""
        data = asdict(self)
        data["env_overrides"] = dict(self.env_overrides)
        data["agent_config"] = dict(self.agent_config)
        data["agent_env_kwargs"] = dict(self.agent_env_kwargs)
        data["agent_defaults"] = dict(self.agent_defaults)
        data["eval_overrides"] = dict(self.eval_overrides)
        data["eval_seeds"] = [int(s) for s in self.eval_seeds]
        data["code_fingerprint"] = self.fingerprint()  # workers and stored rows keep these
        data["env_fingerprint"] = self.environment_fingerprint()
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Job:
        names = {f.name for f in fields(cls)}
        kwargs = {k: v for k, v in data.items() if k in names}
        if "code_fingerprint" not in kwargs and "code_version" in data:
            kwargs["code_fingerprint"] = data["code_version"]  # a job stored by schema 1
        kwargs["eval_seeds"] = tuple(int(s) for s in kwargs.get("eval_seeds", ()))
        return cls(**kwargs)


def parse_seeds(text: str | Iterable[int], what: str = "seeds") -> tuple[int, ...]:
    """``"0,1,2"``, ``"0-4"``, ``"0-4,10"`` (or an iterable of ints) -> unique ints in order.

    ``ValueError`` with a one-line reason for anything else (negative, empty, reversed range).
    """
    if not isinstance(text, str):
        seeds = [int(s) for s in text]
    else:
        seeds = []
        parts = [p.strip() for p in text.split(",")]
        for part in parts:
            try:
                if "-" in part:
                    lo_s, hi_s = part.split("-", 1)
                    lo, hi = int(lo_s), int(hi_s)
                    if hi < lo:
                        raise ValueError
                    seeds.extend(range(lo, hi + 1))
                else:
                    seeds.append(int(part))
            except ValueError:
                raise ValueError(
                    f"malformed {what} {text!r}; expected non-negative integers like "
                    f"'0,1,2', '0-4' or '0-4,10'"
                ) from None
    if not seeds:
        raise ValueError(f"empty {what} list; expected e.g. '0,1,2' or '0-4'")
    if any(s < 0 for s in seeds):
        raise ValueError(f"{what} must be non-negative integers, got {text!r}")
    return tuple(dict.fromkeys(seeds))


def check_disjoint(train_seeds: Iterable[int], eval_seeds: Iterable[int]) -> None:
    """The protocol evaluates on seeds never used for training."""
    overlap = sorted(set(train_seeds) & set(eval_seeds))
    if overlap:
        raise ValueError(
            f"training and evaluation seeds must be disjoint; both contain {overlap} "
            f"(evaluation seeds default to 1000, 1001, ...)"
        )
