"""Feed benchmark: the social feed's first page, cached and uncached, and "people you may
know", on the embedded profile, against the feed as one SQL query.

    python -m bench feed [--quick] [--readers 40] [--authors 1000] [--posts 50] [--pool 4000]
                         [--author-follows 500] [--repeats 4] [--rounds 3] [--seed 11]

The data: ``--authors`` users with ``--posts`` posts each (documents in the posts
container, partitioned by author, as apps.social writes them); ``--readers``
users who each follow 500 of the authors; each author follows
``--author-follows`` users of the authors and a pool of ``--pool`` more, so a
reader is a 500x500 user for "people you may know". All users exist in SQL,
since the feed and the suggestions load people from there.

Timed through the site's own code (apps.social.feed.page and
apps.social.services.people_you_may_know), per reader, ``--repeats`` times:

- ``cached``: the first page with its cache entry in place (the embedded
  profile's JSON file cache);
- ``uncached``: the first page after its cache entry was deleted (the graph
  for whom the reader follows, one document query over the posts, the cache
  filled again);
- ``baseline``: the same first page from one SQL query over a posts table
  indexed on (author, created) (bench/feed_baseline.py says why it is the
  strongest form of that design);
- ``people_you_may_know``: the top 10, two hops, bounded fan-out.

Engines are interleaved in blocks of readers, the one going first rotating
from block to block and from run to run; ``--rounds`` runs in one
invocation; each figure is reported over all rounds with the spread of its
p95/p99 over the rounds. The first pages of both feeds are compared first
(``answers_agree``). Goals: cached p99 < 20 ms, uncached p99 < 100 ms, people
you may know p95 < 50 ms. ``--quick`` is a small data set for development.
"""
import argparse
import gc
import random
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from bench import harness
from bench.feed_baseline import SQLFeed
from bench.stats import percentile

BLOCK = 5
FOLLOWED = 500
GOALS = {"cached_p99_ms": 20.0, "uncached_p99_ms": 100.0, "people_you_may_know_p95_ms": 50.0}
QUICK = {"readers": 10, "authors": 500, "posts": 10, "pool": 1000, "author_follows": 100, "repeats": 3}
FULL = {"readers": 40, "authors": 1000, "posts": 50, "pool": 4000, "author_follows": 500, "repeats": 4}
ENGINES = ("cached", "uncached", "baseline", "people_you_may_know")


def parse_arguments(args):
    parser = argparse.ArgumentParser(prog="python -m bench feed", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="a small data set, for development")
    parser.add_argument("--readers", type=int, help="500x500 users whose feed is read")
    parser.add_argument("--authors", type=int, help="users who post (at least 500)")
    parser.add_argument("--posts", type=int, help="posts per author")
    parser.add_argument("--pool", type=int, help="further users the authors follow")
    parser.add_argument("--author-follows", type=int, help="how many users each author follows")
    parser.add_argument("--repeats", type=int, help="timed calls per reader, engine and round")
    parser.add_argument("--rounds", type=int, default=3, help="repeated runs in this invocation (at least 3)")
    parser.add_argument("--seed", type=int, default=11)
    options = parser.parse_args(list(args or ()))
    for key, value in (QUICK if options.quick else FULL).items():
        if getattr(options, key) is None:
            setattr(options, key, value)
    if options.rounds < 3 or options.authors < FOLLOWED or options.readers < 1:
        parser.error(f"--rounds must be at least 3, --authors at least {FOLLOWED}, --readers at least 1")
    return options


def progress(message):
    harness.progress("feed", message)


def run(args=None):
    """Build the data, time the engines reader by reader, and return the figures as one JSON-ready dict."""
    from django.core.management import call_command

    options = parse_arguments(args)
    rng = random.Random(options.seed)
    call_command("migrate", verbosity=0)
    with tempfile.TemporaryDirectory(prefix="bench-feed-") as folder:
        baseline = SQLFeed(str(Path(folder) / "baseline.sqlite3"))
        try:
            data, loaded = load(options, rng, baseline)
            agree = compare_answers(data, baseline)
            gc.collect()
            gc.freeze()
            progress("warming every engine")
            calls = engine_calls(data, baseline)
            for reader in data["readers"]:
                for engine in ENGINES:
                    calls[engine](reader)
            samples = time_rounds(calls, data["readers"], options)
        finally:
            gc.unfreeze()
            baseline.close()
    figures = {engine: summary(samples[engine]) for engine in ENGINES}
    goals = {
        "cached_p99_ms": figures["cached"]["p99"],
        "uncached_p99_ms": figures["uncached"]["p99"],
        "people_you_may_know_p95_ms": figures["people_you_may_know"]["p95"],
    }
    return {
        "benchmark": "feed",
        "profile": "embedded",
        "quick": options.quick,
        "readers": len(data["readers"]),
        "authors": options.authors,
        "posts": options.authors * options.posts,
        "followed_per_reader": FOLLOWED,
        "follow_edges": data["edges"],
        "rounds": options.rounds,
        "baseline": "one SQL query over a posts table indexed on (author, created) (bench/feed_baseline.py)",
        "load_seconds": loaded,
        "answers_agree": agree,
        "first_page_ms": figures,
        "goals": {name: {"value": value, "goal": GOALS[name], "goal_met": value < GOALS[name]}
                  for name, value in goals.items()},
        "headline": headline(figures, goals),
    }


