"""``edge-bench tune``: Optuna search of an SB3 agent's hyper-parameters on validation seeds.

Each trial samples a hyper-parameter entry from the algorithm's search space
(:data:`SEARCH_SPACES`), trains the agent through the suite's interface
(``agent.train(make_env, budget, seed, progress)``) and scores it with the one evaluation loop
(:func:`agents.evaluation.evaluate`) on the VALIDATION seeds :func:`validation_seeds`
(500, 501, ...), which are disjoint from the training seeds (0, 1, ...) and from the evaluation
seeds of every benchmark run (1000, 1001, ...): tuning never sees an evaluation episode. The
objective is the system's paper metric in its own direction (``System.metric_goal``).

The sampler is TPE seeded by ``seed`` (random for the first :data:`STARTUP_TRIALS` trials); a
median pruner stops a trial whose mean training return
(reported through the ``progress`` callback at ten points of the budget) is below the median
of earlier trials at the same point. One process, one trial at a time, torch on one thread:
the same seed and trial count give the same file.

The best trial becomes one entry of a YAML hyper-parameter file (the format the SB3 adapter
reads, see ``docs/benchmark.md``, "Tuning"), merged into the file without touching other
entries.
"""

from __future__ import annotations

import datetime
import functools
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.suites import DEFAULTS, QUICK

# --------------------------------------------------------------------------- seeds
VALIDATION_SEED_BASE = 500
VALIDATION_EPISODES = 5
# Validation seeds 500 .. 999: below the evaluation seeds, above any training seed we use.
MAX_VALIDATION_EPISODES = DEFAULTS["eval_seed_base"] - VALIDATION_SEED_BASE
DEFAULT_BUDGET_STEPS = QUICK["learner_budget_steps"]  # the files serve the quick board first
REPORTS_PER_TRIAL = 10  # intermediate values per trial for the pruner
# Random trials before TPE models the search space and before the pruner compares: Optuna's
# default of 10 would make a study of our 8-16 trials (docs/benchmark.md, "Tuning") a random
# search that is never pruned.
STARTUP_TRIALS = 4


def validation_seeds(episodes: int = VALIDATION_EPISODES) -> tuple[int, ...]:
    """Seeds of the validation episodes: ``500, 501, ...``, never an evaluation seed."""
    if not 1 <= int(episodes) <= MAX_VALIDATION_EPISODES:
        raise ValueError(f"--episodes must be in 1..{MAX_VALIDATION_EPISODES}, got {episodes}")
    return tuple(range(VALIDATION_SEED_BASE, VALIDATION_SEED_BASE + int(episodes)))


def _check_train_seed(seed: int) -> None:
    if not 0 <= int(seed) < VALIDATION_SEED_BASE:
        raise ValueError(
            f"--seed must be in 0..{VALIDATION_SEED_BASE - 1} (training seeds; validation seeds "
            f"start at {VALIDATION_SEED_BASE}, evaluation seeds at {DEFAULTS['eval_seed_base']})"
        )


# --------------------------------------------------------------------------- search spaces
NET_ARCHS = {"small": [64, 64], "medium": [256, 256]}


def _gamma(trial, affects_future: bool) -> float:
    # Where decisions do not change the next state (a contextual bandit), the return of any
    # policy is the sum of its immediate rewards, so gamma > 0 only adds the noise of
    # bootstrapped values: gamma is fixed at 0 there, not searched.
    if not affects_future:
        return 0.0
    return trial.suggest_categorical("gamma", [0.9, 0.95, 0.98, 0.99, 0.995, 0.999])


def _net(trial) -> str:
    arch = NET_ARCHS[trial.suggest_categorical("net_arch", list(NET_ARCHS))]
    return f"dict(net_arch={arch})"


