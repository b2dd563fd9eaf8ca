"""Per-environment, per-algorithm SB3 hyper-parameter files (rl-baselines3-zoo style).

One YAML file per algorithm, ``agents/hyperparams/<algo>.yml``. Top-level keys are env ids (and
optionally ``default``, applied to every env); each value is an *entry* with the optional keys
of :data:`ENTRY_KEYS`:

* ``hyperparams``: keyword arguments of the SB3 constructor (``gamma``, ``n_steps``,
  ``buffer_size``, ``target_update_interval``, ...). ``policy_kwargs`` is a string such as
  ``"dict(net_arch=[64, 64], activation_fn=nn.Tanh)"`` read by :func:`parse_policy_kwargs`
  (literals and ``nn.<Name>`` only, never ``eval``); a schedule is a string ``"lin_3e-4"``
  (:class:`LinearSchedule`);
* ``n_envs``: number of training envs (a ``DummyVecEnv`` when above 1);
* ``normalize``: ``{obs, reward, clip_reward, gamma}`` for ``VecNormalize``, or ``false``;
* ``action_noise``: ``{type: normal | ornstein-uhlenbeck, sigma}`` (off-policy Box agents);
* ``wrappers``: names of :data:`agents.sb3.WRAPPERS`;
* ``tuned``: metadata ``{trials, budget_steps, validation_seeds, score, date}``, ``null`` when
  the entry was not tuned;

and ``scenarios: {name: entry}`` overriding the env entry for one scenario. :func:`load`
merges ``default`` < env entry < scenario entry with :func:`deep_merge`. This module imports
neither yaml, torch nor SB3 until asked.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping
from pathlib import Path
from typing import Any

# Here since job configs merge with it too: importing it does not make this folder's files
# part of every job's code fingerprint (benchmarks/fingerprint.py).
from agents.registry import deep_merge

DIRECTORY = Path(__file__).resolve().parent
DEFAULT_KEY = "default"
ENTRY_KEYS = ("hyperparams", "n_envs", "normalize", "action_noise", "wrappers", "tuned")
NOISE_TYPES = ("normal", "ornstein-uhlenbeck")
SCHEDULE_PREFIX = "lin_"


def contents_label(table: Mapping[str, Any]) -> str:
    """Short name of a whole file's parsed contents (as ``--hyperparams FILE`` stores them in the
    agent config) for tables: ``"file sha256:1a2b3c4d"``, the first 8 hex digits of the SHA-256
    of their canonical JSON. The job key keeps the contents themselves."""
    import hashlib
    import json

    text = json.dumps(table, sort_keys=True, separators=(",", ":"), default=str)
    return f"file sha256:{hashlib.sha256(text.encode()).hexdigest()[:8]}"


def read(path: str | Path) -> dict[str, Any]:
    """The parsed file (``{}`` when empty); ``ValueError`` naming the file for a bad one."""
    import yaml

    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text())
    except OSError as exc:
        raise ValueError(f"{path}: cannot read hyper-parameter file: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        raise ValueError(f"{path}: not valid YAML: {exc}") from None
    data = _plain({} if data is None else data)
    check_table(data, str(path))
    return data


def _plain(obj: Any) -> Any:
    """YAML dates (``tuned.date``) as ISO strings, so tables stay JSON (job keys, headers)."""
    import datetime

    if isinstance(obj, dict):
        return {k: _plain(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_plain(v) for v in obj]
    if isinstance(obj, datetime.date):
        return obj.isoformat()
    return obj


def check_table(data: Any, where: str) -> None:
    """``ValueError`` naming the place and key of anything outside the file format."""
    if not isinstance(data, Mapping):
        raise ValueError(f"{where}: must map env ids to entries, got {type(data).__name__}")
    for env_id, entry in data.items():
        _check_entry(entry, f"{where}[{env_id}]", scenarios=True)


def _check_entry(entry: Any, where: str, scenarios: bool) -> None:
    if entry is None:
        return
    if not isinstance(entry, Mapping):
        raise ValueError(f"{where}: must be a mapping, got {type(entry).__name__}")
    allowed = ENTRY_KEYS + (("scenarios",) if scenarios else ())
    unknown = sorted(set(entry) - set(allowed))
    if unknown:
        raise ValueError(f"{where}: unknown key(s) {unknown}; valid: {', '.join(allowed)}")
    noise = entry.get("action_noise")
    if noise is not None and not (
        isinstance(noise, Mapping)
        and noise.get("type") in NOISE_TYPES
        and isinstance(noise.get("sigma"), (int, float))
    ):
        raise ValueError(f"{where}.action_noise: needs type (one of {NOISE_TYPES}) and a "
                         f"numeric sigma, got {noise!r}")
    for name, sub in (entry.get("scenarios") or {}).items():
        _check_entry(sub, f"{where}.scenarios[{name}]", scenarios=False)


def load(
    algorithm: str,
    env_id: str,
    scenario: str | None = None,
    path: str | Path | Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The merged entry for ``env_id`` (and ``scenario``) of ``algorithm``'s file.

    ``path`` is another file, or its already parsed contents; ``None`` reads the shipped
    ``<algorithm>.yml`` (``{}`` if there is none). Order: ``default`` < env entry < scenario
    entry. The result has no ``scenarios`` key.
    """
    if isinstance(path, Mapping):
        table = dict(path)
        check_table(table, "hyperparameter table")
    else:
        file = DIRECTORY / f"{algorithm}.yml" if path is None else Path(path)
        if path is None and not file.exists():
            return {}
        table = read(file)
    merged: dict[str, Any] = {}
    for entry in (table.get(DEFAULT_KEY), table.get(env_id)):
        entry = dict(entry or {})
        by_scenario = entry.pop("scenarios", None) or {}
        merged = deep_merge(merged, entry)
        if scenario is not None and by_scenario.get(scenario):
            merged = deep_merge(merged, by_scenario[scenario])
    return merged


