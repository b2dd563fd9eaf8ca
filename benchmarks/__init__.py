"""Benchmark runner and leaderboard of edge-envs (``edge-bench``, ``python -m benchmarks``).

* :mod:`benchmarks.suites`: suites and presets (what to run);
* :mod:`benchmarks.jobs`: one job and its stable key;
* :mod:`benchmarks.runner`: train and evaluate a job, run many (resume, progress bar);
* :mod:`benchmarks.backends`: serial, process pool, Ray;
* :mod:`benchmarks.store`: the SQLite results store;
* :mod:`benchmarks.stats`, :mod:`benchmarks.leaderboard`, :mod:`benchmarks.plots`: scores,
  tables and figures;
* :mod:`benchmarks.perf`: environment speed (``python -m benchmarks.perf``);
* :mod:`benchmarks.reproduce`: paper reproductions.

The protocol is described in ``docs/benchmark.md``.
"""
