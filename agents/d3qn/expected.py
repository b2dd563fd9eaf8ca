"""Eq. (6) of paper 000: choose the action of highest *expected* Q over predicted states.

The LSTM gives probabilities ``P_k`` of the vehicle's next move ``k``; ``s^k`` is the
observation with the vehicle moved by ``k``. Rather than acting on the most likely ``s^k``
(sec. 4.3, Fig. 6), L-D3QN takes ``a = argmax_a sum_k P_k Q(s^k, a)``, per cluster-core head.
"""

from __future__ import annotations

import torch


def expected_q_action(q_values: torch.Tensor, probs: torch.Tensor) -> torch.Tensor:
    """Eq. (6) per head.

    Args:
        q_values: ``(K, n_heads, n_actions)``, ``Q(s^k, .)`` for each predicted state ``k``.
        probs: ``(K,)`` probabilities of the predicted states (need not be normalised).
    Returns:
        ``(n_heads,)`` long tensor of actions.
    """
    if q_values.shape[0] != probs.shape[0]:
        raise ValueError(f"{q_values.shape[0]} Q rows for {probs.shape[0]} probabilities")
    expected = torch.einsum("k,kha->ha", probs.to(q_values.dtype), q_values)
    return expected.argmax(dim=-1)