def load(options, rng, baseline):
    """Users in SQL, follows in the graph, posts in the document store, the same in the baseline."""
    from django.contrib.auth import get_user_model

    from apps.social.models import POSTS_CONTAINER
    from apps.stores import stores

    User = get_user_model()
    total = options.readers + options.authors + options.pool
    progress(f"creating {total:,} users in SQL")
    started = time.perf_counter()
    User.objects.bulk_create([User(username=f"bench{n}", password="!") for n in range(total)], batch_size=2000)
    pks = list(User.objects.filter(username__startswith="bench").order_by("pk").values_list("pk", flat=True))
    readers, authors, pool = pks[:options.readers], pks[options.readers:options.readers + options.authors], \
        pks[options.readers + options.authors:]

    graph, documents = stores["graph"], stores["documents"]
    documents.ensure_container(POSTS_CONTAINER)
    graph.bulk_upsert_vertices((f"user:{pk}", "user") for pk in pks)
    follows = [(reader, author) for reader in readers for author in rng.sample(authors, FOLLOWED)]
    others = authors + pool
    author_follows = [(a, b) for a in authors for b in rng.sample(others, options.author_follows) if a != b]
    progress(f"loading {len(follows) + len(author_follows):,} follows into the graph")
    edges = [(f"user:{a}", "follows", f"user:{b}") for a, b in follows + author_follows]
    for start in range(0, len(edges), 100_000):
        graph.bulk_upsert_edges(edges[start:start + 100_000])

    progress(f"loading {options.authors * options.posts:,} posts into the document store")
    now = datetime.now(timezone.utc)
    posts = []
    for author in authors:
        for n in range(options.posts):
            created = now - timedelta(seconds=rng.randrange(30 * 24 * 3600), microseconds=rng.randrange(10**6))
            ns = int(created.timestamp()) * 10**9 + created.microsecond * 1000
            posts.append({"id": f"{ns:020d}{rng.getrandbits(48):012x}", "author": str(author),
                          "author_name": f"bench{author}", "text": f"Post {n} by {author}: " + "words " * 30,
                          "image": "", "created": created.isoformat(timespec="microseconds"), "edited": "",
                          "hidden": False, "version": 1})
    for start in range(0, len(posts), 1000):
        documents.bulk_upsert(POSTS_CONTAINER, posts[start:start + 1000])
    store_seconds = time.perf_counter() - started

    progress("loading the baseline")
    started = time.perf_counter()
    posts.sort(key=lambda post: post["id"])
    baseline.load(((key, int(p["author"]), p["created"], p["text"]) for key, p in enumerate(posts)), follows)
    data = {"readers": readers, "post_ids": [p["id"] for p in posts], "edges": len(edges)}
    return data, {"store": round(store_seconds, 2), "baseline": round(time.perf_counter() - started, 2)}


def engine_calls(data, baseline):
    from django.core.cache import cache

    from apps.social import feed, services

    def uncached(reader):
        cache.delete(feed.cache_key(reader))
        started = time.perf_counter()
        feed.page(reader)
        return time.perf_counter() - started

    def timed(call):
        def timed_call(reader):
            started = time.perf_counter()
            call(reader)
            return time.perf_counter() - started
        return timed_call

    return {
        "cached": timed(feed.page),
        "uncached": uncached,
        "baseline": timed(baseline.first_page),
        "people_you_may_know": timed(services.people_you_may_know),
    }


def compare_answers(data, baseline):
    """How many readers get the same first page (post ids, in order) from the feed and the baseline."""
    from apps.social import feed

    same = 0
    for reader in data["readers"]:
        ours = [post.id for post in feed.read_page(reader).posts]
        theirs = [data["post_ids"][row[0]] for row in baseline.first_page(reader)[:feed.PAGE_SIZE]]
        same += ours == theirs
    return {"checked": len(data["readers"]), "same": same}


def time_rounds(calls, readers, options):
    """Samples in ms per engine; blocks of readers, the engine going first rotating."""
    samples = {engine: [[] for _ in range(options.rounds)] for engine in ENGINES}
    for round_ in range(options.rounds):
        progress(f"round {round_ + 1} of {options.rounds}")
        for number, start in enumerate(range(0, len(readers), BLOCK)):
            shift = (number + round_) % len(ENGINES)
            for engine in ENGINES[shift:] + ENGINES[:shift]:
                for reader in readers[start:start + BLOCK]:
                    for _ in range(options.repeats):
                        samples[engine][round_].append(calls[engine](reader) * 1000)
    return samples


def summary(rounds):
    every = sorted(value for values in rounds for value in values)

    def at(values, fraction):
        return round(percentile(sorted(values), fraction), 3)

    return {
        "samples": len(every),
        "p50": at(every, 0.50), "p95": at(every, 0.95), "p99": at(every, 0.99),
        "p95_over_rounds": harness.spread([at(values, 0.95) for values in rounds]),
        "p99_over_rounds": harness.spread([at(values, 0.99) for values in rounds]),
    }


def headline(figures, goals):
    baseline = f"{figures['baseline']['p99']:g} ms one SQL query (p99)"
    return [
        {"figure": "feed first page p99, cached", "ours": f"{figures['cached']['p99']:g} ms", "baseline": baseline,
         "goal": "< 20 ms", "goal_met": goals["cached_p99_ms"] < GOALS["cached_p99_ms"]},
        {"figure": "feed first page p99, uncached", "ours": f"{figures['uncached']['p99']:g} ms", "baseline": baseline,
         "goal": "< 100 ms", "goal_met": goals["uncached_p99_ms"] < GOALS["uncached_p99_ms"]},
        {"figure": "people you may know p95, 500x500 users", "ours": f"{figures['people_you_may_know']['p95']:g} ms",
         "baseline": "", "goal": "< 50 ms",
         "goal_met": goals["people_you_may_know_p95_ms"] < GOALS["people_you_may_know_p95_ms"]},
    ]