def _ppo(trial, affects_future: bool) -> dict[str, Any]:
    return {
        "gamma": _gamma(trial, affects_future),
        "n_steps": trial.suggest_categorical("n_steps", [64, 128, 256, 512, 1024, 2048]),
        "batch_size": trial.suggest_categorical("batch_size", [32, 64, 128, 256]),
        "learning_rate": trial.suggest_float("learning_rate", 1e-5, 1e-2, log=True),
        "n_epochs": trial.suggest_categorical("n_epochs", [1, 5, 10, 20]),
        "gae_lambda": trial.suggest_categorical("gae_lambda", [0.8, 0.9, 0.95, 0.98, 1.0]),
        "clip_range": trial.suggest_categorical("clip_range", [0.1, 0.2, 0.3]),
        "ent_coef": trial.suggest_float("ent_coef", 1e-8, 0.1, log=True),
        "policy_kwargs": _net(trial),
    }


def _a2c(trial, affects_future: bool) -> dict[str, Any]:
    return {
        "gamma": _gamma(trial, affects_future),
        "n_steps": trial.suggest_categorical("n_steps", [5, 8, 16, 32, 64, 128]),
        "learning_rate": trial.suggest_float("learning_rate", 1e-5, 1e-2, log=True),
        "gae_lambda": trial.suggest_categorical("gae_lambda", [0.8, 0.9, 0.95, 0.98, 1.0]),
        "ent_coef": trial.suggest_float("ent_coef", 1e-8, 0.1, log=True),
        "vf_coef": trial.suggest_float("vf_coef", 0.1, 1.0),
        "max_grad_norm": trial.suggest_categorical("max_grad_norm", [0.3, 0.5, 1.0, 5.0]),
        "policy_kwargs": _net(trial),
    }


def _off_policy(trial, affects_future: bool) -> dict[str, Any]:
    """What DQN, SAC, TD3 and DDPG share: replay, update rate, network."""
    return {
        "gamma": _gamma(trial, affects_future),
        "learning_rate": trial.suggest_float("learning_rate", 1e-5, 1e-2, log=True),
        "batch_size": trial.suggest_categorical("batch_size", [32, 64, 128, 256]),
        "buffer_size": trial.suggest_categorical("buffer_size", [10_000, 50_000, 100_000]),
        "learning_starts": trial.suggest_categorical("learning_starts", [0, 100, 1000]),
        "train_freq": trial.suggest_categorical("train_freq", [1, 4, 8]),
        "policy_kwargs": _net(trial),
    }


def _dqn(trial, affects_future: bool) -> dict[str, Any]:
    return {
        **_off_policy(trial, affects_future),
        # SB3's 10,000-step default updates the target twice in a 20k budget.
        "target_update_interval": trial.suggest_categorical(
            "target_update_interval", [100, 500, 1000, 5000]
        ),
        "exploration_fraction": trial.suggest_float("exploration_fraction", 0.05, 0.5),
        "exploration_final_eps": trial.suggest_float("exploration_final_eps", 0.0, 0.2),
    }


def _soft_update(trial, affects_future: bool) -> dict[str, Any]:
    return {
        **_off_policy(trial, affects_future),
        "tau": trial.suggest_categorical("tau", [0.005, 0.01, 0.02, 0.05]),
    }


# algorithm -> (hyperparams sampler, whether the entry has Gaussian action noise)
SEARCH_SPACES: dict[str, tuple[Callable[..., dict[str, Any]], bool]] = {
    "ppo": (_ppo, False),
    "a2c": (_a2c, False),
    "dqn": (_dqn, False),
    "sac": (_soft_update, False),  # SAC explores through its stochastic policy
    # TD3 and DDPG explore only in their first steps without action noise.
    "td3": (_soft_update, True),
    "ddpg": (_soft_update, True),
}
ON_POLICY = ("ppo", "a2c")


def sample_entry(trial, algorithm: str, affects_future: bool) -> dict[str, Any]:
    """One hyper-parameter file entry (without ``tuned``) sampled from the search space."""
    sampler, noisy = SEARCH_SPACES[algorithm]
    entry: dict[str, Any] = {"hyperparams": sampler(trial, affects_future)}
    # Several envs change what one on-policy rollout holds; off-policy training keeps one.
    entry["n_envs"] = (trial.suggest_categorical("n_envs", [1, 2, 4, 8])
                       if algorithm in ON_POLICY else 1)
    normalize = trial.suggest_categorical("normalize", ["none", "obs", "obs_reward"])
    entry["normalize"] = normalize != "none" and {
        "obs": True, "reward": normalize == "obs_reward", "clip_reward": 10.0,
        "gamma": entry["hyperparams"]["gamma"]}
    if noisy:
        sigma = trial.suggest_categorical("noise_sigma", [0.05, 0.1, 0.2, 0.3, 0.5])
        entry["action_noise"] = {"type": "normal", "sigma": sigma}
    return entry


