"""Secret-scanner benchmark: a seeded labeled corpus, tool adapters and a line-level scorer.

``python benchmarks/bench_secrets.py`` is the one command that uses all three.
"""
