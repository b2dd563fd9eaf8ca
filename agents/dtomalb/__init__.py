"""DTOMALB, DTOMA, IDQL-TOLB and DQN-TOLB on SingleCellMEC-v0 (paper 002, sec. 4)."""

from agents.dtomalb.agent import DTOMALBAgent
from agents.dtomalb.dqn import DQNTOLBAgent, IDQLTOLBAgent
from agents.dtomalb.learner import split_observation

__all__ = ["DQNTOLBAgent", "DTOMALBAgent", "IDQLTOLBAgent", "split_observation"]
