"""Shared fixtures: every registered environment id and scenario, for parametrised tests."""

from __future__ import annotations

import os

# One BLAS/torch thread per test process: reproducible numbers, no oversubscription under xdist.
os.environ.setdefault("OMP_NUM_THREADS", "1")

import torch  # noqa: E402

import edge_envs  # noqa: E402

torch.set_num_threads(1)

SYSTEMS = dict(edge_envs.SYSTEMS)
ENV_IDS = sorted(SYSTEMS)
SCENARIOS = [(env_id, name) for env_id in ENV_IDS for name in SYSTEMS[env_id].scenarios]
PZ_SYSTEMS = [env_id for env_id in ENV_IDS if SYSTEMS[env_id].pz_module]
