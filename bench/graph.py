"""Graph benchmark: the embedded (SQLite) graph store against the same reads in hand-written SQL, per fan-out bucket.

    python -m bench graph [--quick] [--users 100000] [--edges 1000000] [--samples 600]
                          [--planted 200] [--rounds 3] [--seed 7]

The graph (bench/graph_data.py): 100,000 users and about 1,000,000 follows;
popularity follows a power law (preferential attachment) and out-degree
rises with it; 200 planted users each follow 500 people who each follow 500
or more. Users fall in four fan-out buckets: light (out-degree at most the
25th percentile), median, heavy (the top 1%) and 500x500 (the planted ones).

For each bucket, up to ``--samples`` distinct users (all 200 for 500x500,
so its p99 is over distinct heavy users, not one user repeated), and per
user, through the store's public API: their first page of followees (50),
recommendations (top 10, two hops, ranked by paths, leaving out themselves
and whom they follow) and the common followees with the next user of the
bucket (first page). Each read is timed against the baseline in the same
run (bench/graph_baseline.py: the same reads in one SQL statement each over
an integer-keyed follows table, the strongest a skilled SQLite user would
write; its docstring says why), interleaved in blocks of users, the engine
that goes first alternating from block to block and from run to run.
Everything is timed ``--rounds`` times in one invocation; each bucket
reports p50/p95/p99 over all rounds and the spread of the p95 and p99 over
the rounds. Both engines' answers are compared on a sample first
(``answers_agree``), and the bound's effect on the top 10 is measured against
the exact (unbounded) recommendations (``bound``).

Goal: recommendations for a 500x500 user, p95 under 50 ms on the embedded
backend (``goal_met``). ``--quick`` builds a 20,000-user graph with 30
planted users for development; it runs in well under a minute.
"""
import argparse
import gc
import tempfile
import time
from pathlib import Path

from apps.stores.graph.sqlite import SQLiteGraphStore
from bench import graph_data, harness
from bench.graph_baseline import SQLFollowGraph
from bench.stats import percentile

LABEL = "follows"
PAGE_SIZE = 50
TOP = 10
BLOCK = 20  # users per block; the engine that goes first alternates block by block
GOAL_MS = 50.0
QUICK = {"users": 20_000, "edges": 400_000, "prolific": 520, "planted": 30, "samples": 150}
FULL = {"users": 100_000, "edges": 1_000_000, "prolific": 600, "planted": 200, "samples": 600}
OPERATIONS = ("neighbours_page", "recommendations", "common_neighbours")
ENGINES = ("store", "baseline")


def parse_arguments(args):
    parser = argparse.ArgumentParser(prog="python -m bench graph", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="a small graph, for development")
    parser.add_argument("--users", type=int, help=f"user vertices (default {FULL['users']:,})")
    parser.add_argument("--edges", type=int, help=f"follow edges (default {FULL['edges']:,})")
    parser.add_argument("--prolific", type=int, help="popular users who follow 500 or more")
    parser.add_argument("--planted", type=int, help="500x500 users (default 200)")
    parser.add_argument("--samples", type=int, help="distinct users timed per bucket at most")
    parser.add_argument("--rounds", type=int, default=3, help="repeated runs in this invocation (at least 3)")
    parser.add_argument("--seed", type=int, default=7)
    options = parser.parse_args(list(args or ()))
    for key, value in (QUICK if options.quick else FULL).items():
        if getattr(options, key) is None:
            setattr(options, key, value)
    if options.rounds < 3 or options.samples < 1:
        parser.error("--rounds must be at least 3 and --samples at least 1")
    return options


def progress(message):
    harness.progress("graph", message)


