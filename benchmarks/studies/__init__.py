"""Small studies: each module runs one experiment with the benchmark runner's evaluation loop and
writes the results JSON that a doc section is generated from or checked against
(``docs/reproduction/studies/``). Run one as ``python -m benchmarks.studies.<name>``."""
