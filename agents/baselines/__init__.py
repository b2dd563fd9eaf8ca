"""Heuristic, exact and oracle baselines as agents (thin wrappers over each system's solvers)."""
