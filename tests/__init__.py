"""Test suite of edge-envs."""
