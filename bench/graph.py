"""Graph benchmark: a follow graph with a realistic skew, on the embedded (SQLite) backend.

    python -m bench graph [--users 100000] [--edges 1000000] [--samples 2000] [--seed 7]

Builds the users and follow edges in a temporary folder through the bulk
methods, then times, per call through the public store API: a neighbours
page (50 vertices, out and in alternately) and two-hop recommendations
(top 10) for randomly drawn users; then the extremes: the first and last
page of the most followed user's followers, and recommendations for the
user who follows the most people.

Who follows whom: out-degrees are log-normal (most users follow a few,
some a thousand) and targets are drawn by Zipf popularity, so a few users
have tens of thousands of followers. Goals: recommendation p95 under 50 ms,
neighbours page p99 under 5 ms.
"""
import argparse
import bisect
import itertools
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

from apps.stores.graph.sqlite import SQLiteGraphStore

ZIPF_EXPONENT = 1.0
OUT_DEGREE_SIGMA = 1.1
PAGE_SIZE = 50
GOALS = {"recommendation_p95_ms": 50.0, "neighbours_page_p99_ms": 5.0}


def parse_arguments(args):
    parser = argparse.ArgumentParser(prog="python -m bench graph", description=__doc__.split("\n")[0])
    parser.add_argument("--users", type=int, default=100_000, help="user vertices")
    parser.add_argument("--edges", type=int, default=1_000_000, help="follow edges among them")
    parser.add_argument("--samples", type=int, default=2_000, help="timed calls of each read")
    parser.add_argument("--seed", type=int, default=7)
    options = parser.parse_args(list(args or ()))
    if options.users < 2 or options.samples < 1:
        parser.error("--users must be at least 2 and --samples at least 1")
    if not 0 < options.edges <= options.users * (options.users // 10):
        parser.error("--edges must be positive and at most a tenth of the users per user")
    return options


def progress(message):
    print(f"[bench graph {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def out_degrees(rng, users, edges):
    """Log-normal out-degrees summing to ``edges``, none above a tenth of the users."""
    cap = max(1, users // 10)
    raw = [rng.lognormvariate(0.0, OUT_DEGREE_SIGMA) for _ in range(users)]
    scale = edges / sum(raw)
    degrees = [min(cap, max(1, round(value * scale))) for value in raw]
    # Rounding and the cap leave the total a little off: spread the difference one edge at a time.
    difference = edges - sum(degrees)
    step = 1 if difference > 0 else -1
    while difference:
        n = rng.randrange(users)
        if 1 <= degrees[n] + step <= cap:
            degrees[n] += step
            difference -= step
    return degrees


def follow_edges(rng, users, edges):
    """(source, target) index pairs: no self-follows, no duplicates, Zipf-popular targets."""
    popularity = list(range(users))
    rng.shuffle(popularity)  # the most followed users are anyone, not the first ids
    cumulative = list(itertools.accumulate(1.0 / (rank + 1) ** ZIPF_EXPONENT for rank in range(users)))
    total = cumulative[-1]

    def draw():
        return popularity[bisect.bisect_left(cumulative, rng.random() * total)]

    pairs = []
    for source, degree in enumerate(out_degrees(rng, users, edges)):
        chosen = set()
        while len(chosen) < degree:
            target = draw()
            if target != source:
                chosen.add(target)
        pairs.extend((source, target) for target in sorted(chosen))
    return pairs


def percentiles(samples_ms, *points):
    cuts = statistics.quantiles(samples_ms, n=100, method="inclusive")
    return {f"p{point}": round(cuts[point - 1], 3) for point in points}


def timed_calls(call, arguments):
    spent = []
    for argument in arguments:
        started = time.perf_counter()
        call(argument)
        spent.append((time.perf_counter() - started) * 1000)
    return spent


def run(args=None):
    """Build the graph, time the reads, and return the figures as one JSON-ready dict."""
    options = parse_arguments(args)
    users, edges, samples = options.users, options.edges, options.samples
    rng = random.Random(options.seed)
    user = [f"user:{n}" for n in range(users)]

    progress(f"generating {users:,} users and {edges:,} follow edges")
    started = time.perf_counter()
    pairs = follow_edges(rng, users, edges)
    generated = time.perf_counter() - started

    with tempfile.TemporaryDirectory(prefix="bench-graph-") as folder:
        path = Path(folder) / "graph.sqlite3"
        store = SQLiteGraphStore(alias="bench", path=str(path))
        try:
            progress(f"loading into {path}")
            started = time.perf_counter()
            store.bulk_upsert_vertices((user[n], "user", {"handle": f"u{n}"}) for n in range(users))
            vertices_loaded = time.perf_counter() - started
            started = time.perf_counter()
            store.bulk_upsert_edges((user[s], "follows", user[t]) for s, t in pairs)
            edges_loaded = time.perf_counter() - started
            size_mb = sum(f.stat().st_size for f in Path(folder).iterdir()) / 2**20

            in_degree = [0] * users
            for _, target in pairs:
                in_degree[target] += 1
            out_degree = [0] * users
            for source, _ in pairs:
                out_degree[source] += 1

            sampled = [user[rng.randrange(users)] for _ in range(samples)]
            hub = user[max(range(users), key=in_degree.__getitem__)]

            def page(index_and_id):
                index, id = index_and_id
                direction = "out" if index % 2 == 0 else "in"
                return store.neighbours(id, direction=direction, label="follows", limit=PAGE_SIZE)

            def recommend(id):
                return store.recommendations(id, label="follows", limit=10)

            progress(f"timing {samples:,} neighbours pages and {samples:,} recommendations")
            # Warm the file into the page cache, as a running site would have it.
            timed_calls(page, enumerate(sampled[:200]))
            timed_calls(recommend, sampled[:200])

            neighbours_ms = timed_calls(page, enumerate(sampled))
            recommendation_ms = timed_calls(recommend, sampled)
            def followers_page(offset):
                return store.neighbours(hub, direction="in", label="follows", limit=PAGE_SIZE, offset=offset)

            hub_followers_ms = timed_calls(followers_page, [0] * 50)
            last_page = PAGE_SIZE * ((max(in_degree) - 1) // PAGE_SIZE)
            hub_deep_page_ms = timed_calls(followers_page, [last_page] * 20)
            # The most two-hop paths: whoever follows the most people.
            busiest = user[max(range(users), key=out_degree.__getitem__)]
            busiest_recommendation_ms = timed_calls(recommend, [busiest] * 20)
        finally:
            store.close()

    neighbours = {**percentiles(neighbours_ms, 50, 99), "samples": len(neighbours_ms)}
    recommendation = {**percentiles(recommendation_ms, 50, 95, 99), "samples": len(recommendation_ms)}
    return {
        "benchmark": "graph",
        "backend": "apps.stores.graph.sqlite.SQLiteGraphStore",
        "users": users,
        "follow_edges": len(pairs),
        "skew": {
            "out_degree": "log-normal, sigma %.1f" % OUT_DEGREE_SIGMA,
            "targets": "Zipf, exponent %.1f" % ZIPF_EXPONENT,
            "max_in_degree": max(in_degree),
            "max_out_degree": max(out_degree),
            "median_out_degree": statistics.median(out_degree),
        },
        "generate_seconds": round(generated, 2),
        "load_seconds": {"vertices": round(vertices_loaded, 2), "edges": round(edges_loaded, 2)},
        "database_mb": round(size_mb, 1),
        "neighbours_page_ms": neighbours,
        "recommendation_ms": recommendation,
        "most_followed_user_first_page_ms": percentiles(hub_followers_ms, 50, 99),
        "most_followed_user_last_page_ms": round(statistics.median(hub_deep_page_ms), 3),
        "busiest_follower_recommendation_ms": round(statistics.median(busiest_recommendation_ms), 3),
        "goals": {
            "recommendation_p95_under_50_ms": recommendation["p95"] < GOALS["recommendation_p95_ms"],
            "neighbours_page_p99_under_5_ms": neighbours["p99"] < GOALS["neighbours_page_p99_ms"],
        },
    }


if __name__ == "__main__":
    import json

    print(json.dumps(run(sys.argv[1:]), indent=2))