class LinearSchedule:
    """``"lin_<value>"``: SB3's ``progress_remaining`` (1 -> 0) times ``value``.

    A class rather than a closure so that saved models pickle it by reference.
    """

    def __init__(self, value: float) -> None:
        self.value = float(value)

    def __call__(self, progress_remaining: float) -> float:
        return progress_remaining * self.value

    def __repr__(self) -> str:
        return f"LinearSchedule({self.value!r})"


def parse_schedule(value: Any) -> Any:
    """``"lin_3e-4"`` -> :class:`LinearSchedule`; anything else unchanged."""
    if isinstance(value, str) and value.startswith(SCHEDULE_PREFIX):
        try:
            return LinearSchedule(float(value[len(SCHEDULE_PREFIX):]))
        except ValueError:
            raise ValueError(f"schedule {value!r}: expected 'lin_<number>'") from None
    return value


def parse_policy_kwargs(text: str | Mapping[str, Any]) -> dict[str, Any]:
    """``"dict(net_arch=[64, 64], activation_fn=nn.Tanh)"`` -> a dict, without ``eval``.

    Only ``dict(...)`` calls with keyword arguments, ``{...}`` with string keys, lists,
    tuples, numbers, strings, booleans, ``None`` and ``nn.<Name>`` (a ``torch.nn`` module
    class) are accepted; anything else raises ``ValueError``.
    """
    if isinstance(text, Mapping):
        return dict(text)
    try:
        tree = ast.parse(str(text), mode="eval")
    except SyntaxError as exc:
        raise ValueError(f"policy_kwargs {text!r}: not an expression ({exc.msg})") from None
    value = _literal(tree.body, text)
    if not isinstance(value, dict):
        raise ValueError(f"policy_kwargs {text!r}: must be a dict")
    return value


def _literal(node: ast.AST, text: str) -> Any:
    def refuse(what: str):
        return ValueError(f"policy_kwargs {text!r}: {what} is not allowed (literals, dict(...) "
                          "and nn.<Name> only)")

    if isinstance(node, ast.Constant) and (
        node.value is None or isinstance(node.value, (int, float, str, bool))
    ):
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        value = _literal(node.operand, text)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return -value
        raise refuse("'-' before a non-number")
    if isinstance(node, (ast.List, ast.Tuple)):
        items = [_literal(e, text) for e in node.elts]
        return items if isinstance(node, ast.List) else tuple(items)
    if isinstance(node, ast.Dict):
        keys = [_literal(k, text) if k is not None else None for k in node.keys]
        if not all(isinstance(k, str) for k in keys):
            raise refuse("a non-string dict key")
        return {k: _literal(v, text) for k, v in zip(keys, node.values, strict=True)}
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "dict":
        if node.args or any(k.arg is None for k in node.keywords):
            raise refuse("dict() with positional or ** arguments")
        return {k.arg: _literal(k.value, text) for k in node.keywords}
    if (
        isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id == "nn"
        and not node.attr.startswith("_")
    ):
        from torch import nn

        cls = getattr(nn, node.attr, None)
        if not (isinstance(cls, type) and issubclass(cls, nn.Module)):
            raise refuse(f"nn.{node.attr} (not a torch.nn module class)")
        return cls
    raise refuse(ast.dump(node)[:60])
