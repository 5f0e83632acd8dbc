"""Benchmarks, run as ``python -m bench NAME``: not timed tests, figures to compare.

Each ``bench/NAME.py`` exposes ``run(args) -> dict``; ``bench.__main__`` sets
Django up and prints the dict as one JSON object.
"""
