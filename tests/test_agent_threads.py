"""Agents train and act on one torch thread and give the caller's thread count back."""

from __future__ import annotations

import pytest
import torch

from agents.threads import one_torch_thread


def test_one_torch_thread_inside_and_restored_after_an_error():
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        with pytest.raises(RuntimeError), one_torch_thread():
            assert torch.get_num_threads() == 1
            raise RuntimeError("inside")
        assert torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(before)
