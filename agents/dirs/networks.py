"""The M per-MEC agent networks of DIRS and their sizes (paper 003, sec. IV-C and V).

Agent ``j`` is a fully connected network ``h_j (N gains) -> N sigmoid outputs``, the
probability that IoTD ``i`` offloads to MEC ``j`` (layer sizes 30-80-60-30, 180-260-200-180,
200-300-250-200 in section V; :func:`default_hidden`). The M networks are independent (own
weights, own inputs); they are stored as stacked weight tensors ``(M, in, out)`` so one batched
matrix product runs all of them at once, which is the same computation as M separate networks.
The agents' outputs are combined by the env's vote (``edge_envs.large_scale_mec.model.
vote_decision``).

Addition to the paper (``gain_skip=True``, see docs/agents/dirs.md): a per-agent diagonal
skip connection ``w_j * x_ij + b_j`` from input ``i`` to output ``i``. With the layouts
changing from episode to episode, the label of IoTD ``i`` depends mostly on its own gain;
a plain dense network has to learn that diagonal for each of the N coordinates and, under the
paper's L2 penalty, stays at the base rate for the 500 pre-training iterations.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn

PAPER_HIDDEN: dict[tuple[int, int], tuple[int, ...]] = {
    (30, 2): (80, 60),
    (180, 8): (260, 200),
    (200, 10): (300, 250),
}
"""Hidden layer sizes of section V of paper 003 by system size ``(N, M)``: 30-80-60-30 for
2 MECs x 30 IoTDs, 180-260-200-180 for 8 x 180 and 200-300-250-200 for 10 x 200."""


def default_hidden(n_iotd: int, n_mec: int) -> tuple[int, ...]:
    """Hidden layer sizes of one DIRS (or MADDPG actor) network for ``N`` IoTDs, ``M`` MECs.

    The paper's sizes (:data:`PAPER_HIDDEN`) at its three system sizes; at any other size
    (the sweeps of Fig. 7 and of paper 004's Figs. 9/10) the 30-80-60-30 network scaled with
    ``N``: ``(ceil(8N/3), 2N)``.
    """
    paper = PAPER_HIDDEN.get((int(n_iotd), int(n_mec)))
    if paper is not None:
        return paper
    return (math.ceil(8 * n_iotd / 3), 2 * n_iotd)


def layer_sizes(
    n_iotd: int, n_mec: int, hidden: tuple[int, ...] | None = None
) -> tuple[int, ...]:
    """``(N, *hidden, N)``: the given hidden sizes, or :func:`default_hidden` for ``None``."""
    if hidden is None:
        hidden = default_hidden(n_iotd, n_mec)
    sizes = tuple(int(h) for h in hidden)
    if not sizes or min(sizes) < 1:
        raise ValueError(f"hidden must be a non-empty tuple of positive ints or None, "
                         f"got {hidden!r}")
    return (int(n_iotd), *sizes, int(n_iotd))


SKIP_SCALE = 5.0
"""The skip weight multiplies ``5 x`` so that Adam (steps of about ``lr``) moves the skip
logit as fast as the dense layers'."""


class AgentEnsemble(nn.Module):
    """M independent MLPs with ReLU hidden layers; ``forward`` returns logits ``(B, M, N)``."""

    def __init__(self, n_agents: int, layers: tuple[int, ...], gain_skip: bool = True) -> None:
        super().__init__()
        if len(layers) < 2:
            raise ValueError(f"layers needs at least input and output sizes, got {layers}")
        self.n_agents = int(n_agents)
        self.layers = tuple(int(n) for n in layers)
        self.weights = nn.ParameterList()
        self.biases = nn.ParameterList()
        for fan_in, fan_out in zip(self.layers[:-1], self.layers[1:], strict=True):
            bound = 1.0 / math.sqrt(fan_in)  # torch.nn.Linear's default initialisation
            self.weights.append(nn.Parameter(torch.empty(n_agents, fan_in, fan_out)))
            self.biases.append(nn.Parameter(torch.empty(n_agents, fan_out)))
            nn.init.uniform_(self.weights[-1], -bound, bound)
            nn.init.uniform_(self.biases[-1], -bound, bound)
        self.gain_skip = bool(gain_skip)
        if self.gain_skip:
            if self.layers[0] != self.layers[-1]:
                raise ValueError(f"gain_skip needs as many outputs as inputs, got {self.layers}")
            self.skip_weight = nn.Parameter(torch.zeros(n_agents, 1))
            self.skip_bias = nn.Parameter(torch.zeros(n_agents, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``x`` (B, M, N): agent j's input in ``x[:, j]``; logits of the same shape."""
        inputs = x
        last = len(self.weights) - 1
        for k, (w, b) in enumerate(zip(self.weights, self.biases, strict=True)):
            x = torch.einsum("bmi,mio->bmo", x, w) + b
            if k < last:
                x = torch.relu(x)
        if self.gain_skip:
            x = x + SKIP_SCALE * self.skip_weight * inputs + self.skip_bias
        return x

    def l2_per_agent(self) -> torch.Tensor:
        """``||theta_j||^2`` of each agent (the L_L2 term of eq. (14)), shape (M,)."""
        total = torch.zeros(self.n_agents)
        for w, b in zip(self.weights, self.biases, strict=True):
            total = total + w.pow(2).sum(dim=(1, 2)) + b.pow(2).sum(dim=1)
        if self.gain_skip:
            total = total + (self.skip_weight.pow(2) + self.skip_bias.pow(2)).sum(dim=1)
        return total


def decision_to_labels(decision: np.ndarray, n_agents: int) -> np.ndarray:
    """``(..., N)`` decisions -> ``(..., M, N)`` 0/1 targets: ``a_ij = 1`` iff IoTD i goes to j."""
    d = np.asarray(decision)
    servers = np.arange(1, n_agents + 1).reshape((1,) * (d.ndim - 1) + (n_agents, 1))
    return (np.expand_dims(d, -2) == servers).astype(np.float32)