def run(args=None):
    """Build the graph, time both engines bucket by bucket, and return the figures as one JSON-ready dict."""
    options = parse_arguments(args)
    progress(f"generating {options.users:,} users and about {options.edges:,} follows")
    started = time.perf_counter()
    graph = graph_data.build(options.users, options.edges, prolific=options.prolific,
                             planted=options.planted, seed=options.seed)
    generated = time.perf_counter() - started
    users = [f"user:{n}" for n in range(graph.users)]
    # The baseline's integer keys follow the store's id order, so both break ties alike.
    key = [0] * graph.users
    for position, n in enumerate(sorted(range(graph.users), key=users.__getitem__)):
        key[n] = position
    chosen = {name: members[: options.samples] if name != "500x500" else members
              for name, members in graph.buckets.items()}

    with tempfile.TemporaryDirectory(prefix="bench-graph-") as folder:
        store = SQLiteGraphStore(alias="bench", path=str(Path(folder) / "graph.sqlite3"))
        baseline = SQLFollowGraph(str(Path(folder) / "baseline.sqlite3"),
                                  store.recommendation_first_hop_limit, store.recommendation_second_hop_limit)
        try:
            loaded = load(store, baseline, graph, users, key)
            engines = engine_calls(store, baseline, users, key)
            agree = compare_answers(engines, chosen)
            bound = bound_effect(store, baseline, chosen, users, key)
            # The bench's own million-tuple graph is no part of a site's heap: frozen, the
            # collector no longer walks it, so its pauses do not land on whichever engine allocates more.
            gc.collect()
            gc.freeze()
            progress("warming both files into the page cache")
            for members in chosen.values():
                for engine in ENGINES:
                    for operation in OPERATIONS:
                        time_block(engines[engine][operation], pairs_of(members[:BLOCK]))
            samples = time_rounds(engines, chosen, options.rounds)
        finally:
            gc.unfreeze()
            baseline.close()
            store.close()

    buckets = {name: bucket_figures(graph, name, chosen[name], samples[name]) for name in chosen}
    heavy = buckets["500x500"]["recommendations_ms"]
    return {
        "benchmark": "graph",
        "backend": "apps.stores.graph.sqlite.SQLiteGraphStore",
        "baseline": "one SQL statement per read over an integer-keyed follows table (bench/graph_baseline.py)",
        "quick": options.quick,
        "users": graph.users,
        "follow_edges": len(graph.pairs),
        "rounds": options.rounds,
        "skew": graph_data.describe(graph),
        "fan_out_bound": {"first_hop": store.recommendation_first_hop_limit,
                          "second_hop": store.recommendation_second_hop_limit,
                          "rule": "the first N out-neighbours by id, each with its first M out-neighbours by id"},
        "generate_seconds": round(generated, 2),
        "load_seconds": loaded,
        "answers_agree": agree,
        "bound": bound,
        "buckets": buckets,
        "goal": {
            "what": "recommendations for a 500x500 user, p95 under 50 ms, embedded backend",
            "store_p95_ms": heavy["store"]["p95"],
            "baseline_p95_ms": heavy["baseline"]["p95"],
            "store_p95_ms_over_rounds": heavy["store"]["p95_over_rounds"],
            "goal_met": heavy["store"]["p95"] < GOAL_MS,
        },
    }


def load(store, baseline, graph, users, key):
    progress("loading the store")
    started = time.perf_counter()
    store.bulk_upsert_vertices((users[n], "user", {"handle": f"u{n}"}) for n in range(graph.users))
    for start in range(0, len(graph.pairs), 200_000):
        store.bulk_upsert_edges((users[s], LABEL, users[t]) for s, t in graph.pairs[start:start + 200_000])
    store_seconds = time.perf_counter() - started
    progress("loading the baseline")
    started = time.perf_counter()
    baseline.load(((key[n], f"u{n}") for n in range(graph.users)), ((key[s], key[t]) for s, t in graph.pairs))
    return {"store": round(store_seconds, 2), "baseline": round(time.perf_counter() - started, 2)}


def engine_calls(store, baseline, users, key):
    """Per engine and operation, a call taking (user, other user) numbers."""
    return {
        "store": {
            "neighbours_page": lambda a, b: store.neighbours(users[a], direction="out", label=LABEL,
                                                             limit=PAGE_SIZE),
            "recommendations": lambda a, b: store.recommendations(users[a], label=LABEL, limit=TOP),
            "common_neighbours": lambda a, b: store.common_neighbours(users[a], users[b], direction="out",
                                                                      label=LABEL, limit=PAGE_SIZE),
        },
        "baseline": {
            "neighbours_page": lambda a, b: baseline.neighbours(key[a], PAGE_SIZE),
            "recommendations": lambda a, b: baseline.recommendations(key[a], TOP),
            "common_neighbours": lambda a, b: baseline.common_neighbours(key[a], key[b], PAGE_SIZE),
        },
    }


def pairs_of(members):
    """Each user with the next one of the bucket (the last with the first)."""
    return list(zip(members, members[1:] + members[:1]))