# --------------------------------------------------------------------------- entry -> config
def agent_config(spec, entry: Mapping[str, Any]) -> dict[str, Any]:
    """Factory keyword arguments training what ``entry`` says.

    The entry is deep-merged over the catalog's config (empty for the SB3 agents), and an
    empty hyper-parameter table replaces the shipped file, so a trial never depends on what an
    earlier tuning wrote there.
    """
    from agents.hyperparams import deep_merge

    return {**deep_merge(spec.config, entry), "hyperparams_file": {}}


# --------------------------------------------------------------------------- the study
def _import_optuna():
    try:
        import optuna
    except ImportError:
        raise ValueError(
            'tuning needs Optuna: pip install -e ".[tune]" (or pip install optuna)'
        ) from None
    return optuna


def _sb3_algorithm(agent: str, env_id: str):
    from agents.registry import resolve_agent
    from agents.sb3 import ALGORITHMS

    spec = resolve_agent(agent, env_id)
    algorithm = agent.removeprefix("sb3-")
    if spec.kind != "sb3" or algorithm not in ALGORITHMS:
        raise ValueError(
            f"tune supports the SB3 agents; valid: {', '.join('sb3-' + a for a in ALGORITHMS)}"
        )
    return spec, algorithm


def tune(
    env_id: str,
    agent: str,
    trials: int,
    scenario: str | None = None,
    budget_steps: int = DEFAULT_BUDGET_STEPS,
    seed: int = 0,
    episodes: int = VALIDATION_EPISODES,
    overrides: Mapping[str, Any] | None = None,
    date: str | None = None,
    log: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Run the study; the best trial's hyper-parameter entry with its ``tuned`` record.

    ``seed`` seeds the TPE sampler and is the training seed of every trial, so trials differ
    only by their hyper-parameters. ``log`` gets one line per finished trial.
    """
    import gymnasium as gym

    import edge_envs
    from agents.evaluation import evaluate
    from benchmarks.runner import seed_everything

    if env_id not in edge_envs.SYSTEMS:
        raise ValueError(
            f"unknown environment {env_id!r}; valid: {', '.join(edge_envs.SYSTEMS) or 'none'}"
        )
    system = edge_envs.SYSTEMS[env_id]
    system.scenario(scenario)  # unknown scenario: one line with the valid ones
    if int(trials) < 1:
        raise ValueError(f"--trials must be at least 1, got {trials}")
    if int(budget_steps) < 1:
        raise ValueError(f"--budget must be at least 1 step, got {budget_steps}")
    _check_train_seed(seed)
    val_seeds = validation_seeds(episodes)
    spec, algorithm = _sb3_algorithm(agent, env_id)
    optuna = _import_optuna()

    kwargs = {**dict(overrides or {}), **spec.env_kwargs_for(env_id)}
    # Training kwargs for validation too: System.eval_overrides may hold out evaluation data.
    make_env = functools.partial(gym.make, env_id, scenario=scenario, **kwargs)
    make_env().close()  # unknown override fields fail here, before any trial
    affects_future = bool(getattr(system, "actions_affect_future", True))
    maximize = system.metric_goal != "min"
    sign = 1.0 if maximize else -1.0
    every = max(1, int(budget_steps) // REPORTS_PER_TRIAL)

    def objective(trial) -> float:
        from agents.threads import one_torch_thread

        entry = sample_entry(trial, algorithm, affects_future)
        trial.set_user_attr("entry", entry)
        seed_everything(seed)
        template = make_env()
        template.action_space.seed(seed)
        template.observation_space.seed(seed)
        reported: set[int] = set()

        def progress(env_steps: int, mean_return: float) -> None:
            point = int(env_steps) // every
            if point in reported:
                return
            reported.add(point)
            # Returns are maximised; the study's direction is the paper metric's.
            trial.report(sign * float(mean_return), point)
            if trial.should_prune():
                raise optuna.TrialPruned()

        with one_torch_thread():
            learner = spec.load_factory()(template, **agent_config(spec, entry))
            learner.train(make_env, int(budget_steps), int(seed), progress)
            env = make_env()
            try:
                episodes_ = evaluate(learner, env, val_seeds, system.paper_metric)
            finally:
                env.close()
                template.close()
        return float(np.mean(episodes_["metrics"]))

    def report(study, trial) -> None:
        if log is None:
            return
        state = trial.state.name.lower()
        if trial.state.name == "COMPLETE":
            value = f" {system.paper_metric} {trial.value:.6g}"
        else:  # a pruned trial's value is its last training return, not the metric
            steps = max(trial.intermediate_values, default=0) * every
            value = f" at {steps} of {budget_steps} steps"
        best = ""
        if any(t.state.name == "COMPLETE" for t in study.trials):
            best = f" (best {study.best_value:.6g}, trial {study.best_trial.number})"
        seconds = (trial.datetime_complete - trial.datetime_start).total_seconds()
        log(f"trial {trial.number + 1}/{trials}: {state}{value}{best}, {seconds:.0f} s")

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(
        direction="maximize" if maximize else "minimize",
        sampler=optuna.samplers.TPESampler(seed=int(seed), n_startup_trials=STARTUP_TRIALS),
        pruner=optuna.pruners.MedianPruner(n_startup_trials=STARTUP_TRIALS, n_warmup_steps=3),
    )
    study.optimize(objective, n_trials=int(trials), n_jobs=1, callbacks=[report])
    if not any(t.state.name == "COMPLETE" for t in study.trials):
        raise ValueError(f"all {trials} trials were pruned or failed; run more trials")
    best = study.best_trial
    entry = dict(best.user_attrs["entry"])
    entry["tuned"] = {
        "trials": int(trials),
        "budget_steps": int(budget_steps),
        "validation_seeds": list(val_seeds),
        "score": float(best.value),
        "date": date or datetime.datetime.now(datetime.UTC).date().isoformat(),
        "seed": int(seed),
    }
    if overrides:
        entry["tuned"]["overrides"] = dict(overrides)
    return entry


# --------------------------------------------------------------------------- the file
def default_out(agent: str) -> Path:
    return Path(f"hyperparams-{agent.removeprefix('sb3-')}.yml")


def merge_entry(path: str | Path, env_id: str, scenario: str | None,
                entry: Mapping[str, Any]) -> Path:
    """Write ``entry`` for ``env_id`` (under ``scenarios: {scenario: ...}`` if given) into the
    YAML file at ``path``, keeping every other entry of the file."""
    import yaml

    path = Path(path)
    data: dict[str, Any] = {}
    if path.exists():
        data = yaml.safe_load(path.read_text()) or {}
        if not isinstance(data, dict):
            raise ValueError(f"{path} is not a hyper-parameter file (top level is not a mapping)")
    env_entry = dict(data.get(env_id) or {})
    if scenario is None:
        kept = {"scenarios": env_entry["scenarios"]} if "scenarios" in env_entry else {}
        env_entry = {**dict(entry), **kept}
    else:
        env_entry["scenarios"] = {**dict(env_entry.get("scenarios") or {}),
                                  scenario: dict(entry)}
    data[env_id] = env_entry
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data, sort_keys=True, default_flow_style=False))
    return path


def main(args) -> int:
    """The ``tune`` subcommand (arguments parsed by :mod:`benchmarks.cli`)."""
    overrides = dict(args.overrides)
    entry = tune(
        args.env, args.agent, args.trials, scenario=args.scenario,
        budget_steps=DEFAULT_BUDGET_STEPS if args.budget is None else args.budget,
        seed=args.seed, episodes=args.episodes, overrides=overrides,
        log=lambda line: print(line, file=sys.stderr),
    )
    out = args.out or default_out(args.agent)
    path = merge_entry(out, args.env, args.scenario, entry)
    where = args.env + (f" scenario {args.scenario}" if args.scenario else "")
    print(f"wrote {path}: {where}, validation score {entry['tuned']['score']:.6g} "
          f"after {args.trials} trial(s)")
    return 0
