"""DIRS, the distributed intelligent resource scheduling agent of paper 003."""

from agents.dirs.agent import DIRSAgent

__all__ = ["DIRSAgent"]
