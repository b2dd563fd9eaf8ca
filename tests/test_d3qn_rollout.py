"""LL-D3QN's floor-plan mask for LSTM roll-outs and D3QN's one-core exploration."""

from __future__ import annotations

import numpy as np
import pytest

from agents.d3qn.agent import D3QNAgent
from agents.d3qn.mobility import LSTMTraceGenerator, VisitedCells
from agents.d3qn.predictor import MotionPredictor
from edge_envs.edge_cluster.gym_env import EdgeClusterEnv
from edge_envs.edge_cluster.mobility import MOTIONS


def test_visited_cells_mark_the_cells_a_path_crosses():
    path = np.array([[0.2, 0.2], [0.7, 0.2], [1.2, 0.2], [1.2, 1.3]])
    cells = VisitedCells(path, 0.5)
    assert cells.visited.shape == (3, 3)
    assert sorted(zip(*np.nonzero(cells.visited), strict=True)) == [(0, 0), (1, 0), (2, 0),
                                                                    (2, 2)]
    got = cells.contains(np.array([[0.4, 0.4], [1.4, 1.4], [0.3, 1.2], [-0.1, 0.1], [9, 9]]))
    np.testing.assert_array_equal(got, [True, True, False, False, False])
    with pytest.raises(ValueError, match="cell_m"):
        VisitedCells(path, 0.0)


def corridor_predictor() -> MotionPredictor:
    """An untrained LSTM whose moves are 1 m in the 8 directions (any probabilities)."""
    p = MotionPredictor(window=4, seed=0)
    for k, name in enumerate(MOTIONS):
        dx = ("right" in name) - ("left" in name)
        dy = ("up" in name) - ("down" in name)
        p.displacement_m[k] = [dx, dy]
    return p


def test_masked_roll_outs_stay_on_the_visited_corridor():
    # A horizontal corridor y in [5, 6) from x = 2 to 12 (1 m cells).
    corridor = np.column_stack([np.linspace(2.0, 12.9, 200), np.full(200, 5.5)])
    predictor = corridor_predictor()
    masked = LSTMTraceGenerator(predictor, corridor, "sample", floor_cell_m=1.0)
    free = LSTMTraceGenerator(predictor, corridor, "sample", floor_cell_m=None)
    cells = VisitedCells(corridor, 1.0)
    on_floor = {}
    for name, gen in (("masked", masked), ("free", free)):
        rng = np.random.default_rng(0)
        pos = [gen.reset(rng, 15.0, 1)[0]]
        pos += [gen.step()[0] for _ in range(300)]
        on_floor[name] = cells.contains(np.array(pos)).mean()
    assert on_floor["masked"] == 1.0
    assert on_floor["free"] < 0.8  # the untrained LSTM wanders off the corridor


def test_one_core_exploration_changes_at_most_one_head():
    env = EdgeClusterEnv("random-direction-20x3")
    agent = D3QNAgent(env, exploration="one-core")
    rng = np.random.default_rng(0)
    greedy = np.array([0, 0, 0])
    changed = [int((agent._explore(greedy.copy(), 1.0, rng) != greedy).sum())
               for _ in range(200)]
    assert max(changed) == 1 and np.mean(changed) > 0.8  # 6 of 7 draws differ from 0
    assert all((agent._explore(greedy.copy(), 0.0, rng) == greedy).all() for _ in range(20))
    independent = D3QNAgent(env, exploration="independent")
    many = [int((independent._explore(greedy.copy(), 1.0, rng) != greedy).sum())
            for _ in range(200)]
    assert max(many) == 3
    with pytest.raises(ValueError, match="exploration"):
        D3QNAgent(env, exploration="boltzmann")


def test_training_keeps_the_weights_of_the_best_validation_score():
    def env():
        return EdgeClusterEnv("random-direction-20x3", action_mode="single", episode_steps=40)

    agent = D3QNAgent(env(), layout_seed=1, learning_starts=40, batch_size=16,
                      target_update=40, validate_every=80, validation_episodes=2)
    # 400 training steps + 5 validations of 2 x 40 steps: the budget pays for validation.
    res = agent.train(env, 800, seed=0)
    assert res.extra["training_steps"] == 400 and res.env_steps == 800
    steps = [s for s, _ in res.extra["validation"]]
    scores = [v for _, v in res.extra["validation"]]
    assert steps == [80, 160, 240, 320, 400]
    assert len(set(scores)) > 1  # the greedy policy did change during training
    best = int(np.argmax(scores))
    assert res.extra["selected_step"] == steps[best]
    # Validation episodes are fixed: re-validating the kept weights gives the best score.
    assert agent.validate(env, 0) == pytest.approx(scores[best], abs=1e-12)
    off = D3QNAgent(env(), layout_seed=1, learning_starts=40, validate_every=0)
    assert off.train(env, 100, seed=0).extra["validation"] == []


@pytest.mark.parametrize("budget", [1, 79, 80, 160, 161, 999, 1234])
def test_validation_episodes_count_toward_the_budget(budget):
    env = EdgeClusterEnv("random-direction-20x3", action_mode="single", episode_steps=40)
    agent = D3QNAgent(env, learning_starts=40, validate_every=80, validation_episodes=2)
    n = agent.training_steps(budget)
    assert n + agent.validation_steps(n) <= budget
    # ...and no larger number of training steps would fit.
    assert n + 1 + agent.validation_steps(n + 1) > budget
    assert agent.validation_steps(400) == 5 * 2 * 40
    assert D3QNAgent(env, validate_every=0).training_steps(budget) == budget
