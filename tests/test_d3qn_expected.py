"""Eq. (6) of paper 000: expected-Q selection over the LSTM's predicted next states."""

from __future__ import annotations

import pytest
import torch

from agents.d3qn.expected import expected_q_action


def test_most_likely_state_is_not_the_best_choice():
    # Fig. 6 of the paper: s^0 is the most likely next state (P=0.4) and its best action is
    # a0, but s^1 and s^2 (P=0.3 each) agree on a1: E[Q(a0)] = 0.4, E[Q(a1)] = 0.6.
    probs = torch.tensor([0.4, 0.3, 0.3])
    q = torch.tensor([[[1.0, 0.0]], [[0.0, 1.0]], [[0.0, 1.0]]])  # (K=3, heads=1, actions=2)
    assert int(q[probs.argmax(), 0].argmax()) == 0  # acting on the most likely state
    assert expected_q_action(q, probs).tolist() == [1]


def test_heads_are_chosen_independently():
    probs = torch.tensor([0.5, 0.5])
    q = torch.tensor([
        [[1.0, 0.0, 0.0], [0.0, 0.0, 3.0]],
        [[0.0, 3.0, 0.0], [2.0, 0.0, 0.0]],
    ])
    # head 0: (0.5, 1.5, 0) -> 1; head 1: (1.0, 0, 1.5) -> 2
    assert expected_q_action(q, probs).tolist() == [1, 2]


def test_shape_mismatch_raises():
    with pytest.raises(ValueError, match="probabilities"):
        expected_q_action(torch.zeros(3, 1, 2), torch.ones(2))
