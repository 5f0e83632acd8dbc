"""The follow graph the graph benchmark reads: popularity by a power law, out-degree rising with it.

Every user has a popularity rank (shuffled over the ids, so the most
followed users are anyone, not the first ids). Whom a user follows is drawn
by Zipf popularity (preferential attachment: the popular gain the most
followers); how many a user follows falls as a power of the rank, with
log-normal noise, so the popular also follow the most. The ``prolific``
most popular users follow at least ``prolific_degree`` each, and the
``planted`` users each follow ``prolific_degree`` of them: a user who follows
500 people who each follow 500 (or more), many of them, so the heavy case's
p99 is taken over distinct users. Deterministic for a seed.
"""
import itertools
import random
import statistics
from dataclasses import dataclass

ZIPF_EXPONENT = 1.0  # popularity of the rank-r user, as a follow target: 1 / r
OUT_DEGREE_EXPONENT = 0.6  # out-degree of the rank-r user: about D / r**0.8 ...
OUT_DEGREE_NOISE = 0.5  # ... times a log-normal factor of this sigma
MAX_OUT_DEGREE = 1000


@dataclass
class FollowGraph:
    users: int
    pairs: list  # (source, target) user numbers, unique, no self-follows
    out_degree: list
    in_degree: list
    buckets: dict  # bucket name -> user numbers, distinct, in a random order
    bucket_rules: dict  # bucket name -> how its users were chosen


def build(users, edges, *, prolific=600, prolific_degree=500, planted=200, seed=7):
    """The graph, with ``edges`` follows in all (give or take the rounding)."""
    if prolific_degree * (prolific + planted) >= edges or prolific + planted >= users // 2:
        raise ValueError("the prolific and planted users need fewer than the edges and half the users")
    if prolific_degree > prolific:
        raise ValueError("the planted users follow prolific_degree distinct prolific users")
    rng = random.Random(seed)
    by_rank = list(range(users))
    rng.shuffle(by_rank)  # by_rank[r] is the user of popularity rank r
    pool = by_rank[:prolific]
    planted_users = rng.sample(by_rank[prolific:], planted)
    degree = _out_degrees(rng, users, edges - planted * prolific_degree, prolific, prolific_degree)
    cumulative = list(itertools.accumulate(1.0 / (rank + 1) ** ZIPF_EXPONENT for rank in range(users)))

    out_degree = [0] * users
    planted_set = set(planted_users)
    pairs = []
    for rank, user in enumerate(by_rank):
        if user in planted_set:
            chosen = set(rng.sample(pool, prolific_degree))
        else:
            chosen = set()
            while len(chosen) < degree[rank]:
                for target in rng.choices(by_rank, cum_weights=cumulative, k=degree[rank] - len(chosen)):
                    if target != user:
                        chosen.add(target)
        out_degree[user] = len(chosen)
        pairs.extend((user, target) for target in chosen)
    pairs.sort()
    in_degree = [0] * users
    for _, target in pairs:
        in_degree[target] += 1

    ordinary = sorted(set(range(users)) - planted_set, key=out_degree.__getitem__)
    n = len(ordinary)
    light_cut = out_degree[ordinary[n // 4]]
    median = out_degree[ordinary[n // 2]]
    heavy_cut = out_degree[ordinary[(99 * n) // 100]]
    buckets = {
        "light": [u for u in ordinary if out_degree[u] <= light_cut],
        "median": [u for u in ordinary if out_degree[u] == median],
        "heavy": [u for u in ordinary if out_degree[u] >= heavy_cut],
        "500x500": planted_users,
    }
    for members in buckets.values():
        rng.shuffle(members)
    rules = {
        "light": f"out-degree at most {light_cut} (the 25th percentile)",
        "median": f"out-degree {median} (the median)",
        "heavy": f"out-degree at least {heavy_cut} (the top 1%)",
        "500x500": f"follows {prolific_degree} of the {prolific} most popular users, "
        f"who each follow at least {prolific_degree}",
    }
    return FollowGraph(users, pairs, out_degree, in_degree, buckets, rules)


def _out_degrees(rng, users, edges, prolific, prolific_degree):
    """Out-degree of each popularity rank, D / rank**exponent times noise, scaled to sum to about ``edges``."""
    shape = [(rank + 1) ** -OUT_DEGREE_EXPONENT * rng.lognormvariate(0.0, OUT_DEGREE_NOISE) for rank in range(users)]
    cap = min(MAX_OUT_DEGREE, users // 2)

    def degrees(scale):
        found = [min(cap, max(1, round(scale * value))) for value in shape]
        for rank in range(prolific):
            found[rank] = max(found[rank], prolific_degree)
        return found

    low, high = 1.0, float(users) * cap
    for _ in range(60):  # bisection on the scale, in log space
        middle = (low * high) ** 0.5
        low, high = (middle, high) if sum(degrees(middle)) < edges else (low, middle)
    return degrees(low)


def describe(graph):
    """The figures that show the skew, for the JSON."""
    out_degree = graph.out_degree
    return {
        "popularity": f"Zipf over a shuffled rank, exponent {ZIPF_EXPONENT}",
        "out_degree": f"about D / rank^{OUT_DEGREE_EXPONENT} x log-normal(sigma {OUT_DEGREE_NOISE}), "
        f"1 to {MAX_OUT_DEGREE}",
        "median_out_degree": statistics.median(out_degree),
        "mean_out_degree": round(statistics.fmean(out_degree), 1),
        "max_out_degree": max(out_degree),
        "max_in_degree": max(graph.in_degree),
        "out_degree_in_popularity_order": "rising: the top 1% by in-degree follow "
        f"{_mean_out_degree_of_most_followed(graph):.0f} on average",
    }


def _mean_out_degree_of_most_followed(graph):
    top = sorted(range(graph.users), key=graph.in_degree.__getitem__, reverse=True)[: max(1, graph.users // 100)]
    return statistics.fmean(graph.out_degree[u] for u in top)