def compare_answers(engines, chosen, per_bucket=20):
    """How many answers of a sample are the same from both engines (ids, in order, and scores)."""
    progress("comparing the answers of both engines")

    def store_answer(operation, found):
        if operation == "recommendations":
            return [(r.vertex.id, r.vertex.properties["handle"], r.score) for r in found]
        return [(v.id, v.properties["handle"]) for v in found]

    def baseline_answer(operation, found):
        return [(f"user:{handle[1:]}", handle, *rest) for _, handle, *rest in found]

    checked = same = 0
    for members in chosen.values():
        for a, b in pairs_of(members[:per_bucket]):
            for operation in OPERATIONS:
                checked += 1
                same += (store_answer(operation, engines["store"][operation](a, b))
                         == baseline_answer(operation, engines["baseline"][operation](a, b)))
    return {"checked": checked, "same": same}


def bound_effect(store, baseline, chosen, users, key, per_bucket=30):
    """What the fan-out bound changes: the exact top 10's share found within the bound, and the
    exact (unbounded) baseline's time, for the heavy buckets."""
    progress("measuring the bound against the exact recommendations")
    effect = {}
    for name in ("heavy", "500x500"):
        recall, exact_ms = [], []
        for n in chosen[name][:per_bucket]:
            started = time.perf_counter()
            exact = {row[0] for row in baseline.exact_recommendations(key[n], TOP)}
            exact_ms.append((time.perf_counter() - started) * 1000)
            within = {key[int(r.vertex.id.split(":")[1])] for r in store.recommendations(users[n], label=LABEL,
                                                                                           limit=TOP)}
            recall.append(len(exact & within) / len(exact) if exact else 1.0)
        exact_ms.sort()
        effect[name] = {
            "users": len(recall),
            "exact_top10_found_within_bound": round(sum(recall) / len(recall), 3),
            "exact_baseline_ms": {"p50": round(percentile(exact_ms, 0.5), 3),
                                  "p95": round(percentile(exact_ms, 0.95), 3)},
        }
    return effect


def time_block(call, pairs):
    spent = []
    for a, b in pairs:
        started = time.perf_counter()
        call(a, b)
        spent.append((time.perf_counter() - started) * 1000)
    return spent


def time_rounds(engines, chosen, rounds):
    """samples[bucket][operation][engine] = one list of milliseconds per round."""
    samples = {name: {op: {engine: [] for engine in ENGINES} for op in OPERATIONS} for name in chosen}
    for round_number in range(rounds):
        progress(f"round {round_number + 1} of {rounds}")
        for name, members in chosen.items():
            pairs = pairs_of(members)
            for operation in OPERATIONS:
                spent = {engine: [] for engine in ENGINES}
                for block_number, start in enumerate(range(0, len(pairs), BLOCK)):
                    block = pairs[start:start + BLOCK]
                    order = ENGINES if (block_number + round_number) % 2 == 0 else ENGINES[::-1]
                    for engine in order:
                        spent[engine] += time_block(engines[engine][operation], block)
                for engine in ENGINES:
                    samples[name][operation][engine].append(spent[engine])
    return samples


def figures(per_round):
    """p50/p95/p99 over every round's samples, and the spread of p95 and p99 over the rounds."""
    pooled = sorted(ms for spent in per_round for ms in spent)

    def cut(values, fraction):
        return round(percentile(values, fraction), 3)

    return {
        "p50": cut(pooled, 0.50), "p95": cut(pooled, 0.95), "p99": cut(pooled, 0.99), "samples": len(pooled),
        "p95_over_rounds": harness.spread([cut(sorted(spent), 0.95) for spent in per_round]),
        "p99_over_rounds": harness.spread([cut(sorted(spent), 0.99) for spent in per_round]),
    }


def bucket_figures(graph, name, members, samples):
    degrees = sorted(graph.out_degree[n] for n in members)
    figures_of = {}
    for operation in OPERATIONS:
        store, baseline = figures(samples[operation]["store"]), figures(samples[operation]["baseline"])
        figures_of[f"{operation}_ms"] = {
            "store": store, "baseline": baseline,
            "store_over_baseline_p95": round(store["p95"] / baseline["p95"], 2) if baseline["p95"] else None,
        }
    return {
        "rule": graph.bucket_rules[name],
        "users_in_bucket": len(graph.buckets[name]),
        "distinct_users_timed": len(members),
        "out_degree": {"min": degrees[0], "median": degrees[len(degrees) // 2], "max": degrees[-1]},
        **figures_of,
    }
