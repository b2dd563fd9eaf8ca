"""D3QN building blocks on fixed tensors, checked against hand-computed values."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from agents.d3qn.agent import epsilon_at
from agents.d3qn.dueling import DuelingQNetwork, dueling_aggregate
from agents.d3qn.network import double_dqn_target
from agents.d3qn.replay import ReplayBuffer


def test_dueling_aggregation_by_hand():
    # One sample, two heads, three actions.  Head 0: V=1, A=(1, 2, 3), mean 2 -> (0, 1, 2).
    # Head 1: V=-2, A=(0, 0, 6), mean 2 -> (-4, -4, 2).
    value = torch.tensor([[1.0, -2.0]])
    adv = torch.tensor([[[1.0, 2.0, 3.0], [0.0, 0.0, 6.0]]])
    q = dueling_aggregate(value, adv)
    assert q.tolist() == [[[0.0, 1.0, 2.0], [-4.0, -4.0, 2.0]]]


def test_network_shape_and_head_mean_equals_value():
    torch.manual_seed(0)
    net = DuelingQNetwork(obs_dim=5, n_heads=4, n_actions=7)
    x = torch.rand(3, 5)
    q = net(x)
    assert q.shape == (3, 4, 7)
    value = net.value(net.trunk(x))
    # The mean over actions of Q is exactly V (eq. 3 with the mean baseline).
    torch.testing.assert_close(q.mean(dim=-1), value)
    assert [m.out_features for m in net.trunk if hasattr(m, "out_features")] == [600, 300, 150]


def test_double_dqn_target_by_hand():
    # Online picks the action, target evaluates it (not the target's own max).
    reward = torch.tensor([1.0, 0.5])
    done = torch.tensor([0.0, 1.0])
    q_online = torch.tensor([[[0.0, 5.0], [3.0, 1.0]], [[9.0, 0.0], [0.0, 9.0]]])
    q_target = torch.tensor([[[10.0, 2.0], [4.0, 8.0]], [[7.0, 7.0], [7.0, 7.0]]])
    y = double_dqn_target(reward, done, q_online, q_target, gamma=0.9)
    # sample 0: head 0 online argmax=1 -> target 2 -> 1 + 0.9*2 = 2.8;
    #           head 1 online argmax=0 -> target 4 -> 1 + 0.9*4 = 4.6 (target max would be 8)
    # sample 1: terminal -> reward only.
    torch.testing.assert_close(y, torch.tensor([[2.8, 4.6], [0.5, 0.5]]))


def test_epsilon_schedule():
    assert epsilon_at(0, 1000, 0.5, 1.0, 0.01) == 1.0
    assert epsilon_at(250, 1000, 0.5, 1.0, 0.01) == pytest.approx(0.505)
    assert epsilon_at(500, 1000, 0.5, 1.0, 0.01) == pytest.approx(0.01)
    assert epsilon_at(999, 1000, 0.5, 1.0, 0.01) == pytest.approx(0.01)


def test_replay_ring_buffer_wraps():
    buf = ReplayBuffer(capacity=3, obs_dim=2, n_heads=1)
    for i in range(5):
        buf.add(np.full(2, i), [i], float(i), np.full(2, i + 1), i == 4)
    assert buf.size == 3
    assert sorted(buf.reward.tolist()) == [2.0, 3.0, 4.0]
    obs, action, reward, next_obs, done, discount = buf.sample(np.random.default_rng(0), 8)
    assert obs.dtype == np.float32
    np.testing.assert_array_equal(next_obs[:, 0], obs[:, 0] + 1)
    np.testing.assert_array_equal(done, (reward == 4.0).astype(np.float32))


def test_n_step_returns_by_hand():
    from agents.d3qn.replay import NStepAccumulator

    buf = ReplayBuffer(capacity=10, obs_dim=1, n_heads=1)
    acc = NStepAccumulator(n=2, gamma=0.5)
    # rewards 1, 2, 4 then truncation: (s0: 1 + 0.5*2, s2, 0.25), (s1: 2 + 0.5*4, s3, 0.25),
    # flushed at the end: (s2: 4, s3, 0.5).
    for t, r in enumerate((1.0, 2.0, 4.0)):
        acc.push(buf, [t], [0], r, [t + 1], False, t == 2)
    assert buf.size == 3
    np.testing.assert_allclose(buf.reward[:3], [2.0, 4.0, 4.0])
    np.testing.assert_allclose(buf.discount[:3], [0.25, 0.25, 0.5])
    np.testing.assert_allclose(buf.next_obs[:3, 0], [2.0, 3.0, 3.0])
    assert buf.done[:3].tolist() == [0.0, 0.0, 0.0]
