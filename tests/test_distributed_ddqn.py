"""Distributed and centralised DDQN (paper 001): control-link traffic counted by hand on tiny
cases, the weight transfer held back by a down link, the GAN, the config, and learning.

Learning test: 10 devices with 10 tasks each (100 decisions per episode), 2 000 env steps,
scored by the suite's evaluation loop on 5 episodes (seeds 5000-5004, not the benchmark's
evaluation seeds). Margin: trained cost <= 0.75 x a uniformly random policy's. Measured while
choosing it (network seeds 0-2): random 1.082; untrained 0.586 / 0.586 / 1.696; trained
0.525 / 0.701 / 0.550 (12-18 s of training each on a loaded core). Seed 0 is the test's.
"""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
import torch

from agents.base import Agent
from agents.distributed_ddqn.agent import CentralisedDDQNAgent, DistributedDDQNAgent
from agents.distributed_ddqn.config import DDQNConfig
from agents.distributed_ddqn.gan import TabularGAN
from agents.evaluation import evaluate

ENV = "OffloadSAP-v0"
ONE_DEVICE = {"n_devices": 1, "tasks_per_device": 10}


def make(**kwargs):
    return lambda: gym.make(ENV, **kwargs)


def test_config_errors_name_the_field():
    with pytest.raises(ValueError, match="upload_period"):
        DDQNConfig(upload_period=0)
    with pytest.raises(ValueError, match="gamma"):
        DDQNConfig(gamma=1.5)
    with pytest.raises(ValueError, match="gan_k"):
        CentralisedDDQNAgent(make(decision_site="cloud")(), gan_k=2)


def test_sizes_of_weights_and_experiences():
    agent = DistributedDDQNAgent(make()(), hidden=(8,))
    obs_dim, n_actions = 28, 4  # 13 + 5 Z with Z = 3; local + 3 servers
    assert agent.weight_bytes == 4 * (obs_dim * 8 + 8 + 8 * n_actions + n_actions)
    assert agent.experience_bytes == 4 * (2 * obs_dim + 3)
    assert agent.request_bytes == 4 * (obs_dim + 1)


@pytest.mark.parametrize(("gan_k", "uploaded"), [(1, 5), (2, 2)])
def test_one_device_uploads_its_queue_every_sf_tasks(gan_k, uploaded):
    # One device, 10 tasks, link always up, SF = 5: tasks 2..10 complete 9 experiences (the
    # 10th waits for the episode's end). After the 5th the device uploads its queue: all 5
    # (k = 1) or the 2nd and 4th (k = 2); the next 4 never reach 5 tasks. No training
    # iteration (the ARM never holds a batch of 64), so no weights travel.
    agent = DistributedDDQNAgent(make(**ONE_DEVICE)(), upload_period=5, gan_k=gan_k)
    result = agent.train(make(**ONE_DEVICE, mean_up_s=1e6), 10, seed=0)
    e = result.extra
    assert e["experience_bytes"] == uploaded * agent.experience_bytes
    assert e["weight_bytes"] == 0 and e["training_iterations"] == 0
    assert e["control_bytes"] == e["experience_bytes"]  # the env counted the same bytes
    assert e["received"] == uploaded
    assert len(result.curve) == 1 and result.curve[0][0] == 10


