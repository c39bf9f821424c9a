"""Benchmarks (`make bench`); a package so that bench/queue.py never shadows the stdlib queue."""
