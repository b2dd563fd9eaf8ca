"""A small conditional tabular GAN for replay experiences (paper 001, sec. IV-B: "tabular
GAN [3]").

An experience row has continuous columns (state, reward, next state, done flag, all in the
network's input scale) and one categorical column (the action). As CTGAN does with its
conditional vector, the categorical column is not generated but drawn from its empirical
frequencies in the data ("training by sampling"), and both networks are conditioned on it:
the generator maps noise and the action's one-hot vector to standardised continuous values,
the discriminator scores continuous values given the action. So no action is lost to mode
collapse and the discriminator compares rows of the same action. Non-saturating GAN loss,
Adam. Fits are warm-started: the learner refits the same networks on the newest experiences
every few thousand received rows.

Why not ``ctgan``: measured in ``docs/agents/distributed-ddqn.md`` ("The GAN"): its per-column
mode normalisation makes one fit of 1,000 rows take tens of seconds here, which the learner
would pay at every refit.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from agents.d3qn.network import relu_layers


class TabularGAN:
    """Generator and discriminator over rows of ``n_cont`` floats and one of ``n_classes``.

    Args:
        n_cont: continuous columns.
        n_classes: categories of the categorical column.
        hidden: hidden widths of both networks.
        noise_dim: generator input size.
        batch_size: rows per update.
        lr: Adam learning rate of both networks.
        seed: seeds the networks' weights and the noise stream.
    """

    def __init__(self, n_cont: int, n_classes: int, hidden: tuple[int, ...] = (128, 128),
                 noise_dim: int = 32, batch_size: int = 128, lr: float = 1e-3,
                 seed: int = 0) -> None:
        self.n_cont, self.n_classes, self.noise_dim = int(n_cont), int(n_classes), noise_dim
        self.batch_size = int(batch_size)
        self.gen = torch.Generator().manual_seed(int(seed))
        with torch.random.fork_rng():
            torch.manual_seed(int(seed))
            g_layers, g_width = relu_layers(noise_dim + n_classes, hidden)
            self.generator = nn.Sequential(*g_layers, nn.Linear(g_width, n_cont))
            d_layers, d_width = relu_layers(n_cont + n_classes, hidden)
            self.discriminator = nn.Sequential(*d_layers, nn.Linear(d_width, 1))
        self.opt_g = torch.optim.Adam(self.generator.parameters(), lr=lr, betas=(0.5, 0.9))
        self.opt_d = torch.optim.Adam(self.discriminator.parameters(), lr=lr, betas=(0.5, 0.9))
        self.mean = np.zeros(n_cont, dtype=np.float32)
        self.std = np.ones(n_cont, dtype=np.float32)
        self.class_p = torch.full((n_classes,), 1.0 / n_classes)
        self.fits = 0

    def _classes(self, n: int) -> torch.Tensor:
        """``n`` one-hot actions drawn from the data's frequencies."""
        idx = torch.multinomial(self.class_p, n, replacement=True, generator=self.gen)
        return F.one_hot(idx, self.n_classes).float()

    def _fake(self, onehot: torch.Tensor) -> torch.Tensor:
        z = torch.randn(len(onehot), self.noise_dim, generator=self.gen)
        return self.generator(torch.cat([z, onehot], dim=1))

    def fit(self, cont: np.ndarray, category: np.ndarray, iterations: int) -> None:
        """``iterations`` discriminator + generator updates on the rows ``(cont, category)``.

        The standardisation is taken from the first fit's rows and kept, so a warm-started
        generator keeps its scale.
        """
        cont = np.asarray(cont, dtype=np.float32)
        if self.fits == 0:
            self.mean = cont.mean(axis=0)
            self.std = np.maximum(cont.std(axis=0), 1e-3)
        cont_t = torch.as_tensor((cont - self.mean) / self.std)
        onehot = F.one_hot(torch.as_tensor(category, dtype=torch.int64), self.n_classes).float()
        self.class_p = onehot.mean(dim=0)
        n = len(cont_t)
        for _ in range(int(iterations)):
            idx = torch.randint(0, n, (self.batch_size,), generator=self.gen)
            cond = self._classes(self.batch_size)
            fake = self._fake(cond)
            d_real = self.discriminator(torch.cat([cont_t[idx], onehot[idx]], dim=1))
            d_fake = self.discriminator(torch.cat([fake.detach(), cond], dim=1))
            d_loss = F.softplus(-d_real).mean() + F.softplus(d_fake).mean()
            self.opt_d.zero_grad()
            d_loss.backward()
            self.opt_d.step()
            g_loss = F.softplus(-self.discriminator(torch.cat([fake, cond], dim=1))).mean()
            self.opt_g.zero_grad()
            g_loss.backward()
            self.opt_g.step()
        self.fits += 1

    @torch.no_grad()
    def sample(self, n: int) -> tuple[np.ndarray, np.ndarray]:
        """``n`` generated rows: ``(cont (n, n_cont), category (n,))`` in the data's scale."""
        onehot = self._classes(n)
        cont = self._fake(onehot).numpy() * self.std + self.mean
        return cont.astype(np.float32), onehot.argmax(dim=1).numpy().astype(np.int64)
