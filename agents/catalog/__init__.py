"""Declarations of the built-in agents, one module per family (see agents.registry)."""
