"""MADDPG (Lowe et al. 2017) on LargeScaleMEC's multi-agent semantics (paper 003, Fig. 7)."""

from agents.maddpg.agent import MADDPGAgent

__all__ = ["MADDPGAgent"]
