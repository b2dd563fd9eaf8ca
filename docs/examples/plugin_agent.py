"""A complete third-party agent for the edge-envs benchmark, outside the package.

``BestConstantAgent`` works on any environment of the suite: during training it tries a few
constant actions (sampled from the action space), plays one training episode with each and
keeps the one with the highest return. Simple, but it shows every part of the interface:
a factory, ``train`` with a budget and a seed (and a learning curve), ``act``, and
``state_dict``/``load_state_dict`` so the runner can save and reload it.

Run it on the benchmark, scored on the same evaluation episodes as the built-in agents:

    python docs/examples/plugin_agent.py                        # EdgeCluster-v0, quick scenario
    python docs/examples/plugin_agent.py --env LargeScaleMEC-v0 --agent greedy --seeds 0-2

(any ``edge-bench run`` option can be added), or, with this folder on ``PYTHONPATH``:

    edge-bench run --env EdgeCluster-v0 --agent plugin_agent:make_agent --agent random

or, once it is declared as an entry point of your package (see ``docs/plugins.md``):

    edge-bench run --env EdgeCluster-v0 --agent best-constant
"""

from __future__ import annotations

import copy
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from agents.base import Agent, TrainResult


class BestConstantAgent(Agent):
    """Plays the best of ``candidates`` constant actions found in training."""

    name = "best-constant"
    learns = True  # the runner records training cost and saves the model

    def __init__(self, env, candidates: int = 8) -> None:
        super().__init__(env, candidates=candidates)  # keeps spaces, env id and config
        self.action = self._space(0).sample()

    def _space(self, seed: int):
        # A private copy: seeding it never disturbs anyone else's sampling.
        space = copy.deepcopy(self.action_space)
        space.seed(seed)
        return space

    def train(self, make_env, budget_steps: int, seed: int, progress=None) -> TrainResult:
        t0 = time.perf_counter()
        space, env = self._space(seed), make_env()
        best_return, steps, curve = -np.inf, 0, []
        env.reset(seed=seed)  # later resets continue this seed's stream of training episodes
        for _ in range(int(self.config["candidates"])):
            if steps >= budget_steps:
                break
            action, episode_return, done = space.sample(), 0.0, False
            env.reset()
            while not done and steps < budget_steps:
                _, reward, terminated, truncated, _ = env.step(action)
                episode_return += float(reward)
                steps += 1
                done = terminated or truncated
            if episode_return > best_return:
                best_return, self.action = episode_return, action
            curve.append((steps, episode_return))
            if progress is not None:
                progress(steps, episode_return)
        env.close()
        return TrainResult(env_steps=steps, wall_clock_s=time.perf_counter() - t0, curve=curve)

    def act(self, observation: Any):
        self.check_observation(observation)  # clear error on a wrong observation shape
        return copy.deepcopy(self.action)

    def state_dict(self) -> dict[str, Any]:
        return {"action": np.asarray(self.action).tolist()}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        action = np.asarray(state["action"], dtype=self.action_space.dtype)
        self.action = action.item() if action.ndim == 0 else action


def make_agent(env, **config) -> BestConstantAgent:
    """The factory the benchmark calls: ``factory(env, **config) -> Agent``."""
    return BestConstantAgent(env, **config)


def main(argv: list[str] | None = None) -> int:
    """``edge-bench run --agent plugin_agent:make_agent`` plus the options given."""
    from benchmarks.cli import main as edge_bench

    here = str(Path(__file__).resolve().parent)
    if here not in sys.path:
        sys.path.insert(0, here)  # worker processes import plugin_agent from here too
    argv = list(sys.argv[1:] if argv is None else argv)
    if "--env" not in argv:
        import edge_envs

        system = edge_envs.SYSTEMS["EdgeCluster-v0"]
        argv += ["--env", system.env_id, "--scenario", system.quick_scenario]
        argv += ["--agent", "random", "--seeds", "0,1", "--eval-episodes", "5"]
    if "--budget" not in argv:
        argv += ["--budget", "2000"]
    return edge_bench(["run", "--agent", "plugin_agent:make_agent", *argv])


if __name__ == "__main__":
    sys.exit(main())
