"""Figures the benchmarks share."""
import math


def percentile(sorted_values, fraction):
    """The nearest-rank percentile of already sorted values."""
    return sorted_values[max(0, math.ceil(fraction * len(sorted_values)) - 1)]
