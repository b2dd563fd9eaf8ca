"""Hyper-parameters of the distributed and centralised DDQN (paper 001, sec. IV).

The paper names the quantities (batch size ``BS``, weight-transfer period ``T``, experience
upload period ``SF``, the GAN share ``1/k``) but gives no value for any of them; every default
below is ours, listed in ``docs/agents/distributed-ddqn.md``. A bad value raises
``ValueError`` naming the field.
"""

from __future__ import annotations

from dataclasses import dataclass

from edge_envs.core.validation import check_float, check_int


@dataclass(frozen=True)
class DDQNConfig:
    """Attributes (paper symbol in brackets; all values ours):

    hidden: widths of the evaluation network's hidden ReLU layers.
    lr: Adam learning rate.
    gamma: discount between two consecutive tasks of one device.
    batch_size: transitions per training iteration (``BS``, Algorithm 1 line 5).
    brm_size, arm_size: capacities of the basic and augmented replay memories.
    target_update: training iterations between hard copies into the target network
        (Algorithm 1 line 21).
    weight_period: training iterations between two weight transfers to the devices
        (``T``, Algorithm 1 lines 23-25); a transfer waits while the control link is down.
    upload_period: tasks of a device between two experience uploads (``SF``, Algorithm 2
        lines 16-23); an upload waits for the device's next task while the link is down.
    gan_k: devices upload one experience in ``gan_k`` (1: real data only, the default); the
        GAN adds ``gan_k - 1`` generated experiences to the ARM per received one.
    gan_first_fit, gan_refit: received experiences before the first GAN fit, and between
        two fits (warm-started).
    gan_iterations: generator/discriminator updates per fit.
    gan_window: the fit uses at most this many of the most recent BRM experiences.
    epsilon_start, epsilon_end, exploration_fraction: epsilon-greedy exploration on the
        devices, decaying linearly over the first ``exploration_fraction`` of the budget.
    seed: seed of the networks' initial weights (``train(seed=...)`` seeds the rest).
    """

    hidden: tuple[int, ...] = (64, 64)
    lr: float = 1e-3
    gamma: float = 0.5
    batch_size: int = 64
    brm_size: int = 20_000
    arm_size: int = 50_000
    target_update: int = 250
    weight_period: int = 100
    upload_period: int = 10
    gan_k: int = 1
    gan_first_fit: int = 500
    gan_refit: int = 2000
    gan_iterations: int = 300
    gan_window: int = 5000
    epsilon_start: float = 1.0
    epsilon_end: float = 0.02
    exploration_fraction: float = 0.5
    seed: int = 0

    def __post_init__(self) -> None:
        object.__setattr__(self, "hidden", tuple(int(h) for h in self.hidden))
        if not self.hidden:
            raise ValueError("hidden must list at least one layer width, got ()")
        for h in self.hidden:
            check_int("hidden", h, 1)
        check_float("lr", self.lr, 0.0, 1.0, low_inclusive=False)
        check_float("gamma", self.gamma, 0.0, 1.0)
        for name in ("batch_size", "brm_size", "arm_size", "target_update", "weight_period",
                     "upload_period", "gan_k", "gan_first_fit", "gan_refit",
                     "gan_iterations", "gan_window"):
            check_int(name, getattr(self, name), 1)
        check_float("epsilon_start", self.epsilon_start, 0.0, 1.0)
        check_float("epsilon_end", self.epsilon_end, 0.0, 1.0)
        check_float("exploration_fraction", self.exploration_fraction, 0.0, 1.0)
        check_int("seed", self.seed, 0)
