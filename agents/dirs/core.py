"""The learning machinery of DIRS apart from the environment loop (paper 003, sec. IV).

:class:`DIRSLearner` holds the M agent networks, the prioritised replay and the optimiser, and
implements the losses of eqs. (14), (16), (17), the imitation pre-training of Algorithm 2 and
one online update of Algorithm 3. It knows nothing of Gymnasium: inputs are the agents'
feature matrices ``(M, N)`` and decisions ``(N,)`` ints.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from agents.dirs.networks import AgentEnsemble, decision_to_labels
from agents.dirs.replay import PrioritisedReplay
from edge_envs.large_scale_mec.model import vote_decision


@dataclass
class LossParts:
    total: float
    per_agent: list[float]  # L2 (or L1) of each agent on the batch


class DIRSLearner:
    def __init__(
        self,
        n_mec: int,
        layers: tuple[int, ...],
        *,
        lr: float = 1e-3,
        lambda1: float = 1e-4,
        lambda2: float = 0.5,
        buffer_size: int = 1024,
        batch_size: int = 256,
        eps_agent: float = 0.08,
        eps_demo: float = 0.02,
        priority_tau: float = 0.6,
        permute_iotds: bool = True,
        gain_skip: bool = True,
        pos_weight: float = 1.0,
    ) -> None:
        self.n_mec = int(n_mec)
        self.n_iotd = int(layers[0])
        self.net = AgentEnsemble(n_mec, layers, gain_skip=gain_skip)
        self.optimizer = torch.optim.Adam(self.net.parameters(), lr=lr)
        self.lambda1 = float(lambda1)
        self.lambda2 = float(lambda2)
        self.batch_size = int(batch_size)
        self.permute_iotds = bool(permute_iotds)
        self.pos_weight = torch.tensor(float(pos_weight))
        self.replay = PrioritisedReplay(
            buffer_size, (n_mec, self.n_iotd), self.n_iotd,
            eps_agent=eps_agent, eps_demo=eps_demo, tau=priority_tau,
        )
        # Standardisation of the inputs (fixed from the demonstrations, then kept).
        self.input_mean = 0.0
        self.input_std = 1.0

    # -- inference --------------------------------------------------------------------
    def scores(self, features: np.ndarray) -> np.ndarray:
        """Sigmoid outputs ``(..., M, N)`` of all agents for features ``(..., M, N)``."""
        x = np.asarray(features, dtype=np.float32)
        squeeze = x.ndim == 2
        if squeeze:
            x = x[None]
        with torch.no_grad():
            out = torch.sigmoid(self.net(self._standardise(torch.from_numpy(x)))).numpy()
        return out[0] if squeeze else out

    def decide(self, features: np.ndarray) -> np.ndarray:
        """The ensemble decision ``a^e``: every agent's outputs, then the vote."""
        return vote_decision(self.scores(features))

    def _standardise(self, x: torch.Tensor) -> torch.Tensor:
        return (x - self.input_mean) / self.input_std

    def fit_standardisation(self) -> None:
        x = self.replay.inputs[: len(self.replay)]
        self.input_mean = float(x.mean())
        self.input_std = float(max(x.std(), 1e-6))

    # -- losses -----------------------------------------------------------------------
    def _batch(self, rng: np.random.Generator, idx: np.ndarray):
        x = self.replay.inputs[idx]
        labels = decision_to_labels(self.replay.decisions[idx], self.n_mec)
        if self.permute_iotds:
            # The IoTDs are exchangeable (same task, same weights): relabelling them in the
            # same way for inputs and targets gives another valid demonstration.
            perm = np.argsort(rng.random((len(idx), self.n_iotd)), axis=1)
            perm = np.broadcast_to(perm[:, None, :], x.shape)
            x = np.take_along_axis(x, perm, axis=2)
            labels = np.take_along_axis(labels, perm, axis=2)
        demo = self.replay.is_demo[idx]
        return torch.from_numpy(np.ascontiguousarray(x)), torch.from_numpy(
            np.ascontiguousarray(labels)), torch.from_numpy(demo)

    def loss(self, x, labels, demo, with_agent_term: bool):
        """Eq. (14) ``L1 = L_D + lambda1 ||theta||^2`` or eq. (16) ``L2 = L1 + lambda2 L_A``.

        Cross-entropies are averaged over the N outputs of an agent and over the samples of
        their kind (demonstrations for L_D, agent data for L_A, eq. (17)); returns the total
        (sum over agents, whose parameters are disjoint) and the per-sample mean loss for the
        priorities.
        """
        logits = self.net(self._standardise(x))
        ce = F.binary_cross_entropy_with_logits(
            logits, labels, reduction="none", pos_weight=self.pos_weight).mean(dim=2)
        demo_f = demo.float()[:, None]
        n_demo = demo_f.sum()
        n_agent = (1.0 - demo_f).sum()
        per_agent = self.lambda1 * self.net.l2_per_agent()
        if n_demo > 0:
            per_agent = per_agent + (ce * demo_f).sum(dim=0) / n_demo
        if with_agent_term and n_agent > 0:
            per_agent = per_agent + self.lambda2 * (ce * (1.0 - demo_f)).sum(dim=0) / n_agent
        return per_agent, ce.mean(dim=1).detach()

    def update(self, rng: np.random.Generator, with_agent_term: bool) -> LossParts:
        """One Adam step on a prioritised minibatch; refreshes the sampled priorities."""
        idx = self.replay.sample(rng, self.batch_size)
        x, labels, demo = self._batch(rng, idx)
        per_agent, sample_loss = self.loss(x, labels, demo, with_agent_term)
        total = per_agent.sum()
        self.optimizer.zero_grad()
        total.backward()
        self.optimizer.step()
        self.replay.update_loss(idx, sample_loss.numpy().astype(np.float64))
        return LossParts(float(total.detach()), [float(v) for v in per_agent.detach()])

    # -- accuracy (Table II) -----------------------------------------------------------
    def accuracy(self, features: np.ndarray, decisions: np.ndarray) -> dict[str, float]:
        """``binary``: share of the M*N agent outputs on the right side of 0.5 (Keras-style);
        ``decision``: share of IoTDs whose voted decision equals the demonstration's."""
        scores = self.scores(features)
        labels = decision_to_labels(decisions, self.n_mec)
        return {
            "binary": float(((scores > 0.5) == (labels > 0.5)).mean()),
            "decision": float((vote_decision(scores) == np.asarray(decisions)).mean()),
        }

    def demo_loss(self, features: np.ndarray, decisions: np.ndarray) -> dict[str, list[float]]:
        """Per agent on the pairs ``(features, decisions)`` (all of them, not relabelled):
        ``L1`` (eq. (14) with this learner's ``pos_weight`` and ``lambda1``) and ``bce`` (the
        plain mean cross-entropy of eq. (14)'s L_D, the quantity of the paper's Fig. 3)."""
        x = torch.from_numpy(np.ascontiguousarray(features, dtype=np.float32))
        labels = torch.from_numpy(decision_to_labels(decisions, self.n_mec))
        with torch.no_grad():
            l1, _ = self.loss(x, labels, torch.ones(len(x), dtype=torch.bool), False)
            logits = self.net(self._standardise(x))
            bce = F.binary_cross_entropy_with_logits(logits, labels, reduction="none")
        return {"L1": [float(v) for v in l1], "bce": [float(v) for v in bce.mean(dim=(0, 2))]}

    # -- persistence ------------------------------------------------------------------
    def state_dict(self) -> dict:
        return {
            "net": {k: v.detach().clone() for k, v in self.net.state_dict().items()},
            "input_mean": self.input_mean,
            "input_std": self.input_std,
        }

    def load_state_dict(self, state: dict) -> None:
        self.net.load_state_dict(state["net"])
        self.input_mean = float(state["input_mean"])
        self.input_std = float(state["input_std"])
