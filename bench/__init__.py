"""Benchmarks of the litreview plugin: a synthetic-review generator, a runner and a profiler (`make bench`)."""