def test_control_bytes_are_what_the_env_counted_and_weights_travel_every_t_iterations():
    kwargs = {"n_devices": 4, "tasks_per_device": 50, "mean_up_s": 1e6}
    agent = DistributedDDQNAgent(make(**kwargs)(), batch_size=16, weight_period=20)
    e = agent.train(make(**kwargs), 200, seed=1).extra
    # Link always up: every due transfer goes at once, one per 20 iterations.
    assert e["weight_bytes"] == (e["training_iterations"] // 20) * agent.weight_bytes > 0
    assert e["experience_bytes"] % agent.experience_bytes == 0
    assert e["control_bytes"] == e["weight_bytes"] + e["experience_bytes"]
    assert e["weights_deferred"] == 0 and e["uploads_deferred"] == 0


def test_a_link_that_is_always_down_keeps_the_devices_untrained():
    down = {"n_devices": 4, "tasks_per_device": 50, "outage_trace": ((0.0, 1e6),)}
    agent = DistributedDDQNAgent(make(**down)(), batch_size=16, weight_period=10)
    before = {k: v.clone() for k, v in agent.device_q.state_dict().items()}
    e = agent.train(make(**down), 200, seed=0).extra
    # Nothing crossed the link: no experience reached the learner, no weights the devices.
    assert e["control_bytes"] == e["experience_bytes"] == e["weight_bytes"] == 0
    assert e["received"] == 0 and e["uploads_deferred"] > 0
    for k, v in agent.device_q.state_dict().items():
        torch.testing.assert_close(v, before[k])


def test_centralised_reports_one_request_per_decision_and_sends_no_weights():
    kwargs = {"n_devices": 3, "tasks_per_device": 20, "decision_site": "cloud",
              "mean_up_s": 1e6, "loop_latency_s": 0.0}
    agent = CentralisedDDQNAgent(make(**kwargs)(), batch_size=16)
    e = agent.train(make(**kwargs), 60, seed=0).extra
    assert e["request_bytes"] == 60 * agent.request_bytes == e["control_bytes"]
    assert e["weight_bytes"] == e["experience_bytes"] == 0
    # Every experience reaches the cloud with the requests, the devices' last three with
    # the episode's end.
    assert e["received"] == e["brm_size"] == 60


def test_gan_variant_fills_the_arm_with_k_minus_one_generated_per_received():
    kwargs = {"n_devices": 4, "tasks_per_device": 100, "mean_up_s": 1e6}
    agent = DistributedDDQNAgent(make(**kwargs)(), gan_k=2, gan_first_fit=50, gan_refit=100,
                                 gan_iterations=20)
    e = agent.train(make(**kwargs), 400, seed=0).extra
    assert e["gan_fits"] >= 2
    assert 0 < e["generated"] <= e["received"]
    assert e["arm_size"] == e["received"] + e["generated"]


def test_tabular_gan_learns_a_table_whose_column_depends_on_the_category():
    # Column 0 is 3 for category 2 (70 % of rows) and -2 for category 0; column 1 is -1.
    rng = np.random.default_rng(0)
    category = np.where(rng.random(2000) < 0.7, 2, 0)
    cont = np.stack([np.where(category == 2, 3.0, -2.0) + rng.normal(0, 0.5, 2000),
                     rng.normal(-1.0, 0.2, 2000)], axis=1)
    gan = TabularGAN(2, 3, seed=0)
    gan.fit(cont, category, iterations=300)
    fake, cat = gan.sample(4000)
    assert abs(np.mean(cat == 2) - 0.7) < 0.03 and not np.any(cat == 1)
    assert fake[cat == 2, 0].mean() > 2.0 and fake[cat == 0, 0].mean() < -1.0
    assert abs(fake[:, 1].mean() + 1.0) < 0.3


def test_save_load_keeps_the_devices_copy(tmp_path):
    kwargs = {"n_devices": 4, "tasks_per_device": 50, "mean_up_s": 1e6}
    env = make(**kwargs)()
    agent = DistributedDDQNAgent(env, batch_size=16, weight_period=20)
    agent.train(make(**kwargs), 150, seed=0)
    loaded = Agent.load(agent.save(tmp_path / "a"), env)
    for k, v in agent.device_q.state_dict().items():
        torch.testing.assert_close(loaded.device_q.state_dict()[k], v)


class _Random:
    def __init__(self, n: int) -> None:
        self.rng, self.n = np.random.default_rng(0), n

    def begin_episode(self, env) -> None:
        pass

    def act(self, observation) -> int:
        return int(self.rng.integers(self.n))


def test_short_training_beats_random_by_the_stated_margin():
    small = make(n_devices=10, tasks_per_device=10)
    seeds = [5000 + i for i in range(5)]

    def cost(agent):
        return float(np.mean(evaluate(agent, small(), seeds, "cost")["metrics"]))

    agent = DistributedDDQNAgent(small(), seed=0)
    agent.train(small, 2000, seed=0)
    assert cost(agent) <= 0.75 * cost(_Random(4))
