"""Exponential backoff with jitter: the one formula for every retry in sync."""
import random


def backoff_delay(attempts, base, ceiling):
    """About ``base * 2**(attempts-1)`` seconds, capped at ``ceiling``, times a jitter of 0.5 to 1."""
    delay = min(ceiling, base * 2 ** max(attempts - 1, 0))
    return delay * random.uniform(0.5, 1.0)
