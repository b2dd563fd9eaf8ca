"""Hyper-parameters of the D3QN, L-D3QN and LL-D3QN agents (paper 000, Table 2 and sec. 4).

One frozen dataclass, validated when it is built: a bad value raises ``ValueError`` naming
the field and what it allows. ``D3QNAgent(env, **kwargs)`` builds it from the keyword
arguments (the catalog and the benchmark runner pass keywords), and ``agent.config`` holds
it as a dict (:func:`dataclasses.asdict`), which is what a saved agent records.
"""

from __future__ import annotations

from dataclasses import dataclass

from agents.d3qn.afterstate import AfterstateQNetworks
from agents.d3qn.dueling import DuelingQNetworks
from agents.d3qn.mobility import MODES as ROLLOUT_MODES
from agents.d3qn.network import QNetworks
from edge_envs.core.validation import check_choice, check_float, check_int

NETWORKS: dict[str, type[QNetworks]] = {
    "dueling": DuelingQNetworks,
    "afterstate": AfterstateQNetworks,
}
"""The network types, by the name ``network`` takes."""
EXPLORATION = ("independent", "one-core")


@dataclass(frozen=True)
class D3QNConfig:
    """Hyper-parameters of a D3QN agent; defaults are Table 2 of paper 000 where it gives one.

    Attributes:
        lr: Adam learning rate (Table 2: 0.001).
        gamma: discount (Table 2: 0.9).
        epsilon_start: exploration rate at step 0 (ours: 1.0).
        epsilon_end: exploration rate after the decay (Table 2, minimum epsilon: 0.01).
        exploration_fraction: share of the training steps over which epsilon decays
            linearly from ``epsilon_start`` to ``epsilon_end``. Table 2 of paper 000 gives only
            the minimum epsilon (0.01) and leaves the schedule open; 0.2 was chosen on
            validation episodes (warehouse, 5 training seeds: 0.503 against 0.430 with 0.5;
            ``docs/agents/d3qn.md``, "The paper's network: what limits it"). The ``*-afterstate``
            catalog variants keep 0.5, the value they were measured with.
        buffer_size: replay capacity in transitions (ours: 20 000; capped at the number of
            training steps).
        batch_size: transitions per gradient step (ours: 64).
        learning_starts: training steps before the first gradient step (ours: 500).
        train_freq: one gradient step every ``train_freq`` training steps (ours: 2).
        target_update: hard copy of the online network into the target network every
            ``target_update`` training steps (ours: 500).
        layout_seed: ``None``: every training episode draws a new layout (the generic
            runner's protocol); ``s``: every training episode is reset with seed ``s`` and the
            vehicle path comes from the agent's own stream (the paper's protocol, sec. 5.4.1).
        trace_fraction: share of the trace's training part used by L/LL-D3QN's LSTM and the
            trace scenarios (paper: 0.25, 0.5 or 1, sec. 5.4.1); ``None``: the scenario's
            ``trace_train_fraction``.
        lstm_updates: gradient steps of the LSTM predictor (L/LL-D3QN; ours: 2 500).
        rollout_mode: LL-D3QN's LSTM roll-outs take the most likely move (``argmax``, the
            paper's) or draw it from the softmax (``sample``, ours, the default).
        use_adjacency: feed the ``M x M`` adjacency block to the network as the paper does
            (Table 2 input ``M^2 + 2M + 2 + |Y|``); off by default (``dueling`` only).
        n_step: length of the n-step returns in replay (1: the paper's one-step target).
        exploration: ``independent`` (each cluster-core explores with probability epsilon)
            or ``one-core`` (with probability epsilon one random core explores; multi view).
        rollout_floor_m: LL-D3QN: side (m) of the floor-plan grid cells the LSTM roll-outs
            must stay on (cells the training trace visits; ours: 0.5); ``None``: no mask.
        validate_every: training steps between validations; the weights of the best
            validation score are kept (ours: 1 000; 0 turns validation off).
        validation_episodes: episodes per validation (ours: 6).
        network: ``dueling``: the paper's network (Table 2: ``n x 7`` Q-values from the
            state, hidden 600-300-150); ``afterstate``: one shared network scores each
            one-core move's outcome (ours: the ``*-afterstate`` variants; single view only).
        seed: seed of the networks' initial weights (``train(seed=...)`` seeds the rest).
    """

    lr: float = 1e-3
    gamma: float = 0.9
    epsilon_start: float = 1.0
    epsilon_end: float = 0.01
    exploration_fraction: float = 0.2
    buffer_size: int = 20_000
    batch_size: int = 64
    learning_starts: int = 500
    train_freq: int = 2
    target_update: int = 500
    layout_seed: int | None = None
    trace_fraction: float | None = None
    lstm_updates: int = 2500
    rollout_mode: str = "sample"
    use_adjacency: bool = False
    n_step: int = 1
    exploration: str = "independent"
    rollout_floor_m: float | None = 0.5
    validate_every: int = 1000
    validation_episodes: int = 6
    network: str = "dueling"
    seed: int = 0

    def __post_init__(self) -> None:
        check_float("lr", self.lr, 0.0, 1.0, low_inclusive=False)
        check_float("gamma", self.gamma, 0.0, 1.0)
        check_float("epsilon_start", self.epsilon_start, 0.0, 1.0)
        check_float("epsilon_end", self.epsilon_end, 0.0, 1.0)
        check_float("exploration_fraction", self.exploration_fraction, 0.0, 1.0)
        check_int("buffer_size", self.buffer_size, 1)
        check_int("batch_size", self.batch_size, 1)
        check_int("learning_starts", self.learning_starts, 0)
        check_int("train_freq", self.train_freq, 1)
        check_int("target_update", self.target_update, 1)
        if self.layout_seed is not None:
            check_int("layout_seed", self.layout_seed, 0)
        if self.trace_fraction is not None:
            check_float("trace_fraction", self.trace_fraction, 0.0, 1.0, low_inclusive=False)
        check_int("lstm_updates", self.lstm_updates, 0)
        check_choice("rollout_mode", self.rollout_mode, ROLLOUT_MODES)
        if not isinstance(self.use_adjacency, bool):
            raise ValueError(f"use_adjacency must be True or False, got {self.use_adjacency!r}")
        check_int("n_step", self.n_step, 1)
        check_choice("exploration", self.exploration, EXPLORATION)
        if self.rollout_floor_m is not None:
            check_float("rollout_floor_m", self.rollout_floor_m, 0.0, None, low_inclusive=False)
        check_int("validate_every", self.validate_every, 0)
        check_int("validation_episodes", self.validation_episodes, 1)
        check_choice("network", self.network, NETWORKS)
        check_int("seed", self.seed, 0)
